"""``HSIC`` (``ignite.metrics.hsic``): Hilbert-Schmidt Independence Criterion between two features.

For each batch of ``B >= 4`` samples of ``X`` and ``Y`` (``(B, ...)``, flattened to ``(B, D)``;
the two may have different widths), the unbiased estimator of Song et al. (2012, eq. 5) with
Gaussian kernels; the metric is its mean over batches. It is 0 when ``X`` and ``Y`` are
independent. A kernel's bandwidth ``sigma`` is given, or, when negative, taken per batch as the
square root of the median squared distance between that batch's samples.

torchmetrics has no HSIC; ``_hsic`` is the functional core. It uses the identities
``tr(K L) = sum(K * L)`` and ``1' K L 1 = (K 1) . (L 1)`` for the symmetric Gram matrices, so a
batch costs ``O(B^2 D)``, not the ``O(B^3)`` of a matrix product; and it takes the median by
sorting, so batches above 4096 samples work (``torch.quantile`` refuses more than 2^24 values).

Example:
    >>> import torch
    >>> metric = HSIC()
    >>> x = torch.linspace(-1.0, 1.0, 8).unsqueeze(1)
    >>> metric.update((x, x**2))  # dependent although uncorrelated
    >>> metric.compute() > 0
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.maximum_mean_discrepancy import _squared_distances
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["HSIC"]

_STATE = ("_sum_of_hsic", "_num_batches")  # both summed over processes


def _median(t: torch.Tensor) -> torch.Tensor:
    """The median of all values, the two middle ones averaged when their number is even."""
    values = t.flatten().sort().values
    n = values.numel()
    return (values[(n - 1) // 2] + values[n // 2]) / 2


def _gaussian_gram(a: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian kernel between the rows of ``(B, D)`` ``a``, with a zero diagonal."""
    gram = a @ a.T
    distances = _squared_distances(gram, gram.diagonal(), gram.diagonal())
    variance = _median(distances) if sigma < 0 else sigma**2
    return torch.exp(-0.5 * distances / variance).fill_diagonal_(0.0)


def _hsic(x: torch.Tensor, y: torch.Tensor, sigma_x: float, sigma_y: float) -> torch.Tensor:
    """Unbiased HSIC estimate of one batch of ``(B, Dx)`` ``x`` and ``(B, Dy)`` ``y`` (``B >= 4``), floored at 0."""
    b = x.shape[0]
    k, l_ = _gaussian_gram(x, sigma_x), _gaussian_gram(y, sigma_y)
    trace_kl = (k * l_).sum()
    sum_kl = k.sum(dim=0) @ l_.sum(dim=1)
    estimate = trace_kl + k.sum() * l_.sum() / ((b - 1) * (b - 2)) - 2.0 * sum_kl / (b - 2)
    # the estimator is unbiased, so a batch can come out slightly negative
    return (estimate / (b * (b - 3))).clamp(min=0.0)


class HSIC(Metric):
    """Batch-averaged unbiased HSIC between ``y_pred`` (features ``X``) and ``y`` (features ``Y``).

    Args:
        sigma_x: bandwidth of the kernel on ``X``; negative: the per-batch median heuristic.
        sigma_y: bandwidth of the kernel on ``Y``; negative: the per-batch median heuristic.
        ignore_invalid_batch: skip a batch of fewer than four samples (``True``) or raise
            ``ValueError`` for it (``False``).
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the sums are accumulated.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> HSIC().attach(engine, "hsic")
        >>> X = torch.arange(50.0).reshape(10, 5)
        >>> round(engine.run([(X, torch.sin(X * torch.pi * 2 / 50))]).metrics["hsic"], 4)
        0.0923
    """

    _state_dict_all_req_keys = _STATE

    def __init__(
        self,
        sigma_x: float = -1,
        sigma_y: float = -1,
        ignore_invalid_batch: bool = True,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device, skip_unrolling=skip_unrolling)
        self.sigma_x = sigma_x
        self.sigma_y = sigma_y
        self.ignore_invalid_batch = ignore_invalid_batch

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_hsic = torch.tensor(0.0, device=self._device)
        self._num_batches = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        x, y = output[0].detach(), output[1].detach()
        for name, t in (("y_pred", x), ("y", y)):
            if t.ndim < 2:
                # IndexError is what Ignite raises here (from flatten), with a less telling message
                raise IndexError(f"{name} must be in the shape of (B, ...), got {tuple(t.shape)}.")
        b = x.shape[0]
        if b < 4:
            if self.ignore_invalid_batch:
                return
            raise ValueError(f"A batch must contain at least four samples, got only {b} samples.")
        if y.shape[0] != b:
            raise RuntimeError(f"y_pred and y must have as many samples, got {b} and {y.shape[0]}.")
        hsic = _hsic(x.flatten(start_dim=1), y.flatten(start_dim=1), self.sigma_x, self.sigma_y)
        self._sum_of_hsic += hsic.to(self._device)
        self._num_batches += 1

    @sync_all_reduce(*_STATE)
    def compute(self) -> float:
        if self._num_batches == 0:
            raise NotComputableError("HSIC must have at least one batch before it can be computed.")
        return self._sum_of_hsic.item() / self._num_batches

"""``CohenKappa`` (``ignite.metrics.cohen_kappa``): Cohen's kappa, plain or linearly/quadratically weighted.

As Ignite 0.5.5: without ``num_classes`` the epoch's labels are stored and the classes are
``0 .. max label``; with ``num_classes`` a running confusion matrix is kept instead (labels of
``y`` outside ``[0, num_classes)`` are ignored). The confusion matrix is torchmetrics'
(through :class:`~bridge.metrics.ConfusionMatrix` for the running one); the kappa is
:func:`kappa_from_confusion`, Ignite's float64 formula, since torchmetrics' ``cohen_kappa``
computes in float32 and gives ``nan`` where Ignite gives 0.0 (a single class predicted and
present).

Example:
    >>> import torch
    >>> kappa = CohenKappa()
    >>> kappa.update((torch.tensor([0, 0, 2, 2, 0, 2]), torch.tensor([2, 0, 2, 2, 0, 1])))
    >>> round(kappa.compute(), 4)
    0.4286
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
import torch.nn.functional as F

from bridge.exceptions import NotComputableError
from bridge.metrics.confusion_matrix import ConfusionMatrix
from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.metric import Metric, reinit__is_reduced
from bridge.utils import _identity

__all__ = ["CohenKappa", "kappa_from_confusion"]

_Weights = Literal["linear", "quadratic"] | None


def kappa_from_confusion(confusion: torch.Tensor, weights: _Weights) -> float:
    """Cohen's kappa ``(p_o - p_e) / (1 - p_e)`` of a ``(C, C)`` confusion matrix (rows: targets).

    With ``weights``, disagreements weigh ``|i - j|`` (``"linear"``) or ``(i - j)^2``
    (``"quadratic"``). The denominator is clamped at 1e-9, so full agreement on a single class
    gives 0.0. An empty matrix is not computable.

    Example:
        >>> import torch
        >>> round(kappa_from_confusion(torch.tensor([[2.0, 0.0], [1.0, 3.0]]), None), 4)
        0.6667
        >>> round(kappa_from_confusion(torch.tensor([[2.0, 0.0], [1.0, 3.0]]), "quadratic"), 4)
        0.6667
    """
    n = confusion.sum()
    if n == 0:
        raise NotComputableError("CohenKappa cannot be computed on an empty confusion matrix (n == 0).")
    rows, cols = confusion.sum(dim=1), confusion.sum(dim=0)
    if weights is None:
        p_o = confusion.trace() / n
        p_e = (rows @ cols) / (n * n)
    else:
        idx = torch.arange(confusion.shape[0], device=confusion.device)
        distance = (idx.unsqueeze(0) - idx.unsqueeze(1)).abs().to(confusion.dtype)
        w = distance if weights == "linear" else distance**2
        w = w / w.max()  # nan for a single class, as Ignite
        p_o = 1 - (w * confusion).sum() / n
        p_e = 1 - (w * torch.outer(rows, cols) / n).sum() / n
    return ((p_o - p_e) / (1 - p_e).clamp(min=1e-9)).item()


class _KappaOfLabels:
    """``compute_fn`` of the stored labels: classes ``0 .. max label``, torchmetrics' confusion matrix."""

    def __init__(self, weights: _Weights, dtype: torch.dtype) -> None:
        self.weights, self.dtype = weights, dtype

    def __call__(self, y_pred: torch.Tensor, y: torch.Tensor) -> float:
        from torchmetrics.functional.classification import multiclass_confusion_matrix

        if y_pred.ndim > 1 or y.ndim > 1:
            raise ValueError("multilabel-indicator is not supported")
        num_classes = int(max(y_pred.max().item(), y.max().item())) + 1
        y_pred, y = y_pred.long(), y.long()
        if min(y_pred.min().item(), y.min().item()) < 0:
            raise RuntimeError("CohenKappa needs non-negative class labels, got a negative one.")
        confusion = multiclass_confusion_matrix(y_pred, y, max(num_classes, 2), validate_args=False)
        confusion = confusion[:num_classes, :num_classes].to(self.dtype)
        return kappa_from_confusion(confusion, self.weights)


class _RunningKappa(Metric):
    """Kappa of a running ``ConfusionMatrix(num_classes)``: no labels stored."""

    _state_dict_all_req_keys = ("_cm",)

    def __init__(self, num_classes: int, weights: _Weights, device: str | torch.device, skip_unrolling: bool) -> None:
        self._weights = weights
        self._cm = ConfusionMatrix(num_classes=num_classes, device=device)
        super().__init__(device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._cm.reset()

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        y_pred, y = _squeezed(output)
        if y_pred.ndim > 1 or y.ndim > 1:
            raise ValueError("multilabel-indicator is not supported")
        # ConfusionMatrix takes scores (N, C): a one-hot row per predicted label
        one_hot = F.one_hot(y_pred.long(), self._cm.num_classes).to(self._device, torch.float)
        self._cm.update((one_hot, y.long().to(self._device)))

    def compute(self) -> float:
        return kappa_from_confusion(self._cm.compute().to(self._double_dtype), self._weights)


def _squeezed(output: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    y_pred, y = output[0].detach(), output[1].detach()
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred.squeeze(dim=-1)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.squeeze(dim=-1)
    return y_pred, y


class CohenKappa(Metric):
    """Cohen's kappa of predicted labels against target labels ``(N,)`` (Ignite's ``CohenKappa``).

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        weights: None (plain kappa), ``"linear"`` or ``"quadratic"``.
        check_compute_fn: without ``num_classes``, run the computation on the first batch and
            warn if it fails.
        device: where the state is kept.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.
        num_classes: if given (> 1), keep a running confusion matrix instead of the labels.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> CohenKappa(weights="linear", num_classes=3).attach(engine, "kappa")
        >>> data = [(torch.tensor([0, 0, 2, 2, 0, 2]), torch.tensor([2, 0, 2, 2, 0, 1]))]
        >>> round(engine.run(data).metrics["kappa"], 4)
        0.5
    """

    _state_dict_all_req_keys = ("_impl",)

    def __init__(
        self,
        output_transform: Callable = _identity,
        weights: _Weights = None,
        check_compute_fn: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
        num_classes: int | None = None,
    ) -> None:
        if weights not in (None, "linear", "quadratic"):
            raise ValueError("Kappa Weighting type must be None or linear or quadratic.")
        self.weights: _Weights = weights
        double = torch.float32 if torch.device(device).type == "mps" else torch.float64
        self._impl: Metric
        if num_classes is not None:
            self._impl = _RunningKappa(num_classes, weights, device=device, skip_unrolling=skip_unrolling)
        else:
            self._impl = EpochMetric(
                _KappaOfLabels(weights, double),
                check_compute_fn=check_compute_fn,
                device=device,
                skip_unrolling=skip_unrolling,
            )
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._impl.reset()

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        self._impl.update(output)

    def compute(self) -> float:
        return self._impl.compute()

"""``CosineSimilarity`` (``ignite.metrics.cosine_similarity``): mean cosine similarity of samples.

Each sample is flattened to a vector and compared with its target by
:func:`torch.nn.functional.cosine_similarity` (each norm floored at ``eps``); the metric is the
mean over all samples seen. torchmetrics' ``cosine_similarity`` is not used: it has no ``eps``
(a zero vector gives NaN where Ignite gives 0) and it computes in float32 whatever the input.

Example:
    >>> import torch
    >>> metric = CosineSimilarity()
    >>> metric.update((torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.tensor([[2.0, 0.0], [1.0, 1.0]])))
    >>> metric.compute()  # (1 + 0) / 2: the zero vector's similarity is 0
    0.5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["CosineSimilarity"]

_STATE = ("_sum_of_cos_similarities", "_num_examples")  # both summed over processes


def _flat_samples(t: torch.Tensor, name: str) -> torch.Tensor:
    if t.ndim < 2:
        # IndexError is what Ignite raises here (from flatten), with a less telling message
        raise IndexError(f"{name} must be in the shape of (B, ...), got {tuple(t.shape)}.")
    return t.flatten(start_dim=1)


def _cosine_similarities(y_pred: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    """Cosine similarity of each sample of ``y_pred`` with the same sample of ``y``, flattened."""
    return F.cosine_similarity(_flat_samples(y_pred, "y_pred"), _flat_samples(y, "y"), dim=1, eps=eps)


class CosineSimilarity(Metric):
    """Mean over samples of ``y_pred_i . y_i / (max(|y_pred_i|, eps) * max(|y_i|, eps))``.

    Args:
        eps: floor of each vector's norm, so that a zero vector has similarity 0.
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the sums are accumulated.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    ``update`` takes ``(y_pred, y)`` of the same shape ``(B, ...)``; each sample is flattened.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> CosineSimilarity().attach(engine, "cos")
        >>> preds = torch.tensor([[1.0, 2.0, 4.0, 1.0], [2.0, 3.0, 1.0, 5.0]])
        >>> round(engine.run([(preds, preds.flip(0))]).metrics["cos"], 4)
        0.5804
    """

    _state_dict_all_req_keys = _STATE

    def __init__(
        self,
        eps: float = 1e-8,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device, skip_unrolling=skip_unrolling)
        self.eps = eps

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_cos_similarities = torch.tensor(0.0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        similarities = _cosine_similarities(y_pred, y, self.eps)
        self._sum_of_cos_similarities += similarities.sum().to(self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce(*_STATE)
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("CosineSimilarity must have at least one example before it can be computed.")
        return self._sum_of_cos_similarities.item() / self._num_examples

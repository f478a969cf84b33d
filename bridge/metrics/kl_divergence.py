"""``KLDivergence`` (``ignite.metrics.kl_divergence``): mean ``KL(softmax(y) || softmax(y_pred))``.

``y_pred`` and ``y`` are logits of the same shape, ``(B, C)`` or ``(B, C, ...)`` (every position
of a map is one prediction). Each prediction's divergence is torchmetrics'
``kl_divergence`` on the log-probabilities; the metric is their mean over all predictions.

Example:
    >>> import torch
    >>> metric = KLDivergence()
    >>> same = torch.tensor([[1.0, 2.0, 3.0]])
    >>> metric.update((same, same))
    >>> metric.compute()
    0.0
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from bridge.exceptions import NotComputableError
from bridge.metrics.entropy import _class_rows
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce

__all__ = ["KLDivergence"]

_STATE = ("_sum_of_kl", "_num_examples")  # both summed over processes


def _kl_sum(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Sum over the rows of ``(N, C)`` logits of ``KL(softmax(y) || softmax(y_pred))``."""
    # imported on first use, so `import bridge.metrics` stays light
    from torchmetrics.functional import kl_divergence

    return kl_divergence(F.log_softmax(y, dim=1), F.log_softmax(y_pred, dim=1), log_prob=True, reduction="sum")


class KLDivergence(Metric):
    """Mean over predictions of the KL divergence of the predicted distribution from the target's.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``, both logits.
        device: where the sums are accumulated.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> KLDivergence().attach(engine, "kl")
        >>> y = torch.tensor([[0.0, -2.3026, -2.3026], [1.3863, 1.6094, 1.6094], [0.0, 0.6931, 1.0986]])
        >>> round(engine.run([(y.flip(0), y)]).metrics["kl"], 4)
        0.722
    """

    _state_dict_all_req_keys = _STATE

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_kl = torch.tensor(0.0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        if y_pred.shape != y.shape:
            raise ValueError(f"y_pred and y must be in the same shape, got {y_pred.shape} != {y.shape}.")
        y_pred, y = _class_rows(y_pred), _class_rows(y, "y")
        self._update(y_pred, y)
        self._num_examples += y_pred.shape[0]

    def _update(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        # the subclasses' hook: add one batch's (N, C) logits to _sum_of_kl
        self._sum_of_kl += _kl_sum(y_pred, y).to(self._device)

    @sync_all_reduce(*_STATE)
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("KLDivergence must have at least one example before it can be computed.")
        return self._sum_of_kl.item() / self._num_examples

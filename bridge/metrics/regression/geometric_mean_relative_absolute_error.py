"""``GeometricMeanRelativeAbsoluteError`` (``ignite.metrics.regression.geometric_mean_relative_absolute_error``).

Example:
    >>> import torch
    >>> m = GeometricMeanRelativeAbsoluteError()
    >>> m.update((torch.tensor([1.0, 3.0]), torch.tensor([0.0, 4.0])))
    >>> m.compute()
    0.5
"""

from __future__ import annotations

from typing import cast

import torch

import bridge.distributed as idist
from bridge.exceptions import NotComputableError
from bridge.metrics.metric import reinit__is_reduced
from bridge.metrics.regression._base import _BaseRegression

__all__ = ["GeometricMeanRelativeAbsoluteError"]


def _geometric_mean_relative_absolute_error(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    # relative to the error of predicting the mean target: needs all the targets, hence the stored epoch
    relative = (y - y_pred).abs() / (y - y.mean()).abs()
    return relative.log().mean().exp().item()


class GeometricMeanRelativeAbsoluteError(_BaseRegression):
    r"""Geometric mean of :math:`|A_j - P_j| / |A_j - \bar{A}|` over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``;
    :math:`\bar{A}` is the mean of all the targets, so the predictions and targets are stored
    (Ignite's ``_predictions`` / ``_targets``) and gathered across processes by ``compute``.
    ``NotComputableError`` before the first update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the stored tensors live.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> GeometricMeanRelativeAbsoluteError().attach(engine, "gmrae")
        >>> data = [(torch.tensor([1.0]), torch.tensor([0.0])), (torch.tensor([3.0]), torch.tensor([4.0]))]
        >>> engine.run(data).metrics["gmrae"]
        0.5
    """

    _state_dict_all_req_keys = ("_predictions", "_targets")

    @reinit__is_reduced
    def reset(self) -> None:
        self._predictions: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []

    def _update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        self._predictions.append(output[0].clone().to(self._device))
        self._targets.append(output[1].clone().to(self._device))

    def compute(self) -> float:
        if not self._predictions:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        y_pred, y = torch.cat(self._predictions), torch.cat(self._targets)
        if idist.get_world_size() > 1:
            y_pred, y = cast(torch.Tensor, idist.all_gather(y_pred)), cast(torch.Tensor, idist.all_gather(y))
        return _geometric_mean_relative_absolute_error(y_pred, y)

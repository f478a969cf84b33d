"""``MedianRelativeAbsoluteError`` (``ignite.metrics.regression.median_relative_absolute_error``).

Example:
    >>> import torch
    >>> m = MedianRelativeAbsoluteError()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 3.0, 3.0])))
    >>> m.compute()
    0.5
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.regression._base import _torch_median
from bridge.utils import _identity

__all__ = ["MedianRelativeAbsoluteError", "median_relative_absolute_error_compute_fn"]


def median_relative_absolute_error_compute_fn(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    """Median of ``|y - y_pred| / |y - mean(y)|`` over all the elements.

    Example:
        >>> import torch
        >>> median_relative_absolute_error_compute_fn(torch.tensor([1.0, 1.0, 1.0]), torch.tensor([0.0, 1.0, 5.0]))
        0.5
    """
    target = y.view_as(y_pred)
    return _torch_median((target - y_pred).abs() / (target - y.mean()).abs())


class MedianRelativeAbsoluteError(EpochMetric):
    r"""Median of :math:`|A_j - P_j| / |A_j - \bar{A}|` over all the epoch's samples (an ``EpochMetric``).

    ``\bar{A}`` is the mean of all the epoch's targets (so they must be floats). As in Ignite,
    the inputs are ``(N,)`` or ``(N, T)`` of one dtype; torchmetrics has no median error.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the stored tensors live.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MedianRelativeAbsoluteError().attach(engine, "median_rae")
        >>> engine.run([(torch.tensor([2.0, 2.0, 4.0]), torch.tensor([1.0, 2.0, 6.0]))]).metrics["median_rae"]
        0.5
    """

    def __init__(
        self, output_transform: Callable = _identity, device: str | torch.device = torch.device("cpu")
    ) -> None:
        super().__init__(median_relative_absolute_error_compute_fn, output_transform=output_transform, device=device)

"""``MedianAbsolutePercentageError`` (``ignite.metrics.regression.median_absolute_percentage_error``).

Example:
    >>> import torch
    >>> m = MedianAbsolutePercentageError()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 3.0])))
    >>> m.compute()
    50.0
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.regression._base import _torch_median
from bridge.utils import _identity

__all__ = ["MedianAbsolutePercentageError", "median_absolute_percentage_error_compute_fn"]


def median_absolute_percentage_error_compute_fn(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    """100 times the median of ``|y - y_pred| / |y|`` over all the elements.

    Example:
        >>> import torch
        >>> median_absolute_percentage_error_compute_fn(torch.tensor([1.0, 1.0, 1.0]), torch.tensor([2.0, 4.0, 1.0]))
        50.0
    """
    target = y.view_as(y_pred)
    return 100.0 * _torch_median((target - y_pred).abs() / target.abs())


class MedianAbsolutePercentageError(EpochMetric):
    r"""Median of :math:`100 |A_j - P_j| / |A_j|` over all the epoch's samples (an ``EpochMetric``).

    As in Ignite: a zero target makes its term ``inf`` (or ``nan``), no error is raised; the
    inputs are ``(N,)`` or ``(N, T)`` of one dtype. torchmetrics' MAPE is a mean, with
    clamped targets, so it is not used.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the stored tensors live.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MedianAbsolutePercentageError().attach(engine, "median_ape")
        >>> engine.run([(torch.tensor([1.0, 3.0]), torch.tensor([2.0, 2.0]))]).metrics["median_ape"]
        50.0
    """

    def __init__(
        self, output_transform: Callable = _identity, device: str | torch.device = torch.device("cpu")
    ) -> None:
        super().__init__(median_absolute_percentage_error_compute_fn, output_transform=output_transform, device=device)

"""``MedianAbsoluteError`` (``ignite.metrics.regression.median_absolute_error``), an ``EpochMetric``.

Example:
    >>> import torch
    >>> m = MedianAbsoluteError()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.5, 4.0, 3.0])))
    >>> m.compute()
    0.5
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.regression._base import _torch_median
from bridge.utils import _identity

__all__ = ["MedianAbsoluteError", "median_absolute_error_compute_fn"]


def median_absolute_error_compute_fn(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    """Median of ``|y - y_pred|`` over all the elements (``y`` is viewed as ``y_pred``).

    Example:
        >>> import torch
        >>> median_absolute_error_compute_fn(torch.tensor([0.0, 0.0, 0.0, 0.0]), torch.tensor([1.0, -2.0, 3.0, 4.0]))
        2.5
    """
    return _torch_median((y.view_as(y_pred) - y_pred).abs())


class MedianAbsoluteError(EpochMetric):
    r"""Median of :math:`|A_j - P_j|` over all the epoch's samples (an ``EpochMetric``, as in Ignite).

    The predictions and targets are stored, gathered across processes and reduced once, on
    rank 0. As an ``EpochMetric``, it takes ``(N,)`` or ``(N, T)`` tensors of any dtype
    (the same ``dtype`` in every batch), the median running over all the elements;
    torchmetrics has no median error.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the stored tensors live.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MedianAbsoluteError().attach(engine, "median_ae")
        >>> data = [(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 2.0])), (torch.tensor([5.0]), torch.tensor([0.0]))]
        >>> engine.run(data).metrics["median_ae"]
        1.0
    """

    def __init__(
        self, output_transform: Callable = _identity, device: str | torch.device = torch.device("cpu")
    ) -> None:
        super().__init__(median_absolute_error_compute_fn, output_transform=output_transform, device=device)

"""``RootMeanSquaredError`` (``ignite.metrics.root_mean_squared_error``).

Example:
    >>> import torch
    >>> rmse = RootMeanSquaredError()
    >>> rmse.update((torch.tensor([0.0, 0.0]), torch.tensor([3.0, 4.0])))
    >>> round(rmse.compute(), 4)
    3.5355
"""

from __future__ import annotations

import math

from bridge.metrics.mean_squared_error import MeanSquaredError

__all__ = ["RootMeanSquaredError"]


class RootMeanSquaredError(MeanSquaredError):
    """Square root of :class:`MeanSquaredError`.

    Example:
        >>> import torch
        >>> rmse = RootMeanSquaredError()
        >>> rmse.update((torch.tensor([1.0]), torch.tensor([3.0])))
        >>> rmse.compute()
        2.0
    """

    def compute(self) -> float:
        return math.sqrt(super().compute())

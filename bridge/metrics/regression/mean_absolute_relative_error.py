"""``MeanAbsoluteRelativeError`` (``ignite.metrics.regression.mean_absolute_relative_error``).

Example:
    >>> import torch
    >>> m = MeanAbsoluteRelativeError()
    >>> m.update((torch.tensor([1.0, 3.0]), torch.tensor([2.0, 3.0])))
    >>> m.compute()
    0.25
"""

from __future__ import annotations

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.regression._base import _MeanOfTerms

__all__ = ["MeanAbsoluteRelativeError"]


def _relative_to(y: torch.Tensor, errors: torch.Tensor) -> torch.Tensor:
    """``errors / y``; a zero target makes the batch unusable (``NotComputableError``, as in Ignite)."""
    if (y == 0).any():
        raise NotComputableError("The ground truth has 0.")
    return errors / y


class MeanAbsoluteRelativeError(_MeanOfTerms):
    r"""Mean of :math:`|A_j - P_j| / |A_j|` over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``.
    A batch with a zero target raises ``NotComputableError`` in ``update`` (torchmetrics' MAPE
    clamps small targets instead, so it is not used). ``NotComputableError`` before the first update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sum lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MeanAbsoluteRelativeError().attach(engine, "mare")
        >>> engine.run([(torch.tensor([1.0, 6.0]), torch.tensor([2.0, 4.0]))]).metrics["mare"]
        0.5
    """

    _states = {"_sum_of_absolute_relative_errors": "sum", "_num_samples": "count"}

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return _relative_to(y.abs(), (y_pred - y).abs())

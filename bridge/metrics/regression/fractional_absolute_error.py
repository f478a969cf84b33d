"""``FractionalAbsoluteError`` (``ignite.metrics.regression.fractional_absolute_error``).

Example:
    >>> import torch
    >>> m = FractionalAbsoluteError()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([3.0, 2.0])))
    >>> m.compute()
    0.5
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _MeanOfTerms

__all__ = ["FractionalAbsoluteError"]


def _fractional_absolute_terms(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # no epsilon (torchmetrics' symmetric MAPE clamps the denominator): a pair of zeros gives nan, as in Ignite
    return 2 * (y - y_pred).abs() / (y_pred.abs() + y.abs())


class FractionalAbsoluteError(_MeanOfTerms):
    r"""Mean of :math:`2 |A_j - P_j| / (|A_j| + |P_j|)` over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``.
    ``NotComputableError`` before the first update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sum lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> FractionalAbsoluteError().attach(engine, "fae")
        >>> engine.run([(torch.tensor([1.0, 4.0]), torch.tensor([3.0, 4.0]))]).metrics["fae"]
        0.5
    """

    _states = {"_sum_of_errors": "sum", "_num_examples": "count"}

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return _fractional_absolute_terms(y_pred, y)

"""``GeometricMeanAbsoluteError`` (``ignite.metrics.regression.geometric_mean_absolute_error``).

Example:
    >>> import torch
    >>> m = GeometricMeanAbsoluteError()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([2.0, 6.0])))
    >>> m.compute()
    2.0
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _MeanOfTerms

__all__ = ["GeometricMeanAbsoluteError"]


class GeometricMeanAbsoluteError(_MeanOfTerms):
    r"""Geometric mean of the absolute errors: :math:`\exp(\frac{1}{n}\sum_j \log |A_j - P_j|)`.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``.
    The logs are summed batch after batch; an exact prediction makes the result 0.0.
    ``NotComputableError`` before the first update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sum lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> GeometricMeanAbsoluteError().attach(engine, "gmae")
        >>> data = [(torch.tensor([0.0]), torch.tensor([1.0])), (torch.tensor([0.0]), torch.tensor([4.0]))]
        >>> engine.run(data).metrics["gmae"]
        2.0
    """

    _states = {"_sum_of_errors": "sum", "_num_examples": "count"}

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - y_pred).abs().log()

    def _finish(self, total: torch.Tensor, n: int) -> float:
        return (total / n).exp().item()

"""``CanberraMetric`` (``ignite.metrics.regression.canberra_metric``).

Example:
    >>> import torch
    >>> m = CanberraMetric()
    >>> m.update((torch.tensor([1.0, 2.0, 0.0]), torch.tensor([3.0, 2.0, 0.0])))
    >>> m.compute()
    0.5
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _Accumulated

__all__ = ["CanberraMetric"]


def _canberra_terms(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    # the 1e-15 makes a pair of zeros count 0 (in float16 it rounds away and 0/0 is nan, as in Ignite)
    return (y - y_pred).abs() / (y_pred.abs() + y.abs() + 1e-15)


class CanberraMetric(_Accumulated):
    r"""Canberra distance, :math:`\sum_j |A_j - P_j| / (|A_j| + |P_j|)`, over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``.
    A sum, not a mean: 0.0 before any update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sum lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> CanberraMetric().attach(engine, "canberra")
        >>> engine.run([(torch.tensor([1.0, 4.0]), torch.tensor([3.0, 4.0]))]).metrics["canberra"]
        0.5
    """

    _states = {"_sum_of_errors": "sum"}

    def _batch(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor]:
        return (_canberra_terms(y_pred, y).sum(),)

    def _finish(self, total: torch.Tensor) -> float:
        return total.item()

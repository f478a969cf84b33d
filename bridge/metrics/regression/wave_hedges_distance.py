"""``WaveHedgesDistance`` (``ignite.metrics.regression.wave_hedges_distance``).

Example:
    >>> import torch
    >>> m = WaveHedgesDistance()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([4.0, 2.0])))
    >>> m.compute()
    0.75
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _Accumulated

__all__ = ["WaveHedgesDistance"]


def _wave_hedges_terms(y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (y - y_pred).abs() / (torch.maximum(y_pred, y) + 1e-30)


class WaveHedgesDistance(_Accumulated):
    r"""Wave Hedges distance, :math:`\sum_j |A_j - P_j| / \max(A_j, P_j)`, over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``;
    ``1e-30`` is added to the denominator, as in Ignite. A sum: 0.0 before any update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sum lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> WaveHedgesDistance().attach(engine, "wave_hedges")
        >>> engine.run([(torch.tensor([[1.0], [3.0]]), torch.tensor([[2.0], [3.0]]))]).metrics["wave_hedges"]
        0.5
    """

    _states = {"_sum_of_errors": "sum"}

    def _batch(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor]:
        return (_wave_hedges_terms(y_pred, y).sum(),)

    def _finish(self, total: torch.Tensor) -> float:
        return total.item()

"""``MaximumAbsoluteError`` (``ignite.metrics.regression.maximum_absolute_error``).

Example:
    >>> import torch
    >>> m = MaximumAbsoluteError()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([3.0, 1.0])))
    >>> m.compute()
    2.0
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _Accumulated

__all__ = ["MaximumAbsoluteError"]


class MaximumAbsoluteError(_Accumulated):
    r"""Largest absolute error, :math:`\max_j |A_j - P_j|`, over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``.
    The state is a python float (the maximum across processes in a distributed run), as in
    Ignite. ``NotComputableError`` before the first update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: the metric's device (the state is a number).
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MaximumAbsoluteError().attach(engine, "max_ae")
        >>> data = [(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 1.0])), (torch.tensor([0.5]), torch.tensor([4.0]))]
        >>> engine.run(data).metrics["max_ae"]
        3.5
    """

    _states = {"_max_of_absolute_errors": "max"}

    def _batch(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[float]:
        return ((y_pred - y).abs().max().item(),)

    def _finish(self, largest: float) -> float:
        return largest

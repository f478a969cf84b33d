"""``MeanNormalizedBias`` (``ignite.metrics.regression.mean_normalized_bias``).

Example:
    >>> import torch
    >>> m = MeanNormalizedBias()
    >>> m.update((torch.tensor([1.0, 3.0]), torch.tensor([2.0, 3.0])))
    >>> m.compute()
    0.25
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _MeanOfTerms
from bridge.metrics.regression.mean_absolute_relative_error import _relative_to

__all__ = ["MeanNormalizedBias"]


class MeanNormalizedBias(_MeanOfTerms):
    r"""Mean of :math:`(A_j - P_j) / A_j` over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``.
    A batch with a zero target raises ``NotComputableError`` in ``update``, as in Ignite.
    ``NotComputableError`` before the first update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sum lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MeanNormalizedBias().attach(engine, "mnb")
        >>> engine.run([(torch.tensor([1.0, 6.0]), torch.tensor([2.0, 4.0]))]).metrics["mnb"]
        0.0
    """

    _states = {"_sum_of_errors": "sum", "_num_examples": "count"}

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return _relative_to(y, y - y_pred)

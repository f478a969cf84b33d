"""``MeanError`` (``ignite.metrics.regression.mean_error``).

Example:
    >>> import torch
    >>> m = MeanError()
    >>> m.update((torch.tensor([1.0, 2.0]), torch.tensor([3.0, 1.0])))
    >>> m.compute()
    0.5
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _MeanOfTerms

__all__ = ["MeanError"]


class MeanError(_MeanOfTerms):
    r"""Mean signed error, :math:`\frac{1}{n}\sum_j (A_j - P_j)`, over all the samples seen.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``:
    positive when the predictions are too low. ``NotComputableError`` before the first update.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sum lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MeanError().attach(engine, "me")
        >>> engine.run([(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 4.0]))]).metrics["me"]
        1.5
    """

    _states = {"_sum_of_errors": "sum", "_num_examples": "count"}

    def _terms(self, y_pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return y - y_pred

"""``R2Score`` (``ignite.metrics.regression.r2_score``): the coefficient of determination.

Example:
    >>> import torch
    >>> m = R2Score()
    >>> y = torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    >>> m.update((y * 0.75, y))
    >>> round(m.compute(), 4)
    0.8036
"""

from __future__ import annotations

import torch

from bridge.metrics.regression._base import _Accumulated

__all__ = ["R2Score"]


def _r2_from_sums(n: int, sum_of_errors: torch.Tensor, y_sq_sum: torch.Tensor, y_sum: torch.Tensor) -> float:
    # Ignite's arithmetic (python floats from the summed tensors), so degenerate targets give its numbers
    total_variation = y_sq_sum.item() - y_sum.item() ** 2 / n
    if total_variation == 0:
        raise ZeroDivisionError("R2Score is undefined: the targets have zero variance (all of them are equal)")
    return 1 - sum_of_errors.item() / total_variation


class R2Score(_Accumulated):
    r"""Coefficient of determination, :math:`1 - \sum_j (A_j - P_j)^2 / \sum_j (A_j - \bar{A})^2`.

    ``A`` is the target ``y``, ``P`` the prediction ``y_pred``, float ``(N,)`` or ``(N, 1)``.
    The state is Ignite's: the number of samples and the sums of squared errors, of ``y`` and of
    ``y**2``, summed across processes (so the value is exact over batches and ranks).
    Single output only, as Ignite 0.5.5 (no ``multioutput``). ``NotComputableError`` before the
    first update; ``ZeroDivisionError`` when all the targets are equal, as Ignite (torchmetrics'
    ``r2_score`` warns and returns a number there instead).

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sums live.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> R2Score().attach(engine, "r2")
        >>> y = torch.tensor([1.0, 2.0, 3.0, 4.0])
        >>> engine.run([(y[:2] + 0.5, y[:2]), (y[2:] - 0.5, y[2:])]).metrics["r2"]
        0.8
    """

    _states = {"_num_examples": "count", "_sum_of_errors": "sum", "_y_sq_sum": "sum", "_y_sum": "sum"}

    def _batch(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]:
        return y.shape[0], (y_pred - y).square().sum(), y.square().sum(), y.sum()

    def _finish(self, n: int, sum_of_errors: torch.Tensor, y_sq_sum: torch.Tensor, y_sum: torch.Tensor) -> float:
        return _r2_from_sums(n, sum_of_errors, y_sq_sum, y_sum)

"""``PearsonCorrelation`` (``ignite.metrics.regression.pearson_correlation``).

Example:
    >>> import torch
    >>> m = PearsonCorrelation()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 4.0, 7.0])))
    >>> round(m.compute(), 4)
    0.9934
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics.regression._base import _Accumulated
from bridge.utils import _identity

__all__ = ["PearsonCorrelation"]


def _pearson_from_sums(
    n: int,
    sum_p: torch.Tensor,
    sum_y: torch.Tensor,
    sum_pp: torch.Tensor,
    sum_yy: torch.Tensor,
    sum_py: torch.Tensor,
    eps: float,
) -> float:
    # Ignite's moments, in the state's dtype: E[xy] - E[x]E[y] over sqrt(Var x Var y), variances
    # clamped at 0 and the denominator at eps (a constant input gives ~0, not nan)
    mean_p, mean_y = sum_p / n, sum_y / n
    covariance = sum_py / n - sum_p * sum_y / (n * n)
    var_p = (sum_pp / n - mean_p * mean_p).clamp(min=0.0)
    var_y = (sum_yy / n - mean_y * mean_y).clamp(min=0.0)
    return float((covariance / (var_p * var_y).sqrt().clamp(min=eps)).item())


class PearsonCorrelation(_Accumulated):
    r"""Pearson correlation of predictions and targets over all the samples seen.

    ``y_pred`` and ``y`` are float ``(N,)`` or ``(N, 1)``. The state is Ignite's: the number of
    samples and five sums (of ``y_pred``, ``y``, their squares and their product), summed
    across processes; the value is :math:`\mathrm{cov}(P, A) / \max(\sigma_P \sigma_A, \epsilon)`.
    torchmetrics' ``pearson_corrcoef`` gives one batch's value (and nan for a constant input),
    so it is not used. ``NotComputableError`` before the first update.

    Args:
        eps: lower bound of the denominator. Default ``1e-8``.
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the running sums live.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> PearsonCorrelation().attach(engine, "pearson")
        >>> x = torch.tensor([1.0, 2.0, 3.0, 4.0])
        >>> engine.run([(x[:2], -2 * x[:2]), (x[2:], -2 * x[2:])]).metrics["pearson"]
        -1.0
    """

    _states = {
        "_sum_of_y_preds": "sum",
        "_sum_of_ys": "sum",
        "_sum_of_y_pred_squares": "sum",
        "_sum_of_y_squares": "sum",
        "_sum_of_products": "sum",
        "_num_examples": "count",
    }

    def __init__(
        self,
        eps: float = 1e-8,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        super().__init__(output_transform, device)
        self.eps = eps

    def _batch(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor | int, ...]:
        return y_pred.sum(), y.sum(), y_pred.square().sum(), y.square().sum(), (y_pred * y).sum(), y.shape[0]

    def _finish(self, *totals: torch.Tensor | int) -> float:
        sum_p, sum_y, sum_pp, sum_yy, sum_py, n = totals
        return _pearson_from_sums(n, sum_p, sum_y, sum_pp, sum_yy, sum_py, self.eps)  # type: ignore[arg-type]

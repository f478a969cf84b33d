"""``SpearmanRankCorrelation`` (``ignite.metrics.regression.spearman_correlation``), an ``EpochMetric``.

Example:
    >>> import torch
    >>> m = SpearmanRankCorrelation()
    >>> m.update((torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([1.0, 4.0, 9.0, 16.0])))
    >>> m.compute()
    1.0
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import torch

from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.regression._base import _check_output_shapes, _check_output_types
from bridge.utils import _identity

__all__ = ["SpearmanRankCorrelation"]


def _average_ranks(values: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Ranks 1..n of a 1-d tensor, tied values sharing the mean of their ranks; and the number of distinct values."""
    _, inverse, counts = torch.unique(values, sorted=True, return_inverse=True, return_counts=True)
    counts = counts.to(values.dtype)
    last = counts.cumsum(0)  # rank of the last member of each group of equal values
    return (last - (counts - 1) / 2).index_select(0, inverse), counts.numel()


def _float_for_ranks(t: torch.Tensor) -> torch.Tensor:
    # float64 ranks are exact and their moments accurate (as scipy's); MPS has no float64
    return t.reshape(-1).to(torch.float32 if t.device.type == "mps" else torch.float64)


def _spearman_r(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    # scipy's spearmanr, which Ignite calls: nan for fewer than 2 samples, a nan input or a constant one
    from torchmetrics.functional import pearson_corrcoef

    preds, target = _float_for_ranks(y_pred), _float_for_ranks(y)
    if preds.numel() < 2 or bool(preds.isnan().any() or target.isnan().any()):
        return math.nan
    (pred_ranks, n_pred_values), (target_ranks, n_target_values) = _average_ranks(preds), _average_ranks(target)
    if n_pred_values == 1 or n_target_values == 1:
        warnings.warn("An input array is constant; the correlation coefficient is not defined.", RuntimeWarning)
        return math.nan
    # not torchmetrics' spearman_corrcoef: it sums tied ranks in int32, which overflows on a large epoch
    return pearson_corrcoef(pred_ranks, target_ranks).item()


class SpearmanRankCorrelation(EpochMetric):
    r"""Spearman's rank correlation of all the epoch's predictions and targets.

    The Pearson correlation (torchmetrics' ``pearson_corrcoef``) of their float64 ranks, tied
    values sharing the mean rank: torchmetrics' ``spearman_corrcoef`` sums tied ranks in int32,
    which overflows on large epochs with large ties (0.12 instead of scipy's 0.85 on 100,000
    samples, 62,000 of them tied). ``nan`` for fewer than two samples, a ``nan`` value or a constant
    input (with a ``RuntimeWarning`` for the latter), as scipy's ``spearmanr`` which Ignite
    calls. scipy is not needed. ``y_pred`` and ``y``: float ``(N,)`` or ``(N, 1)``, stored and
    gathered across processes, ranked once on rank 0.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: try the computation on the first batch and warn if it fails.
        device: where the stored tensors live.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> SpearmanRankCorrelation().attach(engine, "spearman")
        >>> data = [(torch.tensor([1.0, 2.0]), torch.tensor([30.0, 20.0])), (torch.tensor([3.0]), torch.tensor([10.0]))]
        >>> engine.run(data).metrics["spearman"]
        -1.0
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(_spearman_r, output_transform, check_compute_fn, device, skip_unrolling)

    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        _check_output_shapes(output)
        _check_output_types(output)
        super().update(output)

"""Ignite's regression metrics (``ignite.metrics.regression``).

Every metric takes float ``(N,)`` or ``(N, 1)`` predictions and targets (the median ones, being
``EpochMetric`` instances, also ``(N, T)`` and integer tensors), accumulates Ignite's state (same names, so state dicts
move between Ignite and bridge), reduces it across processes as Ignite does, and returns
Ignite's values. ``SpearmanRankCorrelation`` correlates the ranks with torchmetrics'
``pearson_corrcoef``; the others are small tensor formulas, because torchmetrics has no such
quantity, defines it differently at Ignite's edge cases, or computes it at a much higher cost
(Kendall's tau, the Minkowski distance): see each class.

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> from bridge.metrics.regression import MeanError, PearsonCorrelation, R2Score
    >>> evaluator = Engine(lambda e, batch: batch)
    >>> R2Score().attach(evaluator, "r2")
    >>> PearsonCorrelation().attach(evaluator, "pearson")
    >>> MeanError().attach(evaluator, "bias")
    >>> y = torch.tensor([1.0, 2.0, 3.0, 4.0])
    >>> metrics = evaluator.run([(y[:2] + 0.5, y[:2]), (y[2:] - 0.5, y[2:])]).metrics
    >>> metrics["r2"], round(metrics["pearson"], 4), metrics["bias"]
    (0.8, 0.9487, 0.0)
"""

from bridge.metrics.regression.canberra_metric import CanberraMetric
from bridge.metrics.regression.fractional_absolute_error import FractionalAbsoluteError
from bridge.metrics.regression.fractional_bias import FractionalBias
from bridge.metrics.regression.geometric_mean_absolute_error import GeometricMeanAbsoluteError
from bridge.metrics.regression.geometric_mean_relative_absolute_error import GeometricMeanRelativeAbsoluteError
from bridge.metrics.regression.kendall_correlation import KendallRankCorrelation
from bridge.metrics.regression.manhattan_distance import ManhattanDistance
from bridge.metrics.regression.maximum_absolute_error import MaximumAbsoluteError
from bridge.metrics.regression.mean_absolute_relative_error import MeanAbsoluteRelativeError
from bridge.metrics.regression.mean_error import MeanError
from bridge.metrics.regression.mean_normalized_bias import MeanNormalizedBias
from bridge.metrics.regression.median_absolute_error import MedianAbsoluteError
from bridge.metrics.regression.median_absolute_percentage_error import MedianAbsolutePercentageError
from bridge.metrics.regression.median_relative_absolute_error import MedianRelativeAbsoluteError
from bridge.metrics.regression.pearson_correlation import PearsonCorrelation
from bridge.metrics.regression.r2_score import R2Score
from bridge.metrics.regression.spearman_correlation import SpearmanRankCorrelation
from bridge.metrics.regression.wave_hedges_distance import WaveHedgesDistance

__all__ = [
    "CanberraMetric",
    "FractionalAbsoluteError",
    "FractionalBias",
    "GeometricMeanAbsoluteError",
    "GeometricMeanRelativeAbsoluteError",
    "KendallRankCorrelation",
    "ManhattanDistance",
    "MaximumAbsoluteError",
    "MeanAbsoluteRelativeError",
    "MeanError",
    "MeanNormalizedBias",
    "MedianAbsoluteError",
    "MedianAbsolutePercentageError",
    "MedianRelativeAbsoluteError",
    "PearsonCorrelation",
    "R2Score",
    "SpearmanRankCorrelation",
    "WaveHedgesDistance",
]

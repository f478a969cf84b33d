"""``ignite.contrib.metrics.regression``: Ignite 0.5.5's old home of the regression metrics, now in ``bridge.metrics.regression``.

As Ignite's package, it gives the metrics and their new modules without a warning; each
``bridge.contrib.metrics.regression.<module>`` warns on import, as Ignite's moved modules do.

Example:
    >>> from bridge.contrib.metrics.regression import R2Score
    >>> import bridge.metrics.regression
    >>> R2Score is bridge.metrics.regression.R2Score
    True
"""

from bridge.metrics.regression import (  # the new modules, without a warning, as Ignite's package
    canberra_metric,
    fractional_absolute_error,
    fractional_bias,
    geometric_mean_absolute_error,
    geometric_mean_relative_absolute_error,
    manhattan_distance,
    maximum_absolute_error,
    mean_absolute_relative_error,
    mean_error,
    mean_normalized_bias,
    median_absolute_error,
    median_absolute_percentage_error,
    median_relative_absolute_error,
    r2_score,
    wave_hedges_distance,
)
from bridge.metrics.regression.canberra_metric import CanberraMetric
from bridge.metrics.regression.fractional_absolute_error import FractionalAbsoluteError
from bridge.metrics.regression.fractional_bias import FractionalBias
from bridge.metrics.regression.geometric_mean_absolute_error import GeometricMeanAbsoluteError
from bridge.metrics.regression.geometric_mean_relative_absolute_error import GeometricMeanRelativeAbsoluteError
from bridge.metrics.regression.manhattan_distance import ManhattanDistance
from bridge.metrics.regression.maximum_absolute_error import MaximumAbsoluteError
from bridge.metrics.regression.mean_absolute_relative_error import MeanAbsoluteRelativeError
from bridge.metrics.regression.mean_error import MeanError
from bridge.metrics.regression.mean_normalized_bias import MeanNormalizedBias
from bridge.metrics.regression.median_absolute_error import MedianAbsoluteError
from bridge.metrics.regression.median_absolute_percentage_error import MedianAbsolutePercentageError
from bridge.metrics.regression.median_relative_absolute_error import MedianRelativeAbsoluteError
from bridge.metrics.regression.r2_score import R2Score
from bridge.metrics.regression.wave_hedges_distance import WaveHedgesDistance

__all__ = [
    "CanberraMetric",
    "FractionalAbsoluteError",
    "FractionalBias",
    "GeometricMeanAbsoluteError",
    "GeometricMeanRelativeAbsoluteError",
    "ManhattanDistance",
    "MaximumAbsoluteError",
    "MeanAbsoluteRelativeError",
    "MeanError",
    "MeanNormalizedBias",
    "MedianAbsoluteError",
    "MedianAbsolutePercentageError",
    "MedianRelativeAbsoluteError",
    "R2Score",
    "WaveHedgesDistance",
    "canberra_metric",
    "fractional_absolute_error",
    "fractional_bias",
    "geometric_mean_absolute_error",
    "geometric_mean_relative_absolute_error",
    "manhattan_distance",
    "maximum_absolute_error",
    "mean_absolute_relative_error",
    "mean_error",
    "mean_normalized_bias",
    "median_absolute_error",
    "median_absolute_percentage_error",
    "median_relative_absolute_error",
    "r2_score",
    "wave_hedges_distance",
]

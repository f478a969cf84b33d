"""Placeholder for ``ignite.contrib.metrics.regression``.

Importable, nothing implemented yet: ``bridge.contrib.metrics.regression`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``CanberraMetric``, ``FractionalAbsoluteError``, ``FractionalBias``,
``GeometricMeanAbsoluteError``, ``GeometricMeanRelativeAbsoluteError``,
``ManhattanDistance``, ``MaximumAbsoluteError``, ``MeanAbsoluteRelativeError``,
``MeanError``, ``MeanNormalizedBias``, ``MedianAbsoluteError``,
``MedianAbsolutePercentageError``, ``MedianRelativeAbsoluteError``, ``R2Score``,
``WaveHedgesDistance``, ``canberra_metric``, ``fractional_absolute_error``,
``fractional_bias``, ``geometric_mean_absolute_error``,
``geometric_mean_relative_absolute_error``, ``manhattan_distance``,
``maximum_absolute_error``, ``mean_absolute_relative_error``, ``mean_error``,
``mean_normalized_bias``, ``median_absolute_error``,
``median_absolute_percentage_error``, ``median_relative_absolute_error``, ``r2_score``,
``wave_hedges_distance``
"""

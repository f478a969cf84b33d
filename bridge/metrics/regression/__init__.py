"""Placeholder for ``ignite.metrics.regression``.

Importable, nothing implemented yet: ``bridge.metrics.regression`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``CanberraMetric``, ``FractionalAbsoluteError``, ``FractionalBias``,
``GeometricMeanAbsoluteError``, ``GeometricMeanRelativeAbsoluteError``,
``KendallRankCorrelation``, ``ManhattanDistance``, ``MaximumAbsoluteError``,
``MeanAbsoluteRelativeError``, ``MeanError``, ``MeanNormalizedBias``,
``MedianAbsoluteError``, ``MedianAbsolutePercentageError``,
``MedianRelativeAbsoluteError``, ``PearsonCorrelation``, ``R2Score``,
``SpearmanRankCorrelation``, ``WaveHedgesDistance``
"""

"""Placeholder for ``ignite.contrib.metrics.regression.mean_normalized_bias``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.regression.mean_normalized_bias`` is a deprecated alias of
``ignite.metrics.regression.mean_normalized_bias``;
``bridge.contrib.metrics.regression.mean_normalized_bias`` will re-export the same
objects from ``bridge.metrics.regression.mean_normalized_bias``.

Public names it will provide (as Ignite 0.5.5):

``MeanNormalizedBias``
"""

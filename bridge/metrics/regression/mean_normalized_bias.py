"""Placeholder for ``ignite.metrics.regression.mean_normalized_bias``.

Importable, nothing implemented yet: ``bridge.metrics.regression.mean_normalized_bias``
will hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MeanNormalizedBias``
"""

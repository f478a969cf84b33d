"""Placeholder for ``ignite.contrib.metrics.regression.fractional_bias``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.regression.fractional_bias`` is a deprecated alias of
``ignite.metrics.regression.fractional_bias``;
``bridge.contrib.metrics.regression.fractional_bias`` will re-export the same objects
from ``bridge.metrics.regression.fractional_bias``.

Public names it will provide (as Ignite 0.5.5):

``FractionalBias``
"""

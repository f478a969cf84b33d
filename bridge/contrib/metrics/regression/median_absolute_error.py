"""Placeholder for ``ignite.contrib.metrics.regression.median_absolute_error``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.regression.median_absolute_error`` is a deprecated alias of
``ignite.metrics.regression.median_absolute_error``;
``bridge.contrib.metrics.regression.median_absolute_error`` will re-export the same
objects from ``bridge.metrics.regression.median_absolute_error``.

Public names it will provide (as Ignite 0.5.5):

``MedianAbsoluteError``
"""

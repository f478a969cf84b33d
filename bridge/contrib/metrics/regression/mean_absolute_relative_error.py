"""Placeholder for ``ignite.contrib.metrics.regression.mean_absolute_relative_error``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.regression.mean_absolute_relative_error`` is a deprecated alias
of ``ignite.metrics.regression.mean_absolute_relative_error``;
``bridge.contrib.metrics.regression.mean_absolute_relative_error`` will re-export the
same objects from ``bridge.metrics.regression.mean_absolute_relative_error``.

Public names it will provide (as Ignite 0.5.5):

``MeanAbsoluteRelativeError``
"""

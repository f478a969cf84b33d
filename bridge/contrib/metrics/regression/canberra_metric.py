"""Placeholder for ``ignite.contrib.metrics.regression.canberra_metric``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.regression.canberra_metric`` is a deprecated alias of
``ignite.metrics.regression.canberra_metric``;
``bridge.contrib.metrics.regression.canberra_metric`` will re-export the same objects
from ``bridge.metrics.regression.canberra_metric``.

Public names it will provide (as Ignite 0.5.5):

``CanberraMetric``
"""

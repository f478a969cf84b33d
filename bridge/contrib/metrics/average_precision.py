"""Placeholder for ``ignite.contrib.metrics.average_precision``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.average_precision`` is a deprecated alias of
``ignite.metrics.average_precision``; ``bridge.contrib.metrics.average_precision`` will
re-export the same objects from ``bridge.metrics.average_precision``.

Public names it will provide (as Ignite 0.5.5):

``AveragePrecision``
"""

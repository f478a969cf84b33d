"""Placeholder for ``ignite.metrics.mean_average_precision``.

Importable, nothing implemented yet: ``bridge.metrics.mean_average_precision`` will hold
the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MeanAveragePrecision``
"""

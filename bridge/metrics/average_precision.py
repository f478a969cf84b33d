"""Placeholder for ``ignite.metrics.average_precision``.

Importable, nothing implemented yet: ``bridge.metrics.average_precision`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``average_precision_compute_fn``, ``AveragePrecision``
"""

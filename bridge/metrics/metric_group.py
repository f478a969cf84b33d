"""Placeholder for ``ignite.metrics.metric_group``.

Importable, nothing implemented yet: ``bridge.metrics.metric_group`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MetricGroup``
"""

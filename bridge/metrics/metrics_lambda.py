"""Placeholder for ``ignite.metrics.metrics_lambda``.

Importable, nothing implemented yet: ``bridge.metrics.metrics_lambda`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MetricsLambda``
"""

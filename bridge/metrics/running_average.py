"""Placeholder for ``ignite.metrics.running_average``.

Importable, nothing implemented yet: ``bridge.metrics.running_average`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``RunningAverage``
"""

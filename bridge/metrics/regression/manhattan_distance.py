"""Placeholder for ``ignite.metrics.regression.manhattan_distance``.

Importable, nothing implemented yet: ``bridge.metrics.regression.manhattan_distance``
will hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``ManhattanDistance``
"""

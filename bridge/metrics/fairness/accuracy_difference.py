"""Placeholder for ``ignite.metrics.fairness.accuracy_difference``.

Importable, nothing implemented yet: ``bridge.metrics.fairness.accuracy_difference``
will hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``SubgroupAccuracyDifference``
"""

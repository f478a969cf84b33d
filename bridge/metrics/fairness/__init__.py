"""Placeholder for ``ignite.metrics.fairness``.

Importable, nothing implemented yet: ``bridge.metrics.fairness`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``SubgroupAccuracyDifference``, ``SubgroupDifference``, ``SubgroupMetric``,
``DemographicParityDifference``, ``SelectionRate``
"""

"""Placeholder for ``ignite.metrics.fairness.demographic_parity``.

Importable, nothing implemented yet: ``bridge.metrics.fairness.demographic_parity`` will
hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``DemographicParityDifference``, ``SelectionRate``
"""

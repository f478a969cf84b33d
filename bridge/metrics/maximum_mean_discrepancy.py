"""Placeholder for ``ignite.metrics.maximum_mean_discrepancy``.

Importable, nothing implemented yet: ``bridge.metrics.maximum_mean_discrepancy`` will
hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MaximumMeanDiscrepancy``
"""

"""Placeholder for ``ignite.metrics.precision_recall_curve``.

Importable, nothing implemented yet: ``bridge.metrics.precision_recall_curve`` will hold
the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``precision_recall_curve_compute_fn``, ``PrecisionRecallCurve``
"""

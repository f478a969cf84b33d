"""Placeholder for ``ignite.metrics.regression.r2_score``.

Importable, nothing implemented yet: ``bridge.metrics.regression.r2_score`` will hold
the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``R2Score``
"""

"""Placeholder for ``ignite.metrics.regression.fractional_bias``.

Importable, nothing implemented yet: ``bridge.metrics.regression.fractional_bias`` will
hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``FractionalBias``
"""

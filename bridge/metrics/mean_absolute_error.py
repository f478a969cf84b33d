"""Placeholder for ``ignite.metrics.mean_absolute_error``.

Importable, nothing implemented yet: ``bridge.metrics.mean_absolute_error`` will hold
the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MeanAbsoluteError``
"""

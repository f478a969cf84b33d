"""Placeholder for ``ignite.metrics.classification_report``.

Importable, nothing implemented yet: ``bridge.metrics.classification_report`` will hold
the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``ClassificationReport``
"""

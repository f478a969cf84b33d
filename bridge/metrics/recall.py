"""Placeholder for ``ignite.metrics.recall``.

Importable, nothing implemented yet: ``bridge.metrics.recall`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``Recall``
"""

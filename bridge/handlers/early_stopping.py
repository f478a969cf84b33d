"""Placeholder for ``ignite.handlers.early_stopping``.

Importable, nothing implemented yet: ``bridge.handlers.early_stopping`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``EarlyStopping``
"""

"""Placeholder for ``ignite.handlers.utils``.

Importable, nothing implemented yet: ``bridge.handlers.utils`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``global_step_from_engine``
"""

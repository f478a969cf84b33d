"""Placeholder for ``ignite.handlers.fbresearch_logger``.

Importable, nothing implemented yet: ``bridge.handlers.fbresearch_logger`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``FBResearchLogger``
"""

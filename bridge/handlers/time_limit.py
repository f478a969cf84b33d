"""Placeholder for ``ignite.handlers.time_limit``.

Importable, nothing implemented yet: ``bridge.handlers.time_limit`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``TimeLimit``
"""

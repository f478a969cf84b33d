"""Placeholder for ``ignite.contrib``.

Importable, nothing implemented yet: ``bridge.contrib`` will hold the Ignite-compatible
implementation, built only on the public Engine API (see DESIGN.md).
"""

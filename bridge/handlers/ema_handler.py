"""Placeholder for ``ignite.handlers.ema_handler``.

Importable, nothing implemented yet: ``bridge.handlers.ema_handler`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``EMAHandler``
"""

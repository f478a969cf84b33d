"""Placeholder for ``ignite.handlers.terminate_on_nan``.

Importable, nothing implemented yet: ``bridge.handlers.terminate_on_nan`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``TerminateOnNan``
"""

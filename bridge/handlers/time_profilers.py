"""Placeholder for ``ignite.handlers.time_profilers``.

Importable, nothing implemented yet: ``bridge.handlers.time_profilers`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``BasicTimeProfiler``, ``HandlersTimeProfiler``
"""

"""Placeholder for ``ignite.contrib.handlers.time_profilers``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.time_profilers`` is a deprecated alias of
``ignite.handlers.time_profilers``; ``bridge.contrib.handlers.time_profilers`` will
re-export the same objects from ``bridge.handlers.time_profilers``.

Public names it will provide (as Ignite 0.5.5):

``BasicTimeProfiler``, ``HandlersTimeProfiler``
"""

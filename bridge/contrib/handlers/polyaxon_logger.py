"""Placeholder for ``ignite.contrib.handlers.polyaxon_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.polyaxon_logger`` is a deprecated alias of
``ignite.handlers.polyaxon_logger``; ``bridge.contrib.handlers.polyaxon_logger`` will
re-export the same objects from ``bridge.handlers.polyaxon_logger``.

Public names it will provide (as Ignite 0.5.5):

``PolyaxonLogger``, ``OutputHandler``, ``OptimizerParamsHandler``
"""

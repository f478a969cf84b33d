"""Placeholder for ``ignite.contrib.handlers.base_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.base_logger`` is a deprecated alias of
``ignite.handlers.base_logger``; ``bridge.contrib.handlers.base_logger`` will re-export
the same objects from ``bridge.handlers.base_logger``.

Public names it will provide (as Ignite 0.5.5):

``BaseHandler``, ``BaseWeightsHandler``, ``BaseOptimizerParamsHandler``,
``BaseOutputHandler``, ``BaseWeightsScalarHandler``, ``BaseLogger``
"""

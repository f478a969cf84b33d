"""Placeholder for ``ignite.handlers.base_logger``.

Importable, nothing implemented yet: ``bridge.handlers.base_logger`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``BaseHandler``, ``BaseWeightsHandler``, ``BaseOptimizerParamsHandler``,
``BaseOutputHandler``, ``BaseWeightsScalarHandler``, ``BaseLogger``
"""

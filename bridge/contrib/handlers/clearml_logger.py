"""Placeholder for ``ignite.contrib.handlers.clearml_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.clearml_logger`` is a deprecated alias of
``ignite.handlers.clearml_logger``; ``bridge.contrib.handlers.clearml_logger`` will
re-export the same objects from ``bridge.handlers.clearml_logger``.

Public names it will provide (as Ignite 0.5.5):

``ClearMLLogger``, ``ClearMLSaver``, ``OptimizerParamsHandler``, ``OutputHandler``,
``WeightsScalarHandler``, ``WeightsHistHandler``, ``GradsScalarHandler``,
``GradsHistHandler``
"""

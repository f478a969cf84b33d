"""Placeholder for ``ignite.contrib.handlers.neptune_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.neptune_logger`` is a deprecated alias of
``ignite.handlers.neptune_logger``; ``bridge.contrib.handlers.neptune_logger`` will
re-export the same objects from ``bridge.handlers.neptune_logger``.

Public names it will provide (as Ignite 0.5.5):

``NeptuneLogger``, ``NeptuneSaver``, ``OptimizerParamsHandler``, ``OutputHandler``,
``WeightsScalarHandler``, ``GradsScalarHandler``
"""

"""Placeholder for ``ignite.contrib.handlers.tensorboard_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.tensorboard_logger`` is a deprecated alias of
``ignite.handlers.tensorboard_logger``; ``bridge.contrib.handlers.tensorboard_logger``
will re-export the same objects from ``bridge.handlers.tensorboard_logger``.

Public names it will provide (as Ignite 0.5.5):

``TensorboardLogger``, ``OptimizerParamsHandler``, ``OutputHandler``,
``WeightsScalarHandler``, ``WeightsHistHandler``, ``GradsScalarHandler``,
``GradsHistHandler``
"""

"""Placeholder for ``ignite.handlers.tensorboard_logger``.

Importable, nothing implemented yet: ``bridge.handlers.tensorboard_logger`` will hold
the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``TensorboardLogger``, ``OptimizerParamsHandler``, ``OutputHandler``,
``WeightsScalarHandler``, ``WeightsHistHandler``, ``GradsScalarHandler``,
``GradsHistHandler``, ``global_step_from_engine``
"""

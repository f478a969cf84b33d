"""Placeholder for ``ignite.handlers.visdom_logger``.

Importable, nothing implemented yet: ``bridge.handlers.visdom_logger`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``VisdomLogger``, ``OptimizerParamsHandler``, ``OutputHandler``,
``WeightsScalarHandler``, ``GradsScalarHandler``, ``global_step_from_engine``
"""

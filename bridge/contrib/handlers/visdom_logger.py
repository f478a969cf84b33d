"""Placeholder for ``ignite.contrib.handlers.visdom_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.visdom_logger`` is a deprecated alias of
``ignite.handlers.visdom_logger``; ``bridge.contrib.handlers.visdom_logger`` will
re-export the same objects from ``bridge.handlers.visdom_logger``.

Public names it will provide (as Ignite 0.5.5):

``VisdomLogger``, ``OptimizerParamsHandler``, ``OutputHandler``,
``WeightsScalarHandler``, ``GradsScalarHandler``
"""

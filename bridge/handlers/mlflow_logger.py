"""Placeholder for ``ignite.handlers.mlflow_logger``.

Importable, nothing implemented yet: ``bridge.handlers.mlflow_logger`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MLflowLogger``, ``OutputHandler``, ``OptimizerParamsHandler``,
``global_step_from_engine``
"""

"""Placeholder for ``ignite.contrib.handlers.mlflow_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.mlflow_logger`` is a deprecated alias of
``ignite.handlers.mlflow_logger``; ``bridge.contrib.handlers.mlflow_logger`` will
re-export the same objects from ``bridge.handlers.mlflow_logger``.

Public names it will provide (as Ignite 0.5.5):

``MLflowLogger``, ``OutputHandler``, ``OptimizerParamsHandler``
"""

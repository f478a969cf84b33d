"""Placeholder for ``ignite.handlers.logger_utils``.

Importable, nothing implemented yet: ``bridge.handlers.logger_utils`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``setup_tb_logging``, ``setup_visdom_logging``, ``setup_mlflow_logging``,
``setup_neptune_logging``, ``setup_wandb_logging``, ``setup_plx_logging``,
``setup_clearml_logging``, ``setup_trains_logging``
"""

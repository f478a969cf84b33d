"""Placeholder for ``ignite.contrib.handlers.wandb_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.wandb_logger`` is a deprecated alias of
``ignite.handlers.wandb_logger``; ``bridge.contrib.handlers.wandb_logger`` will
re-export the same objects from ``bridge.handlers.wandb_logger``.

Public names it will provide (as Ignite 0.5.5):

``WandBLogger``, ``OutputHandler``, ``OptimizerParamsHandler``
"""

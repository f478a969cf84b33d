"""Placeholder for ``ignite.contrib.handlers``.

Importable, nothing implemented yet: ``bridge.contrib.handlers`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``clearml_logger``, ``EpochOutputStore``, ``global_step_from_engine``,
``mlflow_logger``, ``neptune_logger``, ``polyaxon_logger``, ``tensorboard_logger``,
``tqdm_logger``, ``visdom_logger``, ``wandb_logger``, ``ClearMLLogger``,
``FastaiLRFinder``, ``MLflowLogger``, ``NeptuneLogger``, ``ConcatScheduler``,
``CosineAnnealingScheduler``, ``create_lr_scheduler_with_warmup``,
``LinearCyclicalScheduler``, ``LRScheduler``, ``ParamGroupScheduler``,
``PiecewiseLinear``, ``PolyaxonLogger``, ``TensorboardLogger``, ``BasicTimeProfiler``,
``HandlersTimeProfiler``, ``ProgressBar``, ``VisdomLogger``, ``WandBLogger``
"""

"""Placeholder for ``ignite.handlers``.

Importable, nothing implemented yet: ``bridge.handlers`` will hold the Ignite-compatible
implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``ModelCheckpoint``, ``Checkpoint``, ``DiskSaver``, ``Timer``, ``EarlyStopping``,
``TerminateOnNan``, ``global_step_from_engine``, ``TimeLimit``, ``EpochOutputStore``,
``ConcatScheduler``, ``CosineAnnealingScheduler``, ``LinearCyclicalScheduler``,
``LRScheduler``, ``ParamGroupScheduler``, ``ParamScheduler``, ``PiecewiseLinear``,
``CyclicalScheduler``, ``create_lr_scheduler_with_warmup``, ``FastaiLRFinder``,
``FBResearchLogger``, ``EMAHandler``, ``BasicTimeProfiler``, ``HandlersTimeProfiler``,
``BaseParamScheduler``, ``BatchSizeScheduler``, ``StateParamScheduler``,
``LambdaStateScheduler``, ``PiecewiseLinearStateScheduler``, ``ExpStateScheduler``,
``StepStateScheduler``, ``MultiStepStateScheduler``, ``ReduceLROnPlateauScheduler``,
``ClearMLLogger``, ``MLflowLogger``, ``NeptuneLogger``, ``PolyaxonLogger``,
``TensorboardLogger``, ``ProgressBar``, ``VisdomLogger``, ``WandBLogger``
"""

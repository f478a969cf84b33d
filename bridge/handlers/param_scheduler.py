"""Placeholder for ``ignite.handlers.param_scheduler``.

Importable, nothing implemented yet: ``bridge.handlers.param_scheduler`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``BaseParamScheduler``, ``ParamScheduler``, ``CyclicalScheduler``,
``LinearCyclicalScheduler``, ``CosineAnnealingScheduler``, ``ConcatScheduler``,
``LRScheduler``, ``create_lr_scheduler_with_warmup``, ``PiecewiseLinear``,
``ParamGroupScheduler``, ``ReduceLROnPlateauScheduler``, ``BatchSizeScheduler``
"""

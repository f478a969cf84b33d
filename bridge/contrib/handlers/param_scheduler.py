"""Placeholder for ``ignite.contrib.handlers.param_scheduler``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.param_scheduler`` is a deprecated alias of
``ignite.handlers.param_scheduler``; ``bridge.contrib.handlers.param_scheduler`` will
re-export the same objects from ``bridge.handlers.param_scheduler``.

Public names it will provide (as Ignite 0.5.5):

``ConcatScheduler``, ``CosineAnnealingScheduler``, ``LinearCyclicalScheduler``,
``LRScheduler``, ``ParamGroupScheduler``, ``ParamScheduler``, ``PiecewiseLinear``,
``CyclicalScheduler``, ``create_lr_scheduler_with_warmup``
"""

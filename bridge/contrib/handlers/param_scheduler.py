"""``ignite.contrib.handlers.param_scheduler``: Ignite 0.5.5's deprecated alias of ``bridge.handlers.param_scheduler``.

Example:
    >>> from bridge.contrib.handlers.param_scheduler import LRScheduler
    >>> import bridge.handlers.param_scheduler
    >>> LRScheduler is bridge.handlers.param_scheduler.LRScheduler
    True
"""

from bridge.handlers.param_scheduler import (
    ConcatScheduler,
    CosineAnnealingScheduler,
    CyclicalScheduler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    ParamScheduler,
    PiecewiseLinear,
    create_lr_scheduler_with_warmup,
)

__all__ = [
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "create_lr_scheduler_with_warmup",
]

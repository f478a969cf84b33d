"""``ignite.contrib.handlers``: Ignite's deprecated aliases of ``bridge.handlers``, and ``CustomPeriodicEvent``.

Example:
    >>> from bridge.contrib.handlers import CustomPeriodicEvent, ProgressBar
    >>> CustomPeriodicEvent(n_iterations=10).Events.ITERATIONS_10_COMPLETED.value
    'iterations_10_completed'
"""

from bridge.contrib.handlers.custom_events import CustomPeriodicEvent
from bridge.handlers import (
    BasicTimeProfiler,
    ConcatScheduler,
    CosineAnnealingScheduler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    PiecewiseLinear,
    ProgressBar,
    create_lr_scheduler_with_warmup,
    global_step_from_engine,
)

__all__ = [
    "BasicTimeProfiler",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CustomPeriodicEvent",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "ParamGroupScheduler",
    "PiecewiseLinear",
    "ProgressBar",
    "create_lr_scheduler_with_warmup",
    "global_step_from_engine",
]

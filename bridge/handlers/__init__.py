"""Ignite's handlers, built only on the public Engine API (``ignite.handlers``).

They work on an ``Engine.run`` and on the engines of ``bridge.lightning.EngineCallback``.
Ignite's experiment-tracker loggers (TensorBoard, MLflow, W&B, ...) are not provided:
pass a Lightning logger in ``trainer_kwargs`` instead (docs/lightning.md).

Example:
    >>> from bridge.engine import Engine, Events
    >>> from bridge.handlers import Timer
    >>> timer = Timer(average=True)
    >>> engine = Engine(lambda e, b: b)
    >>> _ = timer.attach(engine, step=Events.ITERATION_COMPLETED)
    >>> _ = engine.run(range(3))
    >>> timer.step_count
    3.0
"""

from bridge.handlers.checkpoint import Checkpoint, DiskSaver, ModelCheckpoint
from bridge.handlers.early_stopping import EarlyStopping
from bridge.handlers.param_scheduler import (
    BaseParamScheduler,
    ConcatScheduler,
    CosineAnnealingScheduler,
    CyclicalScheduler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    ParamScheduler,
    PiecewiseLinear,
    ReduceLROnPlateauScheduler,
    create_lr_scheduler_with_warmup,
)
from bridge.handlers.state_param_scheduler import (
    ExpStateScheduler,
    LambdaStateScheduler,
    MultiStepStateScheduler,
    PiecewiseLinearStateScheduler,
    StateParamScheduler,
    StepStateScheduler,
)
from bridge.handlers.stores import EpochOutputStore
from bridge.handlers.terminate_on_nan import TerminateOnNan
from bridge.handlers.time_limit import TimeLimit
from bridge.handlers.time_profilers import BasicTimeProfiler
from bridge.handlers.timing import Timer
from bridge.handlers.tqdm_logger import ProgressBar
from bridge.handlers.utils import global_step_from_engine

__all__ = [
    "EpochOutputStore",
    "ExpStateScheduler",
    "LambdaStateScheduler",
    "MultiStepStateScheduler",
    "PiecewiseLinearStateScheduler",
    "StateParamScheduler",
    "StepStateScheduler",
    "BaseParamScheduler",
    "BasicTimeProfiler",
    "Checkpoint",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "DiskSaver",
    "EarlyStopping",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "ModelCheckpoint",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "ProgressBar",
    "ReduceLROnPlateauScheduler",
    "TerminateOnNan",
    "TimeLimit",
    "Timer",
    "create_lr_scheduler_with_warmup",
    "global_step_from_engine",
]

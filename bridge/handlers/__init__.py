"""Ignite's handlers, built only on the public Engine API (``ignite.handlers``).

They work on an ``Engine.run`` and on the engines of ``bridge.lightning.EngineCallback``.
Ignite's experiment-tracker loggers (TensorBoard, Visdom, MLflow, Neptune, Polyaxon, W&B,
ClearML) import their client package only when built; they write from rank 0 (docs/loggers.md).

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

from bridge.handlers.batch_size_scheduler import BatchSizeScheduler
from bridge.handlers.checkpoint import Checkpoint, DiskSaver, ModelCheckpoint
from bridge.handlers.clearml_logger import ClearMLLogger
from bridge.handlers.early_stopping import EarlyStopping
from bridge.handlers.ema_handler import EMAHandler
from bridge.handlers.fbresearch_logger import FBResearchLogger
from bridge.handlers.lr_finder import FastaiLRFinder
from bridge.handlers.mlflow_logger import MLflowLogger
from bridge.handlers.neptune_logger import NeptuneLogger
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
from bridge.handlers.polyaxon_logger import PolyaxonLogger
from bridge.handlers.state_param_scheduler import (
    ExpStateScheduler,
    LambdaStateScheduler,
    MultiStepStateScheduler,
    PiecewiseLinearStateScheduler,
    StateParamScheduler,
    StepStateScheduler,
)
from bridge.handlers.stores import EpochOutputStore
from bridge.handlers.tensorboard_logger import TensorboardLogger
from bridge.handlers.terminate_on_nan import TerminateOnNan
from bridge.handlers.time_limit import TimeLimit
from bridge.handlers.time_profilers import BasicTimeProfiler, HandlersTimeProfiler
from bridge.handlers.timing import Timer
from bridge.handlers.tqdm_logger import ProgressBar
from bridge.handlers.utils import global_step_from_engine
from bridge.handlers.visdom_logger import VisdomLogger
from bridge.handlers.wandb_logger import WandBLogger

__all__ = [
    "BaseParamScheduler",
    "BasicTimeProfiler",
    "BatchSizeScheduler",
    "Checkpoint",
    "ClearMLLogger",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "DiskSaver",
    "EMAHandler",
    "EarlyStopping",
    "EpochOutputStore",
    "ExpStateScheduler",
    "FBResearchLogger",
    "FastaiLRFinder",
    "HandlersTimeProfiler",
    "LRScheduler",
    "LambdaStateScheduler",
    "LinearCyclicalScheduler",
    "MLflowLogger",
    "ModelCheckpoint",
    "MultiStepStateScheduler",
    "NeptuneLogger",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "PiecewiseLinearStateScheduler",
    "PolyaxonLogger",
    "ProgressBar",
    "ReduceLROnPlateauScheduler",
    "StateParamScheduler",
    "StepStateScheduler",
    "TensorboardLogger",
    "TerminateOnNan",
    "TimeLimit",
    "Timer",
    "VisdomLogger",
    "WandBLogger",
    "create_lr_scheduler_with_warmup",
    "global_step_from_engine",
]

"""``ignite.contrib.handlers``: the names Ignite 0.5.5 keeps here, from ``bridge.handlers``; ``CustomPeriodicEvent``.

As Ignite's package, it gives the moved handlers and loggers and their ``bridge.handlers``
modules (``tensorboard_logger``, ...) without a warning. Its submodules
(``bridge.contrib.handlers.tensorboard_logger``, ``.param_scheduler``, ...) are Ignite's moved
modules: importing one warns with Ignite's ``DeprecationWarning``. ``custom_events``
(``CustomPeriodicEvent``, from Ignite 0.4) is bridge's own and does not warn.

Example:
    >>> from bridge.contrib.handlers import CustomPeriodicEvent, ProgressBar, TensorboardLogger
    >>> import bridge.handlers.tensorboard_logger
    >>> TensorboardLogger is bridge.handlers.tensorboard_logger.TensorboardLogger
    True
    >>> CustomPeriodicEvent(n_iterations=10).Events.ITERATIONS_10_COMPLETED.value
    'iterations_10_completed'
"""

from bridge.contrib.handlers.custom_events import CustomPeriodicEvent
from bridge.handlers import (
    clearml_logger,
    mlflow_logger,
    neptune_logger,
    polyaxon_logger,
    tensorboard_logger,
    tqdm_logger,
    visdom_logger,
    wandb_logger,
)
from bridge.handlers.clearml_logger import ClearMLLogger
from bridge.handlers.lr_finder import FastaiLRFinder
from bridge.handlers.mlflow_logger import MLflowLogger
from bridge.handlers.neptune_logger import NeptuneLogger
from bridge.handlers.param_scheduler import (
    ConcatScheduler,
    CosineAnnealingScheduler,
    LinearCyclicalScheduler,
    LRScheduler,
    ParamGroupScheduler,
    PiecewiseLinear,
    create_lr_scheduler_with_warmup,
)
from bridge.handlers.polyaxon_logger import PolyaxonLogger
from bridge.handlers.stores import EpochOutputStore
from bridge.handlers.tensorboard_logger import TensorboardLogger
from bridge.handlers.time_profilers import BasicTimeProfiler, HandlersTimeProfiler
from bridge.handlers.tqdm_logger import ProgressBar
from bridge.handlers.utils import global_step_from_engine
from bridge.handlers.visdom_logger import VisdomLogger
from bridge.handlers.wandb_logger import WandBLogger

__all__ = [
    "BasicTimeProfiler",
    "ClearMLLogger",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CustomPeriodicEvent",
    "EpochOutputStore",
    "FastaiLRFinder",
    "HandlersTimeProfiler",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "MLflowLogger",
    "NeptuneLogger",
    "ParamGroupScheduler",
    "PiecewiseLinear",
    "PolyaxonLogger",
    "ProgressBar",
    "TensorboardLogger",
    "VisdomLogger",
    "WandBLogger",
    "clearml_logger",
    "create_lr_scheduler_with_warmup",
    "global_step_from_engine",
    "mlflow_logger",
    "neptune_logger",
    "polyaxon_logger",
    "tensorboard_logger",
    "tqdm_logger",
    "visdom_logger",
    "wandb_logger",
]

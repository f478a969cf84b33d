"""One-call logging of a training run to an experiment tracker (``ignite.handlers.logger_utils``).

Each ``setup_<tracker>_logging`` builds that tracker's logger (its keyword arguments go to the
logger) and attaches, as Ignite 0.5.5 does:

- the trainer's metrics (``trainer_metric_names``, all by default) under the tag ``"training"``,
  every ``log_every_iters`` iterations (``ITERATION_COMPLETED``);
- the learning rate of each optimizer (``optimizers``: one, or a dict whose keys are the tags),
  every ``log_every_iters`` iterations (``ITERATION_STARTED``);
- each evaluator's metrics (``evaluators``: one, tagged ``"validation"``, or a dict whose keys are
  the tags) when it completes, at the trainer's epoch (its iteration for W&B, whose steps must grow).

The logger is returned: close it at the end of training. Built on the loggers' public
``attach_output_handler`` / ``attach_opt_params_handler``, it logs from rank 0 only on several
processes, as every bridge logger does.

Example:
    >>> import tempfile
    >>> from bridge.engine import Engine
    >>> trainer = Engine(lambda engine, batch: batch)
    >>> with tempfile.TemporaryDirectory() as logs:
    ...     tb_logger = setup_tb_logging(logs, trainer, log_every_iters=2)
    ...     _ = trainer.run([0.5, 0.25, 0.125, 0.0625])
    ...     tb_logger.close()
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Optional, Union

from torch.optim.optimizer import Optimizer

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.base_logger import BaseLogger
from bridge.handlers.clearml_logger import ClearMLLogger
from bridge.handlers.mlflow_logger import MLflowLogger
from bridge.handlers.neptune_logger import NeptuneLogger
from bridge.handlers.polyaxon_logger import PolyaxonLogger
from bridge.handlers.tensorboard_logger import TensorboardLogger
from bridge.handlers.utils import global_step_from_engine
from bridge.handlers.visdom_logger import VisdomLogger
from bridge.handlers.wandb_logger import WandBLogger

__all__ = [
    "setup_tb_logging",
    "setup_visdom_logging",
    "setup_mlflow_logging",
    "setup_neptune_logging",
    "setup_wandb_logging",
    "setup_plx_logging",
    "setup_clearml_logging",
    "setup_trains_logging",
]

#: ``"all"`` or a list of metric names
_MetricNames = Union[str, list[str]]
_Optimizers = Union[Optimizer, Mapping[Any, Optimizer], None]
_Evaluators = Union[Engine, Mapping[str, Engine], None]


def _setup_logging(
    logger: BaseLogger,
    trainer: Engine,
    optimizers: _Optimizers,
    evaluators: _Evaluators,
    log_every_iters: Optional[int],
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
) -> None:
    """Attach ``logger``'s handlers for the trainer's metrics, the optimizers' lr and the evaluators' metrics.

    Example:
        >>> from bridge.engine import Engine
        >>> _setup_logging(None, Engine(lambda e, b: b), optimizers=[], evaluators=None, log_every_iters=1)
        Traceback (most recent call last):
        ...
        TypeError: Argument optimizers should be either a single optimizer or a dictionary or optimizers
    """
    if optimizers is not None and not isinstance(optimizers, (Optimizer, Mapping)):
        raise TypeError("Argument optimizers should be either a single optimizer or a dictionary or optimizers")
    if evaluators is not None and not isinstance(evaluators, (Engine, Mapping)):
        raise TypeError("Argument evaluators should be either a single engine or a dictionary or engines")
    every = 1 if log_every_iters is None else log_every_iters

    logger.attach_output_handler(
        trainer, event_name=Events.ITERATION_COMPLETED(every=every), tag="training", metric_names=trainer_metric_names
    )

    if optimizers is not None:
        named_optimizers = {None: optimizers} if isinstance(optimizers, Optimizer) else optimizers
        for tag, optimizer in named_optimizers.items():
            logger.attach_opt_params_handler(
                trainer, Events.ITERATION_STARTED(every=every), optimizer, param_name="lr", tag=tag
            )

    if evaluators is not None:
        named_evaluators = {"validation": evaluators} if isinstance(evaluators, Engine) else evaluators
        # W&B refuses a step smaller than one it has logged: the trainer's iteration grows with every step
        step_event = Events.ITERATION_COMPLETED if isinstance(logger, WandBLogger) else None
        global_step = global_step_from_engine(trainer, custom_event_name=step_event)
        for tag, evaluator in named_evaluators.items():
            logger.attach_output_handler(
                evaluator,
                event_name=Events.COMPLETED,
                tag=tag,
                metric_names=evaluator_metric_names,
                global_step_transform=global_step,
            )


def setup_tb_logging(
    output_path: str,
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> TensorboardLogger:
    """A :class:`~bridge.handlers.tensorboard_logger.TensorboardLogger` writing to ``output_path``, attached.

    ``log_every_iters=None`` logs every iteration; ``kwargs`` go to ``TensorboardLogger``.

    Example:
        >>> import tempfile
        >>> import torch
        >>> from bridge.engine import Engine
        >>> model = torch.nn.Linear(2, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> trainer, evaluator = Engine(lambda e, b: b), Engine(lambda e, b: b)
        >>> with tempfile.TemporaryDirectory() as logs:
        ...     tb_logger = setup_tb_logging(logs, trainer, optimizer, evaluator, log_every_iters=1)
        ...     _ = trainer.run([1.0, 2.0])
        ...     tb_logger.close()
    """
    logger = TensorboardLogger(log_dir=output_path, **kwargs)
    _setup_logging(
        logger, trainer, optimizers, evaluators, log_every_iters, trainer_metric_names, evaluator_metric_names
    )
    return logger


def setup_visdom_logging(
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> VisdomLogger:
    """A :class:`~bridge.handlers.visdom_logger.VisdomLogger` (built with ``kwargs``), attached.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine
        >>> trainer, optimizer = Engine(lambda e, b: b), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> visdom = mock.MagicMock(name="visdom")  # stands for the visdom package and its server
        >>> with mock.patch.dict("sys.modules", {"visdom": visdom}):
        ...     vd_logger = setup_visdom_logging(trainer, optimizer, log_every_iters=1, num_workers=0)
        ...     _ = trainer.run([0.5])
        ...     vd_logger.close()
        >>> visdom.Visdom.return_value.line.call_args.kwargs["opts"]["title"]
        'lr/group_0'
    """
    logger = VisdomLogger(**kwargs)
    _setup_logging(
        logger, trainer, optimizers, evaluators, log_every_iters, trainer_metric_names, evaluator_metric_names
    )
    return logger


def setup_mlflow_logging(
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> MLflowLogger:
    """An :class:`~bridge.handlers.mlflow_logger.MLflowLogger` (built with ``kwargs``), attached.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine
        >>> trainer, optimizer = Engine(lambda e, b: b), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> mlflow = mock.MagicMock(name="mlflow")  # stands for the mlflow package
        >>> fake = {"mlflow": mlflow, "mlflow.utils": mlflow.utils, "mlflow.utils.validation": mlflow.utils.validation}
        >>> with mock.patch.dict("sys.modules", fake):
        ...     mlflow_logger = setup_mlflow_logging(trainer, optimizer, log_every_iters=1)
        ...     _ = trainer.run([0.5])
        ...     mlflow_logger.close()
        >>> mlflow.log_metrics.call_args_list[0]
        call({'lr group_0': 0.1}, step=1)
    """
    logger = MLflowLogger(**kwargs)
    _setup_logging(
        logger, trainer, optimizers, evaluators, log_every_iters, trainer_metric_names, evaluator_metric_names
    )
    return logger


def setup_neptune_logging(
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> NeptuneLogger:
    """A :class:`~bridge.handlers.neptune_logger.NeptuneLogger` (built with ``kwargs``), attached.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine
        >>> trainer, optimizer = Engine(lambda e, b: b), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> neptune = mock.MagicMock(name="neptune")  # stands for the neptune package
        >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
        ...     npt_logger = setup_neptune_logging(trainer, optimizer, log_every_iters=1, project="me/p")
        ...     _ = trainer.run([0.5])
        ...     npt_logger.close()
        >>> neptune.init_run.return_value.__getitem__.return_value.append.call_args_list[0]
        call(0.1, step=1)
    """
    logger = NeptuneLogger(**kwargs)
    _setup_logging(
        logger, trainer, optimizers, evaluators, log_every_iters, trainer_metric_names, evaluator_metric_names
    )
    return logger


def setup_wandb_logging(
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> WandBLogger:
    """A :class:`~bridge.handlers.wandb_logger.WandBLogger` (built with ``kwargs``), attached.

    The evaluators' metrics are logged at the trainer's iteration, not its epoch: W&B's step only grows.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine
        >>> trainer, optimizer = Engine(lambda e, b: b), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> wandb = mock.MagicMock(name="wandb")  # stands for the wandb package
        >>> with mock.patch.dict("sys.modules", {"wandb": wandb}):
        ...     wandb_logger = setup_wandb_logging(trainer, optimizer, log_every_iters=1, project="p")
        ...     _ = trainer.run([0.5])
        ...     wandb_logger.close()
        >>> wandb.log.call_args_list[0]
        call({'lr/group_0': 0.1}, step=1)
    """
    logger = WandBLogger(**kwargs)
    _setup_logging(
        logger, trainer, optimizers, evaluators, log_every_iters, trainer_metric_names, evaluator_metric_names
    )
    return logger


def setup_plx_logging(
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> PolyaxonLogger:
    """A :class:`~bridge.handlers.polyaxon_logger.PolyaxonLogger` (built with ``kwargs``), attached.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine
        >>> trainer, optimizer = Engine(lambda e, b: b), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> polyaxon = mock.MagicMock(name="polyaxon")  # stands for the polyaxon package
        >>> with mock.patch.dict("sys.modules", {"polyaxon": polyaxon, "polyaxon.tracking": polyaxon.tracking}):
        ...     plx_logger = setup_plx_logging(trainer, optimizer, log_every_iters=1)
        ...     _ = trainer.run([0.5])
        ...     plx_logger.close()
        >>> polyaxon.tracking.Run.return_value.log_metrics.call_args_list[0]
        call(lr/group_0=0.1, step=1)
    """
    logger = PolyaxonLogger(**kwargs)
    _setup_logging(
        logger, trainer, optimizers, evaluators, log_every_iters, trainer_metric_names, evaluator_metric_names
    )
    return logger


def setup_clearml_logging(
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> ClearMLLogger:
    """A :class:`~bridge.handlers.clearml_logger.ClearMLLogger` (built with ``kwargs``), attached.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine
        >>> from bridge.handlers.clearml_logger import _CLIENT_MODULES
        >>> trainer, optimizer = Engine(lambda e, b: b), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> clearml = mock.MagicMock(name="clearml")  # stands for the clearml package
        >>> clearml.Task.current_task.return_value = None
        >>> with mock.patch.dict("sys.modules", dict.fromkeys(_CLIENT_MODULES, clearml)):
        ...     with mock.patch.dict("os.environ", {"CI": ""}):  # CI set: ClearML's offline mode, with a warning
        ...         clearml_logger = setup_clearml_logging(trainer, optimizer, log_every_iters=1, project_name="p")
        ...     _ = trainer.run([0.5])
        ...     clearml_logger.close()
        >>> clearml_logger.clearml_logger.report_scalar.call_args_list[0]
        call(title='lr', series='0', value=0.1, iteration=1)
    """
    logger = ClearMLLogger(**kwargs)
    _setup_logging(
        logger, trainer, optimizers, evaluators, log_every_iters, trainer_metric_names, evaluator_metric_names
    )
    return logger


def setup_trains_logging(
    trainer: Engine,
    optimizers: _Optimizers = None,
    evaluators: _Evaluators = None,
    log_every_iters: Optional[int] = 100,
    *,
    trainer_metric_names: _MetricNames = "all",
    evaluator_metric_names: _MetricNames = "all",
    **kwargs: Any,
) -> ClearMLLogger:
    """Ignite's old name of :func:`setup_clearml_logging` (ClearML was called Trains): warns, then calls it.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine
        >>> from bridge.handlers.clearml_logger import _CLIENT_MODULES
        >>> trainer, optimizer = Engine(lambda e, b: b), torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> clearml = mock.MagicMock(name="clearml")  # stands for the clearml package
        >>> clearml.Task.current_task.return_value = None
        >>> with mock.patch.dict("sys.modules", dict.fromkeys(_CLIENT_MODULES, clearml)):
        ...     with mock.patch.dict("os.environ", {"CI": ""}), warnings.catch_warnings(record=True) as caught:
        ...         warnings.simplefilter("always")
        ...         clearml_logger = setup_trains_logging(trainer, optimizer, project_name="p")
        >>> [str(w.message) for w in caught if w.category is UserWarning]
        ['setup_trains_logging was renamed to setup_clearml_logging.']
    """
    warnings.warn("setup_trains_logging was renamed to setup_clearml_logging.")
    return setup_clearml_logging(
        trainer,
        optimizers,
        evaluators,
        log_every_iters,
        trainer_metric_names=trainer_metric_names,
        evaluator_metric_names=evaluator_metric_names,
        **kwargs,
    )

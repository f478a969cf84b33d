"""Ignite's logging handlers writing into Lightning loggers: one log for a project that mixes both APIs.

A Lightning logger given to a run (``Engine(..., trainer_kwargs={"logger": tb})``, or a
plain ``pl.Trainer(logger=tb)`` with :class:`~bridge.lightning.EngineCallback`) already
gets Lightning's own values and the numbers of ``engine.state.metrics`` at each epoch end.
:class:`LightningLogger` is an Ignite ``BaseLogger`` over the same Lightning logger, so
Ignite's ``attach_output_handler``, ``attach_opt_params_handler`` and weights/gradients
handlers write there too, with Ignite's names and steps, through
``logger.log_metrics({name: value}, step)``. Histograms go to the ``SummaryWriter`` of the
``TensorBoardLogger`` s among them.

Example:
    >>> import csv, tempfile
    >>> from pytorch_lightning.loggers import CSVLogger
    >>> from bridge.engine import Engine, Events
    >>> with tempfile.TemporaryDirectory() as root:
    ...     csv_logger = CSVLogger(root)
    ...     engine = Engine(lambda e, b: b / 10, trainer_kwargs={"logger": csv_logger, "log_every_n_steps": 1})
    ...     _ = LightningLogger(csv_logger).attach_output_handler(
    ...         engine, Events.ITERATION_COMPLETED(every=2), tag="train", output_transform=lambda out: {"loss": out})
    ...     _ = engine.run([1.0, 2.0, 3.0, 4.0])
    ...     with open(f"{csv_logger.log_dir}/metrics.csv") as f:
    ...         [(row["step"], row["train/loss"]) for row in csv.DictReader(f)]
    [('2', '0.2'), ('4', '0.4')]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Optional, Union

import torch
from lightning_fabric.loggers import Logger, TensorBoardLogger

import bridge.distributed as idist
from bridge.engine.engine import Engine
from bridge.handlers._client_logger import checked_step, optimizer_params, parameter_histograms, parameter_scalars
from bridge.handlers.base_logger import (
    BaseLogger,
    BaseOptimizerParamsHandler,
    BaseOutputHandler,
    BaseWeightsHandler,
    BaseWeightsScalarHandler,
)

__all__ = [
    "GradsHistHandler",
    "GradsScalarHandler",
    "LightningLogger",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsHistHandler",
    "WeightsScalarHandler",
]


class LightningLogger(BaseLogger):
    """An Ignite logger that writes into Lightning loggers (``pytorch_lightning.loggers``: CSV, TensorBoard, W&B, ...).

    Args:
        logger: the Lightning logger to write into (the same object the run was given), a
            list of them, or an :class:`~bridge.engine.Engine` whose run's loggers to use
            (read at each write: a ``pl.Trainer``'s ``loggers``, or Fabric's under
            ``runner="fabric"``), e.g. the logger Lightning makes itself for
            ``trainer_kwargs={"logger": True}``.

    Ignite's names and steps: ``attach_output_handler(engine, event, tag=..., ...)`` writes
    ``"<tag>/<name>"`` at the engine's counter for the event (or ``global_step_transform``'s
    step), ``attach_opt_params_handler`` ``"lr/group_0"``, ... A ``pl.Trainer`` counts its
    logging steps from 0, Ignite's handlers from 1: the value of iteration ``i`` that
    ``engine.log(...)`` or ``self.log`` writes is at step ``i - 1``, an Ignite handler's at
    step ``i`` (under ``runner="fabric"``, ``engine.log`` writes at step ``i`` too).

    :meth:`close` flushes the loggers (Lightning finalizes them itself at the end of a fit);
    values written after the run (an evaluator at ``COMPLETED``) need it for a CSV log.

    Example:
        >>> import tempfile
        >>> from pytorch_lightning.loggers import TensorBoardLogger
        >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        >>> from bridge.engine import Engine, Events
        >>> model = torch.nn.Linear(2, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> with tempfile.TemporaryDirectory() as root:
        ...     tb = TensorBoardLogger(root)
        ...     trainer = Engine(lambda e, b: 0.5, trainer_kwargs={"logger": tb, "log_every_n_steps": 1})
        ...     logger = LightningLogger(tb)
        ...     _ = logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        ...     _ = logger.attach(trainer, WeightsHistHandler(model), Events.EPOCH_COMPLETED)
        ...     _ = trainer.run([0, 1], max_epochs=2)
        ...     events = EventAccumulator(tb.log_dir)
        ...     _ = events.Reload()
        ...     [e.step for e in events.Scalars("lr/group_0")], sorted(events.Tags()["histograms"])
        ([1, 2, 3, 4], ['weights/bias', 'weights/weight'])
    """

    def __init__(self, logger: Union[Logger, Sequence[Logger], Engine]) -> None:
        self._engine: Optional[Engine] = None
        self._loggers: list[Logger] = []
        if isinstance(logger, Engine):
            self._engine = logger
        elif isinstance(logger, Logger):
            self._loggers = [logger]
        elif isinstance(logger, Sequence) and all(isinstance(each, Logger) for each in logger):
            self._loggers = list(logger)
        else:
            raise TypeError(
                "Argument logger should be a Lightning logger (pytorch_lightning.loggers.Logger), a list of them, "
                f"or an Engine whose run's loggers to use, but given {type(logger)}"
            )
        self._warned_no_logger = False

    @property
    def loggers(self) -> list[Logger]:
        """The Lightning loggers written into now.

        Example:
            >>> from pytorch_lightning.loggers import CSVLogger
            >>> csv_logger = CSVLogger("never-written")
            >>> LightningLogger(csv_logger).loggers == [csv_logger]
            True
            >>> LightningLogger(Engine(lambda e, b: b)).loggers  # an engine that has not run
            []
        """
        if self._engine is None:
            return list(self._loggers)
        fabric = getattr(self._engine._driver, "fabric", None)  # set while a runner="fabric" run drives it
        if fabric is not None:
            return list(fabric.loggers)
        trainer = self._engine.lightning_trainer
        return [] if trainer is None else list(trainer.loggers)

    def log_metrics(self, metrics: dict[str, Any], step: int) -> None:
        """Write ``metrics`` (numbers or 0-d tensors) at ``step`` into every logger.

        Example:
            >>> import tempfile
            >>> from pytorch_lightning.loggers import CSVLogger
            >>> with tempfile.TemporaryDirectory() as root:
            ...     csv_logger = CSVLogger(root)
            ...     LightningLogger(csv_logger).log_metrics({"a": torch.tensor(1.5)}, step=3)
            ...     csv_logger.experiment.metrics
            [{'a': 1.5, 'step': 3}]
        """
        if not metrics:
            return
        metrics = {name: value.item() if isinstance(value, torch.Tensor) else value for name, value in metrics.items()}
        loggers = self.loggers
        if not loggers:
            self._warn_no_logger()
        for logger in loggers:
            logger.log_metrics(metrics, step)

    def _warn_no_logger(self) -> None:
        if not self._warned_no_logger:
            self._warned_no_logger = True
            warnings.warn(
                "LightningLogger: no Lightning logger to write into (give the run one with "
                "trainer_kwargs={'logger': ...}); nothing is written"
            )

    def close(self) -> None:
        """Flush what was written (a CSV logger writes its file; a TensorBoard logger flushes its events).

        Example:
            >>> LightningLogger([]).close()
        """
        if idist.get_rank() == 0:
            for logger in self.loggers:
                logger.save()

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


def _check_logger(logger: Any, handler: str) -> LightningLogger:
    if not isinstance(logger, LightningLogger):
        raise RuntimeError(f"Handler '{handler}' works only with LightningLogger")
    return logger


class OutputHandler(BaseOutputHandler):
    """Ignite's ``OutputHandler`` for a :class:`LightningLogger`: output, metrics and state attributes as ``"<tag>/<name>"``.

    Arguments as Ignite's (``tag``, ``metric_names``, ``output_transform``,
    ``global_step_transform``, ``state_attributes``); one ``log_metrics`` call per event.

    Example:
        >>> import tempfile
        >>> from pytorch_lightning.loggers import CSVLogger
        >>> from bridge.engine import Engine, Events
        >>> engine = Engine(lambda e, b: {"loss": b, "parts": torch.tensor([b, -b])})
        >>> with tempfile.TemporaryDirectory() as root:
        ...     csv_logger = CSVLogger(root)
        ...     _ = LightningLogger(csv_logger).attach(engine, OutputHandler("train", output_transform=lambda o: o),
        ...                                            Events.COMPLETED)
        ...     _ = engine.run([2.0])
        ...     csv_logger.experiment.metrics
        [{'train/loss': 2.0, 'train/parts/0': 2.0, 'train/parts/1': -2.0, 'step': 1}]
    """

    def __call__(self, engine: Engine, logger: LightningLogger, event_name: Any) -> None:
        writer = _check_logger(logger, "OutputHandler")
        values = self._setup_output_metrics_state_attrs(engine, key_tuple=False)
        step = checked_step(self.global_step_transform(engine, event_name))
        writer.log_metrics({str(name): value for name, value in values.items()}, step)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Ignite's ``OptimizerParamsHandler`` for a :class:`LightningLogger`: ``"<tag>/<param_name>/group_<i>"``.

    Example:
        >>> import tempfile
        >>> from pytorch_lightning.loggers import CSVLogger
        >>> from bridge.engine import Engine, Events
        >>> optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.5)
        >>> engine = Engine(lambda e, b: None)
        >>> with tempfile.TemporaryDirectory() as root:
        ...     csv_logger = CSVLogger(root)
        ...     _ = LightningLogger(csv_logger).attach(engine, OptimizerParamsHandler(optimizer, tag="opt"),
        ...                                            Events.EPOCH_STARTED)
        ...     _ = engine.run([0, 0])
        ...     csv_logger.experiment.metrics
        [{'opt/lr/group_0': 0.5, 'step': 1}]
    """

    def __call__(self, engine: Engine, logger: LightningLogger, event_name: Any) -> None:
        writer = _check_logger(logger, "OptimizerParamsHandler")
        writer.log_metrics(optimizer_params(self), engine.state.get_event_attrib_value(event_name))


class _ScalarHandler(BaseWeightsScalarHandler):
    """Writes ``reduction`` of each parameter (of its gradient with ``_grads``), named as TensorBoard's."""

    _grads = False

    def __call__(self, engine: Engine, logger: LightningLogger, event_name: Any) -> None:
        writer = _check_logger(logger, type(self).__name__)
        writer.log_metrics(parameter_scalars(self, self._grads), engine.state.get_event_attrib_value(event_name))


class WeightsScalarHandler(_ScalarHandler):
    """Ignite's ``WeightsScalarHandler`` for a :class:`LightningLogger`: ``"<tag>/weights_<reduction>/<name>"``.

    Example:
        >>> import tempfile
        >>> from pytorch_lightning.loggers import CSVLogger
        >>> from bridge.engine import Engine, Events
        >>> layer = torch.nn.Linear(1, 1)
        >>> with torch.no_grad(): _ = layer.weight.fill_(-3.0), layer.bias.fill_(2.0)
        >>> engine = Engine(lambda e, b: None)
        >>> with tempfile.TemporaryDirectory() as root:
        ...     csv_logger = CSVLogger(root)
        ...     _ = LightningLogger(csv_logger).attach(engine, WeightsScalarHandler(layer, torch.sum), Events.COMPLETED)
        ...     _ = engine.run([0])
        ...     csv_logger.experiment.metrics
        [{'weights_sum/weight': -3.0, 'weights_sum/bias': 2.0, 'step': 1}]
    """


class GradsScalarHandler(_ScalarHandler):
    """Ignite's ``GradsScalarHandler`` for a :class:`LightningLogger`: ``"<tag>/grads_<reduction>/<name>"``.

    Example:
        >>> import tempfile
        >>> from pytorch_lightning.loggers import CSVLogger
        >>> from bridge.engine import Engine, Events
        >>> layer = torch.nn.Linear(1, 1)
        >>> engine = Engine(lambda e, b: layer(torch.full((1, 1), 4.0)).sum().backward())
        >>> with tempfile.TemporaryDirectory() as root:
        ...     csv_logger = CSVLogger(root)
        ...     _ = LightningLogger(csv_logger).attach(engine, GradsScalarHandler(layer, tag="g"), Events.COMPLETED)
        ...     _ = engine.run([0])
        ...     csv_logger.experiment.metrics
        [{'g/grads_norm/weight': 4.0, 'g/grads_norm/bias': 1.0, 'step': 1}]
    """

    _grads = True


class _HistogramHandler(BaseWeightsHandler):
    """Writes histograms into the TensorBoard loggers' ``SummaryWriter`` (Lightning's and Fabric's)."""

    _grads = False
    _warned = False

    def __call__(self, engine: Engine, logger: LightningLogger, event_name: Any) -> None:
        writer = _check_logger(logger, type(self).__name__)
        writers = []
        for each in writer.loggers:
            # asked by type, not by touching `experiment`: that would start another logger's run or files
            if isinstance(each, TensorBoardLogger):
                # the prefix as the logger's own log_metrics puts it on its scalars
                writers.append((each.experiment, f"{each._prefix}{each.LOGGER_JOIN_CHAR}" if each._prefix else ""))
        if not writers:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"{type(self).__name__}: none of the Lightning loggers writes histograms "
                    "(a TensorBoardLogger does); nothing is written"
                )
            return
        step = engine.state.get_event_attrib_value(event_name)
        for name, tensor in parameter_histograms(self, self._grads).items():
            values = tensor.cpu().numpy()
            for experiment, prefix in writers:
                experiment.add_histogram(tag=prefix + name, values=values, global_step=step)


class WeightsHistHandler(_HistogramHandler):
    """Ignite's ``WeightsHistHandler`` for a :class:`LightningLogger`: histograms ``"<tag>/weights/<name>"``.

    They go to the loggers that write histograms (``TensorBoardLogger``); with none, a
    warning (once) and nothing is written.

    Example:
        >>> import tempfile
        >>> from pytorch_lightning.loggers import CSVLogger
        >>> from bridge.engine import Engine, Events
        >>> engine = Engine(lambda e, b: None)
        >>> _ = LightningLogger(CSVLogger("never-written")).attach(engine, WeightsHistHandler(torch.nn.Linear(1, 1)),
        ...                                                        Events.COMPLETED)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = engine.run([0])
        >>> print(caught[-1].message)
        WeightsHistHandler: none of the Lightning loggers writes histograms (a TensorBoardLogger does); nothing is written
    """


class GradsHistHandler(_HistogramHandler):
    """Ignite's ``GradsHistHandler`` for a :class:`LightningLogger`: histograms ``"<tag>/grads/<name>"``.

    Example:
        >>> GradsHistHandler(torch.nn.Linear(1, 1), tag="net").tag
        'net'
    """

    _grads = True

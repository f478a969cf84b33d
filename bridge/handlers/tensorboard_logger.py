"""Ignite's TensorBoard logger and its handlers (``ignite.handlers.tensorboard_logger``).

:class:`TensorboardLogger` writes through a ``SummaryWriter`` (tensorboardX's if installed,
else torch's): the same tags, values and steps as Ignite 0.5.5 for the same run (checked in
``tests/test_handlers_tensorboard_logger.py`` by reading both event files back).

The writer is created on first use, not by the constructor: a script builds its logger on
every process before they join their group, and only rank 0 writes (``BaseLogger.attach``),
so the other ranks never create a writer or an event file.

Example:
    >>> import tempfile
    >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    >>> from bridge.engine import Engine, Events
    >>> engine = Engine(lambda e, b: b / 10)
    >>> with tempfile.TemporaryDirectory() as log_dir:
    ...     with TensorboardLogger(log_dir=log_dir) as tb_logger:
    ...         _ = tb_logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="train",
    ...                                             output_transform=lambda out: {"loss": out})
    ...         _ = engine.run([1.0, 2.0, 3.0])
    ...     events = EventAccumulator(log_dir)
    ...     _ = events.Reload()
    ...     [(e.step, round(e.value, 2)) for e in events.Scalars("train/loss")]
    [(1, 0.1), (2, 0.2), (3, 0.3)]
"""

from __future__ import annotations

from typing import Any

import torch  # noqa: F401 - the examples below use it

from bridge.engine.engine import Engine
from bridge.handlers._client_logger import (
    ClientLogger,
    checked_step,
    optimizer_params,
    parameter_histograms,
    parameter_scalars,
)
from bridge.handlers.base_logger import (
    BaseOptimizerParamsHandler,
    BaseOutputHandler,
    BaseWeightsHandler,
    BaseWeightsScalarHandler,
)
from bridge.handlers.utils import global_step_from_engine

__all__ = [
    "TensorboardLogger",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "WeightsHistHandler",
    "GradsScalarHandler",
    "GradsHistHandler",
    "global_step_from_engine",
]


def _summary_writer_class() -> type:
    """tensorboardX's ``SummaryWriter`` if installed, else torch's (Ignite's order and error)."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ModuleNotFoundError(
                "This contrib module requires either tensorboardX or torch >= 1.2.0. "
                "You may install tensorboardX with command: \n pip install tensorboardX \n"
                "or upgrade PyTorch using your package manager of choice (pip or conda)."
            ) from None
    return SummaryWriter


class TensorboardLogger(ClientLogger):
    """Ignite's TensorBoard logger: handlers write an engine's output, metrics, optimizer parameters,
    model weights and gradients as TensorBoard scalars and histograms.

    Args:
        args: positional arguments of ``SummaryWriter`` (the first one is ``log_dir``).
        kwargs: keyword arguments of ``SummaryWriter`` (``log_dir``, ``comment``, ``flush_secs``, ...).

    ``writer`` is the ``SummaryWriter``, made on first use; unknown attributes are the
    writer's (``tb_logger.add_text(...)``). :meth:`close` closes it if it was made.
    Without tensorboardX nor ``torch.utils.tensorboard`` the constructor raises Ignite's
    ``ModuleNotFoundError``.

    Example:
        >>> import tempfile
        >>> from bridge.engine import Engine, Events
        >>> model = torch.nn.Linear(2, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> trainer = Engine(lambda e, b: 0.5)
        >>> with tempfile.TemporaryDirectory() as log_dir:
        ...     tb_logger = TensorboardLogger(log_dir=log_dir)
        ...     _ = tb_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        ...     _ = tb_logger.attach(trainer, WeightsScalarHandler(model), Events.EPOCH_COMPLETED)
        ...     _ = tb_logger.attach(trainer, WeightsHistHandler(model), Events.EPOCH_COMPLETED)
        ...     _ = trainer.run([0, 1], max_epochs=2)
        ...     tb_logger.close()
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the package is checked now (a missing one fails early), the writer made on first use
        self._client_class = _summary_writer_class()
        self._client_args = (args, kwargs)

    def _create_client(self) -> Any:
        args, kwargs = self._client_args
        return self._client_class(*args, **kwargs)

    def _close_client(self, client: Any) -> None:
        client.close()

    @property
    def writer(self) -> Any:
        """The ``SummaryWriter``, created on first use (on the process that writes).

        Example:
            >>> import tempfile
            >>> with tempfile.TemporaryDirectory() as log_dir:
            ...     tb_logger = TensorboardLogger(log_dir)
            ...     made = tb_logger.client_made
            ...     tb_logger.writer.add_scalar("x", 1.0, 0)
            ...     tb_logger.close()
            >>> made, tb_logger.client_made
            (False, True)
        """
        return self._client_or_create()

    def close(self) -> None:
        """Flush and close the writer, if one was made.

        Example:
            >>> TensorboardLogger("never-written").close()  # nothing was made, nothing is written
        """
        super().close()

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


def _check_logger(logger: Any, message: str) -> None:
    if not isinstance(logger, TensorboardLogger):
        raise RuntimeError(message)


class OutputHandler(BaseOutputHandler):
    """Writes an engine's output, metrics and state attributes as scalars ``"<tag>/<name>"``.

    Args:
        tag: prefix of the names, e.g. ``"training"``.
        metric_names: names in ``engine.state.metrics``, or ``"all"``.
        output_transform: ``engine.state.output -> number`` or a dict of numbers (tensors,
            lists and nested dicts are flattened: ``"tag/parts/0"``).
        global_step_transform: ``(engine, event_name) -> int``; by default the engine's own
            counter for the event. :func:`global_step_from_engine` takes another engine's.
        state_attributes: names of ``engine.state`` attributes.

    Example:
        >>> import tempfile
        >>> from bridge.engine import Engine, Events
        >>> trainer, evaluator = Engine(lambda e, b: None), Engine(lambda e, b: None)
        >>> @evaluator.on(Events.COMPLETED)
        ... def accuracy(engine): engine.state.metrics["accuracy"] = 0.75
        >>> _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run([0]))
        >>> with tempfile.TemporaryDirectory() as log_dir, TensorboardLogger(log_dir) as tb_logger:
        ...     _ = tb_logger.attach_output_handler(evaluator, Events.COMPLETED, tag="validation",
        ...         metric_names=["accuracy"], global_step_transform=global_step_from_engine(trainer))
        ...     _ = trainer.run([0, 1], max_epochs=3)  # validation/accuracy at steps 1, 2, 3
    """

    def __call__(self, engine: Engine, logger: TensorboardLogger, event_name: Any) -> None:
        _check_logger(logger, "Handler 'OutputHandler' works only with TensorboardLogger")
        values = self._setup_output_metrics_state_attrs(engine, key_tuple=False)
        step = checked_step(self.global_step_transform(engine, event_name))
        for name, value in values.items():
            logger.writer.add_scalar(name, value, step)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Writes an optimizer parameter of each group as ``"<tag>/<param_name>/group_<i>"`` at the event's counter.

    Args:
        optimizer: a torch optimizer, or any object with a sequence ``param_groups``.
        param_name: the parameter (``"lr"`` by default).
        tag: prefix of the names, e.g. ``"generator"``.

    Example:
        >>> import tempfile
        >>> from bridge.engine import Engine, Events
        >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.01)
        >>> trainer = Engine(lambda e, b: None)
        >>> with tempfile.TemporaryDirectory() as log_dir, TensorboardLogger(log_dir) as tb_logger:
        ...     _ = tb_logger.attach(trainer, OptimizerParamsHandler(optimizer), Events.ITERATION_STARTED)
        ...     _ = trainer.run([0, 1])  # lr/group_0 at steps 1 and 2
    """

    def __call__(self, engine: Engine, logger: TensorboardLogger, event_name: Any) -> None:
        _check_logger(logger, "Handler OptimizerParamsHandler works only with TensorboardLogger")
        step = engine.state.get_event_attrib_value(event_name)
        for name, value in optimizer_params(self).items():
            logger.writer.add_scalar(name, value, step)


class _ScalarHandler(BaseWeightsScalarHandler):
    """Writes ``reduction`` of each parameter (of its gradient with ``_grads``) as a scalar."""

    _grads = False

    def __call__(self, engine: Engine, logger: TensorboardLogger, event_name: Any) -> None:
        _check_logger(logger, f"Handler '{type(self).__name__}' works only with TensorboardLogger")
        step = engine.state.get_event_attrib_value(event_name)
        for name, value in parameter_scalars(self, self._grads).items():
            logger.writer.add_scalar(name, value, step)


class _HistHandler(BaseWeightsHandler):
    """Writes each parameter (its gradient with ``_grads``) as a histogram."""

    _grads = False

    def __call__(self, engine: Engine, logger: TensorboardLogger, event_name: Any) -> None:
        _check_logger(logger, f"Handler '{type(self).__name__}' works only with TensorboardLogger")
        step = engine.state.get_event_attrib_value(event_name)
        for name, tensor in parameter_histograms(self, self._grads).items():
            logger.writer.add_histogram(tag=name, values=tensor.cpu().numpy(), global_step=step)


class WeightsScalarHandler(_ScalarHandler):
    """Writes ``reduction(parameter)`` (its norm by default) as ``"<tag>/weights_<reduction>/<name>"``.

    ``whitelist`` keeps some parameters: name prefixes, or ``(name, parameter) -> bool``.

    Example:
        >>> import tempfile
        >>> from bridge.engine import Engine, Events
        >>> model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
        >>> trainer = Engine(lambda e, b: None)
        >>> with tempfile.TemporaryDirectory() as log_dir, TensorboardLogger(log_dir) as tb_logger:
        ...     # weights_norm/1/weight and weights_norm/1/bias at each iteration
        ...     _ = tb_logger.attach(trainer, WeightsScalarHandler(model, whitelist=["1"]), Events.ITERATION_COMPLETED)
        ...     _ = trainer.run([0, 1])
    """


class WeightsHistHandler(_HistHandler):
    """Writes each parameter as a histogram ``"<tag>/weights/<name>"``.

    Example:
        >>> import tempfile
        >>> from bridge.engine import Engine, Events
        >>> model = torch.nn.Linear(4, 2)
        >>> trainer = Engine(lambda e, b: None)
        >>> with tempfile.TemporaryDirectory() as log_dir, TensorboardLogger(log_dir) as tb_logger:
        ...     _ = tb_logger.attach(trainer, WeightsHistHandler(model, tag="net"), Events.EPOCH_COMPLETED)
        ...     _ = trainer.run([0, 1])  # net/weights/weight and net/weights/bias at step 1
    """


class GradsScalarHandler(_ScalarHandler):
    """Writes ``reduction(parameter.grad)`` as ``"<tag>/grads_<reduction>/<name>"``; parameters without gradient are skipped.

    Example:
        >>> import tempfile
        >>> from bridge.engine import Engine, Events
        >>> model = torch.nn.Linear(2, 1)
        >>> trainer = Engine(lambda e, b: model(torch.ones(1, 2)).sum().backward())
        >>> with tempfile.TemporaryDirectory() as log_dir, TensorboardLogger(log_dir) as tb_logger:
        ...     _ = tb_logger.attach(trainer, GradsScalarHandler(model, reduction=torch.max), Events.ITERATION_COMPLETED)
        ...     _ = trainer.run([0])  # grads_max/weight and grads_max/bias at step 1
    """

    _grads = True


class GradsHistHandler(_HistHandler):
    """Writes each parameter's gradient as a histogram ``"<tag>/grads/<name>"``; parameters without gradient are skipped.

    Example:
        >>> import tempfile
        >>> from bridge.engine import Engine, Events
        >>> model = torch.nn.Linear(2, 1)
        >>> trainer = Engine(lambda e, b: model(torch.ones(1, 2)).sum().backward())
        >>> with tempfile.TemporaryDirectory() as log_dir, TensorboardLogger(log_dir) as tb_logger:
        ...     _ = tb_logger.attach(trainer, GradsHistHandler(model), Events.EPOCH_COMPLETED)
        ...     _ = trainer.run([0])  # grads/weight and grads/bias at step 1
    """

    _grads = True

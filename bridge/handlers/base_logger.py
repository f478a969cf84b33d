"""Ignite's logger protocol: a ``BaseLogger`` that attaches ``BaseHandler`` s to an engine (``ignite.handlers.base_logger``).

Every experiment-tracker logger (TensorBoard, MLflow, W&B, ...) and ``ProgressBar`` is a
:class:`BaseLogger`: ``logger.attach(engine, handler, event_name)`` calls
``handler(engine, logger, event_name)`` at each event. The handler bases here pick what is
logged (an engine's output and metrics, an optimizer's parameter, a model's weights or
gradients); each logger's own subclasses say how it is written.

On several processes a logger writes from rank 0 only (as Lightning's loggers do): the
handlers it attaches return at once on the other ranks, so a script that builds its
loggers on every rank logs once per job.

Why one file past 400 lines: it is Ignite's module of this path, which every logger and
clients' own handlers subclass from: the logger and the handler bases are one protocol.

Example:
    >>> from bridge.engine import Engine, Events
    >>> class PrintLogger(BaseLogger):
    ...     def _create_output_handler(self, *args, **kwargs): return PrintOutput(*args, **kwargs)
    ...     def _create_opt_params_handler(self, *args, **kwargs): raise NotImplementedError
    >>> class PrintOutput(BaseOutputHandler):
    ...     def __call__(self, engine, logger, event_name):
    ...         step = self.global_step_transform(engine, event_name)
    ...         print(step, self._setup_output_metrics_state_attrs(engine, key_tuple=False))
    >>> engine = Engine(lambda e, b: b * 2.0)
    >>> _ = PrintLogger().attach_output_handler(engine, Events.EPOCH_COMPLETED, tag="train",
    ...                                         output_transform=lambda out: {"loss": out})
    >>> _ = engine.run([1, 2], max_epochs=2)
    1 {'train/loss': 4.0}
    2 {'train/loss': 4.0}
"""

from __future__ import annotations

import numbers
import warnings
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional, Union

import torch
from torch import nn

import bridge.distributed as idist
from bridge.engine.engine import Engine
from bridge.engine.events import EventsList, RemovableEventHandle, State

__all__ = [
    "BaseHandler",
    "BaseLogger",
    "BaseOptimizerParamsHandler",
    "BaseOutputHandler",
    "BaseWeightsHandler",
    "BaseWeightsScalarHandler",
]

#: A key of the flattened values: a tuple of names, or their "/"-joined string
FlatKey = Union[str, tuple[str, ...]]


class BaseHandler(ABC):
    """A logging handler: ``handler(engine, logger, event_name)`` writes something through ``logger``.

    Example:
        >>> from bridge.engine import Events
        >>> class Count(BaseHandler):
        ...     def __call__(self, engine, logger, event_name): print(event_name.name)
        >>> Count()(None, None, Events.COMPLETED)
        COMPLETED
    """

    @abstractmethod
    def __call__(self, engine: Engine, logger: Any, event_name: Any) -> None:
        """Log at ``event_name`` of ``engine`` through ``logger``."""


class BaseWeightsHandler(BaseHandler):
    """Base of the handlers that log a model's parameters or their gradients.

    ``whitelist`` keeps some parameters: a list of name prefixes, or a callable
    ``(name, parameter) -> bool``; ``None`` keeps them all. ``weights`` is the kept
    ``(name, parameter)`` pairs.

    Example:
        >>> class Names(BaseWeightsHandler):
        ...     def __call__(self, engine, logger, event_name): pass
        >>> [name for name, _ in Names(nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)), whitelist=["2"]).weights]
        ['2.weight', '2.bias']
    """

    def __init__(
        self,
        model: nn.Module,
        tag: Optional[str] = None,
        whitelist: Optional[Union[list[str], Callable[[str, nn.Parameter], bool]]] = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"Argument model should be of type torch.nn.Module, but given {type(model)}")
        self.model = model
        self.tag = tag
        named = model.named_parameters()
        if whitelist is None:
            kept = list(named)
        elif callable(whitelist):
            kept = [(name, p) for name, p in named if whitelist(name, p)]
        else:
            prefixes = tuple(whitelist)
            kept = [(name, p) for name, p in named if name.startswith(prefixes)]
        self.weights = tuple(kept)


class BaseOptimizerParamsHandler(BaseHandler):
    """Base of the handlers that log one parameter (``"lr"`` by default) of each of an optimizer's groups.

    Example:
        >>> class Lr(BaseOptimizerParamsHandler):
        ...     def __call__(self, engine, logger, event_name):
        ...         print([group[self.param_name] for group in self.optimizer.param_groups])
        >>> Lr(torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1))(None, None, None)
        [0.1]
    """

    def __init__(self, optimizer: torch.optim.Optimizer, param_name: str = "lr", tag: Optional[str] = None) -> None:
        # duck-typed as Ignite: anything with a sequence of param_groups (a wrapped optimizer)
        if not (
            isinstance(optimizer, torch.optim.Optimizer)
            or isinstance(getattr(optimizer, "param_groups", None), Sequence)
        ):
            raise TypeError(
                "Argument optimizer should be torch.optim.Optimizer or has attribute 'param_groups' as list/tuple, "
                f"but given {type(optimizer)}"
            )
        self.optimizer = optimizer
        self.param_name = param_name
        self.tag = tag


class _StepFromEvent:
    """The default ``global_step_transform``: the engine's counter for the event (epoch, iteration)."""

    def __call__(self, engine: Engine, event_name: Any) -> int:
        return engine.state.get_event_attrib_value(event_name)


class BaseOutputHandler(BaseHandler):
    """Base of the handlers that log an engine's output, metrics and state attributes under ``tag``.

    Args:
        tag: prefix of every logged name (``"training"`` -> ``"training/loss"``).
        metric_names: names in ``engine.state.metrics`` to log, or ``"all"``.
        output_transform: ``engine.state.output -> value`` (a number, or a dict of them).
        global_step_transform: ``(engine, event_name) -> step``; by default the engine's
            counter for the event (e.g. the epoch at EPOCH_COMPLETED). To log an evaluator's
            metrics at the trainer's step, pass ``global_step_from_engine(trainer)``.
        state_attributes: names of ``engine.state`` attributes to log.

    Example:
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, b: {"loss": 0.5, "parts": torch.tensor([1.0, 2.0])})
        >>> engine.state.metrics = {"acc": 0.9}
        >>> class Show(BaseOutputHandler):
        ...     def __call__(self, engine, logger, event_name): pass
        >>> handler = Show("val", metric_names="all", output_transform=lambda out: out)
        >>> engine.state.output = engine._process_function(engine, None)
        >>> handler._setup_output_metrics_state_attrs(engine, key_tuple=False)
        {'val/acc': 0.9, 'val/loss': 0.5, 'val/parts/0': 1.0, 'val/parts/1': 2.0}
    """

    def __init__(
        self,
        tag: str,
        metric_names: Optional[Union[str, list[str]]] = None,
        output_transform: Optional[Callable[[Any], Any]] = None,
        global_step_transform: Optional[Callable[[Engine, Any], int]] = None,
        state_attributes: Optional[list[str]] = None,
    ) -> None:
        if metric_names is not None and not (isinstance(metric_names, list) or metric_names == "all"):
            raise TypeError(f"metric_names should be either a list or equal 'all', got {type(metric_names)} instead.")
        if output_transform is not None and not callable(output_transform):
            raise TypeError(f"output_transform should be a function, got {type(output_transform)} instead.")
        if output_transform is None and metric_names is None and state_attributes is None:
            raise ValueError("Either metric_names, output_transform or state_attributes should be defined")
        if global_step_transform is not None and not callable(global_step_transform):
            raise TypeError(f"global_step_transform should be a function, got {type(global_step_transform)} instead.")
        self.tag = tag
        self.metric_names = metric_names
        self.output_transform = output_transform
        self.global_step_transform: Callable[[Engine, Any], int] = global_step_transform or _StepFromEvent()
        self.state_attributes = state_attributes

    def _collect(self, engine: Engine) -> dict[Any, Any]:
        # the named values before flattening: metrics, then the output, then state attributes
        values: dict[Any, Any] = OrderedDict()
        metrics = engine.state.metrics
        if self.metric_names == "all":
            values.update(metrics)
        elif self.metric_names is not None:
            for name in self.metric_names:
                if name not in metrics:
                    warnings.warn(
                        f"Provided metric name '{name}' is missing in engine's state metrics: {list(metrics.keys())}"
                    )
                    continue
                values[name] = metrics[name]
        if self.output_transform is not None:
            output = self.output_transform(engine.state.output)
            values.update(output if isinstance(output, dict) else {"output": output})
        if self.state_attributes is not None:
            values.update({name: getattr(engine.state, name, None) for name in self.state_attributes})
        return values

    def _setup_output_metrics_state_attrs(
        self, engine: Engine, log_text: Optional[bool] = False, key_tuple: Optional[bool] = True
    ) -> dict[FlatKey, Any]:
        """The values to log, flattened: nested dicts, sequences and 1-d tensors give one entry per item.

        Keys are tuples ``(tag, name, ...)`` or, with ``key_tuple=False``, ``"tag/name/..."``.
        Values are numbers (0-d tensors as Python numbers) and, with ``log_text``, strings;
        anything else is dropped with a warning.

        Example:
            >>> class Show(BaseOutputHandler):
            ...     def __call__(self, engine, logger, event_name): pass
            >>> engine = Engine(lambda e, b: None)
            >>> engine.state.output = {"nested": {"a": 1}, "name": "x"}
            >>> Show("t", output_transform=lambda o: o)._setup_output_metrics_state_attrs(engine, log_text=True)
            {('t', 'nested', 'a'): 1, ('t', 'name'): 'x'}
        """
        tagged = (self.tag,) if self.tag is not None else ()
        flat = _flatten(self._collect(engine), tagged, bool(log_text))
        if key_tuple:
            return dict(flat.items())
        return {"/".join(key): value for key, value in flat.items()}


def _loggable(value: Any, log_text: bool) -> Any:
    """The value as logged (None: not loggable, warned)."""
    if isinstance(value, numbers.Number):
        return value
    if isinstance(value, torch.Tensor) and value.ndimension() == 0:
        return value.item()
    if isinstance(value, str) and log_text:
        return value
    warnings.warn(f"Logger output_handler can not log metrics value type {type(value)}")
    return None


def _flatten(values: Mapping, prefix: tuple[str, ...], log_text: bool) -> dict[tuple[str, ...], Any]:
    items: dict[tuple[str, ...], Any] = {}
    for key, value in values.items():
        path = prefix + (key,)
        if isinstance(value, Mapping):
            items.update(_flatten(value, path, log_text))
        elif isinstance(value, Sequence) and not isinstance(value, str):  # namedtuples included
            items.update(_flatten({str(i): item for i, item in enumerate(value)}, path, log_text))
        elif isinstance(value, torch.Tensor) and value.ndimension() == 1:
            items.update(_flatten({str(i): item.item() for i, item in enumerate(value)}, path, log_text))
        else:
            shown = _loggable(value, log_text)
            if shown is not None:
                items[path] = shown
    return items


class BaseWeightsScalarHandler(BaseWeightsHandler):
    """Base of the handlers that log one number per parameter: ``reduction(parameter)`` (its norm by default).

    ``reduction`` must turn a tensor into a number or a 0-d tensor (checked here).

    Example:
        >>> class Norms(BaseWeightsScalarHandler):
        ...     def __call__(self, engine, logger, event_name):
        ...         print({name: round(float(self.reduction(p.data)), 3) for name, p in self.weights})
        >>> layer = nn.Linear(1, 1)
        >>> with torch.no_grad(): _ = layer.weight.fill_(3.0), layer.bias.fill_(-4.0)
        >>> Norms(layer)(None, None, None)
        {'weight': 3.0, 'bias': 4.0}
    """

    def __init__(
        self,
        model: nn.Module,
        reduction: Callable[[torch.Tensor], Union[float, torch.Tensor]] = torch.norm,
        tag: Optional[str] = None,
        whitelist: Optional[Union[list[str], Callable[[str, nn.Parameter], bool]]] = None,
    ) -> None:
        super().__init__(model, tag=tag, whitelist=whitelist)
        if not callable(reduction):
            raise TypeError(f"Argument reduction should be callable, but given {type(reduction)}")
        probe = reduction(torch.ones(4, 2))
        if not (isinstance(probe, numbers.Number) or (isinstance(probe, torch.Tensor) and probe.ndimension() == 0)):
            raise TypeError(f"Output of the reduction function should be a scalar, but got {type(probe)}")
        self.reduction = reduction


class _OnRankZero:
    """A logging handler that runs on rank 0 only: one log per job however many processes run it.

    The rank is read at each call, not at attach: a script builds its loggers before the
    run's processes have joined their group. The engine finds (``has_event_handler``,
    ``remove_event_handler``) and checks the signature of the user's handler through it.
    """

    def __init__(self, handler: Callable) -> None:
        self.handler = handler

    def _parent(self) -> Callable:
        return self.handler

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        if idist.get_rank() == 0:
            self.handler(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        return other is self or other == self.handler

    def __hash__(self) -> int:
        return hash(self.handler)


class BaseLogger(ABC):
    """Base of Ignite's loggers: attaches logging handlers to engines.

    Subclasses say how values are written (``_create_output_handler``,
    ``_create_opt_params_handler``) and release their client in :meth:`close`; a logger is
    also a context manager that closes on exit.

    Example:
        >>> from bridge.engine import Engine, Events
        >>> class Prints(BaseLogger):
        ...     def _create_output_handler(self, *args, **kwargs): raise NotImplementedError
        ...     def _create_opt_params_handler(self, *args, **kwargs): raise NotImplementedError
        >>> engine = Engine(lambda e, b: b)
        >>> with Prints() as logger:
        ...     _ = logger.attach(engine, lambda eng, lg, ev: print(ev.name, eng.state.output), Events.COMPLETED)
        ...     _ = engine.run([7])
        COMPLETED 7
    """

    #: whether handlers attached here run on rank 0 only (ProgressBar decides per rank itself)
    _rank_zero_only = True

    def attach(
        self, engine: Engine, log_handler: Callable, event_name: Any, *args: Any, **kwargs: Any
    ) -> RemovableEventHandle:
        """Call ``log_handler(engine, self, event_name, *args, **kwargs)`` at ``event_name``.

        ``event_name`` is an event, a filtered event or an :class:`EventsList` (the handler
        then gets the event that fired). An event no engine registered is an error.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> class Quiet(BaseLogger):
            ...     def _create_output_handler(self, *a, **k): raise NotImplementedError
            ...     def _create_opt_params_handler(self, *a, **k): raise NotImplementedError
            >>> Quiet().attach(Engine(lambda e, b: b), print, "no_such_event")
            Traceback (most recent call last):
            ...
            RuntimeError: Unknown event name 'no_such_event'
        """
        handler = _OnRankZero(log_handler) if self._rank_zero_only else log_handler
        events = list(event_name) if isinstance(event_name, EventsList) else [event_name]
        for name in events:
            if name not in State.event_to_attr:
                raise RuntimeError(f"Unknown event name '{name}'")
        if isinstance(event_name, EventsList):
            # each event passes itself to the handler, so one handler tells them apart
            for name in events:
                engine.add_event_handler(name, handler, self, name)
            return RemovableEventHandle(event_name, handler, engine)
        return engine.add_event_handler(event_name, handler, self, event_name, *args, **kwargs)

    def attach_output_handler(self, engine: Engine, event_name: Any, *args: Any, **kwargs: Any) -> RemovableEventHandle:
        """Attach this logger's ``OutputHandler(*args, **kwargs)`` at ``event_name``.

        Example:
            >>> import tempfile
            >>> from bridge.engine import Engine, Events
            >>> from bridge.handlers.tensorboard_logger import TensorboardLogger
            >>> trainer = Engine(lambda e, b: b)
            >>> with tempfile.TemporaryDirectory() as logs, TensorboardLogger(log_dir=logs) as tb_logger:
            ...     _ = tb_logger.attach_output_handler(trainer, Events.EPOCH_COMPLETED, tag="train",
            ...                                         output_transform=lambda out: {"last": out})
            ...     _ = trainer.run([0.5, 0.25])
            ...     print(tb_logger.client_made)  # the writer wrote train/last at epoch 1
            True
        """
        return self.attach(engine, self._create_output_handler(*args, **kwargs), event_name=event_name)

    def attach_opt_params_handler(
        self, engine: Engine, event_name: Any, *args: Any, **kwargs: Any
    ) -> RemovableEventHandle:
        """Attach this logger's ``OptimizerParamsHandler(*args, **kwargs)`` at ``event_name``.

        Example:
            >>> import tempfile
            >>> import torch
            >>> from bridge.engine import Engine, Events
            >>> from bridge.handlers.tensorboard_logger import TensorboardLogger
            >>> optimizer = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
            >>> trainer = Engine(lambda e, b: b)
            >>> with tempfile.TemporaryDirectory() as logs, TensorboardLogger(log_dir=logs) as tb_logger:
            ...     _ = tb_logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer, param_name="lr")
            ...     _ = trainer.run([0.5, 0.25])
            ...     print(tb_logger.client_made)  # the writer wrote lr/group_0 at iterations 1 and 2
            True
        """
        return self.attach(engine, self._create_opt_params_handler(*args, **kwargs), event_name=event_name)

    @abstractmethod
    def _create_output_handler(self, *args: Any, **kwargs: Any) -> Callable:
        """This logger's OutputHandler."""

    @abstractmethod
    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> Callable:
        """This logger's OptimizerParamsHandler."""

    def __enter__(self) -> BaseLogger:
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        self.close()

    def close(self) -> None:  # noqa: B027 - a logger without a client has nothing to release
        """Release the logger's client (flush and close files, end the remote run)."""

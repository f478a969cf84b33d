"""Ignite's ``Engine``: handler registry, state and run loop, looped by a Lightning Trainer.

The run loop is written once, here, in Ignite's own terms, as a generator
(:meth:`Engine._run_loop`). It *waits* at the points where Lightning's hook order
leads (:class:`Phase`): a runner in :mod:`bridge.lightning` owns the
``pl.Trainer`` and resumes the generator from the matching Lightning hooks.
Nothing in this module imports Lightning; the runner is imported on the first run.
"""

from __future__ import annotations

import functools
import logging
import math
import time
import warnings
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from enum import IntEnum
from typing import Any, Optional

from bridge.engine.events import (
    BackpropEvents,
    CallableEventWithFilter,
    EventEnum,
    Events,
    EventsList,
    RemovableEventHandle,
    State,
    _check_signature,
)
from bridge.engine.utils import _to_hours_mins_secs

__all__ = ["Engine", "Phase"]

# Trainer options that Engine.run owns: the run loop decides when epochs and the run end.
_RUN_OWNED_TRAINER_KWARGS = {
    "max_epochs": "run(max_epochs=...)",
    "min_epochs": "run(max_epochs=...)",
    "max_steps": "run(max_iters=...)",
    "min_steps": "run(max_iters=...)",
    "limit_train_batches": "run(epoch_length=...)",
    "callbacks": "Engine(callbacks=[...])",
}


class Phase(IntEnum):
    """The points at which the run loop waits for the runner (the Lightning hook order).

    ``Engine._run_loop`` yields the phase it waits for; the runner resumes it when
    Lightning reaches that point. ``INTERRUPTED`` and ``FINISHED`` are terminal for
    one ``run`` call.

    Example:
        >>> from bridge.engine.engine import Phase
        >>> Phase.BATCH < Phase.STEP
        True
    """

    RUN_START = 0
    EPOCH_START = 1
    BATCH = 2
    ITERATION_START = 3
    STEP = 4
    ITERATION_END = 5
    EPOCH_END = 6
    RUN_END = 7
    INTERRUPTED = 8
    FINISHED = 9


class _EngineTerminateException(Exception):
    """Raised inside the run loop to end the run (``terminate()``, ``max_iters``)."""


class _EngineTerminateSingleEpochException(Exception):
    """Raised inside the run loop to end the current epoch (``terminate_epoch()``)."""


def _none_data_iter(size: int) -> Iterator[None]:
    # data=None: the process function gets ``batch=None`` epoch_length times per pass
    for _ in range(size):
        yield None


class Engine:
    """Runs ``process_function`` over data, firing Ignite's events, inside a ``pl.Trainer``.

    The API and semantics are pytorch-ignite 0.5's: register handlers with
    :meth:`add_event_handler` / :meth:`on`, then :meth:`run`. Underneath, every run is a
    ``pytorch_lightning.Trainer.fit`` whose ``training_step`` calls ``process_function``.

    Args:
        process_function: ``process_function(engine, batch) -> output``; the output is
            stored in ``engine.state.output``.
        trainer_kwargs: options for the underlying ``pl.Trainer`` (``accelerator``,
            ``devices``, ``precision``, ``logger``, ``enable_progress_bar``, ...).
            Lightning's file-writing and printing defaults are off unless given here.
        callbacks: Lightning callbacks that run in the same Trainer as the handlers.
        model: the ``torch.nn.Module`` the process function trains. Given, Lightning
            manages it as part of the run's LightningModule: device placement, precision,
            strategy wrapping, checkpoints of Lightning callbacks.
        optimizers: what ``configure_optimizers`` would return for it (an optimizer, a list,
            or Lightning's dict with ``lr_scheduler``). Given, the process function can use
            the Lightning-wrapped :attr:`optimizers` and :meth:`manual_backward`, which fire
            :class:`~bridge.engine.events.BackpropEvents`.

    Example:
        >>> from bridge.engine import Engine, Events
        >>> seen = []
        >>> engine = Engine(lambda engine, batch: batch * 10)
        >>> @engine.on(Events.ITERATION_COMPLETED(every=2))
        ... def record(engine):
        ...     seen.append(engine.state.output)
        >>> state = engine.run([1, 2, 3, 4], max_epochs=1)
        >>> seen, state.iteration
        ([20, 40], 4)
    """

    _state_dict_all_req_keys: tuple[str, ...] = ("epoch_length", "iteration")
    _state_dict_one_of_opt_keys: tuple[tuple[str, ...], ...] = (("max_epochs", "max_iters"),)

    # Ignite's flag; with False, interrupt() refuses (there is no legacy loop to fall back on)
    interrupt_resume_enabled = True

    def __init__(
        self,
        process_function: Callable[[Engine, Any], Any],
        *,
        trainer_kwargs: Optional[Mapping[str, Any]] = None,
        callbacks: Optional[Iterable[Any]] = None,
        model: Any = None,
        optimizers: Any = None,
    ) -> None:
        self._event_handlers: dict[Any, list[tuple[Callable, bool, tuple, dict]]] = defaultdict(list)
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)
        self._process_function = process_function
        self.last_event_name: Optional[Any] = None
        # False, True or "skip_completed" / "skip_epoch_completed", as in Ignite
        self.should_terminate: bool | str = False
        self.should_terminate_single_epoch: bool | str = False
        self.should_interrupt = False
        self.state = State()
        self._state_dict_user_keys: list[str] = []
        self._allowed_events: list[Any] = []
        self._dataloader_iter: Optional[Iterator[Any]] = None
        self._init_iter: Optional[int] = None
        # the suspended run loop of an interrupted run, resumed by the next run()
        self._run_generator: Optional[Generator[Phase, None, State]] = None
        self._discarding_run = False

        self.register_events(*Events, *BackpropEvents)

        if self._process_function is None:
            raise ValueError("Engine must be given a processing function in order to run.")
        _check_signature(process_function, "process_function", self, None)

        trainer_kwargs = dict(trainer_kwargs or {})
        for key, instead in _RUN_OWNED_TRAINER_KWARGS.items():
            if key in trainer_kwargs:
                raise ValueError(
                    f"trainer_kwargs[{key!r}] is not allowed: Engine.run controls it, use {instead} instead."
                )
        self.trainer_kwargs: dict[str, Any] = trainer_kwargs
        self.callbacks: list[Any] = list(callbacks or [])
        self.model = model
        self._optimizers_config = optimizers
        #: the ``pl.Trainer`` of the current or last run (None before the first run)
        self.lightning_trainer: Any = None
        # set by whatever Lightning component drives this engine (a run, EngineCallback, EngineModule)
        self._lightning: Any = None

    # ------------------------------------------------------------- Lightning

    def _link(self, what: str) -> Any:
        if self._lightning is None:
            raise RuntimeError(
                f"engine.{what} is available while Lightning drives the engine: inside run() "
                "(or a Lightning fit with EngineCallback / EngineModule)."
            )
        return self._lightning

    @property
    def optimizers(self) -> list[Any]:
        """The run's optimizers as Lightning wraps them (``LightningOptimizer``), always a list.

        Stepping them goes through Lightning's precision and strategy handling and fires
        ``OPTIM_STEP_STARTED`` / ``OPTIM_STEP_COMPLETED``.

        Example:
            >>> import torch
            >>> from bridge.engine import Engine, BackpropEvents
            >>> model = torch.nn.Linear(2, 1)
            >>> def step(engine, batch):
            ...     engine.optimizers[0].zero_grad()
            ...     engine.manual_backward(model(batch).sum())
            ...     engine.optimizers[0].step()
            >>> engine = Engine(step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1))
            >>> engine.run([torch.ones(1, 2)] * 3).optim_step_completed
            3
        """
        return self._link("optimizers").optimizers()

    def manual_backward(self, loss: Any, *args: Any, **kwargs: Any) -> None:
        """``loss.backward()`` through Lightning (precision scaling, strategy), firing BACKWARD events.

        Lightning callbacks of the run see their ``on_before_backward`` / ``on_after_backward``.

        Example:
            >>> import torch
            >>> from bridge.engine import Engine, BackpropEvents
            >>> weight = torch.nn.Parameter(torch.ones(2))
            >>> engine = Engine(lambda e, b: e.manual_backward((weight * b).sum()), model=torch.nn.ParameterList([weight]))
            >>> _ = engine.add_event_handler(BackpropEvents.BACKWARD_COMPLETED, lambda e: print(weight.grad))
            >>> _ = engine.run([torch.tensor([1.0, 2.0])])
            tensor([1., 2.])
        """
        self._link("manual_backward").manual_backward(loss, *args, **kwargs)

    def log(self, name: str, value: Any, **kwargs: Any) -> None:
        """Log ``value`` to the Lightning loggers of the run (``LightningModule.log``'s options).

        Logged values also reach ``trainer.callback_metrics``, so Lightning's
        ``EarlyStopping`` and ``ModelCheckpoint(monitor=...)`` can watch them. Call it from
        the process function or a handler of an iteration or epoch event.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: e.log("double", 2.0 * b))
            >>> _ = engine.run([1.0, 4.0])
            >>> float(engine.lightning_trainer.callback_metrics["double"])
            8.0
        """
        self._link("log").log(name, value, **kwargs)

    def _fire_counted(self, event: Any) -> None:
        # Backprop events count themselves before firing, as the iteration does before ITERATION_STARTED.
        attr = State.event_to_attr[event]
        setattr(self.state, attr, getattr(self.state, attr, 0) + 1)
        self._fire_event(event)

    # ------------------------------------------------------------------ events

    def register_events(self, *event_names: str | EventEnum, event_to_attr: Optional[dict] = None) -> None:
        """Add events that can be fired with :meth:`fire_event` and get handlers.

        ``event_to_attr`` maps events to ``state`` counter attributes, which enables
        filters (``every``, ``once``, ...) on those events.

        Example:
            >>> from bridge.engine import Engine, EventEnum
            >>> class Backprop(EventEnum):
            ...     BACKWARD = "backward"
            >>> engine = Engine(lambda e, b: e.fire_event(Backprop.BACKWARD))
            >>> engine.register_events(*Backprop, event_to_attr={Backprop.BACKWARD: "backward"})
            >>> calls = []
            >>> _ = engine.add_event_handler(Backprop.BACKWARD, lambda: calls.append(1))
            >>> _ = engine.run([0, 0])
            >>> len(calls)
            2
        """
        if not (event_to_attr is None or isinstance(event_to_attr, dict)):
            raise ValueError(f"Expected event_to_attr to be dictionary. Got {type(event_to_attr)}.")
        for index, e in enumerate(event_names):
            if not isinstance(e, (str, EventEnum)):
                raise TypeError(f"Value at {index} of event_names should be a str or EventEnum, but given {e}")
            self._allowed_events.append(e)
            if event_to_attr and e in event_to_attr:
                State.event_to_attr[e] = event_to_attr[e]
        # the state needs counters for the new events
        self.state._update_attrs()

    def has_registered_events(self, event: Any) -> bool:
        """Whether ``event`` was registered on this engine.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> Engine(lambda e, b: None).has_registered_events(Events.STARTED)
            True
        """
        return event in self._allowed_events

    def _assert_allowed_event(self, event_name: Any) -> None:
        if event_name not in self._allowed_events:
            self.logger.error(f"attempt to add event handler to an invalid event {event_name}")
            raise ValueError(f"Event {event_name} is not a valid event for this {self.__class__.__name__}.")

    def _handler_wrapper(self, handler: Callable, event_name: Any, event_filter: Callable) -> Callable:
        # The counter attribute is looked up once here, not on every fire.
        attr = State.event_to_attr.get(event_name)

        @functools.wraps(handler)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            count = getattr(self.state, attr) if attr is not None else self.state.get_event_attrib_value(event_name)
            if event_filter(self, count):
                return handler(*args, **kwargs)
            return None

        # lets has_event_handler / remove_event_handler find the user's handler (a weakref, as in Ignite)
        wrapper._parent = weakref.ref(handler)  # type: ignore[attr-defined]
        return wrapper

    def add_event_handler(self, event_name: Any, handler: Callable, *args: Any, **kwargs: Any) -> RemovableEventHandle:
        """Call ``handler`` whenever ``event_name`` fires.

        ``handler`` may take the engine as first argument, then ``args`` and ``kwargs``.
        A handler whose signature cannot take these arguments is refused here with a
        ``ValueError``, not when the event fires.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> log = []
            >>> handle = engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e, tag: log.append(tag), "done")
            >>> _ = engine.run([1], max_epochs=2)
            >>> log
            ['done', 'done']
            >>> handle.remove()
        """
        if isinstance(event_name, EventsList):
            for e in event_name:
                self.add_event_handler(e, handler, *args, **kwargs)
            return RemovableEventHandle(event_name, handler, self)
        if isinstance(event_name, CallableEventWithFilter) and event_name.filter is not None:
            handler = self._handler_wrapper(handler, event_name, event_name.filter)
        self._assert_allowed_event(event_name)

        # events that pass their own arguments: check the handler can take them too
        event_args: tuple[Any, ...] = ()
        if event_name == Events.EXCEPTION_RAISED:
            event_args = (Exception(),)
        elif event_name == Events.TERMINATE_SINGLE_EPOCH:
            event_args = (0,)
        try:
            _check_signature(handler, "handler", self, *(event_args + args), **kwargs)
            takes_engine = True
        except ValueError:
            _check_signature(handler, "handler", *(event_args + args), **kwargs)
            takes_engine = False
        self._event_handlers[event_name].append((handler, takes_engine, args, kwargs))
        self.logger.debug(f"Added handler for event {event_name}")
        return RemovableEventHandle(event_name, handler, self)

    @staticmethod
    def _compare_handlers(user_handler: Callable, registered_handler: Callable) -> bool:
        parent = getattr(registered_handler, "_parent", None)
        return (parent() if parent is not None else registered_handler) == user_handler

    def has_event_handler(self, handler: Callable, event_name: Optional[Any] = None) -> bool:
        """Whether ``handler`` is registered for ``event_name`` (any event if None).

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> def hello(engine): pass
            >>> _ = engine.add_event_handler(Events.STARTED, hello)
            >>> engine.has_event_handler(hello), engine.has_event_handler(hello, Events.COMPLETED)
            (True, False)
        """
        if event_name is not None:
            if event_name not in self._event_handlers:
                return False
            events: Iterable[Any] = [event_name]
        else:
            events = self._event_handlers
        return any(self._compare_handlers(handler, h) for e in events for h, *_ in self._event_handlers[e])

    def remove_event_handler(self, handler: Callable, event_name: Any) -> None:
        """Unregister ``handler`` from ``event_name``.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> def hello(engine): pass
            >>> _ = engine.add_event_handler(Events.STARTED, hello)
            >>> engine.remove_event_handler(hello, Events.STARTED)
            >>> engine.has_event_handler(hello)
            False
        """
        if event_name not in self._event_handlers:
            raise ValueError(f"Input event name '{event_name}' does not exist")
        kept = [entry for entry in self._event_handlers[event_name] if not self._compare_handlers(handler, entry[0])]
        if len(kept) == len(self._event_handlers[event_name]):
            raise ValueError(f"Input handler '{handler}' is not found among registered event handlers")
        # a new list, so a fire in progress keeps iterating over the old one
        self._event_handlers[event_name] = kept

    def on(self, event_name: Any, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        """Decorator form of :meth:`add_event_handler`.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> @engine.on(Events.COMPLETED)
            ... def done(engine):
            ...     print("epochs:", engine.state.epoch)
            >>> _ = engine.run([1, 2], max_epochs=3)
            epochs: 3
        """

        def decorator(f: Callable) -> Callable:
            self.add_event_handler(event_name, f, *args, **kwargs)
            return f

        return decorator

    def _fire_event(self, event_name: Any, *event_args: Any, **event_kwargs: Any) -> None:
        # Hot path: runs several times per iteration, so no logging or lookups beyond the dict.
        self.last_event_name = event_name
        for func, takes_engine, args, kwargs in self._event_handlers[event_name]:
            if event_kwargs:
                kwargs = {**kwargs, **event_kwargs}
            if takes_engine:
                func(self, *event_args, *args, **kwargs)
            else:
                func(*event_args, *args, **kwargs)

    def fire_event(self, event_name: Any) -> None:
        """Run the handlers of a registered event now (custom events, typically).

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> engine.register_events("checkpoint")
            >>> _ = engine.add_event_handler("checkpoint", lambda: print("saved"))
            >>> engine.fire_event("checkpoint")
            saved
        """
        self._assert_allowed_event(event_name)
        self._fire_event(event_name)

    # --------------------------------------------------------------- control

    def terminate(self, skip_completed: bool = False) -> None:
        """Stop the run after the current event: fires TERMINATE, then COMPLETED.

        With ``skip_completed=True`` COMPLETED is not fired. The epoch that was cut
        short gets no EPOCH_COMPLETED. The Lightning Trainer stops cleanly.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.terminate())
            >>> engine.run(range(10), max_epochs=5).iteration
            3
        """
        self.logger.info("Terminate signaled. Engine will stop after current iteration is finished.")
        self.should_terminate = "skip_completed" if skip_completed else True

    def terminate_epoch(self, skip_epoch_completed: bool = False) -> None:
        """End the current epoch after the current event; the run goes on with the next.

        Fires TERMINATE_SINGLE_EPOCH, then EPOCH_COMPLETED unless
        ``skip_epoch_completed=True``. The data iterator restarts in the next epoch.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), lambda e: e.terminate_epoch())
            >>> engine.run(range(10), max_epochs=3).iteration
            6
        """
        self.logger.info(
            "Terminate current epoch is signaled. Current epoch iteration will stop after current iteration is finished."
        )
        self.should_terminate_single_epoch = "skip_epoch_completed" if skip_epoch_completed else True

    def interrupt(self) -> None:
        """Pause the run after the current event: ``run`` returns, the next ``run`` resumes.

        Fires INTERRUPT. The next call to :meth:`run` continues exactly where this one
        stopped (same iteration, same data iterator), in a new Lightning Trainer.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.interrupt())
            >>> engine.run(range(4), max_epochs=1).iteration
            2
            >>> engine.run().iteration
            4
        """
        if not self.interrupt_resume_enabled:
            raise RuntimeError(
                "Engine 'interrupt/resume' feature is disabled. "
                "Please, set Engine.interrupt_resume_enabled=True to enable it"
            )
        self.logger.info("interrupt signaled. Engine will interrupt the run after current iteration is finished.")
        self.should_interrupt = True

    def _handle_exception(self, e: BaseException) -> None:
        if Events.EXCEPTION_RAISED in self._event_handlers:
            self._fire_event(Events.EXCEPTION_RAISED, e)
        else:
            raise e

    # ----------------------------------------------------------- state dicts

    @property
    def state_dict_user_keys(self) -> list[str]:
        """Names of extra ``state`` attributes saved by :meth:`state_dict`.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> engine.state_dict_user_keys.append("alpha")
            >>> engine.state.alpha = 0.1
            >>> engine.state_dict()["alpha"]
            0.1
        """
        return self._state_dict_user_keys

    def state_dict(self) -> OrderedDict:
        """The engine's progress: ``epoch_length``, ``iteration``, ``max_epochs`` or ``max_iters``, user keys.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.run([1, 2], max_epochs=2)
            >>> dict(engine.state_dict())
            {'epoch_length': 2, 'iteration': 4, 'max_epochs': 2}
        """
        keys: tuple[str, ...] = self._state_dict_all_req_keys
        keys += ("max_iters",) if self.state.max_iters is not None else ("max_epochs",)
        keys += tuple(self._state_dict_user_keys)
        return OrderedDict([(k, getattr(self.state, k)) for k in keys])

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore progress saved by :meth:`state_dict`; the next :meth:`run` resumes from it.

        ``state_dict`` holds ``epoch_length``, one of ``iteration`` / ``epoch`` and one of
        ``max_epochs`` / ``max_iters`` (plus ``state_dict_user_keys``).

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> engine.load_state_dict({"epoch": 2, "max_epochs": 3, "epoch_length": 4})
            >>> engine.state.iteration
            8
            >>> engine.run(range(4)).iteration
            12
        """
        if "iteration" in state_dict and "epoch" in state_dict:
            raise ValueError(
                "State dictionary should contain only one of 'iteration' or 'epoch' keys. "
                f"Found both: iteration={state_dict['iteration']}, epoch={state_dict['epoch']}."
            )
        if "iteration" in state_dict or "epoch" in state_dict:
            # fill in the missing one so the required-keys check below passes
            state_dict = dict(state_dict)
            epoch_length = state_dict.get("epoch_length")
            if state_dict.get("epoch") == 0 or state_dict.get("iteration") == 0:
                state_dict["epoch"] = state_dict["iteration"] = 0
            else:
                if epoch_length is None or epoch_length <= 0:
                    raise ValueError(
                        "epoch_length must be a positive integer to calculate missing 'iteration' or 'epoch' key. "
                        f"Input state_dict: {state_dict}"
                    )
                if "epoch" in state_dict:
                    state_dict["iteration"] = state_dict["epoch"] * epoch_length
                else:
                    state_dict["epoch"] = state_dict["iteration"] // epoch_length
        self._check_state_dict_keys(state_dict)
        for k in self._state_dict_user_keys:
            if k not in state_dict:
                raise ValueError(
                    f"Required user state attribute '{k}' is absent in provided state_dict '{state_dict.keys()}'"
                )
            setattr(self.state, k, state_dict[k])

        self.state.epoch_length = state_dict["epoch_length"]
        if "iteration" in state_dict:
            self.state.iteration = state_dict["iteration"]
            self.state.epoch = 0
            if self.state.epoch_length is not None:
                self.state.epoch = self.state.iteration // self.state.epoch_length
        else:
            self.state.epoch = state_dict["epoch"]
            if self.state.epoch_length is None:
                raise ValueError(
                    "If epoch is provided in the state dict, epoch_length should not be None. "
                    f"Input state_dict: {state_dict}"
                )
            self.state.iteration = self.state.epoch_length * self.state.epoch

        if "max_epochs" in state_dict:
            self.state.max_iters = None
            self.state.max_epochs = None
            self._check_and_set_termination_param("max_epochs", state_dict["max_epochs"], "epoch", self.state.epoch)
        else:
            self.state.max_epochs = None
            self.state.max_iters = None
            self._check_and_set_termination_param(
                "max_iters", state_dict["max_iters"], "iteration", self.state.iteration
            )

    def _check_state_dict_keys(self, state_dict: Mapping) -> None:
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a dictionary, but given {type(state_dict)}")
        for k in self._state_dict_all_req_keys:
            if k not in state_dict:
                raise ValueError(f"Required state attribute '{k}' is absent in provided state_dict '{state_dict.keys()}'")
        for group in self._state_dict_one_of_opt_keys:
            if sum(k in state_dict for k in group) != 1:
                raise ValueError(f"state_dict should contain exactly one of '{group}' keys")

    # ------------------------------------------------------------------- run

    @staticmethod
    def _is_done(state: State) -> bool:
        if state.max_iters is not None and state.iteration >= state.max_iters:
            return True
        if state.max_epochs is None:
            return False
        if state.epoch_length is not None and state.iteration >= state.epoch_length * state.max_epochs:
            return True
        return state.epoch >= state.max_epochs

    def _check_and_set_termination_param(self, name: str, value: Optional[int], progress_name: str, progress: int) -> None:
        if value is None:
            return
        if value < 1:
            raise ValueError(f"Argument {name} is invalid. Please, set a correct {name} positive value")
        if value < progress:
            raise ValueError(
                f"Argument {name} should be greater than or equal to the start {progress_name} defined in the state: "
                f"{value} vs {progress}. Please, set engine.state.{name} = None "
                "before calling engine.run() in order to restart the training from the beginning."
            )
        setattr(self.state, name, value)

    def set_data(self, data: Iterable) -> None:
        """Switch the data source; the next batch comes from ``data`` (epoch length unchanged).

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.set_data([10, 20, 30]))
            >>> engine.run([1, 2, 3], max_epochs=1).output
            10
        """
        self.state.dataloader = data
        self._dataloader_iter = iter(data)

    @staticmethod
    def _get_data_length(data: Iterable) -> Optional[int]:
        try:
            if hasattr(data, "__len__"):
                return len(data)  # type: ignore[arg-type]
        except TypeError:
            # e.g. a DataLoader over an IterableDataset
            pass
        return None

    def run(
        self,
        data: Optional[Iterable] = None,
        max_epochs: Optional[int] = None,
        max_iters: Optional[int] = None,
        epoch_length: Optional[int] = None,
    ) -> State:
        """Run ``process_function`` over ``data`` inside a ``pl.Trainer``; return the state.

        Ignite's rules: the first run (or a run after the last one finished) starts a
        new state (``max_epochs`` defaults to 1); a run that is not finished, e.g. after
        ``terminate()``, ``interrupt()`` or ``load_state_dict``, resumes. ``epoch_length``
        defaults to ``len(data)``; for data without length it is found at the first
        ``StopIteration``. ``data=None`` needs ``epoch_length`` and passes ``batch=None``.
        As in Ignite 0.5, the first call after a run that raised returns None without
        running (it only discards the failed loop); the call after that resumes.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> state = engine.run(iter(range(100)), epoch_length=10, max_epochs=2)
            >>> state.output, state.epoch, state.iteration
            (19, 2, 20)
        """
        if data is not None and not isinstance(data, Iterable):
            raise TypeError("Argument data should be iterable")
        # Ignite checks these only when resuming; a fresh run with max_epochs=0 would silently do nothing
        for name, value in (("max_epochs", max_epochs), ("max_iters", max_iters), ("epoch_length", epoch_length)):
            if value is not None and value < 1:
                what = "Input data has zero size. Please provide non-empty data" if name == "epoch_length" else (
                    f"Argument {name} is invalid. Please, set a correct {name} positive value"
                )
                raise ValueError(what)
        if max_epochs is not None and max_iters is not None:
            raise ValueError(
                "Arguments max_iters and max_epochs are mutually exclusive. Please provide only max_epochs or max_iters."
            )
        # switching between max_epochs and max_iters needs an explicit reset of the state
        if max_iters is not None and self.state.max_epochs is not None:
            raise ValueError(
                "To switch from max_epochs to max_iters mode during resume, "
                "you must first reset by setting 'engine.state.max_epochs = None' before calling run()."
            )
        if max_epochs is not None and self.state.max_iters is not None:
            raise ValueError(
                "To switch from max_iters to max_epochs mode during resume, "
                "you must first reset by setting 'engine.state.max_iters = None' before calling run()."
            )
        if self.state.max_epochs is not None:
            self._check_and_set_termination_param("max_epochs", max_epochs, "epoch", self.state.epoch)
        if self.state.max_iters is not None:
            self._check_and_set_termination_param("max_iters", max_iters, "iteration", self.state.iteration)

        new_state = (self.state.max_epochs is None and self.state.max_iters is None) or (
            self._is_done(self.state) and self._run_generator is None
        )
        if new_state:
            if data is None and epoch_length is None and self.state.epoch_length is None:
                raise ValueError("epoch_length should be provided if data is None")
            if epoch_length is None:
                if data is not None:
                    epoch_length = self._get_data_length(data)
                if epoch_length is None:
                    epoch_length = self.state.epoch_length
            if epoch_length is not None and epoch_length < 1:
                raise ValueError("Input data has zero size. Please provide non-empty data")
            if max_iters is None and max_epochs is None:
                max_epochs = 1
            if epoch_length is None and isinstance(data, Iterator) and max_iters is None and max_epochs > 1:
                # Ignite would run the later epochs empty, warning each time: refuse up front instead
                raise ValueError(
                    f"Argument data is an iterator without length, so its first epoch exhausts it: "
                    f"max_epochs={max_epochs} needs epoch_length=... (iterations per epoch), "
                    "or pass a re-iterable collection such as a list or a DataLoader."
                )
            self.state.iteration = 0
            self.state.epoch = 0
            self.state.max_epochs = max_epochs if max_iters is None else None
            self.state.max_iters = max_iters
            self.state.epoch_length = epoch_length
            if self._run_generator is not None:
                # a suspended (interrupted) run is dropped as in Ignite: the loop sees GeneratorExit,
                # which goes to EXCEPTION_RAISED handlers and resets the data iterator
                self._run_generator.close()
                self._run_generator = None
            limit = f"max_iters={max_iters}" if max_iters is not None else f"max_epochs={self.state.max_epochs}"
            self.logger.info(f"Engine run starting with {limit}.")
        else:
            if self.state.epoch_length is not None:
                if epoch_length is not None and epoch_length != self.state.epoch_length:
                    raise ValueError(
                        "Argument epoch_length should be same as in the state, "
                        f"but given {epoch_length} vs {self.state.epoch_length}"
                    )
            else:
                if epoch_length is None and data is not None:
                    epoch_length = self._get_data_length(data)
                if epoch_length is not None:
                    if epoch_length < 1:
                        raise ValueError("Input data has zero size. Please provide non-empty data")
                    self.state.epoch_length = epoch_length
            self.logger.info(
                f"Engine run resuming from iteration {self.state.iteration}, epoch {self.state.epoch} until "
                + (
                    f"{self.state.max_iters} iterations"
                    if self.state.max_iters is not None
                    else f"{self.state.max_epochs} epochs"
                )
            )
            if self.state.epoch_length is None and data is None:
                raise ValueError("epoch_length should be provided if data is None")
            if self.should_terminate:
                # resuming a terminated run: the cut epoch starts over from its first iteration
                self._init_iter = 0

        if self._dataloader_iter is None:
            self.state.dataloader = data

        from bridge.lightning.runner import run_engine  # Lightning is imported on the first run only

        return run_engine(self)

    # The run loop. Lightning's hooks resume it (see bridge.lightning.runner.HOOK_TO_PHASE).

    @staticmethod
    def _init_timers(state: State) -> None:
        state.times[Events.EPOCH_COMPLETED.name] = 0.0
        state.times[Events.COMPLETED.name] = 0.0

    def _setup_dataloader_iter(self) -> None:
        if self.state.dataloader is None:
            if self.state.epoch_length is None:
                raise RuntimeError("Internal error, self.state.epoch_length is None.")
            self._dataloader_iter = _none_data_iter(self.state.epoch_length)
        else:
            self._dataloader_iter = iter(self.state.dataloader)

    def _setup_engine(self) -> None:
        self._setup_dataloader_iter()
        if self._init_iter is None:
            # resuming from a state mid-epoch: count this epoch's iterations from there
            iteration = self.state.iteration
            if self.state.epoch_length is not None:
                iteration %= self.state.epoch_length
            self._init_iter = iteration

    def _discard_run(self) -> None:
        """Drop the suspended run loop without running its exception handling (its Trainer failed)."""
        generator, self._run_generator = self._run_generator, None
        if generator is not None:
            self._discarding_run = True
            try:
                generator.close()
            finally:
                self._discarding_run = False
        self._dataloader_iter = None

    def _maybe_terminate_or_interrupt(self) -> Generator[Phase, None, None]:
        if self.should_terminate:
            raise _EngineTerminateException()
        if self.should_terminate_single_epoch:
            raise _EngineTerminateSingleEpochException()
        if self.should_interrupt:
            self._fire_event(Events.INTERRUPT)
            self.should_interrupt = False
            yield Phase.INTERRUPTED

    def _any_flag(self) -> bool:
        return bool(self.should_terminate or self.should_terminate_single_epoch or self.should_interrupt)

    def _run_loop(self) -> Generator[Phase, None, State]:
        """Ignite's run loop; yields the Lightning phase it waits for next."""
        self.should_terminate = self.should_terminate_single_epoch = self.should_interrupt = False
        self._init_timers(self.state)
        yield Phase.RUN_START
        start_time = time.time()
        try:
            try:
                self._fire_event(Events.STARTED)
                yield from self._maybe_terminate_or_interrupt()
                while not self._is_done(self.state) and not self.should_terminate:
                    yield Phase.EPOCH_START
                    self.state.epoch += 1
                    handlers_start_time = time.time()
                    self._fire_event(Events.EPOCH_STARTED)
                    epoch_time_taken = time.time() - handlers_start_time
                    yield from self._maybe_terminate_or_interrupt()
                    if self._dataloader_iter is None:
                        self._setup_engine()
                    epoch_time_taken += yield from self._run_once_on_dataset()
                    yield Phase.EPOCH_END
                    # time is available to handlers but updated after they ran
                    self.state.times[Events.EPOCH_COMPLETED.name] = epoch_time_taken
                    if self.should_terminate_single_epoch != "skip_epoch_completed":
                        handlers_start_time = time.time()
                        self._fire_event(Events.EPOCH_COMPLETED)
                        epoch_time_taken += time.time() - handlers_start_time
                        self.state.times[Events.EPOCH_COMPLETED.name] = epoch_time_taken
                    # the epoch is over: nothing left to terminate in it
                    self.should_terminate_single_epoch = False
                    yield from self._maybe_terminate_or_interrupt()
                    hours, mins, secs = _to_hours_mins_secs(epoch_time_taken)
                    self.logger.info(f"Epoch[{self.state.epoch}] Complete. Time taken: {hours:02d}:{mins:02d}:{secs:06.3f}")
            except _EngineTerminateException:
                self._fire_event(Events.TERMINATE)
            except _EngineTerminateSingleEpochException:
                # Ignite's message, word for word (clients match on it)
                raise RuntimeError(
                    "The method terminate_epoch() should not be called on Event.STARTED or Event.EPOCH_STARTED."
                    "If this is a desired behaviour, please open a feature request on"
                    "https://github.com/pytorch/ignite/issues/new/choose"
                )
            yield Phase.RUN_END
            time_taken = time.time() - start_time
            self.state.times[Events.COMPLETED.name] = time_taken
            if self.should_terminate != "skip_completed":
                handlers_start_time = time.time()
                self._fire_event(Events.COMPLETED)
                time_taken += time.time() - handlers_start_time
                self.state.times[Events.COMPLETED.name] = time_taken
            hours, mins, secs = _to_hours_mins_secs(time_taken)
            self.logger.info(f"Engine run finished. Time taken: {hours:02d}:{mins:02d}:{secs:06.3f}")
        except BaseException as e:
            if self._discarding_run:
                raise  # the runner lost its Trainer: not an exception of the run itself
            self._dataloader_iter = None
            self.logger.error(f"Engine run is terminating due to exception: {e}")
            self._handle_exception(e)
        self._dataloader_iter = None
        return self.state

    def _run_once_on_dataset(self) -> Generator[Phase, None, float]:
        start_time = time.time()
        # resuming mid-epoch: the counter starts where the state is
        iter_counter = 0 if self._init_iter is None else self._init_iter
        self._init_iter = None
        should_exit = False
        # True while one fetch goes on with a restarted iterator: Lightning asked for one batch only
        refetch = False
        state = self.state
        try:
            if self._dataloader_iter is None:
                raise RuntimeError("Internal error, self._dataloader_iter is None.")
            while True:
                state.batch = None
                try:
                    if not refetch:
                        yield Phase.BATCH
                    refetch = False
                    # Ignite's rule: no second GET_BATCH_STARTED right after DATALOADER_STOP_ITERATION
                    if self.last_event_name != Events.DATALOADER_STOP_ITERATION:
                        if state.dataloader is not None:
                            self._fire_event(Events.GET_BATCH_STARTED)
                            if self._any_flag():
                                yield from self._maybe_terminate_or_interrupt()
                    state.batch = next(self._dataloader_iter)  # type: ignore[arg-type]
                    # reset here: an exhausted iterable dataloader may have left it set
                    state.output = None
                    if state.dataloader is not None:
                        self._fire_event(Events.GET_BATCH_COMPLETED)
                        if self._any_flag():
                            yield from self._maybe_terminate_or_interrupt()
                    iter_counter += 1
                    should_exit = False
                except StopIteration:
                    if state.epoch_length is None:
                        # first pass over data without length: now we know the epoch length
                        state.epoch_length = iter_counter
                        if state.max_iters is not None:
                            state.max_epochs = math.ceil(state.max_iters / state.epoch_length)
                        break
                    if should_exit:
                        # the restarted iterator is empty too
                        if not self._is_done(state):
                            total_iters = (
                                state.epoch_length * state.max_epochs
                                if state.max_epochs is not None
                                else state.max_iters
                            )
                            warnings.warn(
                                "Data iterator can not provide data anymore but required total number of "
                                "iterations to run is not reached. "
                                f"Current iteration: {state.iteration} vs Total iterations to run : {total_iters}"
                            )
                        break
                    if state.dataloader is not None:
                        self._fire_event(Events.DATALOADER_STOP_ITERATION)
                        if self._any_flag():
                            yield from self._maybe_terminate_or_interrupt()
                    self._setup_dataloader_iter()
                    should_exit = refetch = True
                    continue

                yield Phase.ITERATION_START
                state.iteration += 1
                self._fire_event(Events.ITERATION_STARTED)
                if self._any_flag():
                    yield from self._maybe_terminate_or_interrupt()

                yield Phase.STEP
                state.output = self._process_function(self, state.batch)

                yield Phase.ITERATION_END
                self._fire_event(Events.ITERATION_COMPLETED)
                if self._any_flag():
                    yield from self._maybe_terminate_or_interrupt()

                if state.epoch_length is not None and iter_counter == state.epoch_length:
                    break
                if state.max_iters is not None and state.iteration == state.max_iters:
                    self.should_terminate = True
                    raise _EngineTerminateException()

        except _EngineTerminateSingleEpochException:
            self._fire_event(Events.TERMINATE_SINGLE_EPOCH, iter_counter=iter_counter)
            self._setup_dataloader_iter()
        except _EngineTerminateException:
            raise
        except Exception as e:
            self.logger.error(f"Current run is terminating due to exception: {e}")
            self._handle_exception(e)
        return time.time() - start_time

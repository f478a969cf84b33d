"""The pure event model of :mod:`bridge.engine`: events, event filters, state, handles.

This module mirrors ``ignite.engine.events`` (pytorch-ignite 0.5.x) behaviour for
behaviour. It imports neither Lightning nor Ignite: the Engine and the Lightning
layer build on it, never the other way round.

Why one file past 400 lines: it is Ignite's module of this path, and its parts are one
concept: an event is an enum member that carries its filter (``every``/``once``/...), and
``EventsList``, ``State`` (whose counters the filters read) and ``RemovableEventHandle``
exist only for it.

Example:
    >>> from bridge.engine.events import Events, State
    >>> event = Events.ITERATION_COMPLETED(every=2)
    >>> [n for n in range(1, 7) if event.filter(None, n)]
    [2, 4, 6]
    >>> event == Events.ITERATION_COMPLETED  # a filtered event is still "the same" event
    True
    >>> State(iteration=7).get_event_attrib_value(event)
    7
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import Enum
from types import DynamicClassAttribute
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # type hints only: this module must not import the Engine (or torch)
    from bridge.engine.registry import EventRegistry

__all__ = [
    "BackpropEvents",
    "CallableEventWithFilter",
    "EventEnum",
    "Events",
    "State",
    "EventsList",
    "RemovableEventHandle",
]

#: ``(engine, event_count) -> bool``: whether a handler runs at this firing of its event.
EventFilter = Callable[[Any, int], bool]


def _check_signature(fn: Callable, fn_description: str, *args: Any, **kwargs: Any) -> None:
    """Raise ``ValueError`` (worded as Ignite does) if ``fn(*args, **kwargs)`` cannot bind.

    Example:
        >>> _check_signature(lambda engine, event: True, "event_filter", "engine", "event")
    """
    # A wrapper (a filtered handler's, a logger's rank-0 guard) points at the user's function: check that one.
    target = fn
    while hasattr(target, "_parent"):
        target = target._parent()
    signature = inspect.signature(target)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise ValueError(
            f"Error adding {fn} '{fn_description}': "
            f"takes parameters {list(signature.parameters)} but will be called with {list(args) + list(kwargs)}"
            f"({exc})."
        ) from None


class _Every:
    """The ``every`` filter: the count is a multiple of ``every``."""

    __slots__ = ("every",)

    def __init__(self, every: int) -> None:
        self.every = every

    def __call__(self, engine: Any, event: int) -> bool:
        return event % self.every == 0

    def __repr__(self) -> str:
        return f"every({self.every})"


class _Once:
    """The ``once`` filter: the count is one of ``once`` (a frozenset: O(1), immune to later mutation)."""

    __slots__ = ("counts",)

    def __init__(self, once: Iterable[int]) -> None:
        self.counts = frozenset(once)

    def __call__(self, engine: Any, event: int) -> bool:
        return event in self.counts

    def __repr__(self) -> str:
        return f"once({sorted(self.counts)})"


class _Between:
    """The ``before``/``after`` filter: ``after < count < before`` (``after`` 0, ``before`` unbounded by default)."""

    __slots__ = ("low", "high")

    def __init__(self, before: int | None, after: int | None) -> None:
        self.low = 0 if after is None else after
        self.high = math.inf if before is None else before

    def __call__(self, engine: Any, event: int) -> bool:
        return self.low < event and event < self.high

    def __repr__(self) -> str:
        return f"between(after={self.low}, before={self.high})"


class _EveryBetween(_Between):
    """``every`` with ``before``/``after``: every ``every`` counts from ``after + 1``, inside the bounds."""

    __slots__ = ("every", "first")

    def __init__(self, every: int, before: int | None, after: int | None) -> None:
        super().__init__(before, after)
        self.every, self.first = every, self.low + 1

    def __call__(self, engine: Any, event: int) -> bool:
        return self.low < event and event < self.high and (event - self.first) % self.every == 0

    def __repr__(self) -> str:
        return f"every({self.every}, after={self.low}, before={self.high})"


class CallableEventWithFilter:
    """An event, optionally with a filter deciding at which firings its handlers run.

    Calling an event (``Events.X(every=..., once=..., before=..., after=...)`` or
    ``Events.X(event_filter=fn)``) returns a new ``CallableEventWithFilter`` with the
    same name and value and a ``filter(engine, event_count) -> bool``. Equality and
    hash use only the *name*, so a filtered event finds its base event's entry in a
    dict of handlers.

    Args:
        value: the event's value, e.g. ``"iteration_completed"``.
        event_filter: ``(engine, event_count) -> bool``, or ``None`` for "always".
        name: the event's name, e.g. ``"ITERATION_COMPLETED"``.

    Example:
        >>> e = CallableEventWithFilter("iteration_completed", name="ITERATION_COMPLETED")
        >>> e(once=[2, 5]).filter(None, 5), e(once=[2, 5]).filter(None, 3)
        (True, False)
    """

    def __init__(self, value: str, event_filter: EventFilter | None = None, name: str | None = None) -> None:
        self.filter = event_filter
        # Enum members already have _value_/_name_ (set by the Enum machinery before __init__).
        if not hasattr(self, "_value_"):
            self._value_ = value
        if not hasattr(self, "_name_") and name is not None:
            self._name_ = name

    # DynamicClassAttribute (as in Enum) so an EventEnum may still have members named NAME/VALUE.
    @DynamicClassAttribute
    def name(self) -> str:
        """The event's name, e.g. ``Events.STARTED.name == "STARTED"``."""
        return self._name_

    @DynamicClassAttribute
    def value(self) -> str:
        """The event's value, e.g. ``Events.STARTED.value == "started"``."""
        return self._value_

    def __call__(
        self,
        event_filter: EventFilter | None = None,
        every: int | None = None,
        once: int | Sequence[int] | None = None,
        before: int | None = None,
        after: int | None = None,
    ) -> CallableEventWithFilter:
        """Return this event with a filter on its count (iteration, epoch, ...).

        Give exactly one of: ``event_filter``; ``once``; any of ``every``/``before``/``after``.

        - ``every=n``: counts divisible by ``n`` (``every=1`` gives the unfiltered event).
        - ``once=n`` or ``once=[n, m, ...]``: exactly those counts.
        - ``before=b`` / ``after=a``: counts ``c`` with ``a < c < b``.
        - ``every`` with ``before``/``after``: every ``n``-th count starting at ``after + 1``.

        Example:
            >>> f = Events.EPOCH_STARTED(every=5, before=25, after=8).filter
            >>> [n for n in range(1, 30) if f(None, n)]
            [9, 14, 19, 24]
        """
        range_given = every is not None or before is not None or after is not None
        if (event_filter is not None) + (once is not None) + range_given != 1:
            raise ValueError("Only one of the input arguments should be specified, except before, after and every")

        if event_filter is not None and not callable(event_filter):
            raise TypeError("Argument event_filter should be a callable")

        # Like Ignite: every/before/after accept any Integral, once only int (both let bool through).
        if every is not None and not (isinstance(every, numbers.Integral) and every > 0):
            raise ValueError("Argument every should be integer and greater than zero")

        if once is not None:
            single_ok = isinstance(once, int) and once > 0
            many_ok = (
                isinstance(once, Sequence) and len(once) > 0 and all(isinstance(e, int) and e > 0 for e in once)
            )
            if not (single_ok or many_ok):
                raise ValueError(
                    f"Argument once should either be a positive integer or a list of positive integers, got {once}"
                )

        if before is not None and not (isinstance(before, numbers.Integral) and before >= 0):
            raise ValueError("Argument before should be integer and greater or equal to zero")

        if after is not None and not (isinstance(after, numbers.Integral) and after >= 0):
            raise ValueError("Argument after should be integer and greater or equal to zero")

        if event_filter is not None:
            _check_signature(event_filter, "event_filter", "engine", "event")
        elif once is not None:
            event_filter = self.once_event_filter([once] if isinstance(once, int) else once)
        elif before is not None or after is not None:
            if every is not None:
                event_filter = self.every_before_and_after_event_filter(every, before, after)
            else:
                event_filter = self.before_and_after_event_filter(before, after)
        elif every != 1:  # every=1 is the plain event: no filter call per firing
            event_filter = self.every_event_filter(every)  # type: ignore[arg-type]

        return CallableEventWithFilter(self.value, event_filter, self.name)

    # The filter factories return small objects over precomputed constants: they run on every
    # firing of their event in the training loop, so they allocate nothing per call, and they
    # pickle (Lightning's ddp_spawn pickles the engine with its handlers).

    @staticmethod
    def every_event_filter(every: int) -> EventFilter:
        """Filter true when the count is a multiple of ``every`` (count 0 included, as in Ignite).

        Example:
            >>> f = CallableEventWithFilter.every_event_filter(3)
            >>> [n for n in range(0, 10) if f(None, n)], f
            ([0, 3, 6, 9], every(3))
        """
        return _Every(every)

    @staticmethod
    def once_event_filter(once: Iterable[int]) -> EventFilter:
        """Filter true exactly at the counts listed in ``once``.

        Example:
            >>> f = CallableEventWithFilter.once_event_filter([2, 5])
            >>> [n for n in range(1, 10) if f(None, n)]
            [2, 5]
        """
        return _Once(once)

    @staticmethod
    def before_and_after_event_filter(before: int | None = None, after: int | None = None) -> EventFilter:
        """Filter true for counts strictly between ``after`` (default 0) and ``before`` (default none).

        Example:
            >>> f = CallableEventWithFilter.before_and_after_event_filter(before=5, after=2)
            >>> [n for n in range(1, 10) if f(None, n)]
            [3, 4]
        """
        return _Between(before, after)

    @staticmethod
    def every_before_and_after_event_filter(
        every: int, before: int | None = None, after: int | None = None
    ) -> EventFilter:
        """Filter true every ``every`` counts from ``after + 1``, strictly before ``before``.

        Note the phase (Ignite's): it starts at ``after + 1``, so ``every=3, before=10``
        gives 1, 4, 7 (not 3, 6, 9), and ``every=3, after=4`` gives 5, 8, 11, ...

        Example:
            >>> f = CallableEventWithFilter.every_before_and_after_event_filter(3, before=10)
            >>> [n for n in range(1, 12) if f(None, n)]
            [1, 4, 7]
        """
        return _EveryBetween(every, before, after)

    @staticmethod
    def default_event_filter(engine: Any, event: int) -> bool:
        """Deprecated always-true filter, kept for Ignite compatibility: use ``None`` instead.

        Example:
            >>> Events.STARTED.filter is None  # the modern spelling of "no filter"
            True
        """
        warnings.warn("Events.default_event_filter is deprecated and will be removed. Please, use None instead")
        return True

    def __repr__(self) -> str:
        # Always "Events.<NAME>", also for custom EventEnum members: Ignite's format.
        if self.filter is None:
            return f"Events.{self.name}"
        return f"Events.{self.name}(filter={self.filter})"

    def __eq__(self, other: Any) -> bool:
        # By name only: the filter is ignored, and a str compares with the *name*.
        if isinstance(other, CallableEventWithFilter):
            return self._name_ == other._name_
        if isinstance(other, str):
            return self._name_ == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._name_)

    def __or__(self, other: Any) -> EventsList:
        """``Events.A | Events.B(every=2)`` is an :class:`EventsList` of both."""
        return EventsList() | self | other


class EventEnum(CallableEventWithFilter, Enum):
    """Base class for enums of events; custom events subclass it.

    Members are :class:`CallableEventWithFilter`, so they take filters and combine with ``|``.

    Example:
        >>> class BackpropEvents(EventEnum):
        ...     BACKWARD_STARTED = "backward_started"
        ...     BACKWARD_COMPLETED = "backward_completed"
        >>> BackpropEvents.BACKWARD_STARTED.value
        'backward_started'
        >>> BackpropEvents.BACKWARD_COMPLETED(every=2) == BackpropEvents.BACKWARD_COMPLETED
        True
    """

    def __new__(cls, value: str) -> EventEnum:
        member = object.__new__(cls)
        member._value_ = value
        return member


class Events(EventEnum):
    """The events an Engine fires while it runs, with Ignite's names and values.

    ``STARTED``, ``EPOCH_STARTED``, ``GET_BATCH_STARTED``, ``GET_BATCH_COMPLETED``,
    ``ITERATION_STARTED``, ``ITERATION_COMPLETED``, ``EPOCH_COMPLETED``, ``COMPLETED``,
    ``EXCEPTION_RAISED``, ``DATALOADER_STOP_ITERATION``, ``TERMINATE``,
    ``TERMINATE_SINGLE_EPOCH``, ``INTERRUPT``.

    Example:
        >>> events = Events.STARTED | Events.ITERATION_COMPLETED(every=10)
        >>> [e.name for e in events]
        ['STARTED', 'ITERATION_COMPLETED']
        >>> Events("epoch_completed") is Events.EPOCH_COMPLETED
        True
    """

    # Same order as Ignite: `register_events(*Events)` and handler tables follow it.
    EPOCH_STARTED = "epoch_started"
    EPOCH_COMPLETED = "epoch_completed"
    STARTED = "started"
    COMPLETED = "completed"
    ITERATION_STARTED = "iteration_started"
    ITERATION_COMPLETED = "iteration_completed"
    EXCEPTION_RAISED = "exception_raised"
    GET_BATCH_STARTED = "get_batch_started"
    GET_BATCH_COMPLETED = "get_batch_completed"
    DATALOADER_STOP_ITERATION = "dataloader_stop_iteration"
    TERMINATE = "terminate"
    TERMINATE_SINGLE_EPOCH = "terminate_single_epoch"
    INTERRUPT = "interrupt"


class BackpropEvents(EventEnum):
    """Backward and optimizer-step events of a training step (bridge's, not Ignite's).

    Fired from Lightning's hooks whenever the loss goes through Lightning's
    ``manual_backward`` and its wrapped optimizers: ``BACKWARD_STARTED`` /
    ``BACKWARD_COMPLETED`` around the backward pass, ``OPTIM_STEP_STARTED`` /
    ``OPTIM_STEP_COMPLETED`` around the optimizer step. Each has a counter in the state
    (``backward_started``, ...), so filters work: ``BACKWARD_COMPLETED(every=4)``.
    While nothing handles one of them, a run counts it without a Python call (Lightning calls
    these hooks every step) and, having fired nothing, does not record it as ``last_event_name``.

    Example:
        >>> BackpropEvents.BACKWARD_COMPLETED(every=4).name
        'BACKWARD_COMPLETED'
        >>> State().optim_step_completed
        0
    """

    BACKWARD_STARTED = "backward_started"
    BACKWARD_COMPLETED = "backward_completed"
    OPTIM_STEP_STARTED = "optim_step_started"
    OPTIM_STEP_COMPLETED = "optim_step_completed"


class EventsList:
    """Events combined with ``|``; a handler added for it is added for each event.

    ``|`` appends in place and returns the same list (as Ignite does), so ``events |= e``
    and ``events | e`` both extend ``events``. Only events may be appended.

    Example:
        >>> events = Events.STARTED | Events.COMPLETED
        >>> events |= Events.ITERATION_STARTED(every=3)
        >>> len(events), events[0] is Events.STARTED
        (3, True)
    """

    def __init__(self) -> None:
        self._events: list[CallableEventWithFilter] = []

    def _append(self, event: CallableEventWithFilter) -> None:
        if not isinstance(event, CallableEventWithFilter):
            raise TypeError(f"Argument event should be Events or CallableEventWithFilter, got: {type(event)}")
        self._events.append(event)

    def __getitem__(self, item: int) -> CallableEventWithFilter:
        return self._events[item]

    def __iter__(self) -> Iterator[CallableEventWithFilter]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __or__(self, other: CallableEventWithFilter) -> EventsList:
        self._append(other)
        return self


class _BackpropCount:
    """A :class:`BackpropEvents` counter of :class:`State`: an int, or while a run counts the event
    without a Python call (no handler listens), the run's :class:`~bridge.engine.tally.Tally`
    (not imported here: this module stands alone).

    Example:
        >>> from bridge.engine.tally import Tally
        >>> state = State(backward_started=2)
        >>> tally = state.__dict__["backward_started"] = Tally(2)  # as a run's stand-in sets it
        >>> hook = tally.hook()
        >>> _ = hook(), hook()
        >>> state.backward_started
        4
        >>> state.backward_started = 0  # the hook counts on from there
        >>> _ = hook()
        >>> state.backward_started
        1
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, state: State | None, owner: type | None = None) -> Any:
        if state is None:
            return self
        try:
            value = state.__dict__[self._name]
        except KeyError:
            raise AttributeError(self._name) from None
        return value if type(value) is int else value.value

    def __set__(self, state: State, value: int) -> None:
        current = state.__dict__.get(self._name)
        if current is not None and type(current) is not int:
            value = current.restart(value)  # a run counts it in C (a Tally): its hooks count on from ``value``
        state.__dict__[self._name] = value


class State:
    """The run's state shared between the Engine and its handlers.

    Attributes: ``iteration`` and ``epoch`` (1-based once running, 0 before), ``epoch_length``,
    ``max_epochs``, ``max_iters``, ``output``, ``batch``, ``metrics``, ``dataloader``, ``seed``,
    ``times`` (keys ``"EPOCH_COMPLETED"`` and ``"COMPLETED"``), plus any keyword given.

    ``State.event_to_attr`` (class-level, shared, extended by ``Engine.register_events``)
    maps each event to the attribute that counts it; event filters receive that count.

    Example:
        >>> state = State(iteration=12, epoch=3)
        >>> state.get_event_attrib_value(Events.ITERATION_COMPLETED)
        12
        >>> state.get_event_attrib_value(Events.EPOCH_STARTED(every=2))
        3
    """

    event_to_attr: ClassVar[dict[Any, str]] = {
        Events.GET_BATCH_STARTED: "iteration",
        Events.GET_BATCH_COMPLETED: "iteration",
        Events.ITERATION_STARTED: "iteration",
        Events.ITERATION_COMPLETED: "iteration",
        Events.EPOCH_STARTED: "epoch",
        Events.EPOCH_COMPLETED: "epoch",
        Events.STARTED: "epoch",
        Events.COMPLETED: "epoch",
        # bridge's backprop events count themselves: the attribute is the event's value
        **{event: event.value for event in BackpropEvents},
    }

    # the backprop counters: read through, as a run may count them in C (:class:`_BackpropCount`)
    backward_started = _BackpropCount()
    backward_completed = _BackpropCount()
    optim_step_started = _BackpropCount()
    optim_step_completed = _BackpropCount()

    def __init__(self, **kwargs: Any) -> None:
        self.iteration: int = 0
        self.epoch: int = 0
        self.epoch_length: int | None = None
        self.max_epochs: int | None = None
        self.max_iters: int | None = None
        self.output: Any = None
        self.batch: Any = None
        self.metrics: dict[str, Any] = {}
        self.dataloader: Any = None
        self.seed: int | None = None
        self.times: dict[str, float | None] = {Events.EPOCH_COMPLETED.name: None, Events.COMPLETED.name: None}
        for key, value in kwargs.items():
            setattr(self, key, value)
        self._update_attrs()

    def _update_attrs(self) -> None:
        """Create (as 0) every counter attribute named in ``event_to_attr`` that is missing.

        Example:
            >>> State().iteration
            0
        """
        for attr in self.event_to_attr.values():
            if not hasattr(self, attr):
                setattr(self, attr, 0)

    def get_event_attrib_value(self, event_name: Any) -> int:
        """Return the counter of ``event_name`` (e.g. ``iteration`` for ITERATION_COMPLETED).

        Raises ``RuntimeError`` for an event without a counter.

        Example:
            >>> State(epoch=4).get_event_attrib_value(Events.EPOCH_COMPLETED)
            4
        """
        # One lookup on the hot path (called per filtered handler per firing).
        attr = State.event_to_attr.get(event_name)
        if attr is None:
            raise RuntimeError(f"Unknown event name '{event_name}'")
        return getattr(self, attr)

    def __repr__(self) -> str:
        lines = ["State:\n"]
        for attr in self.__dict__:
            value = getattr(self, attr)  # a backprop counter may be a Tally: its value
            # Numbers and strings are shown, anything else (tensors, loaders, dicts) by type.
            shown = value if isinstance(value, (numbers.Number, str)) else type(value)
            lines.append(f"\t{attr}: {shown}\n")
        return "".join(lines)


class RemovableEventHandle:
    """Handle returned by ``Engine.add_event_handler``: removes that handler again.

    Holds weak references to the handler and the engine, so it keeps neither alive;
    once either is gone, :meth:`remove` does nothing. Also a context manager.

    Args:
        event_name: the event (or :class:`EventsList`) the handler was added for.
        handler: the handler as registered (a filter wrapper points at the user's
            function through its ``_parent`` weak reference).
        engine: the engine; needs ``has_event_handler`` and ``remove_event_handler``.

    Example:
        >>> class TinyEngine:  # anything with the Engine's two methods
        ...     def __init__(self): self.handlers = {Events.STARTED: [print]}
        ...     def has_event_handler(self, h, e): return h in self.handlers.get(e, [])
        ...     def remove_event_handler(self, h, e): self.handlers[e].remove(h)
        >>> engine = TinyEngine()
        >>> with RemovableEventHandle(Events.STARTED, print, engine):
        ...     pass
        >>> engine.handlers
        {Events.STARTED: []}
    """

    def __init__(
        self, event_name: CallableEventWithFilter | EventsList | Any, handler: Callable, engine: EventRegistry
    ) -> None:
        self.event_name = event_name
        self.handler = weakref.ref(handler)
        self.engine = weakref.ref(engine)

    def remove(self) -> None:
        """Remove the handler from the engine, for each event; a no-op if already removed.

        Example:
            >>> # handle = engine.add_event_handler(Events.COMPLETED, fn); handle.remove()
        """
        handler = self.handler()
        engine = self.engine()
        if handler is None or engine is None:
            return  # collected: nothing is registered any more

        if hasattr(handler, "_parent"):  # a filter wrapper: the engine matches by the user's function
            handler = handler._parent()
            if handler is None:
                raise RuntimeError(
                    "Internal error: the handler wrapped by an event filter was garbage collected "
                    "while its wrapper was still registered."
                )

        events = self.event_name if isinstance(self.event_name, EventsList) else (self.event_name,)
        for event in events:
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def __enter__(self) -> RemovableEventHandle:
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        self.remove()

"""The handler registry of an Engine: events, handlers, filters and firing.

:class:`EventRegistry` is the part of Ignite's ``Engine`` that knows events and
handlers and nothing of running: ``register_events``, ``add_event_handler`` / ``on``,
``has_event_handler``, ``remove_event_handler``, ``fire_event``. ``Engine`` is built on it.

Example:
    >>> from bridge.engine import Engine, Events
    >>> engine = Engine(lambda e, b: b)
    >>> _ = engine.add_event_handler(Events.STARTED, lambda: print("started"))
    >>> engine.fire_event(Events.STARTED)
    started
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union

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
from bridge.engine.tally import Tally

__all__ = ["EventRegistry", "EventName", "Handler"]

_BACKPROP_NAMES = frozenset(e.name for e in BackpropEvents)

#: An event as handlers are registered for it: a member of an EventEnum (maybe filtered) or a name.
EventName = Union[str, EventEnum, CallableEventWithFilter]
Handler = Callable[..., Any]
#: (handler, whether it takes the engine first, its args, its kwargs)
_Entry = tuple[Handler, bool, tuple[Any, ...], dict[str, Any]]


class _FilteredHandler:
    """A handler of a filtered event: calls ``handler`` when the filter passes at the event's count.

    An object rather than a closure, so that an engine with its handlers pickles (Lightning's
    ``ddp_spawn``). It looks like the user's handler to signature checks and reprs.
    """

    def __init__(self, engine: EventRegistry, handler: Callable, event_name: Any, event_filter: Callable) -> None:
        functools.update_wrapper(self, handler)
        self._engine, self._handler, self._event, self._filter = engine, handler, event_name, event_filter
        # the counter attribute is looked up once here, not on every fire
        self._attr = State.event_to_attr.get(event_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = self._engine.state
        attr = self._attr
        count = getattr(state, attr) if attr is not None else state.get_event_attrib_value(self._event)
        if self._filter(self._engine, count):
            return self._handler(*args, **kwargs)
        return None

    def _parent(self) -> Callable:
        """The user's handler (in Ignite a weak reference to it: called, it gives the handler)."""
        return self._handler

    def __repr__(self) -> str:
        return repr(self._handler)


def _key(event_name: Any) -> Any:
    """An event's key in ``_event_handlers``: its name (a custom event registered by name is one)."""
    return getattr(event_name, "_name_", event_name)


class EventRegistry:
    """Events, handlers and firing; the base of :class:`~bridge.engine.Engine`.

    Example:
        >>> registry = EventRegistry()
        >>> registry.register_events("custom")
        >>> registry.has_registered_events("custom")
        True
    """

    def __init__(self) -> None:
        # A defaultdict, as Ignite's: firing an event without handlers finds an empty list. Keyed by
        # the events' names: Ignite's events hash and compare by name, so ``_event_handlers[event]``
        # finds the same list, and a name's hash is cached in the str where an event's is a Python
        # call (~0.1 us) at every firing, eight of them per training iteration.
        self._event_handlers: defaultdict[Any, list[_Entry]] = defaultdict(list)
        self._allowed_events: list[EventName] = []
        self.last_event_name: Optional[EventName] = None
        #: the user registered events of their own named as bridge's BackpropEvents (Ignite's FAQ
        #: defines such an enum): the names are theirs, and bridge fires none of its own (Ignite has none)
        self._backprop_names_taken = False
        self.state = State()
        self.logger = logging.getLogger("bridge.engine.engine." + self.__class__.__name__)

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
            if not isinstance(e, BackpropEvents) and (e.name if isinstance(e, EventEnum) else e) in _BACKPROP_NAMES:
                self._backprop_names_taken = True
                self._count_in_python(*BackpropEvents)  # which then counts nothing
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
        return _FilteredHandler(self, handler, event_name, event_filter)

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
        key = _key(event_name)
        self._event_handlers[key].append((handler, takes_engine, args, kwargs))
        if key in _BACKPROP_NAMES:
            self._count_in_python(BackpropEvents[key])  # a run's hooks now fire it
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
        try:
            key = event_name._name_  # an event's name (see _event_handlers), inline: the hot path
        except AttributeError:
            key = event_name  # a custom event registered by name
        for func, takes_engine, args, kwargs in self._event_handlers[key]:
            if event_kwargs:
                kwargs = {**kwargs, **event_kwargs}
            if takes_engine:
                func(self, *event_args, *args, **kwargs)
            else:
                func(*event_args, *args, **kwargs)

    def _fires_directly(self) -> bool:
        """Whether ``_fire_event`` is this registry's own, not a subclass's or an instance's
        replacement (a test's mock): then a loop may record an event nothing handles
        (``last_event_name``) without calling it, as it would have done."""
        return getattr(self._fire_event, "__func__", None) is EventRegistry._fire_event

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

    def _fire_counted(self, event: EventEnum) -> None:
        """Count backprop ``event`` in ``state`` and fire it, as the iteration counts itself before ITERATION_STARTED."""
        attr = State.event_to_attr[event]
        if type(self.state.__dict__[attr]) is not int:  # a run of this engine counts it in C (a Tally)
            self._count_in_python(event)
        self._fire_counted_as(attr, event)

    def _counted(self, event: EventEnum) -> Callable[..., None]:
        """:meth:`_fire_counted` for ``event`` as a framework hook's stand-in: it takes (and ignores)
        the hook's arguments, and looks the counter up once instead of once per fire.

        While nothing handles ``event``, the stand-in only counts, without a Python call: a
        :class:`~bridge.engine.tally.Tally`'s hook, turned into the Python firer in place when a
        handler is added. Whoever asks for stand-ins calls :meth:`_count_in_python` when its run ends.

        Example:
            >>> from bridge.engine import Engine, BackpropEvents
            >>> engine = Engine(lambda e, b: b)
            >>> hook = engine._counted(BackpropEvents.BACKWARD_COMPLETED)
            >>> hook(), hook()  # what Lightning's hook calls get back: a count, no Python frame
            (0, 1)
            >>> _ = engine.add_event_handler(BackpropEvents.BACKWARD_COMPLETED, lambda e: print(e.state.backward_completed))
            >>> hook()
            3
        """
        attr = State.event_to_attr[event]
        if self._backprop_names_taken or self._event_handlers.get(event._name_):
            return functools.partial(self._fire_counted_as, attr, event)
        counts = self.state.__dict__
        if not isinstance(counts[attr], Tally):
            counts[attr] = Tally(counts[attr])
        return counts[attr].hook()

    def _count_in_python(self, *events: EventEnum) -> None:
        """The stand-ins of :meth:`_counted` that count ``events`` in C fire them in Python from now on,
        and ``state`` holds their counts as numbers (when a handler is added, and when the run ends).

        Example:
            >>> from bridge.engine import Engine, BackpropEvents
            >>> engine = Engine(lambda e, b: b)
            >>> hook = engine._counted(BackpropEvents.OPTIM_STEP_STARTED)
            >>> _ = hook(), hook()
            >>> engine._count_in_python(*BackpropEvents)
            >>> engine.state.__dict__["optim_step_started"], hook(), engine.state.optim_step_started
            (2, None, 3)
        """
        counts = self.state.__dict__
        for event in events:
            attr = State.event_to_attr[event]
            tally = counts.get(attr)
            if isinstance(tally, Tally):
                counts[attr] = tally.hand_over(self._fire_counted_as, attr, event)

    def _fire_counted_as(self, attr: str, event: EventEnum, *hook_args: object) -> None:
        # Four per training step, so one frame each: it fires as _fire_event does, inline.
        if self._backprop_names_taken:
            return  # the user's own events of these names fire where their process function says
        # the counter in the state's dict (State creates every counter of event_to_attr): a dynamic
        # getattr/setattr would look the name up on the State type each time, four names per step
        self.state.__dict__[attr] += 1
        self.last_event_name = event
        for func, takes_engine, args, kwargs in self._event_handlers[event._name_]:
            if takes_engine:
                func(self, *args, **kwargs)
            else:
                func(*args, **kwargs)

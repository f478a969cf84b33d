"""Ignite's engine API: ``Engine``, ``Events`` and the event model, run by Lightning.

Example:
    >>> from bridge.engine import Engine, Events
    >>> engine = Engine(lambda engine, batch: batch + 1)
    >>> engine.run([1, 2]).output
    3
"""

from bridge.engine.engine import Engine
from bridge.engine.events import (
    BackpropEvents,
    CallableEventWithFilter,
    EventEnum,
    Events,
    EventsList,
    RemovableEventHandle,
    State,
)

__all__ = [
    "BackpropEvents",
    "CallableEventWithFilter",
    "Engine",
    "EventEnum",
    "Events",
    "EventsList",
    "RemovableEventHandle",
    "State",
]

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

# Ignite keeps these in ignite.engine; they need torch, imported only when first used.
_SUPERVISED = (
    "create_supervised_evaluator",
    "create_supervised_trainer",
    "supervised_evaluation_step",
    "supervised_evaluation_step_amp",
    "supervised_training_step",
    "supervised_training_step_amp",
    "supervised_training_step_apex",
    "supervised_training_step_tpu",
)
# underscored helpers of ignite.engine that client code imports
_CLIENT_HELPERS = ("_check_arg", "_prepare_batch")


def __getattr__(name: str) -> object:
    if name in _SUPERVISED or name in _CLIENT_HELPERS:
        from bridge.engine import supervised

        return getattr(supervised, name)
    if name == "DeterministicEngine":
        from bridge.engine.deterministic import DeterministicEngine

        return DeterministicEngine
    raise AttributeError(f"module 'bridge.engine' has no attribute '{name}'")


__all__ = [
    *_SUPERVISED,
    "BackpropEvents",
    "CallableEventWithFilter",
    "DeterministicEngine",
    "Engine",
    "EventEnum",
    "Events",
    "EventsList",
    "RemovableEventHandle",
    "State",
]

"""Helpers of ``ignite.handlers.utils``: :func:`global_step_from_engine`.

Example:
    >>> from bridge.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: None)
    >>> _ = trainer.run([0, 1], max_epochs=3)
    >>> global_step_from_engine(trainer)(None, Events.EPOCH_COMPLETED)
    3
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from bridge.engine.engine import Engine
from bridge.engine.events import State

__all__ = ["global_step_from_engine"]


def global_step_from_engine(
    engine: Engine,
    custom_event_name: Optional[Any] = None,
    fallback_attr: str = "epoch",
) -> Callable[[Any, Any], int]:
    """A ``global_step_transform`` reading the step from another engine's state.

    The returned ``(engine_, event_name) -> int`` gives ``engine``'s counter for
    ``custom_event_name`` (or for the event being handled), e.g. the trainer's epoch for a
    handler on the evaluator's ``COMPLETED``; for an event without counter it gives
    ``engine.state.<fallback_attr>``.

    Example:
        >>> from bridge.engine import Engine, Events
        >>> trainer = Engine(lambda engine, batch: None)
        >>> _ = trainer.run([0, 1, 2], max_epochs=2)
        >>> step = global_step_from_engine(trainer)
        >>> step(None, Events.COMPLETED), step(None, Events.ITERATION_COMPLETED)
        (2, 6)
        >>> global_step_from_engine(trainer, Events.ITERATION_COMPLETED)(None, Events.COMPLETED)
        6
    """

    return _GlobalStepFromEngine(engine, custom_event_name, fallback_attr)


class _GlobalStepFromEngine:
    """``global_step_from_engine``'s transform: an object, so a logger holding it pickles (``ddp_spawn``)."""

    def __init__(self, engine: Engine, custom_event_name: Optional[Any], fallback_attr: str) -> None:
        self.engine, self.custom_event_name, self.fallback_attr = engine, custom_event_name, fallback_attr

    def __call__(self, _: Any, event_name: Any) -> int:
        if self.custom_event_name is not None:
            event_name = self.custom_event_name
        if event_name not in State.event_to_attr:
            return getattr(self.engine.state, self.fallback_attr)
        return self.engine.state.get_event_attrib_value(event_name)

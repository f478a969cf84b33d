"""Ignite's ``EpochOutputStore``: the outputs of an epoch's iterations, kept (``ignite.handlers.stores``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.utils import _identity

__all__ = ["EpochOutputStore"]


class EpochOutputStore:
    """Keeps ``output_transform(engine.state.output)`` of every iteration of the current epoch in ``data``.

    ``attach(engine, name)`` also puts the list in ``engine.state.<name>`` at EPOCH_COMPLETED.

    Example:
        >>> store = EpochOutputStore(output_transform=lambda out: out * 10)
        >>> engine = Engine(lambda e, b: b)
        >>> store.attach(engine, "outputs")
        >>> engine.run([1, 2, 3], max_epochs=2).outputs
        [10, 20, 30]
    """

    def __init__(self, output_transform: Callable[[Any], Any] = _identity) -> None:
        self.data: list[Any] = []
        self.output_transform = output_transform

    def reset(self) -> None:
        """Empty ``data`` (at each EPOCH_STARTED)."""
        self.data = []

    def update(self, engine: Engine) -> None:
        """Append this iteration's (transformed) output."""
        self.data.append(self.output_transform(engine.state.output))

    def store(self, engine: Engine) -> None:
        """Put ``data`` in ``engine.state.<name>``."""
        setattr(engine.state, self.name, self.data)

    def attach(self, engine: Engine, name: Optional[str] = None) -> None:
        """``reset`` at EPOCH_STARTED, ``update`` at ITERATION_COMPLETED, and with ``name`` ``store`` at EPOCH_COMPLETED."""
        engine.add_event_handler(Events.EPOCH_STARTED, self.reset)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.update)
        if name:
            self.name = name
            engine.add_event_handler(Events.EPOCH_COMPLETED, self.store)

"""Ignite's ``Timer``: measures (average) time between engine events.

Built only on the public Engine API (``add_event_handler``), so it works on an Engine
run by ``Engine.run`` and on the engines of ``bridge.lightning.EngineCallback``.
"""

from __future__ import annotations

from time import perf_counter
from typing import Any, Optional

from bridge.engine.events import Events

__all__ = ["Timer"]


class Timer:
    """Total or average time while running, with pause/resume, as Ignite's ``Timer``.

    ``value()`` is the time measured while running; with ``average=True`` it is divided by
    the number of ``step()`` calls (at least 1).

    Example:
        >>> from bridge.engine import Engine, Events
        >>> timer = Timer(average=True)
        >>> engine = Engine(lambda e, b: None)
        >>> timer = timer.attach(engine, start=Events.STARTED, resume=Events.ITERATION_STARTED,
        ...                      pause=Events.ITERATION_COMPLETED, step=Events.ITERATION_COMPLETED)
        >>> _ = engine.run(range(4))
        >>> timer.step_count, timer.running, 0.0 <= timer.value() < 1.0
        (4.0, False, True)
    """

    def __init__(self, average: bool = False) -> None:
        self._average = average
        self.reset()

    def attach(
        self,
        engine: Any,
        start: Any = Events.STARTED,
        pause: Any = Events.COMPLETED,
        resume: Optional[Any] = None,
        step: Optional[Any] = None,
    ) -> Timer:
        """Reset on ``start``, pause on ``pause``, resume on ``resume``, step on ``step``; returns the timer.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: None)
            >>> timer = Timer().attach(engine, pause=Events.EPOCH_COMPLETED)
            >>> _ = engine.run([0])
            >>> timer.running
            False
        """
        engine.add_event_handler(start, self.reset)
        engine.add_event_handler(pause, self.pause)
        if resume is not None:
            engine.add_event_handler(resume, self.resume)
        if step is not None:
            engine.add_event_handler(step, self.step)
        return self

    def reset(self, *args: Any) -> Timer:
        """Zero the timer and start it running.

        Example:
            >>> Timer().reset().step_count
            0.0
        """
        self._t0 = perf_counter()
        self.total = 0.0
        self.step_count = 0.0
        self.running = True
        return self

    def pause(self, *args: Any) -> None:
        """Stop measuring; the time so far is kept in ``total``.

        Example:
            >>> t = Timer(); t.pause(); t.running
            False
        """
        if self.running:
            self.total += self._elapsed()
            self.running = False

    def resume(self, *args: Any) -> None:
        """Measure again after :meth:`pause` (no effect while running).

        Example:
            >>> t = Timer(); t.pause(); t.resume(); t.running
            True
        """
        if not self.running:
            self.running = True
            self._t0 = perf_counter()

    def value(self) -> float:
        """Seconds measured (divided by ``max(step_count, 1)`` with ``average=True``).

        Example:
            >>> t = Timer(average=True); t.pause(); t.step(); t.step()
            >>> t.value() == t.total / 2
            True
        """
        total = self.total + (self._elapsed() if self.running else 0.0)
        return total / max(self.step_count, 1.0) if self._average else total

    def step(self, *args: Any) -> None:
        """Count one more step (the denominator of the average).

        Example:
            >>> t = Timer(); t.step(); t.step_count
            1.0
        """
        self.step_count += 1.0

    def _elapsed(self) -> float:
        return perf_counter() - self._t0

    # Not Ignite API (its Timer has no state): what a Lightning checkpoint of EngineCallback carries.
    def _checkpoint_state(self) -> dict[str, Any]:
        """The time measured so far, the steps and whether it runs, as plain numbers.

        Example:
            >>> t = Timer(); t.pause(); t.total = 2.5; t.step()
            >>> t._checkpoint_state()
            {'total': 2.5, 'step_count': 1.0, 'running': False}
        """
        total = self.total + (self._elapsed() if self.running else 0.0)
        return {"total": total, "step_count": self.step_count, "running": self.running}

    def _load_checkpoint_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`_checkpoint_state` (a running timer runs on from now).

        Example:
            >>> t = Timer(); t._load_checkpoint_state({"total": 2.5, "step_count": 1.0, "running": False})
            >>> t.value(), t.running
            (2.5, False)
        """
        self.total, self.step_count = float(state["total"]), float(state["step_count"])
        self.running = bool(state["running"])
        self._t0 = perf_counter()

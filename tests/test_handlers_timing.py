"""Timer and BasicTimeProfiler: Ignite's numbers on a fake clock, Ignite's result structure."""

from __future__ import annotations

from typing import Any

import ignite.engine as ie
import ignite.handlers.time_profilers as itp
import ignite.handlers.timing as itiming
import pytest

from bridge.engine import Engine, Events
from bridge.handlers import time_profilers as btp
from bridge.handlers import timing as btiming


class FakeClock:
    """perf_counter replacement that only moves when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(btiming, "perf_counter", fake)
    monkeypatch.setattr(itiming, "perf_counter", fake)
    return fake


def test_timer_by_hand(clock: FakeClock) -> None:
    t = btiming.Timer()
    clock.advance(2.0)
    assert t.value() == 2.0 and t.running
    t.pause()
    clock.advance(5.0)  # not measured while paused
    t.pause()  # pausing twice changes nothing
    assert t.value() == 2.0 and not t.running
    t.resume()
    clock.advance(1.0)
    t.resume()  # resuming a running timer does not restart it
    clock.advance(1.0)
    assert t.value() == 4.0
    t.step()
    assert t.value() == 4.0  # average=False ignores steps
    t.reset()
    assert (t.value(), t.total, t.step_count, t.running) == (0.0, 0.0, 0.0, True)


def test_timer_average_by_hand(clock: FakeClock) -> None:
    t = btiming.Timer(average=True)
    assert t.value() == 0.0  # no step yet: divided by 1
    for work in (1.0, 2.0, 3.0):
        t.resume()
        clock.advance(work)
        t.pause()
        clock.advance(10.0)  # idle time, not measured
        t.step()
    assert t.step_count == 3.0 and t.value() == 2.0


def _timed_run(engine_cls: type, events: Any, timer_cls: type, clock: FakeClock) -> list[tuple[float, float, float]]:
    def work(engine: Any, batch: float) -> None:
        clock.advance(batch)

    engine = engine_cls(work)
    engine.add_event_handler(events.GET_BATCH_COMPLETED, lambda: clock.advance(0.25))  # data time
    engine.add_event_handler(events.EPOCH_COMPLETED, lambda: clock.advance(7.0))
    per_batch = timer_cls(average=True).attach(
        engine, start=events.EPOCH_STARTED, resume=events.ITERATION_STARTED,
        pause=events.ITERATION_COMPLETED, step=events.ITERATION_COMPLETED,
    )  # fmt: skip
    whole_run = timer_cls().attach(engine)
    epochs = timer_cls(average=True).attach(engine, pause=events.COMPLETED, step=events.EPOCH_COMPLETED)
    seen: list[tuple[float, float, float]] = []
    engine.add_event_handler(events.EPOCH_COMPLETED, lambda: seen.append((per_batch.value(), whole_run.value(), epochs.value())))
    engine.run([1.0, 2.0, 4.5], max_epochs=3)
    seen.append((per_batch.value(), whole_run.value(), epochs.value()))
    return seen


def test_timer_on_engine_events_matches_ignite(clock: FakeClock) -> None:
    ours = _timed_run(Engine, Events, btiming.Timer, clock)
    theirs = _timed_run(ie.Engine, ie.Events, itiming.Timer, clock)
    assert ours == theirs
    # per batch: the timer runs from EPOCH_STARTED, so the first batch's data time counts: (0.25 + 1 + 2 + 4.5) / 3;
    # whole run: 3 epochs of 7.5 work + 0.75 data + 7 after each epoch
    assert ours[-1] == (7.75 / 3, 3 * (7.5 + 0.75 + 7.0), 3 * (7.5 + 0.75 + 7.0) / 3)


def test_timer_attach_refuses_unknown_event() -> None:
    with pytest.raises(ValueError, match="not a valid event"):
        btiming.Timer().attach(Engine(lambda e, b: None), start="no_such_event")


def _profile(engine_cls: type, events: Any, profiler_cls: type) -> dict:
    def handler_a(engine: Any) -> None:
        pass

    engine = engine_cls(lambda e, b: sum(range(2000)))
    engine.add_event_handler(events.ITERATION_COMPLETED, handler_a)
    engine.add_event_handler(events.EPOCH_STARTED, handler_a)
    profiler = profiler_cls()
    profiler.attach(engine)
    engine.run(range(5), max_epochs=2)
    return profiler.get_results(), profiler


def _structure(results: Any) -> Any:
    if isinstance(results, dict):
        return {k: _structure(v) for k, v in results.items()}
    if isinstance(results, list):
        return results
    return type(results).__name__ if not isinstance(results, (int, float)) else "number"


def test_basic_time_profiler_results_match_ignite_structure(capsys: pytest.CaptureFixture) -> None:
    ours, profiler = _profile(Engine, Events, btp.BasicTimeProfiler)
    theirs, _ = _profile(ie.Engine, ie.Events, itp.BasicTimeProfiler)
    assert list(ours) == list(theirs)
    assert _structure(ours) == _structure(theirs)
    assert ours["event_handlers_names"] == theirs["event_handlers_names"]
    assert ours["event_handlers_names"]["ITERATION_COMPLETED_names"] == ["_profile.<locals>.handler_a"]
    assert profiler.processing_times.shape == (10,) and bool((profiler.processing_times > 0).all())
    assert bool((profiler.dataflow_times > 0).all())
    assert ours["processing_stats"]["total"] == pytest.approx(float(profiler.processing_times.sum()))
    text = btp.BasicTimeProfiler.print_results(ours)
    assert capsys.readouterr().out == text + "\n"
    assert "- Events.ITERATION_COMPLETED: ['_profile.<locals>.handler_a']" in text


def test_basic_time_profiler_removes_its_handlers_and_profiles_again() -> None:
    engine = Engine(lambda e, b: None)
    profiler = btp.BasicTimeProfiler()
    profiler.attach(engine)
    profiler.attach(engine)  # attaching twice is harmless
    counts = {e: len(engine._event_handlers[e]) for e in Events}
    engine.run(range(3))
    assert {e: len(engine._event_handlers[e]) for e in Events} == counts
    engine.run(range(3), max_epochs=2)
    assert profiler.processing_times.shape == (6,) and profiler.event_handlers_times[Events.EPOCH_STARTED].shape == (2,)


def test_basic_time_profiler_bad_input() -> None:
    with pytest.raises(TypeError, match="Argument engine should be bridge.engine.Engine"):
        btp.BasicTimeProfiler().attach(ie.Engine(lambda e, b: None))

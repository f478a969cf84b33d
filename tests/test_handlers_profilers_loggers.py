"""HandlersTimeProfiler, BatchSizeScheduler and FBResearchLogger against pytorch-ignite's on the same runs.

Times come from a fake clock that only the scenario moves (in the process function, the data
and the handlers), so the profiler's numbers, its printed table and the logger's timing
fields are compared exactly, not only their structure. Both bridge runners run each scenario.
"""

from __future__ import annotations

import csv
import importlib
import logging
import re
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import ignite.engine as ie
import ignite.handlers as ih
import ignite.handlers.fbresearch_logger as ifb
import ignite.handlers.param_scheduler as ips
import ignite.handlers.time_profilers as itp
import ignite.handlers.timing as itiming
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

import bridge.engine as be
import bridge.handlers.batch_size_scheduler as bbs
import bridge.handlers.fbresearch_logger as bfb
import bridge.handlers.param_scheduler as bps
import bridge.handlers.time_profilers as btp
import bridge.handlers.timing as btiming

RUNNERS = ["trainer", "fabric"]


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
    for module in (btiming, itiming, btp):
        monkeypatch.setattr(module, "perf_counter", fake)
    return fake


def _engine(engines: Any, step: Any, runner: str) -> Any:
    return engines.Engine(step, runner=runner) if engines is be else engines.Engine(step)


# ---------------------------------------------------------------- HandlersTimeProfiler


class _Data:
    """Batches 0, 1, ..., ``n - 1``, each taking ``load`` seconds of the fake clock to load."""

    def __init__(self, clock: FakeClock, n: int = 4, load: float = 0.002) -> None:
        self.clock, self.n, self.load = clock, n, load

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            self.clock.advance(self.load)
            yield i


class _OnStarted:
    """A callable object: profiled under its class name."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def __call__(self, engine: Any) -> None:
        self.clock.advance(0.001)


def _profiled_run(engines: Any, profilers: Any, clock: FakeClock, runner: str) -> Any:
    events = engines.Events

    def step(engine: Any, batch: int) -> None:
        clock.advance(0.01 * (batch + 1))
        engine.fire_event("custom")

    engine = _engine(engines, step, runner)
    engine.register_events("custom")

    def on_epoch(engine: Any) -> None:
        clock.advance(0.005 * engine.state.epoch)

    def on_custom() -> None:
        clock.advance(0.0002)

    engine.add_event_handler(events.EPOCH_COMPLETED, on_epoch)
    engine.add_event_handler(events.EPOCH_STARTED, on_epoch)
    engine.add_event_handler(events.ITERATION_COMPLETED(every=3), lambda e: clock.advance(0.003))
    engine.add_event_handler(events.STARTED, _OnStarted(clock))
    engine.add_event_handler("custom", on_custom)
    engine.add_event_handler(events.COMPLETED, on_epoch)
    # a Timer is the profiler's kind of tool: its handlers are not profiled
    (btiming.Timer if engines is be else itiming.Timer)().attach(engine, step=events.ITERATION_COMPLETED)
    profiler = profilers.HandlersTimeProfiler()
    profiler.attach(engine)
    # registered after the profiler: runs after it at STARTED, and is profiled too
    engine.add_event_handler(events.STARTED, lambda: clock.advance(0.0004))
    engine.run(_Data(clock), max_epochs=3)
    return profiler


def _times_by_name(profiler: Any) -> dict[str, dict[str, list[float]]]:
    return {getattr(e, "name", str(e)): dict(hs) for e, hs in profiler.event_handlers_times.items() if hs}


@pytest.mark.parametrize("runner", RUNNERS)
def test_handlers_time_profiler_results_and_table_match_ignite(
    runner: str, clock: FakeClock, capsys: pytest.CaptureFixture
) -> None:
    ours = _profiled_run(be, btp, clock, runner)
    theirs = _profiled_run(ie, itp, clock, runner)
    assert _times_by_name(ours) == _times_by_name(theirs)
    assert ours.processing_times == theirs.processing_times and len(ours.processing_times) == 12
    assert ours.dataflow_times == theirs.dataflow_times
    results = ours.get_results()
    assert results == theirs.get_results()
    assert [row[:2] for row in results] == [
        ["_profiled_run.<locals>.on_epoch", "EPOCH_STARTED"],
        ["_profiled_run.<locals>.on_epoch", "EPOCH_COMPLETED"],
        ["_OnStarted", "STARTED"],
        ["_profiled_run.<locals>.<lambda>", "STARTED"],
        ["_profiled_run.<locals>.on_epoch", "COMPLETED"],
        ["_profiled_run.<locals>.<lambda>", "ITERATION_COMPLETED"],
        ["_profiled_run.<locals>.on_custom", "custom"],
        ["Total", ""],
        ["Processing", "None"],
        ["Dataflow", "None"],
    ]
    # the filtered handler ran at iterations 3, 6, 9 and 12 only
    assert _times_by_name(ours)["ITERATION_COMPLETED"]["_profiled_run.<locals>.<lambda>"] == pytest.approx([0.003] * 4)
    assert results[0][2:] == [0.03, (0.005, 0), (0.015, 2), 0.01, 0.005]
    capsys.readouterr()
    btp.HandlersTimeProfiler.print_results(results)
    printed = capsys.readouterr().out
    itp.HandlersTimeProfiler.print_results(theirs.get_results())
    assert printed == capsys.readouterr().out
    # the process function's time includes the handlers of the custom event it fires
    assert "Processing took total 0.3024s [min/index: 0.0102s/0, max/index: 0.0402s/3, mean: 0.0252s, std: 0.01168s]\n" \
        "Dataflow took total 0.024s [min/index: 0.002s/0, max/index: 0.002s/0, mean: 0.002s, std: 0.0s]\n\n" in printed


def test_handlers_time_profiler_csv_has_ignite_columns(clock: FakeClock, tmp_path: Any) -> None:
    ours = _profiled_run(be, btp, clock, "fabric")
    theirs = _profiled_run(ie, itp, clock, "fabric")
    ours.write_results(str(tmp_path / "ours.csv"))
    with open(tmp_path / "ours.csv", newline="") as f:
        header, *rows = list(csv.reader(f))
    columns = [(h, getattr(e, "name", str(e))) for e, hs in theirs.event_handlers_times.items() for h in hs]
    assert header == ["#", "processing_stats", "dataflow_stats"] + [f"{h} ({e})" for h, e in columns]
    assert len(rows) == 12 and [r[0] for r in rows] == [f"{i}.0" for i in range(1, 13)]
    # each column: the times as pandas writes float32 values, padded with zeros
    on_custom = header.index("_profiled_run.<locals>.on_custom (custom)")
    started = header.index("_OnStarted (STARTED)")
    assert [r[on_custom] for r in rows] == [str(np.float32(t)) for t in theirs.event_handlers_times["custom"][
        "_profiled_run.<locals>.on_custom"]]
    assert [r[started] for r in rows] == ["0.001"] + ["0.0"] * 11


def test_handlers_time_profiler_csv_is_ignite_file(clock: FakeClock, tmp_path: Any) -> None:
    pytest.importorskip("pandas")  # Ignite writes its file with pandas; bridge does not need it
    ours = _profiled_run(be, btp, clock, "fabric")
    theirs = _profiled_run(ie, itp, clock, "fabric")
    ours.write_results(str(tmp_path / "ours.csv"))
    theirs.write_results(str(tmp_path / "theirs.csv"))
    assert (tmp_path / "ours.csv").read_text() == (tmp_path / "theirs.csv").read_text()


def _basic_profiled_run(engines: Any, profilers: Any, clock: FakeClock, path: str) -> None:
    engine = _engine(engines, lambda e, b: clock.advance(0.01 * (b + 1)), "fabric")
    engine.add_event_handler(engines.Events.EPOCH_COMPLETED, lambda: clock.advance(0.003))
    profiler = profilers.BasicTimeProfiler()
    profiler.attach(engine)
    engine.run(_Data(clock), max_epochs=3)
    profiler.write_results(path)


def test_basic_time_profiler_csv_without_pandas(clock: FakeClock, tmp_path: Any) -> None:
    _basic_profiled_run(be, btp, clock, str(tmp_path / "basic.csv"))
    with open(tmp_path / "basic.csv", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[:4] == ["epoch", "iteration", "processing_stats", "dataflow_stats"] and len(header) == 12
    assert [r[:4] for r in rows[:5]] == [
        ["1.0", "1.0", "0.01", "0.002"], ["1.0", "2.0", "0.02", "0.002"], ["1.0", "3.0", "0.03", "0.002"],
        ["1.0", "4.0", "0.04", "0.002"], ["2.0", "5.0", "0.01", "0.002"],
    ]
    assert len(rows) == 12 and {r[header.index("Event_EPOCH_COMPLETED")] for r in rows} == {"0.003"}


def test_basic_time_profiler_csv_is_ignite_file(clock: FakeClock, tmp_path: Any) -> None:
    pytest.importorskip("pandas")
    _basic_profiled_run(be, btp, clock, str(tmp_path / "ours.csv"))
    _basic_profiled_run(ie, itp, clock, str(tmp_path / "theirs.csv"))
    assert (tmp_path / "ours.csv").read_text() == (tmp_path / "theirs.csv").read_text()


def test_handlers_time_profiler_before_a_run_matches_ignite(tmp_path: Any) -> None:
    assert btp.HandlersTimeProfiler().get_results() == itp.HandlersTimeProfiler().get_results()
    btp.HandlersTimeProfiler().write_results(str(tmp_path / "empty.csv"))
    assert (tmp_path / "empty.csv").read_text().splitlines() == ["#,processing_stats,dataflow_stats"]


def test_handlers_time_profiler_restores_handlers_and_profiles_each_run() -> None:
    engine = be.Engine(lambda e, b: None, runner="fabric")
    calls: list[int] = []

    def once(engine: Any) -> None:
        calls.append(engine.state.iteration)
        # the user's handler is found while wrapped (Ignite's profiler hides it: remove would raise)
        assert engine.has_event_handler(once, be.Events.ITERATION_COMPLETED)
        engine.remove_event_handler(once, be.Events.ITERATION_COMPLETED)

    def on_epoch(engine: Any) -> None:
        pass

    engine.add_event_handler(be.Events.ITERATION_COMPLETED, once)
    engine.add_event_handler(be.Events.EPOCH_COMPLETED(every=2), on_epoch)
    before = {e: list(hs) for e, hs in engine._event_handlers.items()}
    profiler = btp.HandlersTimeProfiler()
    profiler.attach(engine)
    profiler.attach(engine)  # attaching twice is harmless
    engine.run(range(3), max_epochs=2)
    assert calls == [1]
    expected = {e: [entry for entry in hs if entry[0] is not once] for e, hs in before.items()}
    after = {e: [entry for entry in hs if entry[0] != profiler._as_first_started] for e, hs in engine._event_handlers.items()}
    assert {e: hs for e, hs in after.items() if hs} == {e: hs for e, hs in expected.items() if hs}
    # a second run is profiled alone (Ignite's profiler would time its processing twice per iteration)
    engine.run(range(5), max_epochs=2)
    assert len(profiler.processing_times) == len(profiler.dataflow_times) == 10
    assert profiler.event_handlers_names[be.Events.EPOCH_COMPLETED] == [on_epoch.__qualname__]


def test_handlers_time_profiler_after_a_failed_run() -> None:
    fail = [True]

    def step(engine: Any, batch: int) -> None:
        if batch == 2 and fail[0]:
            raise RuntimeError("boom")

    def on_iteration(engine: Any) -> None:
        pass

    engine = be.Engine(step, runner="fabric")
    engine.add_event_handler(be.Events.ITERATION_COMPLETED, on_iteration)
    profiler = btp.HandlersTimeProfiler()
    profiler.attach(engine)
    # the exception comes out of run (Ignite's profiler swallows it: it leaves an empty EXCEPTION_RAISED entry
    # in the engine's handler dict, which makes Ignite's engine take the exception as handled)
    with pytest.raises(RuntimeError, match="boom"):
        engine.run(range(4))
    # COMPLETED never came: the handler is still wrapped, until the next run's STARTED takes the wrapper off
    assert engine._event_handlers[be.Events.ITERATION_COMPLETED][-1][0]._profiler_original is on_iteration
    fail[0] = False
    engine.state.max_epochs = None  # start again
    engine.run(range(4), max_epochs=2)
    names = [row[0] for row in profiler.get_results()]
    assert names == ["test_handlers_time_profiler_after_a_failed_run.<locals>.on_iteration", "Total", "Processing", "Dataflow"]
    assert len(profiler.event_handlers_times[be.Events.ITERATION_COMPLETED][names[0]]) == 8
    assert len(profiler.processing_times) == 8
    assert [h for h, *_ in engine._event_handlers[be.Events.ITERATION_COMPLETED]] == [on_iteration]


def test_handlers_time_profiler_bad_engine() -> None:
    with pytest.raises(TypeError, match="Argument engine should be bridge.engine.Engine, but given <class 'str'>"):
        btp.HandlersTimeProfiler().attach("engine")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Argument engine should be ignite.engine.Engine, but given <class 'str'>"):
        itp.HandlersTimeProfiler().attach("engine")


def test_contrib_time_profilers_warns_and_reexports_as_ignite() -> None:
    sys.modules.pop("bridge.contrib.handlers.time_profilers", None)
    with pytest.warns(
        DeprecationWarning,
        match=r"time_profilers.py has been moved to /bridge/handlers/time_profilers.py and will be removed in version "
        r"0.6.0.\n Please refer to the documentation for more details.",
    ):
        ours = importlib.import_module("bridge.contrib.handlers.time_profilers")
    sys.modules.pop("ignite.contrib.handlers.time_profilers", None)
    with pytest.warns(DeprecationWarning, match="has been moved to /ignite/handlers/time_profilers.py"):
        theirs = importlib.import_module("ignite.contrib.handlers.time_profilers")
    assert ours.__all__ == theirs.__all__ == ["BasicTimeProfiler", "HandlersTimeProfiler"]
    assert ours.HandlersTimeProfiler is btp.HandlersTimeProfiler and ours.BasicTimeProfiler is btp.BasicTimeProfiler


# ---------------------------------------------------------------- BatchSizeScheduler


def _batch_sizes(
    engines: Any, schedulers: Any, runner: str, n: int, first: int, sizes: list[int], event: str, drop_last: bool,
    epoch_length: int | None, max_epochs: int,
) -> tuple[Any, ...]:
    loader = DataLoader(torch.arange(n), batch_size=first, drop_last=drop_last)
    seen: list[tuple[int, int, list[int]]] = []
    engine = _engine(engines, lambda e, b: seen.append((e.state.epoch, e.state.iteration, b.tolist())), runner)
    scheduler = schedulers.BatchSizeScheduler(loader, lambda i: sizes[i % len(sizes)], save_history=True)
    events = engines.Events
    scheduler.attach(engine, events.EPOCH_STARTED if event == "epoch" else events.ITERATION_COMPLETED(every=2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # a batch size larger than the data with drop_last leaves the loader empty: both warn
        state = engine.run(loader, max_epochs=max_epochs, epoch_length=epoch_length)
    messages = [str(w.message) for w in caught if "Data iterator" in str(w.message)]
    # a scheduler that never fired (one iteration, every=2) wrote no history, on either side
    history = getattr(state, "param_history", None)
    return seen, history, state.epoch_length, scheduler.state_dict(), loader.batch_sampler.batch_size, messages


@pytest.mark.parametrize("runner", RUNNERS)
@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(5, 14),
    first=st.integers(1, 4),
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    event=st.sampled_from(["epoch", "iteration"]),
    drop_last=st.booleans(),
    epoch_length=st.sampled_from([None, 3]),
    max_epochs=st.integers(1, 3),
)
def test_batch_size_scheduler_batches_match_ignite(
    runner: str, n: int, first: int, sizes: list[int], event: str, drop_last: bool, epoch_length: int | None,
    max_epochs: int,
) -> None:
    args = (n, first, sizes, event, drop_last, epoch_length, max_epochs)
    assert _batch_sizes(be, bbs, runner, *args) == _batch_sizes(ie, ips, runner, *args)


def test_batch_size_scheduler_new_size_from_next_epoch() -> None:
    for runner in RUNNERS:
        seen, history, epoch_length, *_ = _batch_sizes(be, bbs, runner, 12, 3, [3, 6, 2], "epoch", False, None, 3)
        by_epoch = [[len(b) for epoch, _, b in seen if epoch == k] for k in (1, 2, 3)]
        # epoch_length stays the first epoch's 4 batches: epoch 2 takes two passes over the loader
        assert by_epoch == [[3, 3, 3, 3], [6, 6, 6, 6], [2, 2, 2, 2]] and epoch_length == 4
        assert history == {"batch_size": [3, 6, 2]}


def test_batch_size_scheduler_reexported_and_simulated_as_ignite() -> None:
    assert bps.BatchSizeScheduler is bbs.BatchSizeScheduler
    assert issubclass(bbs.BatchSizeScheduler, bps.BaseParamScheduler)
    fn = lambda i: 4 * (i + 1)  # noqa: E731
    assert bbs.BatchSizeScheduler.simulate_values(5, scheduler_fn=fn) == ips.BatchSizeScheduler.simulate_values(
        5, scheduler_fn=fn
    )
    for module in (bbs, ips):
        with pytest.raises(ValueError, match="Argument scheduler_kwargs must contain 'scheduler_fn'"):
            module.BatchSizeScheduler.simulate_values(3)


def test_batch_size_scheduler_state_dict_resumes_as_ignite() -> None:
    def resumed(schedulers: Any) -> tuple[Any, ...]:
        loader = DataLoader(torch.arange(10), batch_size=2)
        first = schedulers.BatchSizeScheduler(loader, lambda i: i + 1)
        first(None)
        first(None)
        second = schedulers.BatchSizeScheduler(loader, lambda i: i + 1)
        second.load_state_dict(first.state_dict())
        second(None)
        return dict(second.state_dict()), loader.batch_sampler.batch_size

    assert resumed(bbs) == resumed(ips) == ({"event_index": 3, "param_name": "batch_size", "save_history": False}, 3)


@pytest.mark.parametrize(
    "loader,fn,error,message",
    [
        ([1, 2, 3], lambda i: 2, TypeError, "Argument dataloader should be torch.utils.data.DataLoader, but given"),
        (DataLoader(torch.arange(4), batch_size=None), lambda i: 2, ValueError, "Argument dataloader should have a "
         "BatchSampler, i.e. dataloader.batch_sampler should be an instance of torch.utils.data.sampler.BatchSampler"),
        (DataLoader(torch.arange(4)), 3, TypeError, "Argument scheduler_fn should be callable, but given <class 'int'>"),
    ],
)
def test_batch_size_scheduler_refuses_bad_arguments_as_ignite(loader: Any, fn: Any, error: type, message: str) -> None:
    for module in (bbs, ips):
        with pytest.raises(error, match=re.escape(message)):
            module.BatchSizeScheduler(loader, fn)


@pytest.mark.parametrize("value", [0, -2, 2.0, "4", None])
def test_batch_size_scheduler_refuses_bad_sizes_as_ignite(value: Any) -> None:
    message = f"Batch size returned by scheduler_fn should be a positive integer, but given {value}"
    for engines, module in ((be, bbs), (ie, ips)):
        loader = DataLoader(torch.arange(4), batch_size=1)
        engine = _engine(engines, lambda e, b: None, "fabric")
        module.BatchSizeScheduler(loader, lambda i: value).attach(engine)
        with pytest.raises(ValueError, match=re.escape(message)):
            engine.run(loader)
        assert loader.batch_sampler.batch_size == 1


def test_batch_size_scheduler_refuses_a_bool() -> None:
    # Ignite takes True as a batch size of 1 (a bool is an int to Python); bridge refuses it
    scheduler = bbs.BatchSizeScheduler(DataLoader(torch.arange(4), batch_size=2), lambda i: True)
    with pytest.raises(ValueError, match="should be a positive integer, but given True"):
        scheduler(None)


def test_batch_size_scheduler_sets_the_rank_shard_too() -> None:
    dataset = torch.arange(16)
    loader = DataLoader(dataset, batch_size=2)
    shard = DataLoader(dataset, batch_size=2, sampler=range(0, 16, 2))  # what a rank iterates, over the same dataset
    other = DataLoader(torch.arange(16), batch_size=2)
    engine = be.Engine(lambda e, b: None)
    scheduler = bbs.BatchSizeScheduler(loader, lambda i: 4 + i)
    engine.state.dataloader = shard
    scheduler(engine)
    assert (loader.batch_sampler.batch_size, shard.batch_sampler.batch_size) == (4, 4)
    engine.state.dataloader = other
    scheduler(engine)
    assert (loader.batch_sampler.batch_size, other.batch_sampler.batch_size) == (5, 2)


# ---------------------------------------------------------------- FBResearchLogger


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _logged_run(engines: Any, loggers: Any, runner: str, clock: FakeClock, case: dict[str, Any]) -> list[str]:
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 1)
    groups = [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}] if case["groups"] == 2 else None
    optimizer = torch.optim.SGD(groups or model.parameters(), lr=0.01)

    def step(engine: Any, batch: int) -> Any:
        clock.advance(0.25 * (batch + 1))
        engine.state.alpha = batch / 4
        return {"loss": torch.tensor(1.0 / (batch + 1)), "acc": [batch, 0.5], "none": None}

    engine = _engine(engines, step, runner)
    handler = _Records()
    log = logging.getLogger(f"test.fbresearch.{engines.__name__}.{runner}.{len(case)}")
    log.handlers, log.propagate = [handler], False
    log.setLevel(logging.INFO)
    logger = loggers.FBResearchLogger(log, delimiter=case["delimiter"], show_output=case["show_output"])
    logger.attach(
        engine, "Train", every=case["every"], output_transform=case["output_transform"],
        state_attributes=case["state_attributes"], optimizer=optimizer if case["groups"] else None,
    )
    engine.run(_Data(clock, 5, 0.125), max_epochs=case["max_epochs"])
    return handler.lines


def _mask(line: str) -> str:
    # engine.state.times is wall time (time.time): masked. The Timer fields are on the fake clock.
    line = re.sub(r"Total time: \d+:\d\d:\d\d", "Total time: <T>", line)
    return re.sub(r"\(\d+\.\d{4} s / it\)", "(<T> s / it)", line)


CASES = [
    {"delimiter": "  ", "show_output": True, "every": 2, "output_transform": None, "state_attributes": None,
     "groups": 1, "max_epochs": 3},
    {"delimiter": " | ", "show_output": True, "every": 1, "output_transform": lambda out: out["loss"],
     "state_attributes": ["alpha", "missing"], "groups": 2, "max_epochs": 1},
    {"delimiter": "  ", "show_output": False, "every": 3, "output_transform": None, "state_attributes": ["alpha"],
     "groups": 0, "max_epochs": 2},
]


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_fbresearch_logger_lines_match_ignite(runner: str, case: int, clock: FakeClock) -> None:
    ours = _logged_run(be, bfb, runner, clock, CASES[case])
    theirs = _logged_run(ie, ifb, runner, clock, CASES[case])
    assert [_mask(line) for line in ours] == [_mask(line) for line in theirs]
    if case == 0:
        # the iteration timer runs from EPOCH_STARTED and is read before ITERATION_COMPLETED steps it: Ignite's numbers
        assert [_mask(line) for line in ours[:4]] == [
            "Train: start epoch [1/3]",
            "Epoch [1/3]  [2/5]:  ETA: 0:00:02  lr: 0.01000  loss: 0.5000  acc: 1.0000, 0.5000  none:     "
            "Iter time: 0.8750 s  Data prep time: 0.1250 s  ",
            "Epoch [1/3]  [4/5]:  ETA: 0:00:00  lr: 0.01000  loss: 0.2500  acc: 3.0000, 0.5000  none:     "
            "Iter time: 0.8750 s  Data prep time: 0.1250 s  ",
            "Train: Epoch [1/3]  Total time: <T>  (<T> s / it)",
        ]
        assert len(ours) == 14 and _mask(ours[-1]) == "Train: run completed  Total time: <T>"
    if case == 1:
        assert ours[1] == (
            "Epoch [1/1] | [1/5]: | ETA: 0:00:01 | lr [g0]: 0.01000lr [g1]: 0.50000 | alpha: 0.0000 missing:  | "
            "Iter time: 0.3750 s | Data prep time: 0.1250 s | "
        )
        assert _mask(ours[-1]) == "Train:  | Total time: <T> | (<T> s / it)"


def test_fbresearch_logger_is_exported_where_ignite_has_it() -> None:
    assert ifb.__all__ == bfb.__all__ == ["FBResearchLogger"]
    assert ih.FBResearchLogger is ifb.FBResearchLogger


# ---------------------------------------------------------------- inside a plain pl.Trainer


def test_the_three_on_engine_callback_in_a_plain_trainer() -> None:
    import pytorch_lightning as pl

    from bridge.lightning import EngineCallback

    class Model(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(2, 1)

        def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
            return self.net(batch).pow(2).mean()

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    callback = EngineCallback()
    train = callback.train
    sizes: list[tuple[int, int]] = []
    train.add_event_handler(be.Events.ITERATION_COMPLETED, lambda e: sizes.append((e.state.epoch, len(e.state.batch))))
    loader = DataLoader(torch.ones(12, 2), batch_size=4)
    # Lightning reads len(loader) as it reloads the data, before EPOCH_STARTED: size the next epoch at EPOCH_COMPLETED
    bbs.BatchSizeScheduler(loader, lambda i: [6, 2, 5][i]).attach(train, be.Events.EPOCH_COMPLETED)
    profiler = btp.HandlersTimeProfiler()
    profiler.attach(train)
    handler = _Records()
    log = logging.getLogger("test.fbresearch.callback")
    log.handlers, log.propagate = [handler], False
    log.setLevel(logging.INFO)
    bfb.FBResearchLogger(log).attach(train, "Train", every=2)
    trainer = pl.Trainer(max_epochs=3, callbacks=[callback], accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, reload_dataloaders_every_n_epochs=1)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Lightning's advice on workers and logging intervals
        trainer.fit(Model(), loader)

    assert sizes == [(1, 4)] * 3 + [(2, 6)] * 2 + [(3, 2)] * 6
    rows = profiler.get_results()
    assert [row[:2] for row in rows[:3]] == [
        ["FBResearchLogger.log_epoch_started", "EPOCH_STARTED"],
        ["BatchSizeScheduler", "EPOCH_COMPLETED"],
        ["FBResearchLogger.log_epoch_completed", "EPOCH_COMPLETED"],
    ]
    assert len(profiler.processing_times) == len(profiler.dataflow_times) == 11
    lines = [_mask(line) for line in handler.lines]
    assert lines[0] == "Train: start epoch [1/3]" and lines[2] == "Train: Epoch [1/3]  Total time: <T>  (<T> s / it)"
    # no optimizer, no output, no state attributes: empty fields between the delimiters, as Ignite's
    assert re.fullmatch(r"Epoch \[1/3\]  \[2/3\]:  ETA: 0:00:00      Iter time: \d\.\d{4} s  Data prep time: \d\.\d{4} s  ",
                        lines[1])  # fmt: skip
    assert lines[-1] == "Train: run completed  Total time: <T>"

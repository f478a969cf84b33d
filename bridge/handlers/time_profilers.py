"""Ignite's time profilers: where a run's time goes, in data loading, the process function and handlers.

``BasicTimeProfiler`` totals each event's handlers; ``HandlersTimeProfiler`` times every
handler on its own (custom events included). Same results as Ignite 0.5.5's, and the same
CSV columns from ``write_results`` (written without pandas, with pandas' number format).

Why one file past 400 lines: it is Ignite's module of this path, and both classes are one
tool, a profiler of an engine's run: they time the same three things (data, processing,
handlers) with the same timers, report them in the same shapes and write them through the
same CSV writer. Both work on the Engine API plus the handler lists Ignite's own profilers
edit (``engine._event_handlers``, ``engine._allowed_events``, which bridge's registry keeps
under Ignite's names): a profiler has to put its timing around handlers already registered.
"""

from __future__ import annotations

import csv
import functools
import os
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from time import perf_counter
from typing import Any, Union, cast

import torch

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.timing import Timer

__all__ = ["BasicTimeProfiler", "HandlersTimeProfiler"]

def _write_csv(output_path: str, columns: Mapping[str, torch.Tensor]) -> None:
    """Write equal-length float columns as CSV, as Ignite's ``pandas.DataFrame(float32).to_csv(index=False)`` does.

    pandas writes each float32 value as numpy's shortest repr of it; so does this, without pandas.
    """
    data = torch.stack([c.to(torch.float32) for c in columns.values()], dim=1).numpy()
    with open(output_path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator=os.linesep)
        writer.writerow(list(columns))
        writer.writerows([str(v) for v in row] for row in data)


_REPORT = """
 ----------------------------------------------------
| Time profiling stats (in seconds):                 |
 ----------------------------------------------------
total  |  min/index  |  max/index  |  mean  |  std

Processing function:
{processing_stats}

Dataflow:
{dataflow_stats}

Event handlers:
{total_time}

- Events.STARTED: {STARTED_names}
{STARTED}

- Events.EPOCH_STARTED: {EPOCH_STARTED_names}
{EPOCH_STARTED}

- Events.ITERATION_STARTED: {ITERATION_STARTED_names}
{ITERATION_STARTED}

- Events.ITERATION_COMPLETED: {ITERATION_COMPLETED_names}
{ITERATION_COMPLETED}

- Events.EPOCH_COMPLETED: {EPOCH_COMPLETED_names}
{EPOCH_COMPLETED}

- Events.COMPLETED: {COMPLETED_names}
{COMPLETED}
"""


class BasicTimeProfiler:
    """Per-iteration data loading and processing times, and time in the handlers of each event.

    Attach before running; after the run, :meth:`get_results` gives
    ``processing_stats``, ``dataflow_stats`` (each ``total``, ``min/index``, ``max/index``,
    ``mean``, ``std`` over non-zero times), ``event_handlers_stats`` (the same per event,
    plus ``total_time``) and ``event_handlers_names`` (the handlers of each event).

    Example:
        >>> from bridge.engine import Engine, Events
        >>> engine = Engine(lambda e, b: sum(range(1000)))
        >>> _ = engine.add_event_handler(Events.EPOCH_COMPLETED, lambda: None)
        >>> profiler = BasicTimeProfiler()
        >>> profiler.attach(engine)
        >>> _ = engine.run(range(4), max_epochs=2)
        >>> results = profiler.get_results()
        >>> list(results)
        ['processing_stats', 'dataflow_stats', 'event_handlers_stats', 'event_handlers_names']
        >>> list(results["processing_stats"])
        ['total', 'min/index', 'max/index', 'mean', 'std']
        >>> results["event_handlers_names"]["EPOCH_COMPLETED_names"]
        ['<lambda>']
    """

    events_to_ignore = [
        Events.EXCEPTION_RAISED,
        Events.TERMINATE,
        Events.TERMINATE_SINGLE_EPOCH,
        Events.DATALOADER_STOP_ITERATION,
        Events.INTERRUPT,
    ]

    def __init__(self) -> None:
        self._dataflow_timer = Timer()
        self._processing_timer = Timer()
        self._event_handlers_timer = Timer()
        self.dataflow_times = torch.zeros(1)
        self.processing_times = torch.zeros(1)
        self.event_handlers_times: dict[Any, torch.Tensor] = {}
        # (event, handler run before the user's handlers, handler run after them)
        self._brackets: list[tuple[Any, Callable, Callable]] = [
            (Events.EPOCH_STARTED, self._as_first_epoch_started, self._as_last_epoch_started),
            (Events.EPOCH_COMPLETED, self._as_first_epoch_completed, self._as_last_epoch_completed),
            (Events.ITERATION_STARTED, self._as_first_iter_started, self._as_last_iter_started),
            (Events.ITERATION_COMPLETED, self._as_first_iter_completed, self._as_last_iter_completed),
            (Events.GET_BATCH_STARTED, self._as_first_get_batch_started, self._as_last_get_batch_started),
            (Events.GET_BATCH_COMPLETED, self._as_first_get_batch_completed, self._as_last_get_batch_completed),
            (Events.COMPLETED, self._as_first_completed, self._as_last_completed),
        ]

    def _reset(self, num_epochs: int, total_num_iters: int) -> None:
        self.dataflow_times = torch.zeros(total_num_iters)
        self.processing_times = torch.zeros(total_num_iters)
        self.event_handlers_times = {
            Events.STARTED: torch.zeros(1),
            Events.COMPLETED: torch.zeros(1),
            Events.EPOCH_STARTED: torch.zeros(num_epochs),
            Events.EPOCH_COMPLETED: torch.zeros(num_epochs),
            Events.ITERATION_STARTED: torch.zeros(total_num_iters),
            Events.ITERATION_COMPLETED: torch.zeros(total_num_iters),
            Events.GET_BATCH_COMPLETED: torch.zeros(total_num_iters),
            Events.GET_BATCH_STARTED: torch.zeros(total_num_iters),
        }

    @staticmethod
    def _add_first(engine: Engine, event: Any, handler: Callable) -> None:
        engine.add_event_handler(event, handler)
        handlers = engine._event_handlers[event]
        handlers.insert(0, handlers.pop())

    def _as_first_started(self, engine: Engine) -> None:
        if engine.state.epoch_length is not None:
            per_epoch = engine.state.epoch_length
        elif hasattr(engine.state.dataloader, "__len__"):
            per_epoch = len(engine.state.dataloader)
        else:
            raise ValueError(
                "As epoch_length is not set, we can not use BasicTimeProfiler in this case."
                "Please, set trainer.run(..., epoch_length=epoch_length) in order to fix this."
            )
        self.max_epochs = int(cast(int, engine.state.max_epochs))
        self.total_num_iters = self.max_epochs * per_epoch
        self._reset(self.max_epochs, self.total_num_iters)
        self.event_handlers_names = {
            e: [
                getattr(h, "__qualname__", h.__class__.__name__)
                for (h, *_) in engine._event_handlers[e]
                if "BasicTimeProfiler." not in repr(h)  # not our own timing handlers
            ]
            for e in Events
            if e not in self.events_to_ignore
        }
        engine.add_event_handler(Events.STARTED, self._as_last_started)
        for event, first, last in self._brackets:
            self._add_first(engine, event, first)
            engine.add_event_handler(event, last)
        self._event_handlers_timer.reset()

    def _as_last_started(self, engine: Engine) -> None:
        self.event_handlers_times[Events.STARTED][0] = self._event_handlers_timer.value()

    def _as_first_epoch_started(self, engine: Engine) -> None:
        self._event_handlers_timer.reset()

    def _as_last_epoch_started(self, engine: Engine) -> None:
        self.event_handlers_times[Events.EPOCH_STARTED][engine.state.epoch - 1] = self._event_handlers_timer.value()

    def _as_first_get_batch_started(self, engine: Engine) -> None:
        self._event_handlers_timer.reset()
        self._dataflow_timer.reset()

    def _as_last_get_batch_started(self, engine: Engine) -> None:
        i = engine.state.iteration - 1
        self.event_handlers_times[Events.GET_BATCH_STARTED][i] = self._event_handlers_timer.value()

    def _as_first_get_batch_completed(self, engine: Engine) -> None:
        self._event_handlers_timer.reset()

    def _as_last_get_batch_completed(self, engine: Engine) -> None:
        i = engine.state.iteration - 1
        self.event_handlers_times[Events.GET_BATCH_COMPLETED][i] = self._event_handlers_timer.value()
        self.dataflow_times[i] = self._dataflow_timer.value()
        self._dataflow_timer.reset()

    def _as_first_iter_started(self, engine: Engine) -> None:
        self._event_handlers_timer.reset()

    def _as_last_iter_started(self, engine: Engine) -> None:
        i = engine.state.iteration - 1
        self.event_handlers_times[Events.ITERATION_STARTED][i] = self._event_handlers_timer.value()
        self._processing_timer.reset()

    def _as_first_iter_completed(self, engine: Engine) -> None:
        self.processing_times[engine.state.iteration - 1] = self._processing_timer.value()
        self._event_handlers_timer.reset()

    def _as_last_iter_completed(self, engine: Engine) -> None:
        i = engine.state.iteration - 1
        self.event_handlers_times[Events.ITERATION_COMPLETED][i] = self._event_handlers_timer.value()

    def _as_first_epoch_completed(self, engine: Engine) -> None:
        self._event_handlers_timer.reset()

    def _as_last_epoch_completed(self, engine: Engine) -> None:
        self.event_handlers_times[Events.EPOCH_COMPLETED][engine.state.epoch - 1] = self._event_handlers_timer.value()

    def _as_first_completed(self, engine: Engine) -> None:
        self._event_handlers_timer.reset()

    def _as_last_completed(self, engine: Engine) -> None:
        self.event_handlers_times[Events.COMPLETED][0] = self._event_handlers_timer.value()
        # the run is over: take the timing handlers out, until the next STARTED puts them back
        engine.remove_event_handler(self._as_last_started, Events.STARTED)
        for event, first, last in self._brackets:
            engine.remove_event_handler(first, event)
            engine.remove_event_handler(last, event)

    def attach(self, engine: Engine) -> None:
        """Profile the runs of ``engine`` (an :class:`~bridge.engine.Engine`).

        Example:
            >>> BasicTimeProfiler().attach("not an engine")
            Traceback (most recent call last):
            ...
            TypeError: Argument engine should be bridge.engine.Engine, but given <class 'str'>
        """
        if not isinstance(engine, Engine):
            raise TypeError(f"Argument engine should be bridge.engine.Engine, but given {type(engine)}")
        if not engine.has_event_handler(self._as_first_started):
            self._add_first(engine, Events.STARTED, self._as_first_started)

    @staticmethod
    def _compute_basic_stats(data: torch.Tensor) -> dict[str, Union[str, float, tuple[float, float]]]:
        data = data[data > 0]  # times never recorded are zeros
        stats: dict[str, Any] = OrderedDict(total=torch.sum(data).item() if len(data) > 0 else "not yet triggered")
        if len(data) > 1:
            stats["min/index"] = (torch.min(data).item(), torch.argmin(data).item())
            stats["max/index"] = (torch.max(data).item(), torch.argmax(data).item())
            stats["mean"] = torch.mean(data).item()
            stats["std"] = torch.std(data).item()
        return stats

    def get_results(self) -> dict[str, dict[str, Any]]:
        """The profile of the last run (see the class docstring for its structure).

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: None)
            >>> profiler = BasicTimeProfiler(); profiler.attach(engine)
            >>> _ = engine.run([0, 1])
            >>> sorted(profiler.get_results()["event_handlers_stats"])[:3]
            ['COMPLETED', 'EPOCH_COMPLETED', 'EPOCH_STARTED']
        """
        events = [e for e in Events if e not in self.events_to_ignore]
        total_time = sum(self.event_handlers_times[e].sum() for e in events)
        handler_stats: dict[str, Any] = {e.name: self._compute_basic_stats(self.event_handlers_times[e]) for e in events}
        handler_stats["total_time"] = total_time
        return OrderedDict(
            processing_stats=self._compute_basic_stats(self.processing_times),
            dataflow_stats=self._compute_basic_stats(self.dataflow_times),
            event_handlers_stats=handler_stats,
            event_handlers_names={f"{e.name}_names": names for e, names in self.event_handlers_names.items()},
        )

    def write_results(self, output_path: str) -> None:
        """Write per-iteration times as CSV, with Ignite's columns (``epoch``, ``iteration``, ...).

        Example:
            >>> import csv, os, tempfile
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: None)
            >>> profiler = BasicTimeProfiler(); profiler.attach(engine)
            >>> _ = engine.run([0, 1], max_epochs=2)
            >>> path = os.path.join(tempfile.mkdtemp(), "profile.csv")
            >>> profiler.write_results(path)
            >>> with open(path) as f:
            ...     rows = list(csv.reader(f))
            >>> rows[0][:4], len(rows), rows[-1][:2]
            (['epoch', 'iteration', 'processing_stats', 'dataflow_stats'], 5, ['2.0', '4.0'])
        """
        per_epoch = self.total_num_iters // self.max_epochs
        times = self.event_handlers_times
        _write_csv(
            output_path,
            {
                "epoch": torch.arange(self.max_epochs, dtype=torch.float32).repeat_interleave(per_epoch) + 1,
                "iteration": torch.arange(self.total_num_iters, dtype=torch.float32) + 1,
                "processing_stats": self.processing_times,
                "dataflow_stats": self.dataflow_times,
                "Event_STARTED": times[Events.STARTED].repeat_interleave(self.total_num_iters),
                "Event_COMPLETED": times[Events.COMPLETED].repeat_interleave(self.total_num_iters),
                "Event_EPOCH_STARTED": times[Events.EPOCH_STARTED].repeat_interleave(per_epoch),
                "Event_EPOCH_COMPLETED": times[Events.EPOCH_COMPLETED].repeat_interleave(per_epoch),
                "Event_ITERATION_STARTED": times[Events.ITERATION_STARTED],
                "Event_ITERATION_COMPLETED": times[Events.ITERATION_COMPLETED],
                "Event_GET_BATCH_STARTED": times[Events.GET_BATCH_STARTED],
                "Event_GET_BATCH_COMPLETED": times[Events.GET_BATCH_COMPLETED],
            },
        )

    @staticmethod
    def print_results(results: Mapping) -> str:
        """Print and return a text report of :meth:`get_results`.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: None)
            >>> profiler = BasicTimeProfiler(); profiler.attach(engine)
            >>> _ = engine.run([0, 1])
            >>> text = BasicTimeProfiler.print_results(profiler.get_results())
            <BLANKLINE>
             ---...
            >>> "Processing function:" in text
            True
        """

        def to_str(v: Any) -> str:
            if isinstance(v, str):
                return v
            if isinstance(v, tuple):
                return f"{v[0]:.5f}/{v[1]}"
            return f"{v:.5f}"

        def dict_to_str(d: Mapping) -> str:
            return " | ".join(to_str(v) for v in d.values())

        stats = results["event_handlers_stats"]
        others = {k: dict_to_str(v) if isinstance(v, Mapping) else to_str(v) for k, v in stats.items()}
        others.update(results["event_handlers_names"])
        message = _REPORT.format(
            processing_stats=dict_to_str(results["processing_stats"]),
            dataflow_stats=dict_to_str(results["dataflow_stats"]),
            **others,
        )
        print(message)
        return message


#: One row of :meth:`HandlersTimeProfiler.get_results`: name, event, total, (min, index), (max, index), mean, std.
_Row = list[Any]


def _rounded_stats(times: Sequence[float]) -> list[Any]:
    # Ignite's statistics of a handler's times: over the non-zero ones, rounded to 5 decimals
    data = torch.as_tensor(times, dtype=torch.float32)
    data = data[data > 0]
    if len(data) == 0:
        return ["not triggered", ("None", "None"), ("None", "None"), "None", "None"]
    return [
        round(torch.sum(data).item(), 5),
        (round(torch.min(data).item(), 5), torch.argmin(data).item()),
        (round(torch.max(data).item(), 5), torch.argmax(data).item()),
        round(torch.mean(data).item(), 5),
        round(torch.std(data).item(), 5) if len(data) > 1 else "None",
    ]


class HandlersTimeProfiler:
    """The time of every handler of every event (custom events too), data loading and the process function.

    Attach before running. At ``STARTED`` it wraps each handler already registered in a
    timing wrapper (handlers added later are not profiled), and at ``COMPLETED`` it puts the
    handlers back as they were. :meth:`get_results` gives one row per (handler, event):
    ``[name, event name, total, (min, index), (max, index), mean, std]`` in seconds over the
    calls, then the rows ``Total``, ``Processing`` and ``Dataflow``, as Ignite's does.

    The handler of a filtered event (``Events.ITERATION_COMPLETED(every=2)``) is called at
    every event and lets the filter decide; as in Ignite, a call counts only when it took at
    least ``EVENT_FILTER_THESHOLD_TIME`` (0.1 ms), i.e. when the handler itself ran.

    Example:
        >>> from bridge.engine import Engine, Events
        >>> engine = Engine(lambda e, b: sum(range(1000)))
        >>> def log_epoch(engine): pass
        >>> _ = engine.add_event_handler(Events.EPOCH_COMPLETED, log_epoch)
        >>> profiler = HandlersTimeProfiler()
        >>> profiler.attach(engine)
        >>> _ = engine.run(range(4), max_epochs=2)
        >>> [row[:2] for row in profiler.get_results()]
        [['log_epoch', 'EPOCH_COMPLETED'], ['Total', ''], ['Processing', 'None'], ['Dataflow', 'None']]
        >>> len(profiler.event_handlers_times[Events.EPOCH_COMPLETED]["log_epoch"]), len(profiler.processing_times)
        (2, 8)
    """

    # Ignite's name, misspelling included: clients set it
    EVENT_FILTER_THESHOLD_TIME = 0.0001

    def __init__(self) -> None:
        self._dataflow_timer = Timer()
        self._processing_timer = Timer()
        self.dataflow_times: list[float] = []
        self.processing_times: list[float] = []
        self.event_handlers_names: dict[Any, list[str]] = {}
        self.event_handlers_times: dict[Any, dict[str, list[float]]] = {}

    @staticmethod
    def _get_callable_name(handler: Callable) -> str:
        return getattr(handler, "__qualname__", handler.__class__.__name__)

    @staticmethod
    def _is_internal_handler(handler: Callable) -> bool:
        # the profiler's own handlers and Timers' (a Timer measures, it is not profiled): Ignite's rule
        return hasattr(handler, "_profiler_original") or any(
            n in repr(handler) for n in ("HandlersTimeProfiler.", "Timer.")
        )

    def _timed(self, handler: Callable, times: list[float]) -> Callable:
        """``handler`` with its call times appended to ``times``; it looks like ``handler`` to the engine."""
        threshold = self.EVENT_FILTER_THESHOLD_TIME
        parent = getattr(handler, "_parent", None)
        filtered = parent is not None
        user_handler = parent() if parent is not None else handler

        @functools.wraps(handler)
        def timed(*args: Any, **kwargs: Any) -> Any:
            # a clock of its own per call: a handler that fires a custom event nests timed calls
            start = perf_counter()
            result = handler(*args, **kwargs)
            elapsed = perf_counter() - start
            if not filtered or elapsed >= threshold:
                times.append(elapsed)
            return result

        setattr(timed, "_profiler_original", handler)
        # has_event_handler / remove_event_handler of the user's handler keep working during the run
        setattr(timed, "_parent", lambda: user_handler)
        return timed

    def _timeit_processing(self) -> None:
        self.processing_times.append(self._processing_timer.value())

    def _timeit_dataflow(self) -> None:
        self.dataflow_times.append(self._dataflow_timer.value())

    def _as_first_started(self, engine: Engine) -> None:
        self._detach_profiler_handlers(engine)  # left over by a run that ended in an exception
        events = list(engine._allowed_events)
        registry = engine._event_handlers
        # .get: reading must not add empty entries to the registry's defaultdict
        self.event_handlers_names = {
            e: [self._get_callable_name(h) for h, *_ in registry.get(e, ()) if not self._is_internal_handler(h)]
            for e in events
        }
        self.dataflow_times, self.processing_times = [], []
        self.event_handlers_times = {e: {h: [] for h in names} for e, names in self.event_handlers_names.items()}
        for e in events:
            entries = registry.get(e, [])
            # in place, as Ignite: the STARTED handlers after this one, in the list being fired, are timed too
            for i, (handler, *rest) in enumerate(entries):
                if not self._is_internal_handler(handler):
                    times = self.event_handlers_times[e][self._get_callable_name(handler)]
                    entries[i] = (self._timed(handler, times), *rest)  # type: ignore[assignment]
        engine.add_event_handler(Events.ITERATION_STARTED, self._processing_timer.reset)
        BasicTimeProfiler._add_first(engine, Events.ITERATION_COMPLETED, self._timeit_processing)
        engine.add_event_handler(Events.GET_BATCH_STARTED, self._dataflow_timer.reset)
        BasicTimeProfiler._add_first(engine, Events.GET_BATCH_COMPLETED, self._timeit_dataflow)
        engine.add_event_handler(Events.COMPLETED, self._detach_profiler_handlers)

    def _detach_profiler_handlers(self, engine: Engine) -> None:
        """Put the user's handlers back and take the profiler's timing handlers out, until the next run."""
        for entries in engine._event_handlers.values():
            for i, (handler, *rest) in enumerate(entries):
                if hasattr(handler, "_profiler_original"):
                    entries[i] = (handler._profiler_original, *rest)
        # Ignite leaves these registered, so a second run of its profiler times everything twice
        for event, handler in (
            (Events.ITERATION_STARTED, self._processing_timer.reset),
            (Events.ITERATION_COMPLETED, self._timeit_processing),
            (Events.GET_BATCH_STARTED, self._dataflow_timer.reset),
            (Events.GET_BATCH_COMPLETED, self._timeit_dataflow),
            (Events.COMPLETED, self._detach_profiler_handlers),
        ):
            if engine.has_event_handler(handler, event):
                engine.remove_event_handler(handler, event)

    def attach(self, engine: Engine) -> None:
        """Profile the runs of ``engine`` (an :class:`~bridge.engine.Engine`).

        Example:
            >>> HandlersTimeProfiler().attach("not an engine")
            Traceback (most recent call last):
            ...
            TypeError: Argument engine should be bridge.engine.Engine, but given <class 'str'>
        """
        if not isinstance(engine, Engine):
            raise TypeError(f"Argument engine should be bridge.engine.Engine, but given {type(engine)}")
        if not engine.has_event_handler(self._as_first_started):
            BasicTimeProfiler._add_first(engine, Events.STARTED, self._as_first_started)

    def _columns(self) -> list[tuple[str, str, list[float]]]:
        return [
            (h, getattr(e, "name", str(e)), times)
            for e, handlers in self.event_handlers_times.items()
            for h, times in handlers.items()
        ]

    def get_results(self) -> list[_Row]:
        """The rows of the last run (see the class docstring), Ignite's statistics rounded to 5 decimals.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: None)
            >>> profiler = HandlersTimeProfiler(); profiler.attach(engine)
            >>> _ = engine.run([0, 1])
            >>> profiler.get_results()[0]
            ['Total', '', 0.0, '', '', '', '']
        """
        columns = self._columns()
        total = round(float(sum(sum(times) for _, _, times in columns)), 5)
        rows: list[_Row] = [[h, e, *_rounded_stats(times)] for h, e, times in columns]
        rows.append(["Total", "", total, "", "", "", ""])
        rows.append(["Processing", "None", *_rounded_stats(self.processing_times)])
        rows.append(["Dataflow", "None", *_rounded_stats(self.dataflow_times)])
        return rows

    def write_results(self, output_path: str) -> None:
        """Write every recorded time as CSV, one column per handler, with Ignite's header.

        Columns: ``#`` (1, 2, ...), ``processing_stats``, ``dataflow_stats``, then
        ``"<handler> (<EVENT>)"`` per handler; shorter columns are padded with zeros.

        Example:
            >>> import csv, os, tempfile
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: None)
            >>> def on_epoch(engine): pass
            >>> _ = engine.add_event_handler(Events.EPOCH_COMPLETED, on_epoch)
            >>> profiler = HandlersTimeProfiler(); profiler.attach(engine)
            >>> _ = engine.run([0, 1, 2])
            >>> path = os.path.join(tempfile.mkdtemp(), "handlers.csv")
            >>> profiler.write_results(path)
            >>> with open(path) as f:
            ...     rows = list(csv.reader(f))
            >>> rows[0], len(rows), rows[-1][0]
            (['#', 'processing_stats', 'dataflow_stats', 'on_epoch (EPOCH_COMPLETED)'], 4, '3.0')
        """
        named = {"processing_stats": self.processing_times, "dataflow_stats": self.dataflow_times}
        named.update({f"{h} ({e})": times for h, e, times in self._columns()})
        length = max(len(times) for times in named.values())
        columns = {"#": torch.arange(length, dtype=torch.float32) + 1}
        for header, times in named.items():
            padded = torch.zeros(length)
            padded[: len(times)] = torch.as_tensor(times, dtype=torch.float32)
            columns[header] = padded
        _write_csv(output_path, columns)

    @staticmethod
    def print_results(results: Sequence[Sequence[Any]]) -> None:
        """Print :meth:`get_results` as Ignite's table: a row per handler, then the totals.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: None)
            >>> profiler = HandlersTimeProfiler(); profiler.attach(engine)
            >>> _ = engine.run([0, 1])
            >>> HandlersTimeProfiler.print_results(profiler.get_results())
            <BLANKLINE>
            ------------...
            Handler          Event Name          Total(s)      Min(s)/IDX ...
            ...
            Processing took total ...s [min/index: ...s/..., max/index: ...s/..., mean: ...s, std: ...s]
            Dataflow took total ...
        """
        headers = ["Handler", "Event Name", "Total(s)", "Min(s)/IDX", "Max(s)/IDX", "Mean(s)", "Std(s)"]
        widths = [max(len(str(row[i])) for row in results) + 4 for i in (0, 1)] + [14] * 5
        aligns = ["<", "<"] + [">"] * 5
        row_format = "".join(f"{{: {a}{w}}}  " for a, w in zip(aligns, widths))
        separator = "".join("-" * w + "  " for w in widths)

        lines = ["", separator, row_format.format(*headers), separator]
        for name, event, total, low, high, mean, std in results[:-3]:
            lines.append(row_format.format(name, event, total, "{}/{}".format(*low), "{}/{}".format(*high), mean, std))
        lines += [separator, row_format.format(*results[-3]), separator]
        for name, _, total, low, high, mean, std in results[-2:]:
            lines.append(
                f"{name} took total {total}s [min/index: {low[0]}s/{low[1]}, max/index: {high[0]}s/{high[1]}, "
                f"mean: {mean}s, std: {std}s]"
            )
        print("\n".join(lines) + "\n")

"""Ignite's ``BasicTimeProfiler``: time spent in data loading, the process function and event handlers.

Same ``get_results()`` structure as Ignite 0.5.5. Built on the Engine API; like Ignite's, it
puts its timing handlers first in each event's handler list (``engine._event_handlers``),
so that they bracket the user's handlers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Union, cast

import torch

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.timing import Timer

__all__ = ["BasicTimeProfiler"]

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
        """Write per-iteration times as CSV (needs pandas), with Ignite's columns."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ModuleNotFoundError("Need pandas to write results as files") from e
        per_epoch = self.total_num_iters // self.max_epochs
        times = self.event_handlers_times
        columns = {
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
        }
        data = torch.stack(list(columns.values()), dim=1).numpy()
        pd.DataFrame(data=data, columns=list(columns)).to_csv(output_path, index=False)

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

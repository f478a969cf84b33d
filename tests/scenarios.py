"""Framework-agnostic Engine scenarios for the differential tests (Ignite vs bridge).

A scenario is ``fn(fw, rec) -> None``: it builds engines from the classes in ``fw``
(:class:`Framework`, either Ignite's or bridge's), attaches a :class:`Recorder` that
logs all 13 built-in events, runs them and lets the recorder log each run's outcome.
Every scenario is written once; :func:`execute` runs it against one framework and
returns the recorder, whose ``trace`` is a list of ``(engine, label, epoch, iteration,
detail)`` tuples: events, process-function calls, handler tags, notes, warnings, and one
``run`` entry per ``Engine.run`` carrying the final state and what run raised.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: The 13 built-in events of Ignite 0.5.5, all recorded in every scenario.
EVENT_NAMES: tuple[str, ...] = (
    "STARTED",
    "EPOCH_STARTED",
    "GET_BATCH_STARTED",
    "GET_BATCH_COMPLETED",
    "DATALOADER_STOP_ITERATION",
    "ITERATION_STARTED",
    "ITERATION_COMPLETED",
    "EPOCH_COMPLETED",
    "COMPLETED",
    "EXCEPTION_RAISED",
    "TERMINATE",
    "TERMINATE_SINGLE_EPOCH",
    "INTERRUPT",
)

Entry = tuple[Any, ...]
State = Any  # an Ignite or bridge ``State``
Cond = Callable[[State], bool]


@dataclass(frozen=True)
class Framework:
    """The classes a scenario builds from: Ignite's or bridge's."""

    name: str
    Engine: type
    Events: Any
    EventEnum: type
    State: type


class ScenarioError(Exception):
    """The exception scenarios raise on purpose (shared by both frameworks)."""


def ignite_framework() -> Framework:
    """Ignite 0.5.5's classes, the reference (importing Ignite trips torch.jit deprecations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ignite.engine import Engine, EventEnum, Events, State

    return Framework("ignite", Engine, Events, EventEnum, State)


def bridge_framework() -> Framework:
    """bridge's classes; raises ImportError while bridge's Engine does not exist yet."""
    from bridge.engine import Engine, EventEnum, Events, State

    return Framework("bridge", Engine, Events, EventEnum, State)


class PlainRunner:
    """A runner with nothing underneath: it advances Ignite's loop until the run ends or pauses.

    The seam's own test: Ignite's semantics come from the loop alone, the ``pl.Trainer``
    runner only drives it.
    """

    def run(self, spec: Any, loop: Any) -> None:
        from bridge.engine.loop import Phase

        while loop.advance() < Phase.INTERRUPTED:
            pass


def runner_framework(runner: str) -> Framework:
    """bridge's classes with every Engine run by the runner named ``runner``.

    ``"plain"`` is :class:`PlainRunner` (no Lightning at all), registered here.
    """
    import bridge.engine
    from bridge.engine import EventEnum, Events, State
    from bridge.engine.runners import register_runner

    if runner == "plain":
        register_runner("plain", PlainRunner())

    class Engine(bridge.engine.Engine):  # named as the class it stands for: messages name it
        def __init__(self, process_function: Any, **kwargs: Any) -> None:
            super().__init__(process_function, runner=runner, **kwargs)

    return Framework(f"bridge-{runner}", Engine, Events, EventEnum, State)


def exc_info(e: BaseException) -> tuple[str, str]:
    """``(type name, message)`` of an exception; function and default object reprs are masked.

    So are event filters: Ignite's are closures (``<function ... at 0x...>``), bridge's small
    picklable objects with a readable repr (``every(2)``), a deliberate difference (docs/alias.md).
    """
    msg = re.sub(r"<function \S+ at 0x[0-9a-fA-F]+>", "<function>", str(e))
    msg = re.sub(r"filter=(?:every|once|between)\([^)]*\)", "filter=<function>", msg)
    msg = re.sub(r"<(?:[\w<>]+\.)*(\w+) object at 0x[0-9a-fA-F]+>", r"<\1 object>", msg)
    return type(e).__name__, msg


def event_name(event: Any) -> Any:
    """Framework-independent name of an event (enum member or plain string)."""
    return event if event is None or isinstance(event, str) else event.name


def in_running_lightning_fit(engine: Any) -> bool:
    """Whether ``engine.lightning_trainer`` is a pl.Trainer currently running its fit loop."""
    trainer = getattr(engine, "lightning_trainer", None)
    status = getattr(getattr(trainer, "state", None), "status", None)
    return getattr(status, "name", None) == "RUNNING" and bool(getattr(trainer, "training", False))


class Recorder:
    """Collects the trace of one scenario execution."""

    def __init__(self, fw: Framework) -> None:
        self.fw = fw
        self.trace: list[Entry] = []
        self.foreign_warnings: list[tuple[str, str, str]] = []
        self.outside_lightning: list[tuple[str, Any, Any]] = []  # bridge only: steps run outside a pl.Trainer
        self._names: dict[int, str] = {}
        self._engines: list[Any] = []  # keeps ids in _names valid

    # -- building -----------------------------------------------------------------
    def add(self, name: str, label: str, state: State | None = None, detail: Any = None) -> None:
        """Append one entry, taking epoch/iteration from ``state`` when given."""
        epoch = None if state is None else state.epoch
        iteration = None if state is None else state.iteration
        self.trace.append((name, label, epoch, iteration, detail))

    def note(self, name: str, label: str, value: Any) -> None:
        """Append a value observed by the scenario itself."""
        self.add(name, "note:" + label, None, value)

    def tag(self, name: str, tag: str) -> Callable[..., None]:
        """A handler that logs ``@tag`` (for filtered / custom-event handlers)."""

        def tagged(engine: Any, *args: Any, **kwargs: Any) -> None:
            self.add(name, "@" + tag, engine.state)

        return tagged

    def attach(self, engine: Any, name: str, *, exception_raised: bool = True) -> Any:
        """Log all built-in events of ``engine`` under ``name``.

        ``exception_raised=False`` leaves EXCEPTION_RAISED without a handler, since
        having one changes how Ignite treats exceptions.
        """
        self._names[id(engine)] = name
        self._engines.append(engine)
        for ev in EVENT_NAMES:
            if ev != "EXCEPTION_RAISED" or exception_raised:
                engine.add_event_handler(getattr(self.fw.Events, ev), self._event_logger(name, ev))
        return engine

    def _event_logger(self, name: str, ev: str) -> Callable[..., None]:
        def log_event(engine: Any, *args: Any, **kwargs: Any) -> None:
            s = engine.state
            detail: Any = None
            if ev in ("GET_BATCH_COMPLETED", "ITERATION_STARTED"):
                detail = repr(s.batch)
            elif ev == "ITERATION_COMPLETED":
                detail = repr(s.output)
            elif ev == "EXCEPTION_RAISED":
                detail = exc_info(args[0]) if args else ("no exception passed", repr(kwargs))
            elif ev == "TERMINATE_SINGLE_EPOCH":
                detail = ("iter_counter", kwargs.get("iter_counter"))
            self.add(name, ev, s, detail)

        return log_event

    def process(
        self, name: str, step: Callable[..., Any] | None = None, output: Callable[..., Any] | None = None
    ) -> Callable[[Any, Any], Any]:
        """A process function that logs its call, runs ``step`` and returns a traceable output."""

        def process_function(engine: Any, batch: Any) -> Any:
            self.add(name, "process", engine.state, repr(batch))
            if self.fw.name == "bridge" and not in_running_lightning_fit(engine):
                self.outside_lightning.append((name, engine.state.epoch, engine.state.iteration))
            if step is not None:
                step(engine, batch)
            if output is not None:
                return output(engine, batch)
            return f"{batch!r}@{engine.state.iteration}"

        return process_function

    def engine(
        self,
        name: str,
        step: Callable[..., Any] | None = None,
        output: Callable[..., Any] | None = None,
        *,
        exception_raised: bool = True,
    ) -> Any:
        """A recorded ``fw.Engine`` running :meth:`process`."""
        return self.attach(self.fw.Engine(self.process(name, step, output)), name, exception_raised=exception_raised)

    # -- running ------------------------------------------------------------------
    def run(self, engine: Any, *args: Any, **kwargs: Any) -> bool:
        """``engine.run(*args, **kwargs)``; logs the final state and what was raised.

        Returns whether the run raised nothing.
        """
        name = self._names.get(id(engine), "engine")
        try:
            returned, raised = engine.run(*args, **kwargs), None
        except Exception as e:
            returned, raised = None, exc_info(e)
        s = engine.state
        snapshot = {
            "epoch_length": s.epoch_length,
            "max_epochs": s.max_epochs,
            "max_iters": s.max_iters,
            "output": repr(s.output),
            "returned": "state" if returned is s else repr(returned),
            "last_event": event_name(engine.last_event_name),
        }
        label = "run" if raised is None else f"run!{raised[0]}"
        self.add(name, label, s, (snapshot, raised))
        return raised is None

    def run_until_completed(self, engine: Any, *args: Any, max_runs: int = 12, **kwargs: Any) -> None:
        """Re-run (resume) ``engine`` until a run fires COMPLETED or raises."""
        name = self._names[id(engine)]
        for _ in range(max_runs):
            start = len(self.trace)
            if not self.run(engine, *args, **kwargs):
                return
            if (name, "COMPLETED") in {e[:2] for e in self.trace[start:]}:
                return
        self.add(name, "gave up resuming", engine.state, max_runs)

    def call(self, name: str, label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call ``fn``; log ``ok`` or the exception it raised."""
        try:
            result = fn(*args, **kwargs)
        except Exception as e:
            self.add(name, "call:" + label, None, exc_info(e))
            return None
        self.add(name, "call:" + label, None, "ok")
        return result

    def on_warning(self, message: Any, category: type, filename: str, *args: Any, **kwargs: Any) -> None:
        """``warnings.showwarning`` replacement.

        Warnings issued from Ignite, bridge or the tests land in the trace where emitted;
        those issued inside third-party code (Lightning, torch, ...) go to ``foreign_warnings``.
        """
        entry = (category.__name__, str(message))
        if re.search(r"[/\\](ignite|bridge|tests)[/\\]", filename):
            self.add("warnings", entry[0], None, entry[1])
        else:
            self.foreign_warnings.append(entry + (filename,))


class Trigger:
    """Callable (handler or process step) doing ``action(engine)`` when ``cond(state)`` holds.

    Acts at most ``times`` times (``None``: unlimited).
    """

    def __init__(self, action: Callable[[Any], Any], cond: Cond, times: int | None = 1) -> None:
        self.action, self.cond, self.left = action, cond, times

    def __call__(self, engine: Any, *args: Any, **kwargs: Any) -> None:
        if self.left != 0 and self.cond(engine.state):
            if self.left is not None:
                self.left -= 1
            self.action(engine)


@dataclass(frozen=True)
class Scenario:
    """A registered scenario; ``expect`` is a subsequence of labels its Ignite trace must contain."""

    name: str
    fn: Callable[[Framework, Recorder], None]
    expect: tuple[str, ...] = ()


SCENARIOS: dict[str, Scenario] = {}


def register(name: str, fn: Callable[[Framework, Recorder], None], expect: tuple[str, ...] = ()) -> None:
    """Add a scenario to :data:`SCENARIOS`."""
    assert name not in SCENARIOS, name
    SCENARIOS[name] = Scenario(name, fn, expect)


def scenario(*expect: str) -> Callable[[Callable[[Framework, Recorder], None]], Callable[[Framework, Recorder], None]]:
    """Decorator registering a scenario under its function name."""

    def deco(fn: Callable[[Framework, Recorder], None]) -> Callable[[Framework, Recorder], None]:
        register(fn.__name__, fn, expect)
        return fn

    return deco


def execute(scn: Scenario, fw: Framework) -> Recorder:
    """Run one scenario on one framework; return its recorder (``.trace``, ``.foreign_warnings``).

    Warnings are logged into the trace, ``State.event_to_attr`` (class-level in Ignite)
    is restored afterwards, and an exception escaping the scenario itself ends the trace.
    """
    rec = Recorder(fw)
    saved = dict(getattr(fw.State, "event_to_attr", {}))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = rec.on_warning
            scn.fn(fw, rec)
    except Exception as e:
        rec.add("scenario", "crashed", None, exc_info(e))
    finally:
        if hasattr(fw.State, "event_to_attr"):
            fw.State.event_to_attr.clear()
            fw.State.event_to_attr.update(saved)
    return rec


def is_subsequence(needles: tuple[str, ...], haystack: list[str]) -> bool:
    """Whether ``needles`` occur in ``haystack`` in this order."""
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


def first_difference(expected: list[Entry], actual: list[Entry], names: tuple[str, str] = ("ignite", "bridge")) -> str:
    """Human-readable first difference of two traces."""
    left, right = names
    for i, (a, b) in enumerate(zip(expected, actual)):
        if a != b:
            return (f"first difference at entry {i}:\n  {left}: {a!r}\n  {right}: {b!r}\n"
                    f"  previous: {expected[i - 1] if i else None!r}")
    n = min(len(expected), len(actual))
    if len(expected) == len(actual):
        return "traces are equal"
    extra = expected[n] if len(expected) > n else actual[n]
    side = left if len(expected) > n else right
    return f"traces equal for {n} entries; {side} has more, next: {extra!r} (lengths {len(expected)} vs {len(actual)})"


# ======================================================================================
# Data helpers
# ======================================================================================


class NoLen:
    """Re-iterable data without ``__len__``."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.n))


class FailingData:
    """Re-iterable data whose ``__next__`` raises ScenarioError at position ``at``."""

    def __init__(self, n: int, at: int) -> None:
        self.n, self.at = n, at

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            if i == self.at:
                raise ScenarioError(f"data failed at {i}")
            yield i


def gen(n: int | None) -> Iterator[int]:
    """A one-shot generator of ``n`` items (infinite for ``None``)."""
    yield from (itertools.count() if n is None else range(n))


def boom(msg: str) -> Callable[[Any], None]:
    """An action raising ScenarioError(msg)."""

    def action(engine: Any) -> None:
        raise ScenarioError(msg)

    return action


# ======================================================================================
# Plain runs and data shapes
# ======================================================================================


@scenario("STARTED", "EPOCH_COMPLETED", "COMPLETED", "run")
def plain_list(fw: Framework, rec: Recorder) -> None:
    data = [10, 11, 12, 13]
    eng = rec.engine("trainer")
    rec.run(eng, data, max_epochs=3)
    rec.note("trainer", "dataloader is data", eng.state.dataloader is data)
    rec.note("trainer", "batch after run", repr(eng.state.batch))
    rec.note("trainer", "times", sorted((k, type(v).__name__) for k, v in eng.state.times.items()))


@scenario("EPOCH_COMPLETED", "COMPLETED")
def max_iters_multiple(fw: Framework, rec: Recorder) -> None:
    rec.run(rec.engine("trainer"), [0, 1, 2, 3], max_iters=8)


@scenario("TERMINATE", "COMPLETED")
def max_iters_not_multiple(fw: Framework, rec: Recorder) -> None:
    rec.run(rec.engine("trainer"), [0, 1, 2, 3], max_iters=6)


@scenario("DATALOADER_STOP_ITERATION", "COMPLETED")
def epoch_length_shorter_than_data(fw: Framework, rec: Recorder) -> None:
    """The iterator continues into the next epoch and is restarted when exhausted."""
    rec.run(rec.engine("trainer"), [0, 1, 2, 3, 4], epoch_length=3, max_epochs=4)


@scenario("DATALOADER_STOP_ITERATION", "DATALOADER_STOP_ITERATION", "COMPLETED")
def epoch_length_longer_than_data(fw: Framework, rec: Recorder) -> None:
    rec.run(rec.engine("trainer"), [0, 1, 2], epoch_length=5, max_epochs=2)


@scenario("EPOCH_COMPLETED", "DATALOADER_STOP_ITERATION", "COMPLETED")
def iterable_without_len(fw: Framework, rec: Recorder) -> None:
    """epoch_length is inferred at the first StopIteration."""
    rec.run(rec.engine("trainer"), NoLen(3), max_epochs=3)


@scenario("TERMINATE", "COMPLETED")
def iterable_without_len_max_iters(fw: Framework, rec: Recorder) -> None:
    """max_epochs is derived from max_iters once epoch_length is inferred."""
    rec.run(rec.engine("trainer"), NoLen(3), max_iters=5)


@scenario("DATALOADER_STOP_ITERATION", "UserWarning", "EPOCH_COMPLETED", "EPOCH_STARTED", "COMPLETED")
def generator_exhausted(fw: Framework, rec: Recorder) -> None:
    """A one-shot generator cannot feed later epochs: Ignite warns (unless done) and ends the epoch."""
    rec.run(rec.engine("trainer"), gen(4), max_epochs=3)


@scenario("EPOCH_COMPLETED", "DATALOADER_STOP_ITERATION", "EPOCH_COMPLETED", "COMPLETED")
def generator_restarted_at_stop_iteration(fw: Framework, rec: Recorder) -> None:
    """Ignite's FAQ, finite iterator with unknown size: new data when the iterator runs out."""
    eng = rec.engine("trainer")
    eng.add_event_handler(fw.Events.DATALOADER_STOP_ITERATION, lambda e: e.set_data(gen(4)))
    rec.run(eng, gen(4), max_epochs=3)


@scenario("EPOCH_STARTED", "EPOCH_COMPLETED", "COMPLETED")
def generator_restarted_at_epoch_started(fw: Framework, rec: Recorder) -> None:
    """The FAQ's other way: each epoch after the first starts on new data."""
    eng = rec.engine("trainer")
    eng.add_event_handler(fw.Events.EPOCH_STARTED(after=1), lambda e: e.set_data(gen(3)))
    rec.run(eng, gen(3), max_epochs=3)


@scenario("EPOCH_COMPLETED", "COMPLETED")
def generator_with_epoch_length(fw: Framework, rec: Recorder) -> None:
    rec.run(rec.engine("trainer"), gen(None), epoch_length=3, max_epochs=3)


@scenario("COMPLETED", "run")
def empty_generator(fw: Framework, rec: Recorder) -> None:
    """An empty iterator without len: Ignite infers epoch_length = 0."""
    rec.run(rec.engine("trainer"), gen(0))


@scenario("ITERATION_COMPLETED", "COMPLETED")
def data_none_with_epoch_length(fw: Framework, rec: Recorder) -> None:
    """No GET_BATCH_* events; batches are None."""
    rec.run(rec.engine("trainer"), None, epoch_length=3, max_epochs=2)


@scenario("DATALOADER_STOP_ITERATION", "COMPLETED")
def torch_dataloader(fw: Framework, rec: Recorder) -> None:
    from torch.utils.data import DataLoader

    loader = DataLoader(list(range(7)), batch_size=2)
    rec.run(rec.engine("trainer"), loader, max_epochs=2)
    rec.run(rec.engine("short"), loader, epoch_length=3, max_epochs=2)


@scenario("ITERATION_COMPLETED", "COMPLETED")
def batch_replaced_at_iteration_started(fw: Framework, rec: Recorder) -> None:
    """Handlers may preprocess ``state.batch``; the process function gets the new batch."""
    eng = rec.engine("trainer")

    @eng.on(fw.Events.ITERATION_STARTED)
    def scale(engine: Any) -> None:
        engine.state.batch = engine.state.batch * 100

    rec.run(eng, [1, 2, 3], max_epochs=2)


@scenario("ITERATION_COMPLETED", "COMPLETED")
def output_replaced_at_iteration_completed(fw: Framework, rec: Recorder) -> None:
    eng = rec.engine("trainer")

    @eng.on(fw.Events.ITERATION_COMPLETED)
    def wrap(engine: Any) -> None:
        engine.state.output = ("wrapped", engine.state.output)

    rec.run(eng, [1, 2], max_epochs=2)


@scenario("@switch", "COMPLETED")
def set_data_mid_run(fw: Framework, rec: Recorder) -> None:
    eng = rec.engine("trainer")
    eng.add_event_handler(fw.Events.ITERATION_COMPLETED(once=4), lambda e: e.set_data([100, 101, 102]))
    eng.add_event_handler(fw.Events.ITERATION_COMPLETED(once=4), rec.tag("trainer", "switch"))
    rec.run(eng, [0, 1, 2, 3, 4, 5], epoch_length=3, max_epochs=4)


# ======================================================================================
# Event filters and handler management
# ======================================================================================


@scenario("@every2", "@once_list", "@after5", "@or_list", "COMPLETED")
def filters(fw: Framework, rec: Recorder) -> None:
    E = fw.Events
    eng = rec.engine("trainer")
    t = lambda tag: rec.tag("trainer", tag)  # noqa: E731
    eng.add_event_handler(E.ITERATION_COMPLETED(every=2), t("every2"))
    eng.add_event_handler(E.ITERATION_STARTED(every=1), t("every1"))
    eng.add_event_handler(E.EPOCH_STARTED(once=2), t("once_int"))
    eng.add_event_handler(E.ITERATION_STARTED(once=[2, 5, 99]), t("once_list"))
    eng.add_event_handler(E.ITERATION_COMPLETED(before=3), t("before3"))
    eng.add_event_handler(E.ITERATION_COMPLETED(after=5), t("after5"))
    eng.add_event_handler(E.ITERATION_COMPLETED(every=2, before=8, after=2), t("every2_in_2_8"))
    eng.add_event_handler(E.ITERATION_COMPLETED(event_filter=lambda e, ev: ev % 3 == 0), t("filter_mod3"))
    eng.add_event_handler(E.GET_BATCH_STARTED(every=3), t("gbs_every3"))
    eng.add_event_handler(E.GET_BATCH_COMPLETED(once=4), t("gbc_once4"))
    eng.add_event_handler(E.EPOCH_COMPLETED(every=2), t("epoch_every2"))
    eng.add_event_handler(E.STARTED(event_filter=lambda e, ev: ev == 0), t("started_epoch0"))
    eng.add_event_handler(E.COMPLETED(event_filter=lambda e, ev: ev == 3), t("completed_epoch3"))
    eng.add_event_handler(E.EPOCH_COMPLETED | E.COMPLETED, t("or_plain"))
    eng.add_event_handler(E.ITERATION_STARTED(every=4) | E.EPOCH_STARTED(once=3) | E.COMPLETED, t("or_list"))
    eng.on(E.ITERATION_COMPLETED(once=6) | E.EPOCH_STARTED(every=2))(t("on_or"))
    rec.run(eng, [0, 1, 2, 3], max_epochs=3)


@scenario("@every2", "COMPLETED", "STARTED", "@every2")
def filters_across_restart_and_epoch_length(fw: Framework, rec: Recorder) -> None:
    """Filters read the counters, so they follow epoch_length and restarts."""
    eng = rec.engine("trainer")
    eng.add_event_handler(fw.Events.ITERATION_COMPLETED(every=2), rec.tag("trainer", "every2"))
    eng.add_event_handler(fw.Events.EPOCH_STARTED(once=[1, 3]), rec.tag("trainer", "epoch_once"))
    rec.run(eng, [0, 1, 2, 3, 4], epoch_length=3, max_epochs=3)
    rec.run(eng, [0, 1, 2, 3, 4], epoch_length=3, max_epochs=3)


@scenario("note:has_event_handler", "@removed_in_run", "@args", "COMPLETED")
def handler_management(fw: Framework, rec: Recorder) -> None:
    """Args/kwargs, engine-less handlers, removal (handle, remove_event_handler, with-block)."""
    E = fw.Events
    eng = rec.engine("trainer")
    with_args = lambda engine, a, b=0: rec.add("trainer", "@args", engine.state, (a, b))  # noqa: E731
    eng.add_event_handler(E.EPOCH_STARTED, with_args, 1, b=2)
    eng.add_event_handler(E.EPOCH_COMPLETED, lambda: rec.add("trainer", "@no_engine", None))
    removed = rec.tag("trainer", "removed_in_run")
    handle = eng.add_event_handler(E.ITERATION_COMPLETED, removed)
    eng.add_event_handler(E.ITERATION_COMPLETED(once=2), lambda e: handle.remove())
    filtered = rec.tag("trainer", "filtered_removed")
    eng.add_event_handler(E.ITERATION_STARTED(every=2), filtered)
    rec.note("trainer", "has_event_handler", (
        eng.has_event_handler(removed),
        eng.has_event_handler(removed, E.ITERATION_COMPLETED),
        eng.has_event_handler(removed, E.EPOCH_STARTED),
        eng.has_event_handler(filtered, E.ITERATION_STARTED),
    ))
    eng.remove_event_handler(filtered, E.ITERATION_STARTED)
    rec.call("trainer", "remove missing handler", eng.remove_event_handler, filtered, E.ITERATION_STARTED)
    rec.call("trainer", "remove from unused event", eng.remove_event_handler, filtered, E.INTERRUPT)
    with eng.add_event_handler(E.COMPLETED, rec.tag("trainer", "with_block")):
        rec.run(eng, [0, 1, 2], max_epochs=2)
    rec.note("trainer", "has_event_handler after", (eng.has_event_handler(removed), eng.has_event_handler(filtered)))
    rec.run(eng, [0, 1, 2], max_epochs=2)


@scenario("@survives_removal", "@added_while_firing", "@survives_removal", "@added_while_firing", "COMPLETED")
def handlers_changed_while_firing(fw: Framework, rec: Recorder) -> None:
    """Ignite iterates the live handler list: a handler appended to the event being fired
    runs in the same firing; a removal only takes effect at the next firing."""
    E = fw.Events
    eng = rec.engine("trainer")
    late = rec.tag("trainer", "added_while_firing")
    doomed = rec.tag("trainer", "survives_removal")

    def add_late(engine: Any) -> None:
        if engine.state.iteration == 2:
            engine.add_event_handler(E.ITERATION_COMPLETED, late)

    def remove_doomed(engine: Any) -> None:
        if engine.state.iteration == 3:
            engine.remove_event_handler(doomed, E.ITERATION_COMPLETED)

    eng.add_event_handler(E.ITERATION_COMPLETED, remove_doomed)
    eng.add_event_handler(E.ITERATION_COMPLETED, doomed)
    eng.add_event_handler(E.ITERATION_COMPLETED, add_late)
    rec.run(eng, [0, 1, 2, 3], max_epochs=1)


@scenario("EPOCH_STARTED", "process", "EPOCH_STARTED", "COMPLETED", "COMPLETED")
def fire_builtin_events_manually(fw: Framework, rec: Recorder) -> None:
    """``fire_event`` of built-in events from user code just calls their handlers."""
    E = fw.Events
    eng = triggered_engine(fw, rec, "process", lambda e: e.fire_event(E.EPOCH_STARTED), lambda s: s.iteration == 2)
    eng.add_event_handler(E.EPOCH_COMPLETED(once=1), lambda e: e.fire_event(E.COMPLETED))
    rec.run(eng, [0, 1, 2], max_epochs=2)


# ======================================================================================
# Custom events
# ======================================================================================


@scenario("@FORWARD", "@BACKWARD_once", "@string_event", "COMPLETED")
def custom_events(fw: Framework, rec: Recorder) -> None:
    """EventEnum with event_to_attr, fired in the process function and in handlers, filtered."""

    class Step(fw.EventEnum):  # type: ignore[misc, valid-type]
        FORWARD = "forward"
        BACKWARD = "backward"
        AFTER_BACKWARD = "after_backward"

    def step(engine: Any, batch: Any) -> None:
        engine.state.n_forward += 1
        engine.fire_event(Step.FORWARD)
        engine.state.n_backward += 1
        engine.fire_event(Step.BACKWARD)

    eng = rec.engine("trainer", step)
    eng.register_events(*Step, event_to_attr={Step.FORWARD: "n_forward", Step.BACKWARD: "n_backward"})
    eng.register_events("string_event")
    rec.note("trainer", "attrs after register", (eng.state.n_forward, eng.state.n_backward))
    rec.note("trainer", "has_registered_events",
             (eng.has_registered_events(Step.FORWARD), eng.has_registered_events("nope")))
    t = lambda tag: rec.tag("trainer", tag)  # noqa: E731
    eng.add_event_handler(Step.FORWARD, t("FORWARD"))
    eng.add_event_handler(Step.FORWARD(every=2), t("FORWARD_every2"))
    eng.add_event_handler(Step.BACKWARD(once=[3, 5]), t("BACKWARD_once"))
    eng.add_event_handler(Step.BACKWARD(event_filter=lambda e, n: n > 4), t("BACKWARD_gt4"))
    eng.add_event_handler(Step.FORWARD(every=3) | fw.Events.EPOCH_COMPLETED, t("FORWARD3_or_epoch"))
    eng.add_event_handler(Step.BACKWARD, lambda e: e.fire_event(Step.AFTER_BACKWARD))
    eng.add_event_handler(Step.AFTER_BACKWARD, t("AFTER_BACKWARD"))
    eng.add_event_handler(fw.Events.EPOCH_COMPLETED, lambda e: e.fire_event("string_event"))
    eng.add_event_handler("string_event", t("string_event"))
    rec.run(eng, [0, 1, 2], max_epochs=2)
    rec.note("trainer", "attrs after run", (eng.state.n_forward, eng.state.n_backward))
    rec.call("trainer", "fire unregistered", eng.fire_event, "unregistered_event")
    rec.call("trainer", "filter on AFTER_BACKWARD (no attr)",
             eng.add_event_handler, Step.AFTER_BACKWARD(every=2), t("x"))
    rec.run(eng, [0, 1, 2], max_epochs=2)  # restarts; the filter without state attribute fails when fired


# ======================================================================================
# terminate / terminate_epoch
# ======================================================================================

STD_DATA: list[int] = [0, 1, 2, 3, 4]
STD_RUN: dict[str, int] = {"epoch_length": 3, "max_epochs": 4}  # 12 iterations; data restarts in epoch 2

#: Where a trigger acts once in the standard run (epoch 2, iteration 5, first data restart).
ONCE_AT: dict[str, Cond] = {
    "STARTED": lambda s: True,
    "EPOCH_STARTED": lambda s: s.epoch == 2,
    "GET_BATCH_STARTED": lambda s: s.iteration == 4,
    "GET_BATCH_COMPLETED": lambda s: s.iteration == 4,
    "DATALOADER_STOP_ITERATION": lambda s: True,
    "ITERATION_STARTED": lambda s: s.iteration == 5,
    "process": lambda s: s.iteration == 5,
    "ITERATION_COMPLETED": lambda s: s.iteration == 5,
    "EPOCH_COMPLETED": lambda s: s.epoch == 2,
    "COMPLETED": lambda s: True,
}

#: Where a trigger acts repeatedly (interrupt scenarios), including the last epoch/iteration.
REPEATEDLY_AT: dict[str, Cond] = {
    "STARTED": lambda s: True,
    "EPOCH_STARTED": lambda s: s.epoch in (2, 3),
    "GET_BATCH_STARTED": lambda s: s.iteration in (4, 8),
    "GET_BATCH_COMPLETED": lambda s: s.iteration in (4, 11),
    "DATALOADER_STOP_ITERATION": lambda s: True,
    "ITERATION_STARTED": lambda s: s.iteration in (5, 12),
    "process": lambda s: s.iteration in (3, 6),
    "ITERATION_COMPLETED": lambda s: s.iteration in (5, 12),
    "EPOCH_COMPLETED": lambda s: s.epoch in (1, 4),
}


def triggered_engine(
    fw: Framework, rec: Recorder, where: str, action: Callable[[Any], Any], cond: Cond, times: int | None = 1,
    *, exception_raised: bool = True, name: str = "trainer",
) -> Any:
    """A recorded engine whose ``action`` runs at ``where`` (an event name or ``"process"``)."""
    trigger = Trigger(action, cond, times)
    eng = rec.engine(name, trigger if where == "process" else None, exception_raised=exception_raised)
    if where != "process":
        eng.add_event_handler(getattr(fw.Events, where), trigger)
    return eng


def _terminate(where: str, skip_completed: bool) -> Callable[[Framework, Recorder], None]:
    def run(fw: Framework, rec: Recorder) -> None:
        eng = triggered_engine(fw, rec, where, lambda e: e.terminate(skip_completed=skip_completed), ONCE_AT[where])
        rec.run(eng, STD_DATA, **STD_RUN)
        rec.run(eng, STD_DATA, **STD_RUN)  # resumes from the terminated state

    return run


TERMINATE_AT = ("STARTED", "EPOCH_STARTED", "GET_BATCH_STARTED", "GET_BATCH_COMPLETED", "DATALOADER_STOP_ITERATION",
                "ITERATION_STARTED", "process", "ITERATION_COMPLETED", "EPOCH_COMPLETED")
for _where in TERMINATE_AT:
    register(f"terminate_at_{_where}", _terminate(_where, False), ("TERMINATE", "COMPLETED", "STARTED", "COMPLETED"))
for _where in ("STARTED", "ITERATION_COMPLETED", "EPOCH_COMPLETED", "process"):
    register(f"terminate_skip_completed_at_{_where}", _terminate(_where, True),
             ("TERMINATE", "run", "STARTED", "COMPLETED"))


@scenario("TERMINATE", "COMPLETED", "run", "STARTED", "TERMINATE")
def terminate_in_max_iters_mode(fw: Framework, rec: Recorder) -> None:
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.terminate(), ONCE_AT["ITERATION_COMPLETED"])
    rec.run(eng, STD_DATA, epoch_length=3, max_iters=10)
    rec.run(eng, STD_DATA, epoch_length=3)


@scenario("COMPLETED", "run", "TERMINATE", "COMPLETED")
def terminate_at_COMPLETED_and_TERMINATE(fw: Framework, rec: Recorder) -> None:
    """terminate() from COMPLETED / TERMINATE handlers has nothing left to stop."""
    eng = triggered_engine(fw, rec, "COMPLETED", lambda e: e.terminate(), ONCE_AT["COMPLETED"])
    eng.add_event_handler(fw.Events.TERMINATE, lambda e: e.terminate())
    rec.run(eng, [0, 1], max_epochs=2)
    eng.state.max_epochs = None
    rec.run(eng, [0, 1], max_iters=3)


def _terminate_epoch(where: str, skip: bool, exception_raised: bool = True) -> Callable[[Framework, Recorder], None]:
    def run(fw: Framework, rec: Recorder) -> None:
        action = lambda e: e.terminate_epoch(skip_epoch_completed=skip)  # noqa: E731
        eng = triggered_engine(fw, rec, where, action, ONCE_AT[where], exception_raised=exception_raised)
        rec.run(eng, STD_DATA, **STD_RUN)
        if exception_raised:
            rec.run(eng, STD_DATA, **STD_RUN)

    return run


for _where in ("GET_BATCH_STARTED", "GET_BATCH_COMPLETED", "DATALOADER_STOP_ITERATION", "ITERATION_STARTED",
               "process", "ITERATION_COMPLETED"):
    register(f"terminate_epoch_at_{_where}", _terminate_epoch(_where, False),
             ("TERMINATE_SINGLE_EPOCH", "EPOCH_COMPLETED", "EPOCH_STARTED", "COMPLETED"))
for _where in ("GET_BATCH_STARTED", "process", "ITERATION_COMPLETED"):
    register(f"terminate_epoch_skip_completed_at_{_where}", _terminate_epoch(_where, True),
             ("TERMINATE_SINGLE_EPOCH", "EPOCH_STARTED", "COMPLETED"))
register("terminate_epoch_at_EPOCH_COMPLETED_is_noop", _terminate_epoch("EPOCH_COMPLETED", False), ("COMPLETED",))
for _where in ("STARTED", "EPOCH_STARTED"):
    register(f"terminate_epoch_at_{_where}_handled", _terminate_epoch(_where, False), ("EXCEPTION_RAISED", "run"))
    register(f"terminate_epoch_at_{_where}_raises", _terminate_epoch(_where, False, exception_raised=False),
             ("run!RuntimeError",))


# ======================================================================================
# interrupt / resume
# ======================================================================================


def _interrupt(where: str) -> Callable[[Framework, Recorder], None]:
    def run(fw: Framework, rec: Recorder) -> None:
        eng = triggered_engine(fw, rec, where, lambda e: e.interrupt(), REPEATEDLY_AT[where], times=None)
        rec.run_until_completed(eng, STD_DATA, **STD_RUN)
        rec.run_until_completed(eng, STD_DATA, **STD_RUN)  # done: restarts

    return run


for _where in REPEATEDLY_AT:
    register(f"interrupt_at_{_where}", _interrupt(_where), ("INTERRUPT", "run", "COMPLETED"))


@scenario("INTERRUPT", "run", "INTERRUPT", "run", "COMPLETED")
def interrupt_max_iters_and_args_on_resume(fw: Framework, rec: Recorder) -> None:
    """Interrupt in max_iters mode; resume without arguments, then with a larger max_iters."""
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.interrupt(),
                           lambda s: s.iteration % 4 == 0, times=None)
    rec.run(eng, STD_DATA, epoch_length=3, max_iters=7)
    rec.run(eng, STD_DATA)
    rec.run(eng, STD_DATA, max_iters=9)
    rec.run_until_completed(eng, STD_DATA)


@scenario("INTERRUPT", "run", "TERMINATE", "COMPLETED", "run", "STARTED", "COMPLETED")
def terminate_while_interrupted(fw: Framework, rec: Recorder) -> None:
    """terminate() between an interrupt and the resume stops the resumed run at once."""
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.interrupt(), ONCE_AT["ITERATION_COMPLETED"])
    rec.run(eng, STD_DATA, **STD_RUN)
    eng.terminate()
    rec.run(eng, STD_DATA, **STD_RUN)
    rec.run(eng, STD_DATA, **STD_RUN)


@scenario("INTERRUPT", "run", "STARTED", "COMPLETED")
def restart_while_interrupted(fw: Framework, rec: Recorder) -> None:
    """``state.max_epochs = None`` after an interrupt: a new state (iterator state as Ignite keeps it)."""
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.interrupt(), ONCE_AT["ITERATION_COMPLETED"])
    rec.run(eng, STD_DATA, **STD_RUN)
    eng.state.max_epochs = None
    rec.run(eng, [10, 11, 12], max_epochs=2)
    rec.run(eng, [10, 11, 12], max_epochs=2)


@scenario("INTERRUPT", "run", "COMPLETED", "TERMINATE", "run", "COMPLETED")
def resume_with_other_data(fw: Framework, rec: Recorder) -> None:
    """Resuming an interrupted run keeps the old iterator; resuming a terminated one takes new data."""
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.interrupt(), lambda s: s.iteration == 2)
    rec.run(eng, [0, 1, 2, 3], max_epochs=2)
    rec.run(eng, [100, 101, 102, 103], max_epochs=2)
    other = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.terminate(), lambda s: s.iteration == 2,
                             name="terminated")
    rec.run(other, [0, 1, 2, 3], max_epochs=2)
    rec.run(other, [100, 101, 102, 103], max_epochs=2)


@scenario("INTERRUPT", "run", "COMPLETED")
def interrupt_data_none(fw: Framework, rec: Recorder) -> None:
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.interrupt(), lambda s: s.iteration == 2)
    rec.run(eng, None, epoch_length=3, max_epochs=2)
    rec.run(eng)


# ======================================================================================
# Restart / resume / state_dict
# ======================================================================================


@scenario("COMPLETED", "STARTED", "COMPLETED", "STARTED", "COMPLETED", "run!ValueError")
def rerun_after_completion(fw: Framework, rec: Recorder) -> None:
    """Done: same args restart; larger max_epochs resumes; no args restarts with 1 epoch."""
    eng = rec.engine("trainer")
    data = [0, 1, 2]
    rec.run(eng, data, max_epochs=2)
    rec.run(eng, data, max_epochs=2)
    rec.run(eng, data, max_epochs=3)
    rec.run(eng, data)
    rec.run(eng, [7, 8], max_epochs=2)  # new data, new epoch_length
    rec.run(eng, [7, 8], max_epochs=1)  # done, but max_epochs below the epoch reached: ValueError


@scenario("TERMINATE", "STARTED", "COMPLETED")
def rerun_after_max_epochs_reset(fw: Framework, rec: Recorder) -> None:
    """``state.max_epochs = None`` after a terminated run forces a restart."""
    eng = triggered_engine(fw, rec, "EPOCH_COMPLETED", lambda e: e.terminate(), ONCE_AT["EPOCH_COMPLETED"])
    rec.run(eng, [0, 1, 2], max_epochs=4)
    eng.state.max_epochs = None
    rec.run(eng, [0, 1, 2], max_epochs=2)
    rec.run(eng, [0, 1, 2], max_epochs=3)


@scenario("TERMINATE", "run", "STARTED", "TERMINATE", "run", "STARTED", "COMPLETED")
def rerun_in_max_iters_mode(fw: Framework, rec: Recorder) -> None:
    """A completed max_iters run resumes with a larger max_iters; a reset switches mode."""
    eng = rec.engine("trainer")
    rec.run(eng, [0, 1, 2, 3], max_iters=5)
    rec.run(eng, [0, 1, 2, 3], max_iters=7)
    eng.state.max_iters = None
    rec.run(eng, [0, 1, 2, 3], max_epochs=2)


@scenario("note:state_dict", "STARTED", "COMPLETED")
def state_dict_round_trip(fw: Framework, rec: Recorder) -> None:
    """state_dict() with user keys; load_state_dict() into a fresh engine, then run resumes."""
    eng = rec.engine("trainer")
    eng.state_dict_user_keys.append("alpha")

    @eng.on(fw.Events.STARTED)
    def set_alpha(engine: Any) -> None:
        engine.state.alpha = 0.5

    eng.add_event_handler(fw.Events.EPOCH_COMPLETED(once=1), lambda e: e.terminate())
    rec.run(eng, [0, 1, 2, 3], max_epochs=3)
    sd = eng.state_dict()
    rec.note("trainer", "state_dict", (type(sd).__name__, list(sd.items()), list(eng.state_dict_user_keys)))
    other = rec.engine("restored")
    other.state_dict_user_keys.append("alpha")
    other.load_state_dict(sd)
    rec.note("restored", "loaded", (other.state.epoch, other.state.iteration, other.state.max_epochs,
                                    other.state.epoch_length, other.state.alpha))
    rec.run(other, [0, 1, 2, 3])
    rec.note("restored", "state_dict after", list(other.state_dict().items()))


@scenario("STARTED", "EPOCH_STARTED", "COMPLETED")
def load_state_dict_iteration(fw: Framework, rec: Recorder) -> None:
    """Resume mid-epoch from an iteration (the data iterator itself starts over)."""
    eng = rec.engine("trainer")
    eng.load_state_dict({"iteration": 5, "max_epochs": 3, "epoch_length": 4})
    rec.note("trainer", "loaded", (eng.state.epoch, eng.state.iteration))
    rec.run(eng, [0, 1, 2, 3])


@scenario("STARTED", "COMPLETED", "STARTED", "COMPLETED")
def load_state_dict_epoch_and_max_iters(fw: Framework, rec: Recorder) -> None:
    eng = rec.engine("trainer")
    eng.load_state_dict({"epoch": 1, "max_epochs": 3, "epoch_length": 2})
    rec.note("trainer", "loaded epoch", (eng.state.epoch, eng.state.iteration))
    rec.run(eng, [0, 1])
    other = rec.engine("iters")
    other.load_state_dict({"iteration": 3, "max_iters": 7, "epoch_length": 2})
    rec.note("iters", "loaded iters", (other.state.epoch, other.state.iteration, other.state.max_epochs))
    rec.run(other, [0, 1])
    rec.note("iters", "state_dict", list(other.state_dict().items()))


@scenario("call:both iteration and epoch", "call:missing user key")
def load_state_dict_errors(fw: Framework, rec: Recorder) -> None:
    eng = rec.engine("trainer")
    c = lambda label, sd: rec.call("trainer", label, eng.load_state_dict, sd)  # noqa: E731
    c("not a mapping", [1, 2])
    c("missing epoch_length", {"iteration": 1, "max_epochs": 2})
    c("missing max_epochs", {"iteration": 1, "epoch_length": 2})
    c("both max keys", {"iteration": 1, "epoch_length": 2, "max_epochs": 2, "max_iters": 4})
    c("both iteration and epoch", {"iteration": 1, "epoch": 1, "epoch_length": 2, "max_epochs": 2})
    c("max_epochs below epoch", {"epoch": 3, "epoch_length": 2, "max_epochs": 2})
    eng.state_dict_user_keys.append("beta")
    c("missing user key", {"iteration": 1, "epoch_length": 2, "max_epochs": 2})


# ======================================================================================
# Nested engines
# ======================================================================================


def _evaluator(fw: Framework, rec: Recorder) -> Any:
    evaluator = rec.engine("evaluator", output=lambda e, b: b * 2)

    @evaluator.on(fw.Events.STARTED)
    def reset(engine: Any) -> None:
        engine.state.total = 0

    @evaluator.on(fw.Events.ITERATION_COMPLETED)
    def accumulate(engine: Any) -> None:
        engine.state.total += engine.state.output

    @evaluator.on(fw.Events.COMPLETED)
    def compute(engine: Any) -> None:
        engine.state.metrics["score"] = engine.state.total / engine.state.iteration

    return evaluator


@scenario("EPOCH_COMPLETED", "STARTED", "COMPLETED", "note:metrics")
def nested_evaluator_each_epoch(fw: Framework, rec: Recorder) -> None:
    """The FAQ pattern: run an evaluator at EPOCH_COMPLETED, copy its metric to the trainer."""
    trainer, evaluator = rec.engine("trainer"), _evaluator(fw, rec)

    @trainer.on(fw.Events.EPOCH_COMPLETED)
    def validate(engine: Any) -> None:
        rec.run(evaluator, [engine.state.epoch, 10, 20])
        engine.state.metrics["val_score"] = evaluator.state.metrics["score"]

    rec.run(trainer, [0, 1, 2], max_epochs=3)
    rec.note("trainer", "metrics", (dict(trainer.state.metrics), dict(evaluator.state.metrics)))


@scenario("ITERATION_COMPLETED", "STARTED", "COMPLETED", "COMPLETED")
def nested_evaluator_mid_epoch(fw: Framework, rec: Recorder) -> None:
    """An evaluator run from ITERATION_COMPLETED(every=3), inside the trainer's batch loop."""
    trainer, evaluator = rec.engine("trainer"), _evaluator(fw, rec)

    @trainer.on(fw.Events.ITERATION_COMPLETED(every=3))
    def validate(engine: Any) -> None:
        rec.run(evaluator, [1, 2], epoch_length=2)
        engine.state.metrics[f"score@{engine.state.iteration}"] = evaluator.state.metrics["score"]

    rec.run(trainer, [0, 1, 2, 3, 4], epoch_length=4, max_epochs=2)
    rec.note("trainer", "metrics", dict(trainer.state.metrics))


@scenario("COMPLETED", "TERMINATE", "COMPLETED", "run")
def nested_early_stopping(fw: Framework, rec: Recorder) -> None:
    """The EarlyStopping pattern: an evaluator's COMPLETED handler terminates the trainer."""
    trainer, evaluator = rec.engine("trainer"), _evaluator(fw, rec)
    trainer.add_event_handler(fw.Events.EPOCH_COMPLETED, lambda e: rec.run(evaluator, [e.state.epoch]))
    evaluator.add_event_handler(fw.Events.COMPLETED(event_filter=lambda e, ev: trainer.state.epoch == 2),
                                lambda e: trainer.terminate())
    rec.run(trainer, [0, 1, 2], max_epochs=5)


@scenario("process", "EXCEPTION_RAISED", "run")
def nested_evaluator_raises(fw: Framework, rec: Recorder) -> None:
    """An evaluator without EXCEPTION_RAISED handler raises into the trainer's handler."""
    trainer = rec.engine("trainer")
    fail_second = Trigger(boom("eval failed"), lambda s: s.iteration == 2)
    evaluator = rec.engine("evaluator", fail_second, exception_raised=False)
    trainer.add_event_handler(fw.Events.EPOCH_COMPLETED, lambda e: evaluator.run([5, 6, 7]))
    rec.run(trainer, [0, 1], max_epochs=3)


# ======================================================================================
# Exceptions
# ======================================================================================

RAISE_AT = ("STARTED", "EPOCH_STARTED", "GET_BATCH_STARTED", "GET_BATCH_COMPLETED", "DATALOADER_STOP_ITERATION",
            "ITERATION_STARTED", "process", "ITERATION_COMPLETED", "EPOCH_COMPLETED", "COMPLETED")


def _raise(where: str, handled: bool) -> Callable[[Framework, Recorder], None]:
    def run(fw: Framework, rec: Recorder) -> None:
        eng = triggered_engine(fw, rec, where, boom(f"boom at {where}"), ONCE_AT[where], exception_raised=handled)
        rec.run(eng, STD_DATA, **STD_RUN)
        if handled:  # re-running after an unhandled exception: see rerun_after_unhandled_exception
            rec.run(eng, STD_DATA, **STD_RUN)

    return run


for _where in RAISE_AT:
    register(f"raise_at_{_where}_handled", _raise(_where, True), ("EXCEPTION_RAISED", "run"))
for _where in ("STARTED", "GET_BATCH_STARTED", "process", "ITERATION_COMPLETED", "EPOCH_COMPLETED", "COMPLETED"):
    register(f"raise_at_{_where}_unhandled", _raise(_where, False), ("run!ScenarioError",))


@scenario("run!ScenarioError", "run", "run", "STARTED", "COMPLETED")
def rerun_after_unhandled_exception(fw: Framework, rec: Recorder) -> None:
    """Ignite keeps the dead run generator: re-runs return None without firing anything until
    ``state.max_epochs = None`` forces a new state."""
    eng = triggered_engine(fw, rec, "process", boom("process failed"), lambda s: s.iteration == 2,
                           exception_raised=False)
    rec.run(eng, [0, 1, 2], max_epochs=2)
    rec.run(eng, [0, 1, 2], max_epochs=2)
    rec.run(eng, [0, 1, 2], max_epochs=3)
    eng.state.max_epochs = None
    rec.run(eng, [0, 1, 2], max_epochs=2)


@scenario("EXCEPTION_RAISED", "EPOCH_COMPLETED", "EPOCH_STARTED", "COMPLETED")
def raise_in_process_handled_continues_next_epoch(fw: Framework, rec: Recorder) -> None:
    """An iteration-level exception handled by EXCEPTION_RAISED ends the epoch, not the run."""
    eng = triggered_engine(fw, rec, "process", boom("process failed"), lambda s: s.iteration in (2, 7), None)
    rec.run(eng, [0, 1, 2, 3], max_epochs=3)


@scenario("EXCEPTION_RAISED", "EPOCH_COMPLETED", "TERMINATE", "COMPLETED", "run")
def exception_handler_terminates(fw: Framework, rec: Recorder) -> None:
    eng = triggered_engine(fw, rec, "process", boom("process failed"), ONCE_AT["process"])
    eng.add_event_handler(fw.Events.EXCEPTION_RAISED, lambda e, exc: e.terminate())
    rec.run(eng, STD_DATA, **STD_RUN)
    rec.run(eng, STD_DATA, **STD_RUN)


@scenario("EXCEPTION_RAISED", "EXCEPTION_RAISED", "run!ScenarioError")
def exception_handler_reraises(fw: Framework, rec: Recorder) -> None:
    """A re-raising EXCEPTION_RAISED handler: Ignite fires the event twice, then raises."""
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", boom("iteration failed"), ONCE_AT["ITERATION_COMPLETED"])

    @eng.on(fw.Events.EXCEPTION_RAISED)
    def reraise(engine: Any, exc: BaseException) -> None:
        raise exc

    rec.run(eng, STD_DATA, **STD_RUN)


@scenario("EXCEPTION_RAISED", "COMPLETED", "run!ScenarioError")
def exception_in_data_iterator(fw: Framework, rec: Recorder) -> None:
    """``next(iterator)`` raising: handled ends the epoch; unhandled leaves run()."""
    rec.run(rec.engine("handled"), FailingData(4, at=2), max_epochs=2)
    rec.run(rec.engine("unhandled", exception_raised=False), FailingData(4, at=2), max_epochs=2)


@scenario("@exc_handler", "run", "run")
def exception_handler_removed_still_swallows(fw: Framework, rec: Recorder) -> None:
    """Ignite checks ``EXCEPTION_RAISED in _event_handlers``: an emptied list still swallows."""
    eng = triggered_engine(fw, rec, "process", boom("process failed"), lambda s: s.iteration in (2, 3), None,
                           exception_raised=False)
    handler = rec.tag("trainer", "exc_handler")
    eng.add_event_handler(fw.Events.EXCEPTION_RAISED, handler)
    rec.run(eng, [0, 1, 2], max_epochs=1)
    eng.remove_event_handler(handler, fw.Events.EXCEPTION_RAISED)
    rec.run(eng, [0, 1, 2], max_epochs=2)


# ======================================================================================
# Bad input
# ======================================================================================


@scenario("call:unknown string event", "call:unregistered enum", "call:fire unknown")
def bad_event_registration(fw: Framework, rec: Recorder) -> None:
    class Other(fw.EventEnum):  # type: ignore[misc, valid-type]
        OTHER = "other"

    eng = rec.engine("trainer")
    h = rec.tag("trainer", "never")
    rec.call("trainer", "unknown string event", eng.add_event_handler, "unknown", h)
    rec.call("trainer", "unregistered enum", eng.add_event_handler, Other.OTHER, h)
    rec.call("trainer", "unregistered enum via on", eng.on(Other.OTHER(every=2)), h)
    rec.call("trainer", "fire unknown", eng.fire_event, Other.OTHER)
    rec.call("trainer", "register non-event", eng.register_events, 42)
    rec.call("trainer", "event_to_attr not a dict", eng.register_events, "x", event_to_attr=[1])
    rec.call("trainer", "bad handler signature", eng.add_event_handler, fw.Events.STARTED, lambda a, b, c: None)
    rec.call("trainer", "bad exception handler", eng.add_event_handler, fw.Events.EXCEPTION_RAISED, lambda e: None)
    rec.run(eng, [0], max_epochs=1)


@scenario("call:every=0", "call:every and once")
def bad_event_filters(fw: Framework, rec: Recorder) -> None:
    E = fw.Events.ITERATION_COMPLETED
    for label, kwargs in [("every=0", {"every": 0}), ("once=0", {"once": 0}), ("once=[]", {"once": []}),
                          ("every and once", {"every": 2, "once": 3}), ("before=-1", {"before": -1}),
                          ("after=-1", {"after": -1}), ("filter not callable", {"event_filter": 3}),
                          ("filter and every", {"event_filter": lambda e, n: True, "every": 2}),
                          ("nothing", {}), ("filter signature", {"event_filter": lambda n: True})]:
        rec.call("events", label, E, **kwargs)


@scenario("call:Engine(None)", "call:bad process signature")
def bad_process_function(fw: Framework, rec: Recorder) -> None:
    rec.call("engine", "Engine(None)", fw.Engine, None)
    rec.call("engine", "bad process signature", fw.Engine, lambda: None)


@scenario("run!ValueError", "run!ValueError", "run!TypeError")
def bad_run_arguments(fw: Framework, rec: Recorder) -> None:
    eng = rec.engine("trainer")
    rec.run(eng, [], max_epochs=2)
    rec.run(eng)
    rec.run(eng, None, max_epochs=2)
    rec.run(eng, [0, 1], max_epochs=2, max_iters=3)
    rec.run(eng, 5)
    rec.run(eng, [0, 1], epoch_length=0)
    rec.run(eng, NoLen(2), epoch_length=-1)
    rec.run(eng, [0, 1], max_epochs=1)  # still runs fine afterwards


@scenario("STARTED", "COMPLETED", "run", "run!ValueError", "STARTED", "COMPLETED", "run")
def max_epochs_zero_on_fresh_engine(fw: Framework, rec: Recorder) -> None:
    """Ignite validates max_epochs/max_iters only against an existing state: 0 on a fresh
    engine runs no iteration (and -1 then fails the check)."""
    eng = rec.engine("trainer")
    rec.run(eng, [0, 1], max_epochs=0)
    rec.run(eng, [0, 1], max_epochs=-1)
    other = rec.engine("other")
    rec.run(other, [0, 1], max_iters=0)


@scenario("TERMINATE", "run!ValueError", "run!ValueError", "run!ValueError", "run!ValueError", "COMPLETED")
def bad_resume_arguments(fw: Framework, rec: Recorder) -> None:
    """A terminated run resumed with a smaller max_epochs, other epoch_length or other mode."""
    eng = triggered_engine(fw, rec, "EPOCH_COMPLETED", lambda e: e.terminate(), lambda s: s.epoch == 3)
    rec.run(eng, [0, 1, 2], max_epochs=5)
    rec.run(eng, [0, 1, 2], max_epochs=2)
    rec.run(eng, [0, 1, 2], epoch_length=2)
    rec.run(eng, [0, 1, 2], max_iters=20)
    eng.state.max_epochs, eng.state.max_iters = None, 12
    rec.run(eng, [0, 1, 2], max_epochs=5)
    rec.run(eng, [0, 1, 2], max_iters=4)
    rec.run(eng, [0, 1, 2], max_iters=12)


@scenario("call:interrupt", "TERMINATE", "COMPLETED", "STARTED", "COMPLETED")
def legacy_run_without_interrupt_resume(fw: Framework, rec: Recorder) -> None:
    """``interrupt_resume_enabled = False`` (per instance): the pre-0.4.10 run loop."""
    eng = triggered_engine(fw, rec, "ITERATION_COMPLETED", lambda e: e.terminate(), ONCE_AT["ITERATION_COMPLETED"])
    eng.interrupt_resume_enabled = False
    rec.call("trainer", "interrupt", eng.interrupt)
    rec.run(eng, STD_DATA, **STD_RUN)
    rec.run(eng, STD_DATA, **STD_RUN)


# ======================================================================================
# Subclassing
# ======================================================================================


@scenario("call:unknown event", "note:subclass run", "@LOG", "COMPLETED", "note:state extras")
def subclass_engine(fw: Framework, rec: Recorder) -> None:
    """``super().__init__(process_fn)``, own events, a pre-built State with extras, run override."""

    class Extra(fw.EventEnum):  # type: ignore[misc, valid-type]
        LOG = "log"

    class MyEngine(fw.Engine):  # type: ignore[misc, valid-type]
        def __init__(self, scale: int) -> None:
            super().__init__(self._step)
            self.scale = scale
            self.register_events(*Extra, event_to_attr={Extra.LOG: "n_logs"})
            self.state = fw.State(alpha=scale, tag="custom")
            self.state.n_logs = 0

        def _step(self, engine: Any, batch: Any) -> Any:
            rec.add("sub", "process", engine.state, repr(batch))
            engine.state.n_logs += 1
            engine.fire_event(Extra.LOG)
            return batch * self.state.alpha

        def run(self, data: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            rec.note("sub", "subclass run", (type(self).__name__, self.state.alpha, self.state.tag))
            return super().run(data, **kwargs)

    eng = rec.attach(MyEngine(3), "sub")
    eng.add_event_handler(Extra.LOG(every=2), rec.tag("sub", "LOG"))
    rec.call("sub", "unknown event", eng.add_event_handler, "nope", rec.tag("sub", "x"))
    rec.run(eng, [1, 2, 3], max_epochs=2)
    rec.note("sub", "state extras", (eng.state.alpha, eng.state.tag, eng.state.n_logs, type(eng.state).__name__))
    rec.run(eng, [1, 2], max_epochs=2)

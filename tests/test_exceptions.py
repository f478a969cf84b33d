"""Exceptions and interrupts in an Engine run, checked against pytorch-ignite on both runners.

Wherever an exception comes from (a handler, the process function, a metric's ``update``, a
nested evaluator, the data, a Lightning callback, a Ctrl-C), an Engine run on the ``pl.Trainer``
runner and on ``runner="fabric"`` fires the same events as pytorch-ignite and ends with the same
state; an exception nobody handles leaves ``run`` as the very object raised, its traceback
ending in the user's code. Besides, bridge's guarantees: Lightning's ``on_exception`` once, no
checkpoint of the failing epoch, the model where the user had it, no ``sys.exit``, progress bars
closed, and no hang with DataLoader workers (a hang there ends the test process, with every stack).
"""

from __future__ import annotations

import faulthandler
import io
import os
import signal
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import pytorch_lightning as pl
import torch

import bridge.engine as be
import bridge.handlers as bh
import bridge.metrics as bm
from bridge.lightning import EngineCallback

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # importing Ignite trips torch.jit deprecations
    import ignite.engine as ie
    import ignite.handlers as ih
    import ignite.metrics as im

RUNNERS = ("trainer", "fabric")
EVENTS = ("STARTED", "EPOCH_STARTED", "GET_BATCH_STARTED", "GET_BATCH_COMPLETED", "DATALOADER_STOP_ITERATION",
          "ITERATION_STARTED", "ITERATION_COMPLETED", "EPOCH_COMPLETED", "COMPLETED", "TERMINATE",
          "TERMINATE_SINGLE_EPOCH", "INTERRUPT")  # fmt: skip


class Boom(Exception):
    """The exception the tests raise."""


@dataclass
class Framework:
    """Ignite, or bridge on one runner (with a Lightning callback counting ``on_exception``)."""

    name: str
    events: Any
    metric: type
    exceptions_seen: list[BaseException]

    def engine(self, step: Callable[[Any, Any], Any]) -> Any:
        if self.name == "ignite":
            return ie.Engine(step)
        if self.name == "fabric":
            return be.Engine(step, runner="fabric")
        return be.Engine(step, callbacks=[OnException(self.exceptions_seen)])


def framework(name: str) -> Framework:
    if name == "ignite":
        return Framework(name, ie.Events, im.Metric, [])
    return Framework(name, be.Events, bm.Metric, [])


class OnException(pl.Callback):
    """Records each exception Lightning's ``on_exception`` gets."""

    def __init__(self, seen: list[BaseException]) -> None:
        self.seen = seen

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self.seen.append(exception)


def record(fw: Framework, engine: Any, name: str, trace: list[tuple], exception_raised: bool) -> None:
    """All built-in events of ``engine`` into ``trace``; EXCEPTION_RAISED only when asked (a handler swallows)."""
    for event in EVENTS:
        engine.add_event_handler(getattr(fw.events, event),
                                 lambda e, event=event: trace.append((name, event, e.state.epoch, e.state.iteration)))  # fmt: skip
    if exception_raised:
        engine.add_event_handler(
            fw.events.EXCEPTION_RAISED,
            lambda e, exc: trace.append(
                (name, "EXCEPTION_RAISED", type(exc).__name__, e.state.epoch, e.state.iteration)
            ),
        )


def final_state(state: Any) -> Optional[tuple]:
    if state is None:
        return None  # Ignite: the first run() after a run that raised only discards it
    metrics = {k: v for k, v in state.metrics.items()}
    return (state.epoch, state.iteration, state.max_epochs, state.epoch_length, state.output, metrics)


def run_three_times(engine: Any, data: Any, trace: list[tuple], probe: Optional[Callable[[], Any]] = None,
                    **kwargs: Any) -> list[BaseException]:  # fmt: skip
    """``run`` three times (after a failure: Ignite's discard, then the resumed run); outcomes go to ``trace``.

    ``probe()``, if given, is called after the first run.
    """
    raised = []
    for _ in range(3):
        try:
            trace.append(("run", final_state(engine.run(data, **kwargs))))
        except BaseException as e:  # noqa: B036 (KeyboardInterrupt too)
            raised.append(e)
            trace.append(("run raised", type(e).__name__, final_state(engine.state)))
        if probe is not None:
            probe()
            probe = None
    return raised


def innermost(exception: BaseException) -> tuple[str, str]:
    """File and function of the traceback's innermost frame: where the exception was raised."""
    tb = exception.__traceback__
    assert tb is not None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).name, tb.tb_frame.f_code.co_name


class Once:
    """True the first time ``when`` holds: ``if fail(): raise fail.error`` (raised in the user's function)."""

    def __init__(self, error: BaseException, when: Callable[[], bool]) -> None:
        self.error, self.when, self.done = error, when, False

    def __call__(self) -> bool:
        if self.done or not self.when():
            return False
        self.done = True
        return True


class FailingData:
    """Re-iterable data of ``n`` items whose iterator raises at position 1 of the second pass (once)."""

    def __init__(self, n: int, error: Exception) -> None:
        self.n, self.error, self.passes = n, error, 0

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        self.passes += 1
        for i in range(self.n):
            if self.passes == 2 and i == 1:
                raise self.error
            yield i


# ---------------------------------------------------------------------------------------------------
# Exceptions from the user's code: the same events and state as Ignite, the original exception
# ---------------------------------------------------------------------------------------------------

WHERE = ("handler", "process", "metric", "evaluator", "data")
#: the function the traceback ends in, for each place
RAISED_IN = {"handler": "failing_handler", "process": "step", "metric": "update", "evaluator": "evaluator_step",
             "data": "__iter__"}  # fmt: skip


def scenario(fw: Framework, where: str, handled: bool) -> tuple[list[tuple], list[BaseException], Boom]:
    """A trainer over 3 batches for 3 epochs; ``where`` raises once, at the second batch of epoch 2."""
    error = Boom(where)
    trace: list[tuple] = []
    trainer: Any = None
    # at the second batch of epoch 2 (the evaluator: its second batch, after epoch 2)
    fail = Once(error, lambda: trainer.state.epoch == 2 and trainer.state.iteration in (5, 6))

    def step(engine: Any, batch: int) -> int:
        if where == "process":
            if fail():
                raise fail.error
        return batch

    def failing_handler(engine: Any) -> None:
        if fail():
            raise fail.error

    def evaluator_step(engine: Any, batch: int) -> int:
        if batch == 6:
            if fail():
                raise fail.error
        return batch * 10

    class Sum(fw.metric):  # type: ignore[name-defined]
        def reset(self) -> None:
            self.total = 0

        def update(self, output: int) -> None:
            if fail():
                raise fail.error
            self.total += output

        def compute(self) -> int:
            return self.total

    trainer = fw.engine(step)
    record(fw, trainer, "trainer", trace, exception_raised=handled)
    data: Any = [0, 1, 2]
    if where == "handler":
        trainer.add_event_handler(fw.events.ITERATION_COMPLETED, failing_handler)
    elif where == "metric":
        Sum().attach(trainer, "sum")
    elif where == "evaluator":
        evaluator = fw.engine(evaluator_step)
        record(fw, evaluator, "evaluator", trace, exception_raised=False)  # the exception goes to the trainer
        trainer.add_event_handler(fw.events.EPOCH_COMPLETED, lambda e: evaluator.run([5, 6]))
    elif where == "data":
        data = FailingData(3, error)
    raised = run_three_times(trainer, data, trace, max_epochs=3)
    return trace, raised, error


@pytest.mark.parametrize("handled", [True, False], ids=["handled", "unhandled"])
@pytest.mark.parametrize("where", WHERE)
def test_an_exception_is_handled_as_in_ignite(where: str, handled: bool) -> None:
    expected, ignite_raised, _ = scenario(framework("ignite"), where, handled)
    # Ignite: handled in an iteration, the epoch ends (EPOCH_COMPLETED) and the run goes on; handled at an
    # epoch's end (the evaluator), the run ends without COMPLETED; unhandled, run() raises, the next discards
    # the run, the one after resumes it
    assert len(ignite_raised) == (0 if handled else 1)
    if handled:
        at = expected.index(next(entry for entry in expected if entry[1] == "EXCEPTION_RAISED"))
        after = [entry[0] if entry[0] == "run" else entry[1] for entry in expected[at + 1 : at + 3]]
        assert after == (["run", "STARTED"] if where == "evaluator" else ["EPOCH_COMPLETED", "EPOCH_STARTED"])

    for runner in RUNNERS:
        fw = framework(runner)
        trace, raised, error = scenario(fw, where, handled)
        assert trace == expected, runner
        if handled:
            assert raised == []
            if runner == "trainer":  # the evaluator's pl.Trainer saw it leave; the trainer's handled it
                assert fw.exceptions_seen == ([error] if where == "evaluator" else [])
        else:
            # the very object raised, its traceback ending where the user's code raised it
            assert len(raised) == 1 and raised[0] is error, runner
            assert innermost(error) == ("test_exceptions.py", RAISED_IN[where]), runner
            # Lightning's on_exception: once per pl.Trainer the exception left (the evaluator's, then the trainer's)
            if runner == "trainer":
                assert fw.exceptions_seen == [error] * (2 if where == "evaluator" else 1)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ---------------------------------------------------------------------------------------------------
# Lightning callbacks: an exception in a hook is one of a handler of the hook's event
# ---------------------------------------------------------------------------------------------------

HOOK_EVENT = {"on_train_start": "STARTED", "on_train_epoch_start": "EPOCH_STARTED",
              "on_train_batch_start": "ITERATION_STARTED", "on_train_batch_end": "ITERATION_COMPLETED",
              "on_train_epoch_end": "EPOCH_COMPLETED", "on_train_end": "COMPLETED"}  # fmt: skip


def _callback_raising(hook: str, fail: Once) -> pl.Callback:
    def failing_hook(self: Any, trainer: pl.Trainer, *args: Any) -> None:
        if fail():
            raise fail.error

    return type("Failing", (OnException,), {hook: failing_hook})([])


def reraise(engine: Any, exception: BaseException, trace: list) -> None:
    trace.append(("re-raise", engine.state.iteration))
    raise exception


@pytest.mark.parametrize(
    ("hook", "iteration", "handler"),
    [(hook, 5, "record") for hook in HOOK_EVENT] + [(hook, 5, "none") for hook in HOOK_EVENT]
    + [("on_train_batch_end", 6, "record"), ("on_train_batch_end", 6, "none"), ("on_train_batch_end", 5, "reraise"),
       ("on_train_batch_start", 4, "terminate")],
)  # fmt: skip
def test_a_lightning_callback_exception_is_a_handler_exception(hook: str, iteration: int, handler: str) -> None:
    # Ignite: a handler of the hook's event (the last one registered) raises; bridge: a Lightning callback's hook
    def run(fw: Framework, callback_for: Optional[Callable[[Once], pl.Callback]]) -> tuple:
        error = Boom(hook)
        trace: list[tuple] = []
        engine: Any = None
        if hook in ("on_train_start", "on_train_end"):
            fail = Once(error, lambda: True)
        elif hook in ("on_train_epoch_start", "on_train_epoch_end"):
            fail = Once(error, lambda: engine.state.epoch == 2)
        else:
            fail = Once(error, lambda: engine.state.iteration == iteration)

        def failing_handler(engine: Any) -> None:
            if fail():
                raise fail.error

        callback = callback_for(fail) if callback_for else None
        engine = be.Engine(lambda e, b: b, callbacks=[callback]) if callback else fw.engine(lambda e, b: b)
        record(fw, engine, "trainer", trace, exception_raised=handler == "record")
        if handler == "reraise":
            engine.add_event_handler(fw.events.EXCEPTION_RAISED, reraise, trace)
        elif handler == "terminate":
            engine.add_event_handler(fw.events.EXCEPTION_RAISED, lambda e, exc: e.terminate())
        if callback is None:
            engine.add_event_handler(getattr(fw.events, HOOK_EVENT[hook]), failing_handler)
        raised = run_three_times(engine, [0, 1, 2], trace, max_epochs=3)
        return trace, raised, error, callback

    expected, ignite_raised, *_ = run(framework("ignite"), None)
    trace, raised, error, callback = run(framework("trainer"), lambda fail: _callback_raising(hook, fail))
    assert trace == expected
    assert [type(e) for e in raised] == [type(e) for e in ignite_raised]
    if raised:
        assert raised[0] is error and innermost(error) == ("test_exceptions.py", "failing_hook")
    assert callback.seen == [error]  # Lightning's on_exception, once, handled or not


class _Model(pl.LightningModule):
    """A LightningModule whose ``training_step`` raises ``error`` at batch 1 of epoch 1 (0-based), if given."""

    def __init__(self, error: Optional[Exception]) -> None:
        super().__init__()
        self.net = torch.nn.Linear(2, 1)
        self.error = error

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        if self.error is not None and self.current_epoch == 1 and batch_idx == 1:
            raise self.error
        return self.net(batch).pow(2).mean()

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


@pytest.mark.parametrize("where", ["training_step", "handler"])
def test_exceptions_in_a_plain_trainer_with_engine_callback(tmp_path: Path, where: str) -> None:
    # Lightning's own loop: on_exception fires EXCEPTION_RAISED on .train, and Lightning re-raises the original
    error = Boom(where)
    callback = EngineCallback()
    seen: list[BaseException] = []
    fired: list[tuple] = []
    callback.train.add_event_handler(be.Events.EXCEPTION_RAISED,
                                     lambda e, exc: fired.append((exc, e.state.epoch, e.state.iteration)))  # fmt: skip
    completed: list[int] = []
    callback.train.add_event_handler(be.Events.COMPLETED, lambda: completed.append(1))
    bar = bh.ProgressBar(file=io.StringIO())
    bar.attach(callback.train)
    bars = []
    callback.train.add_event_handler(be.Events.ITERATION_COMPLETED, lambda: bars.append(bar.pbar))

    def failing_handler(engine: Any) -> None:
        if engine.state.iteration == 5:
            raise error

    if where == "handler":
        callback.train.add_event_handler(be.Events.ITERATION_COMPLETED, failing_handler)
    trainer = pl.Trainer(max_epochs=3, callbacks=[callback, OnException(seen)], accelerator="cpu", logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=str(tmp_path))  # fmt: skip
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.ones(12, 2)), batch_size=4,
                                       collate_fn=lambda items: torch.stack([item[0] for item in items]))  # fmt: skip
    with pytest.raises(Boom) as info:
        trainer.fit(_Model(error if where == "training_step" else None), data)
    raised_in = {"training_step": "training_step", "handler": "failing_handler"}[where]
    assert info.value is error and innermost(error) == ("test_exceptions.py", raised_in)
    assert seen == [error] and [f[0] for f in fired] == [error] and completed == []
    assert fired[0][1:] == (2, 5)  # .train's epoch and iteration of the failing batch
    assert bars[-1].disable and bar.pbar is None  # the bar was closed


# ---------------------------------------------------------------------------------------------------
# Nothing half-done: checkpoints, the model's device
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("handled", [True, False], ids=["handled", "unhandled"])
def test_no_checkpoint_of_the_failing_epoch(tmp_path: Path, handled: bool) -> None:
    def files(fw_name: str) -> list[str]:
        fw = framework(fw_name)
        handlers = ih if fw_name == "ignite" else bh
        directory = tmp_path / fw_name
        model = torch.nn.Linear(2, 1)
        fail = Once(Boom("step"), lambda: engine.state.epoch == 2 and engine.state.iteration == 5)

        def step(engine: Any, batch: int) -> int:
            if fail():
                raise fail.error
            return batch

        engine = fw.engine(step)
        if handled:
            engine.add_event_handler(fw.events.EXCEPTION_RAISED, lambda e, exc: None)
        saver = handlers.ModelCheckpoint(
            str(directory), "run", n_saved=None, global_step_transform=lambda e, _: e.state.epoch
        )
        engine.add_event_handler(fw.events.EPOCH_COMPLETED, saver, {"model": model})
        engine.add_event_handler(fw.events.COMPLETED, handlers.ModelCheckpoint(str(directory), "end"), {"model": model})
        try:
            engine.run([0, 1, 2], max_epochs=3)
        except Boom:
            assert not handled
        return sorted(os.listdir(directory))

    expected = files("ignite")
    # handled, Ignite's epoch 2 ends early and gets its EPOCH_COMPLETED; unhandled, nothing after epoch 1
    assert expected == (["end_model_8.pt", "run_model_1.pt", "run_model_2.pt", "run_model_3.pt"] if handled
                        else ["run_model_1.pt"])  # fmt: skip
    for runner in RUNNERS:
        assert files(runner) == expected, runner  # and no temporary file left over


def test_lightning_model_checkpoint_saves_nothing_for_the_failing_epoch(tmp_path: Path) -> None:
    from pytorch_lightning.callbacks import ModelCheckpoint

    fail = Once(Boom("step"), lambda: engine.state.epoch == 2 and engine.state.iteration == 5)

    def step(engine: Any, batch: int) -> int:
        if fail():
            raise fail.error
        return batch

    saver = ModelCheckpoint(dirpath=str(tmp_path), save_top_k=-1, every_n_epochs=1, save_on_train_epoch_end=True)
    engine = be.Engine(step, model=torch.nn.Linear(2, 1), callbacks=[saver],
                       trainer_kwargs={"enable_checkpointing": True, "default_root_dir": str(tmp_path)})  # fmt: skip
    with pytest.raises(Boom):
        engine.run([0, 1, 2], max_epochs=3)
    assert [name.split("-")[0] for name in sorted(os.listdir(tmp_path))] == ["epoch=0"]


@pytest.mark.parametrize("runner", RUNNERS)
def test_the_model_stays_the_users_after_a_failure(runner: str) -> None:
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    parameters = list(model.parameters())
    fail = Once(Boom("step"), lambda: engine.state.iteration == 3)

    def step(engine: Any, batch: torch.Tensor) -> float:
        optimizer.zero_grad()
        loss = model(batch).pow(2).mean()
        loss.backward()
        optimizer.step()
        if fail():
            raise fail.error
        return loss.item()

    engine = be.Engine(step, model=model, optimizers=optimizer, runner=runner)
    with pytest.raises(Boom):
        engine.run([torch.ones(4, 3)] * 4, max_epochs=2)
    assert all(a is b for a, b in zip(model.parameters(), parameters, strict=True))
    assert optimizer.param_groups[0]["params"] == parameters
    assert {p.device.type for p in model.parameters()} == {"cpu"}
    assert {v.device.type for s in optimizer.state.values() for k, v in s.items() if k != "step"} == {"cpu"}
    assert "forward" not in vars(model)  # Fabric's forward wrapper is gone


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("runner", RUNNERS)
def test_a_model_moved_to_the_gpu_comes_back_after_a_failure(runner: str) -> None:
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    parameters = list(model.parameters())
    fail = Once(Boom("step"), lambda: engine.state.iteration == 3)

    def step(engine: Any, batch: torch.Tensor) -> float:
        assert next(model.parameters()).device.type == "cuda"  # Lightning moved it for the run
        optimizer.zero_grad()
        loss = model(batch.to("cuda")).pow(2).mean()
        loss.backward()
        optimizer.step()
        if fail():
            raise fail.error
        return loss.item()

    engine = be.Engine(step, model=model, optimizers=optimizer, runner=runner,
                       trainer_kwargs={"accelerator": "gpu", "devices": 1})  # fmt: skip
    with pytest.raises(Boom):
        engine.run([torch.ones(4, 3)] * 4, max_epochs=2)
    assert all(a is b for a, b in zip(model.parameters(), parameters, strict=True))
    assert {p.device.type for p in model.parameters()} == {"cpu"}
    assert {v.device.type for s in optimizer.state.values() for k, v in s.items() if k != "step"} == {"cpu"}


# ---------------------------------------------------------------------------------------------------
# KeyboardInterrupt: an exception of the run as in Ignite, resumable, no sys.exit, bars closed
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("handler", ["none", "record", "terminate", "interrupt"])
@pytest.mark.parametrize("how", ["raise", "SIGINT"])
def test_keyboard_interrupt_is_ignites(how: str, handler: str) -> None:
    def run(fw: Framework) -> tuple[list[Any], list[BaseException], Any]:
        trace: list[Any] = []
        interrupt = KeyboardInterrupt("stop")
        done: list[int] = []

        def step(engine: Any, batch: int) -> int:
            if engine.state.iteration == 5 and not done:
                done.append(1)
                if how == "raise":
                    raise interrupt
                os.kill(os.getpid(), signal.SIGINT)  # a real Ctrl-C: the handler raises right here
                trace.append("not reached")
            return batch

        engine = fw.engine(step)
        record(fw, engine, "trainer", trace, exception_raised=handler == "record")
        if handler in ("terminate", "interrupt"):
            engine.add_event_handler(fw.events.EXCEPTION_RAISED, lambda e, exc: getattr(e, handler)())
        bar = (ih if fw.name == "ignite" else bh).ProgressBar(file=io.StringIO())
        bar.attach(engine)
        bars = []  # the bar of the interrupted epoch
        engine.add_event_handler(fw.events.ITERATION_STARTED(once=5), lambda: bars.append(bar.pbar))
        closed = []  # whether it was closed when the run ended
        raised = run_three_times(engine, [0, 1, 2], trace, probe=lambda: closed.append(bars[0].disable), max_epochs=3)
        return trace, raised, closed[0]

    expected, ignite_raised, ignite_bar_closed = run(framework("ignite"))
    assert [type(e) for e in ignite_raised] == ([KeyboardInterrupt] if handler == "none" else [])
    assert "not reached" not in expected and not ignite_bar_closed  # Ignite leaves the bar open
    for runner in RUNNERS:
        fw = framework(runner)
        trace, raised, bar_closed = run(fw)
        assert trace == expected, runner  # the third run resumed, as Ignite's
        assert [type(e) for e in raised] == [type(e) for e in ignite_raised]  # not Lightning's SystemExit
        if how == "raise" and raised:
            assert innermost(raised[0]) == ("test_exceptions.py", "step")
        if runner == "trainer":  # Lightning's on_exception once, with a stand-in (Lightning exits on KeyboardInterrupt)
            assert len(fw.exceptions_seen) == (1 if handler == "none" else 0)
            assert all(e.__cause__ is raised[0] for e in fw.exceptions_seen)  # the KeyboardInterrupt run() raised
            assert not any(isinstance(e, KeyboardInterrupt) for e in fw.exceptions_seen)
        assert bar_closed  # the interrupted epoch's bar was closed when the run ended
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class CtrlCAtThirdBatchStart(pl.LightningModule):
    """Automatic optimization; a Ctrl-C arrives in its own ``on_train_batch_start`` (Lightning's code, between phases)."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)
        self.steps = 0

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        if batch_idx == 2 and self.steps == 2:
            os.kill(os.getpid(), signal.SIGINT)

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        self.steps += 1
        return self.layer(batch).pow(2).mean()

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_a_ctrl_c_in_a_driven_modules_hook_lands_at_its_step() -> None:
    # create_lightning_trainer: the deferred KeyboardInterrupt goes into the loop where the step
    # would run, so neither training_step nor Lightning's backward and optimizer step run for it
    from bridge.lightning import create_lightning_trainer

    module = CtrlCAtThirdBatchStart()
    engine = create_lightning_trainer(module)
    with pytest.raises(KeyboardInterrupt):
        engine.run([torch.ones(4, 2)] * 4, max_epochs=1)
    assert (engine.state.iteration, module.steps) == (3, 2)
    assert [getattr(engine.state, event.value) for event in be.BackpropEvents] == [2, 2, 2, 2]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("runner", RUNNERS)
def test_keyboard_interrupt_in_a_nested_evaluator_leaves_both_runs(runner: str) -> None:
    interrupt = KeyboardInterrupt()

    def evaluator_step(engine: Any, batch: int) -> int:
        if batch == 6:
            raise interrupt
        return batch

    fw = framework(runner)
    evaluator = fw.engine(evaluator_step)
    trainer = fw.engine(lambda e, b: b)
    trainer.add_event_handler(be.Events.EPOCH_COMPLETED, lambda: evaluator.run([5, 6]))
    with pytest.raises(KeyboardInterrupt) as info:
        trainer.run([0, 1], max_epochs=2)
    assert info.value is interrupt and innermost(interrupt) == ("test_exceptions.py", "evaluator_step")
    assert (trainer.state.epoch, trainer.state.iteration, evaluator.state.iteration) == (1, 2, 2)
    if runner == "trainer":  # each pl.Trainer's on_exception once: the evaluator's, then the trainer's
        assert len(fw.exceptions_seen) == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# ---------------------------------------------------------------------------------------------------
# DataLoader workers: several runs, failures, Ctrl-C; a hang ends the test process (hang_guard)
# ---------------------------------------------------------------------------------------------------


@contextmanager
def hang_guard(seconds: float) -> Iterator[None]:
    """A block that hangs (a deadlock with DataLoader workers) dumps every thread's stack and exits the process."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


class Numbers(torch.utils.data.Dataset):
    """0..11; while the file ``fail`` exists, fetching item 5 raises (once: that fetch removes it), in any process."""

    def __init__(self, fail: Path) -> None:
        self.fail = fail

    def __len__(self) -> int:
        return 12

    def __getitem__(self, i: int) -> int:
        if i == 5 and self.fail.exists():
            self.fail.unlink()
            raise ValueError("bad item 5")
        return i


def dataloader_trace(fw: Framework, data: Any, case: str, fail: Path) -> list[Any]:
    """Four runs of one engine over ``data``: ``case`` is "runs", "handled"/"unhandled" (item 5 fails in epoch 2
    of the first run) or "sigint" (a Ctrl-C at iteration 4, with batches in flight in the workers)."""
    trace: list[Any] = []

    def step(engine: Any, batch: torch.Tensor) -> list[int]:
        if case == "sigint" and engine.state.iteration == 4 and "Ctrl-C" not in trace:
            trace.append("Ctrl-C")
            os.kill(os.getpid(), signal.SIGINT)
        return batch.tolist()

    engine = fw.engine(step)
    for name in ("STARTED", "EPOCH_STARTED", "ITERATION_COMPLETED", "EPOCH_COMPLETED", "COMPLETED"):
        engine.add_event_handler(getattr(fw.events, name),
                                 lambda e, name=name: trace.append((name, e.state.epoch, e.state.output)))  # fmt: skip

    def arm(engine: Any) -> None:  # in the first run only
        if engine.state.epoch == 2 and "armed" not in trace:
            trace.append("armed")
            fail.touch()

    if case in ("handled", "unhandled"):
        engine.add_event_handler(fw.events.EPOCH_STARTED, arm)
    if case == "handled":
        engine.add_event_handler(fw.events.EXCEPTION_RAISED, lambda e, exc: trace.append(("EXC", type(exc).__name__)))
    for _ in range(4):
        try:
            state = engine.run(data, max_epochs=2)
            trace.append(("run", None if state is None else (state.epoch, state.iteration)))
        except BaseException as e:  # noqa: B036 (KeyboardInterrupt too)
            trace.append(("raised", type(e).__name__))
    # A failed run leaves its engine to the garbage collector (as Ignite's does: reference cycles through the
    # traceback), and torch's shutdown of persistent workers collected that way waits 5 s per worker: end them now.
    iterator = getattr(data, "_iterator", None)
    if iterator is not None:
        iterator._shutdown_workers()
    return trace


@pytest.mark.parametrize("case", ["runs", "handled", "unhandled", "sigint"])
def test_dataloader_workers_across_runs_failures_and_ctrl_c_match_ignite(case: str, tmp_path: Path) -> None:
    def loader(workers: int) -> torch.utils.data.DataLoader:
        options: dict[str, Any] = {"num_workers": workers, "persistent_workers": True} if workers else {}
        return torch.utils.data.DataLoader(Numbers(tmp_path / "fail"), batch_size=2, **options)

    expected = dataloader_trace(framework("ignite"), loader(0), case, tmp_path / "fail")
    outcomes = {"runs": [("run", (2, 12))] * 4, "handled": [("run", (2, 8))] + [("run", (2, 12))] * 3,
                "unhandled": [("raised", "ValueError"), ("run", None), ("run", (2, 12)), ("run", (2, 12))],
                "sigint": [("raised", "KeyboardInterrupt"), ("run", None), ("run", (2, 6)), ("run", (2, 12))]}  # fmt: skip
    assert [entry for entry in expected if entry[0] in ("run", "raised")] == outcomes[case]
    with hang_guard(60):
        for runner in RUNNERS:
            for workers in (0, 2):
                # with workers, the failing item's ValueError is torch's copy (same type), raised in the main process
                trace = dataloader_trace(framework(runner), loader(workers), case, tmp_path / "fail")
                assert trace == expected, (runner, workers)


class Slow(torch.utils.data.Dataset):
    """0..7, each item taking 5 ms."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> int:
        time.sleep(0.005)
        return i


@pytest.mark.parametrize("runner", RUNNERS)
def test_a_slow_dataloader_with_persistent_workers_across_runs(runner: str) -> None:
    # three runs of one engine over one persistent-workers DataLoader give num_workers=0's batches
    def batches(workers: int) -> list[list[int]]:
        options: dict[str, Any] = {"num_workers": workers, "persistent_workers": True} if workers else {}
        loader: torch.utils.data.DataLoader = torch.utils.data.DataLoader(Slow(), batch_size=2, **options)
        seen: list[list[int]] = []
        engine = be.Engine(lambda e, b: seen.append(b.tolist()), runner=runner)
        for _ in range(3):
            engine.run(loader, max_epochs=2)
        return seen

    with hang_guard(60):
        assert batches(2) == batches(0) == [[0, 1], [2, 3], [4, 5], [6, 7]] * 6

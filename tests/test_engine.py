"""The Engine facade: runs inside a pl.Trainer, Lightning callbacks alongside handlers, errors.

Ignite's event semantics are checked against pytorch-ignite in test_differential.py; this
file covers what only bridge has (the Trainer underneath) and bridge's own guarantees.
"""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
import pytorch_lightning as pl
import torch

from bridge.engine import Engine, EventEnum, Events, State
from bridge.lightning.runner import HOOK_TO_PHASE


class HookRecorder(pl.Callback):
    """A plain Lightning callback that records the fit-loop hooks it sees into a shared trace."""

    def __init__(self, trace: list[str]) -> None:
        self.trace = trace

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.trace.append("pl:on_train_start")

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.trace.append("pl:on_train_epoch_start")

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: Any, batch: Any, batch_idx: int) -> None:
        self.trace.append(f"pl:on_train_batch_start({batch})")

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.trace.append(f"pl:on_train_batch_end({outputs})")

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.trace.append("pl:on_train_epoch_end")

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.trace.append("pl:on_train_end")

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self.trace.append(f"pl:on_exception({type(exception).__name__})")


def record_all_events(engine: Engine, trace: list[str]) -> None:
    for event in Events:
        engine.add_event_handler(event, lambda *args, name=event.name: trace.append(name))


def test_run_executes_inside_a_lightning_trainer_with_user_callbacks_interleaved() -> None:
    trace: list[str] = []

    def step(engine: Engine, batch: int) -> torch.Tensor:
        trainer = engine.lightning_trainer
        trace.append(f"step({batch}) training={trainer.training} epoch={trainer.current_epoch}")
        return torch.tensor(float(batch))

    engine = Engine(step, callbacks=[HookRecorder(trace)])
    for event in (Events.STARTED, Events.EPOCH_STARTED, Events.ITERATION_STARTED, Events.ITERATION_COMPLETED,
                  Events.EPOCH_COMPLETED, Events.COMPLETED):
        engine.add_event_handler(event, lambda engine, name=event.name: trace.append(name))
    engine.run([1, 2], max_epochs=2)

    assert isinstance(engine.lightning_trainer, pl.Trainer)
    assert any(isinstance(cb, HookRecorder) for cb in engine.lightning_trainer.callbacks)
    epoch = [
        "EPOCH_STARTED", "pl:on_train_epoch_start",
        "ITERATION_STARTED", "pl:on_train_batch_start(1)", "step(1) training=True epoch={e}",
        "ITERATION_COMPLETED", "pl:on_train_batch_end({{'loss': tensor(1.)}})",
        "ITERATION_STARTED", "pl:on_train_batch_start(2)", "step(2) training=True epoch={e}",
        "ITERATION_COMPLETED", "pl:on_train_batch_end({{'loss': tensor(2.)}})",
        "EPOCH_COMPLETED", "pl:on_train_epoch_end",
    ]  # fmt: skip
    expected = ["STARTED", "pl:on_train_start"]
    expected += [line.format(e=0) for line in epoch] + [line.format(e=1) for line in epoch]
    expected += ["COMPLETED", "pl:on_train_end"]
    assert trace == expected


def test_hook_table_covers_the_fit_loop_in_order() -> None:
    phases = list(HOOK_TO_PHASE.values())
    assert phases == sorted(phases) and len(set(phases)) == len(phases)
    assert list(HOOK_TO_PHASE) == [
        "on_train_start", "on_train_epoch_start", "train_dataloader.__next__", "on_train_batch_start",
        "training_step", "on_train_batch_end", "on_train_epoch_end", "on_train_end",
    ]  # fmt: skip


def test_run_is_quiet_and_writes_no_files(tmp_path: Any, capfd: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    engine = Engine(lambda e, b: b)
    evaluator = Engine(lambda e, b: b)
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run([1, 2]))
    engine.run(range(5), max_epochs=2)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert os.listdir(tmp_path) == []


def test_lightning_options_reach_the_trainer(tmp_path: Any) -> None:
    from pytorch_lightning.loggers import CSVLogger

    logger = CSVLogger(str(tmp_path), name="run")
    options = {"logger": logger, "default_root_dir": str(tmp_path), "log_every_n_steps": 1}
    engine = Engine(lambda e, b: b, trainer_kwargs=options)
    engine.run([1, 2, 3])
    assert engine.lightning_trainer.logger is logger
    assert engine.lightning_trainer.default_root_dir == str(tmp_path)


class _CtrlCAt(pl.Callback):
    """Presses Ctrl-C (a real SIGINT) in Lightning's code, after the loop's second iteration."""

    def on_train_batch_end(self, trainer: pl.Trainer, *args: Any) -> None:
        if trainer.global_step == 2:
            signal.raise_signal(signal.SIGINT)


def _ctrl_c_in_a_handler(engine: Any) -> None:
    if engine.state.iteration == 2:
        signal.raise_signal(signal.SIGINT)


@pytest.mark.parametrize("where", ["in a handler", "in Lightning's code"])
def test_ctrl_c_is_a_keyboard_interrupt_of_the_run_wherever_it_lands(where: str) -> None:
    # Ignite: a Ctrl-C during run() goes to EXCEPTION_RAISED handlers, or propagates as KeyboardInterrupt
    def run(engine_cls: Any, events: Any, handle: bool, **kwargs: Any) -> list[Any]:
        engine = engine_cls(lambda e, b: b, **kwargs)
        seen: list[Any] = []
        if where == "in a handler":
            engine.add_event_handler(events.ITERATION_COMPLETED, _ctrl_c_in_a_handler)
        if handle:
            engine.add_event_handler(events.EXCEPTION_RAISED, lambda e, exc: seen.append(type(exc).__name__))
        try:
            state = engine.run(range(5), max_epochs=2)
            seen.append(("returned", state.iteration))
        except KeyboardInterrupt:
            seen.append("raised KeyboardInterrupt")
        return seen

    callbacks = [_CtrlCAt()] if where == "in Lightning's code" else []
    for handle in (True, False):
        ours = run(Engine, Events, handle, callbacks=callbacks)
        assert ours == (["KeyboardInterrupt", ("returned", 2)] if handle else ["raised KeyboardInterrupt"])
        if where == "in a handler":
            import ignite.engine

            assert ours == run(ignite.engine.Engine, ignite.engine.Events, handle)
    # bridge's SIGINT handler is for the run only
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("key", ["max_epochs", "max_steps", "limit_train_batches", "callbacks"])
def test_trainer_kwargs_owned_by_run_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match=rf"trainer_kwargs\['{key}'\] is not allowed: Engine.run controls it"):
        Engine(lambda e, b: b, trainer_kwargs={key: 1})


def test_unknown_trainer_option_is_lightnings_error() -> None:
    engine = Engine(lambda e, b: b, trainer_kwargs={"no_such_option": 1})
    with pytest.raises(TypeError, match="no_such_option"):
        engine.run([1])


def test_lightning_callback_stopping_the_trainer_terminates_the_engine() -> None:
    class StopAtSecondBatch(pl.Callback):
        def on_train_batch_end(self, trainer: pl.Trainer, *args: Any) -> None:
            if trainer.current_epoch == 0 and args[-1] == 1:
                trainer.should_stop = True

    trace: list[str] = []
    engine = Engine(lambda e, b: b, callbacks=[StopAtSecondBatch()])
    record_all_events(engine, trace)
    state = engine.run(range(5), max_epochs=3)
    assert state.iteration == 2 and state.epoch == 1
    assert trace[-4:] == ["ITERATION_STARTED", "ITERATION_COMPLETED", "TERMINATE", "COMPLETED"]
    assert "EPOCH_COMPLETED" not in trace


def test_engine_terminate_stops_the_trainer_cleanly() -> None:
    trace: list[str] = []
    engine = Engine(lambda e, b: b, callbacks=[HookRecorder(trace)])
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.terminate())
    engine.run(range(10), max_epochs=4)
    assert engine.state.iteration == 3
    assert engine.lightning_trainer.should_stop
    assert engine.lightning_trainer.state.status == "finished"
    assert trace[-2:] == ["pl:on_train_epoch_end", "pl:on_train_end"]


def test_exception_in_a_lightning_callback_goes_to_exception_raised() -> None:
    class Broken(pl.Callback):
        def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
            raise RuntimeError("callback failed")

    caught: list[BaseException] = []
    engine = Engine(lambda e, b: b, callbacks=[Broken()])
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda e, exc: caught.append(exc))
    engine.run([1, 2], max_epochs=3)
    assert [str(e) for e in caught] == ["callback failed"]
    assert engine.state.epoch == 1

    # without a handler it is raised out of run, and Lightning's on_exception saw it
    trace: list[str] = []
    engine = Engine(lambda e, b: b, callbacks=[Broken(), HookRecorder(trace)])
    with pytest.raises(RuntimeError, match="callback failed"):
        engine.run([1, 2], max_epochs=3)
    assert trace[-1] == "pl:on_exception(RuntimeError)"


def test_exception_in_process_function_reaches_lightning_on_exception_and_the_caller() -> None:
    trace: list[str] = []

    def step(engine: Engine, batch: int) -> int:
        if batch == 2:
            raise ZeroDivisionError("bad batch")
        return batch

    engine = Engine(step, callbacks=[HookRecorder(trace)])
    with pytest.raises(ZeroDivisionError, match="bad batch"):
        engine.run([1, 2, 3])
    assert trace[-1] == "pl:on_exception(ZeroDivisionError)"
    assert engine.lightning_trainer.state.status == "interrupted"


def test_keyboard_interrupt_is_raised_as_is_not_lightnings_sys_exit() -> None:
    def step(engine: Engine, batch: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Engine(step).run([1, 2])


def test_keyboard_interrupt_handled_by_exception_raised_ends_the_run() -> None:
    def step(engine: Engine, batch: int) -> int:
        if engine.state.iteration == 3:
            raise KeyboardInterrupt
        return batch

    engine = Engine(step)
    seen: list[str] = []
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda e, exc: seen.append(type(exc).__name__))
    completed: list[int] = []
    engine.add_event_handler(Events.COMPLETED, lambda: completed.append(1))
    state = engine.run(range(10), max_epochs=2)
    assert seen == ["KeyboardInterrupt"] and state.iteration == 3 and completed == []


@pytest.mark.parametrize(
    "output",
    [0.5, (1, "a"), {"loss": 0.25, "y": [1]}, {"loss": torch.tensor(2.0, requires_grad=True)}, {"loss": None}, None,
     "text"],  # fmt: skip
    ids=["float", "tuple", "dict-float-loss", "dict-tensor-loss", "dict-none-loss", "none", "str"],
)
def test_any_process_function_output_is_kept_as_is(output: Any) -> None:
    state = Engine(lambda e, b: output).run([0])
    assert state.output is output


def test_data_none_passes_none_batches() -> None:
    batches: list[Any] = []
    engine = Engine(lambda e, b: batches.append(b))
    events: list[str] = []
    record_all_events(engine, events)
    engine.run(epoch_length=3, max_epochs=2)
    assert batches == [None] * 6
    assert "GET_BATCH_STARTED" not in events and "DATALOADER_STOP_ITERATION" not in events


def test_interrupt_resumes_in_a_new_trainer() -> None:
    engine = Engine(lambda e, b: b)
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=4), lambda e: e.interrupt())
    outputs: list[int] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    completed: list[int] = []
    engine.add_event_handler(Events.COMPLETED, lambda e: completed.append(e.state.iteration))
    trainers = []
    while not completed:
        engine.run(range(6), max_epochs=2)
        trainers.append(engine.lightning_trainer)
    assert outputs == [0, 1, 2, 3, 4, 5] * 2 and completed == [12]
    # interrupted at iterations 4, 8 and 12 (before that epoch's EPOCH_COMPLETED): four runs, four Trainers
    assert len(trainers) == 4 and len({id(t) for t in trainers}) == 4


def test_nested_evaluator_keeps_the_outer_trainer() -> None:
    evaluator = Engine(lambda e, b: b * 10)
    trainer = Engine(lambda e, b: b)
    seen: list[tuple[int, Any, bool]] = []

    @trainer.on(Events.EPOCH_COMPLETED)
    def evaluate(engine: Engine) -> None:
        outer = engine.lightning_trainer
        evaluator.run([1, 2, 3])
        seen.append((evaluator.state.output, evaluator.lightning_trainer is not outer, engine.lightning_trainer is outer))
        engine.state.metrics["val"] = evaluator.state.output

    state = trainer.run([1, 2], max_epochs=3)
    assert seen == [(30, True, True)] * 3
    assert state.metrics == {"val": 30} and state.epoch == 3 and state.iteration == 6


def test_subclass_pattern_of_ignite_clients() -> None:
    class CustomEvents(EventEnum):
        STEP_DONE = "step_done"

    class MyEngine(Engine):
        def __init__(self) -> None:
            super().__init__(self._step)
            self.register_events(*CustomEvents)
            self.state = State(alpha=0.5, seen=[])

        def _step(self, engine: Engine, batch: int) -> float:
            self.fire_event(CustomEvents.STEP_DONE)
            return batch * self.state.alpha

        def run(self, data: Any, **kwargs: Any) -> State:  # type: ignore[override]
            self.state.seen.append("run")
            return super().run(data, **kwargs)

    engine = MyEngine()
    fired: list[int] = []
    engine.add_event_handler(CustomEvents.STEP_DONE, lambda e: fired.append(e.state.iteration))
    state = engine.run([2, 4], max_epochs=2)
    assert state.output == 2.0 and state.alpha == 0.5 and state.seen == ["run"]
    assert fired == [1, 2, 3, 4]


def test_lightning_precision_plugin_applies_to_the_process_function() -> None:
    dtypes: list[torch.dtype] = []
    weight = torch.randn(4, 4)

    def step(engine: Engine, batch: torch.Tensor) -> None:
        dtypes.append((batch @ weight).dtype)

    Engine(step, trainer_kwargs={"precision": "bf16-mixed"}).run([torch.randn(2, 4)])
    assert dtypes == [torch.bfloat16]


# ----------------------------------------------------------------- bad input


def test_handler_with_wrong_signature_is_refused_at_registration() -> None:
    engine = Engine(lambda e, b: b)
    with pytest.raises(ValueError, match=r"Error adding .* 'handler': takes parameters \['a', 'b', 'c'\]"):
        engine.add_event_handler(Events.STARTED, lambda a, b, c: None)
    with pytest.raises(ValueError, match="takes parameters"):
        engine.add_event_handler(Events.EXCEPTION_RAISED, lambda: None)


def test_process_function_with_wrong_signature_is_refused() -> None:
    with pytest.raises(ValueError, match="'process_function': takes parameters"):
        Engine(lambda batch: batch)
    with pytest.raises(ValueError, match="Engine must be given a processing function"):
        Engine(None)  # type: ignore[arg-type]


def test_unknown_event_is_refused() -> None:
    engine = Engine(lambda e, b: b)
    with pytest.raises(ValueError, match="is not a valid event for this Engine"):
        engine.add_event_handler("no_such_event", lambda: None)
    with pytest.raises(ValueError, match="is not a valid event for this Engine"):
        engine.fire_event("no_such_event")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"every": 2, "once": 3}, "Only one of the input arguments should be specified"),
        ({"every": 0}, "Argument every should be integer and greater than zero"),
        ({"once": -1}, "Argument once should"),
    ],
)
def test_bad_filters_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Events.ITERATION_COMPLETED(**kwargs)


def test_max_epochs_below_the_state_epoch_is_refused() -> None:
    engine = Engine(lambda e, b: b)
    engine.add_event_handler(Events.EPOCH_COMPLETED(once=3), lambda e: e.terminate())
    engine.run([1, 2], max_epochs=5)
    with pytest.raises(ValueError, match="Argument max_epochs should be greater than or equal to the start epoch"):
        engine.run([1, 2], max_epochs=2)


@pytest.mark.parametrize(
    "data, kwargs, error, message",
    [
        ([], {}, ValueError, "Input data has zero size"),
        (None, {}, ValueError, "epoch_length should be provided if data is None"),
        (42, {}, TypeError, "Argument data should be iterable"),
        ([1], {"max_epochs": 2, "max_iters": 3}, ValueError, "mutually exclusive"),
        ([1], {"max_epochs": 0}, ValueError, "Argument max_epochs is invalid"),
        ([1], {"epoch_length": 0}, ValueError, "Input data has zero size"),
    ],
    ids=["empty", "none-without-length", "not-iterable", "both-limits", "zero-epochs",
         "zero-epoch-length"],
)  # fmt: skip
def test_bad_run_arguments_are_refused(data: Any, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Engine(lambda e, b: b).run(data, **kwargs)


def test_iterator_without_length_runs_one_epoch_and_learns_its_length() -> None:
    state = Engine(lambda e, b: b).run(iter(range(7)))
    assert (state.epoch_length, state.iteration, state.output) == (7, 7, 6)
    state = Engine(lambda e, b: b).run(iter(range(100)), epoch_length=10, max_epochs=3)
    assert (state.iteration, state.output) == (30, 29)


def test_a_model_left_in_eval_mode_by_an_evaluator_does_not_make_lightning_warn(recwarn: Any) -> None:
    model = torch.nn.Linear(2, 1).eval()
    Engine(lambda e, b: model.train(), model=model).run([torch.ones(1, 2)])
    assert [str(w.message) for w in recwarn] == []


def test_external_callback_factories_are_loaded_only_when_installed(monkeypatch: Any) -> None:
    from pytorch_lightning.trainer.connectors import callback_connector

    import bridge.lightning.run_setup as runner

    class FromFactory(pl.Callback):
        pass

    calls: list[str] = []

    def load(group: str) -> list:
        calls.append(group)
        return [FromFactory()]

    monkeypatch.setattr(callback_connector, "_load_external_callbacks", load)
    group = "pytorch_lightning.callbacks_factory"
    monkeypatch.setitem(runner._has_callback_factories, group, True)  # a package registers a factory
    engine = Engine(lambda e, b: b)
    engine.run([1])
    assert calls == ["pytorch_lightning.callbacks_factory"]
    assert any(isinstance(cb, FromFactory) for cb in engine.lightning_trainer.callbacks)

    monkeypatch.setitem(runner._has_callback_factories, group, False)  # none installed: no scan per Trainer
    engine.run([1])
    assert calls == ["pytorch_lightning.callbacks_factory"]
    assert not any(isinstance(cb, FromFactory) for cb in engine.lightning_trainer.callbacks)
    assert callback_connector._load_external_callbacks is load  # put back after the Trainer is built


def test_the_trainer_environment_defaults_are_read_only_when_one_is_set(monkeypatch: Any) -> None:
    import pytorch_lightning.utilities.argparse as lightning_argparse

    parse = lightning_argparse._parse_env_variables
    calls: list[type] = []

    def counted(cls: type, *args: Any) -> Any:
        calls.append(cls)
        return parse(cls, *args)

    monkeypatch.setattr(lightning_argparse, "_parse_env_variables", counted)
    for name in [name for name in os.environ if name.startswith("PL_TRAINER_")]:
        monkeypatch.delenv(name)
    engine = Engine(lambda e, b: b)
    engine.run([1])
    assert calls == []  # none set: no scan of the Trainer's signature and the environment per run
    assert lightning_argparse._parse_env_variables is counted  # put back after the Trainer is built

    monkeypatch.setenv("PL_TRAINER_LOG_EVERY_N_STEPS", "7")  # one set: Lightning reads them as usual
    engine.run([1])
    assert calls == [pl.Trainer]
    assert engine.lightning_trainer.log_every_n_steps == 7


def test_handler_registry_keeps_ignites_access_by_event_and_by_name() -> None:
    # bridge keys _event_handlers by the events' names (a str hashes without a Python call); Ignite's
    # events hash and compare by name, so what Ignite clients and profilers do with it still works
    class Custom(EventEnum):
        PING = "ping"

    engine = Engine(lambda e, b: e.fire_event(Custom.PING) or e.fire_event("pong"))
    engine.register_events(*Custom)
    engine.register_events("pong")
    log: list[str] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), lambda: log.append("every 2"))
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda: log.append("each"))
    engine.add_event_handler(Custom.PING, lambda: log.append("ping"))
    engine.add_event_handler("pong", lambda: log.append("pong"))
    # Ignite's BasicTimeProfiler puts its handler first, in place, in the list found by the event
    engine._event_handlers[Events.ITERATION_COMPLETED].insert(0, (lambda: log.append("first"), False, (), {}))
    assert Events.ITERATION_COMPLETED in engine._event_handlers and "ITERATION_COMPLETED" in engine._event_handlers
    assert engine._event_handlers[Custom.PING] is engine._event_handlers["PING"]
    assert engine.has_event_handler(engine._event_handlers["pong"][0][0], "pong")
    engine.run([0, 0], max_epochs=1)
    assert log == ["ping", "pong", "first", "each", "ping", "pong", "first", "every 2", "each"]


def _quiet_run_trace(engine_cls: Any, events: Any, spy: bool, **kwargs: Any) -> list[str]:
    """What a run shows of its events when few have handlers: the process function's
    ``last_event_name``, a handler added mid-epoch, and (``spy``) each call of ``_fire_event``."""
    log: list[str] = []
    engine = engine_cls(lambda e, b: log.append(f"step sees {e.last_event_name.name}"), **kwargs)
    if spy:
        fire = engine._fire_event

        def spied(event: Any, *args: Any, **kw: Any) -> None:
            log.append(f"fire {getattr(event, 'name', event)}")
            fire(event, *args, **kw)

        engine._fire_event = spied

    def add_late(e: Any) -> None:
        if e.state.iteration == 2:  # in the middle of the first epoch: from the next event on
            e.add_event_handler(events.ITERATION_STARTED, lambda e: log.append(f"late at {e.state.iteration}"))

    engine.add_event_handler(events.ITERATION_COMPLETED, add_late)
    engine.run([0, 0, 0], max_epochs=2)
    return log


@pytest.mark.parametrize("spy", [False, True])
@pytest.mark.parametrize("runner", ["trainer", "fabric"])
def test_events_without_handlers_are_recorded_and_a_replaced_fire_event_sees_each(runner: str, spy: bool) -> None:
    # the loop records an event nothing handles without calling _fire_event; what Ignite's loop shows
    import ignite.engine

    ours = _quiet_run_trace(Engine, Events, spy, runner=runner)
    assert ours == _quiet_run_trace(ignite.engine.Engine, ignite.engine.Events, spy)
    assert ours.count("step sees ITERATION_STARTED") == 6 and "late at 3" in ours
    assert ("fire GET_BATCH_STARTED" in ours) is spy


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")
def test_a_run_has_lightnings_sigterm_handler_and_restores_only_what_lightning_set() -> None:
    def user_handler(signum: int, frame: Any) -> None:
        """A handler the user installed before the run."""

    def set_in_the_run(signum: int, frame: Any) -> None:
        """A handler the process function installs."""

    during: dict[str, Any] = {}

    def step(engine: Engine, batch: Any) -> None:
        during["SIGTERM"] = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGUSR2, set_in_the_run)

    touched = (signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2)
    before = {signum: signal.getsignal(signum) for signum in touched}
    try:
        signal.signal(signal.SIGTERM, user_handler)
        signal.signal(signal.SIGUSR1, user_handler)
        Engine(step).run([0])
        # Lightning's fit notifies of SIGTERM (calling the user's handler too), then gives theirs back
        assert type(during["SIGTERM"]).__name__ == "_HandlersCompose" and user_handler in during["SIGTERM"].signal_handlers
        assert signal.getsignal(signal.SIGTERM) is user_handler and signal.getsignal(signal.SIGUSR1) is user_handler
        # what the run's own code set stays set, as after an Ignite run: only Lightning's signals are restored
        assert signal.getsignal(signal.SIGUSR2) is set_in_the_run
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_lightnings_srun_check_runs_at_the_first_run_of_the_process_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import bridge.lightning.run_setup as run_setup

    monkeypatch.setattr(run_setup, "_srun_checked", False)  # as in a new process
    for name in [name for name in os.environ if name.startswith("SLURM_")]:
        monkeypatch.delenv(name)
    looked_up: list[str] = []

    def which(command: str, *args: Any, **kwargs: Any) -> str | None:
        looked_up.append(command)
        return "/usr/bin/srun" if command == "srun" else None

    monkeypatch.setattr(shutil, "which", which)
    with pytest.warns(UserWarning, match="The `srun` command is available on your system but is not used"):
        Engine(lambda e, b: b).run([0])
    assert looked_up.count("srun") == 2  # Lightning's checks, as it makes them
    Engine(lambda e, b: b).run([0])
    assert looked_up.count("srun") == 2  # not again in this process


def test_lightnings_info_logs_are_off_during_a_run_and_back_after() -> None:
    import logging

    # a child with no level of its own (Lightning's may have one set): it inherits the parent's
    parent, child = logging.getLogger("pytorch_lightning"), logging.getLogger("pytorch_lightning.bridge_test")
    level = parent.level
    parent.setLevel(logging.INFO)
    try:
        assert child.isEnabledFor(logging.INFO)  # cached now: the run must clear the cache both ways
        during: list[bool] = []
        Engine(lambda e, b: during.append(child.isEnabledFor(logging.INFO))).run([0, 1])
        assert during == [False, False] and parent.level == logging.INFO and child.isEnabledFor(logging.INFO)
    finally:
        parent.setLevel(level)

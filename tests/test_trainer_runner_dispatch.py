"""The Trainer runner's per-iteration hooks: when bridge's run callback is the Trainer's only
callback, the module's hooks dispatch for it (one profiled Lightning hook call less each), and
nothing a user sees changes: the same events, in the same order around the module's own hooks."""

from __future__ import annotations

from typing import Any

import pytest
import pytorch_lightning as pl
import torch

from bridge.engine import BackpropEvents, Engine, Events
from bridge.lightning import create_lightning_trainer

PER_ITERATION = ("on_train_batch_start", "on_train_batch_end", "on_before_backward", "on_after_backward",
                 "on_before_optimizer_step")  # fmt: skip
DATA = [(torch.ones(2, 1), torch.zeros(2, 1))] * 3


class Plain(pl.LightningModule):
    """Overrides none of the per-iteration hooks: Lightning's own do nothing."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)
        self.trace = log

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        self.trace.append("training_step")
        return torch.nn.functional.mse_loss(self.layer(batch[0]), batch[1])

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.1)


class Traced(Plain):
    """Plain, plus its own per-iteration hooks writing to ``log``."""

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        self.trace.append("module.on_train_batch_start")

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.trace.append("module.on_train_batch_end")

    def on_before_backward(self, loss: torch.Tensor) -> None:
        self.trace.append("module.on_before_backward")

    def on_after_backward(self) -> None:
        self.trace.append("module.on_after_backward")

    def on_before_optimizer_step(self, optimizer: Any) -> None:
        self.trace.append("module.on_before_optimizer_step")


class Recorder(pl.Callback):
    """A user's Lightning callback: it keeps bridge's callback on Lightning's callback path."""

    def __init__(self, log: list[str]) -> None:
        self.trace = log

    def on_train_batch_end(self, *args: Any) -> None:
        self.trace.append("recorder")


def _trace_events(engine: Engine, log: list[str]) -> None:
    for event in (Events.ITERATION_STARTED, Events.ITERATION_COMPLETED, *BackpropEvents):
        engine.add_event_handler(event, lambda e, name=event.name: log.append(name))


def _run(module_cls: type, with_callback: bool) -> tuple[list[str], pl.LightningModule, dict[str, Any]]:
    log: list[str] = []
    module = module_cls(log)
    engine = create_lightning_trainer(module, callbacks=[Recorder(log)] if with_callback else [])
    _trace_events(engine, log)
    seen: dict[str, Any] = {}

    @engine.on(Events.ITERATION_COMPLETED(once=1))
    def look(engine: Engine) -> None:
        callbacks = engine.lightning_trainer.callbacks
        seen["callbacks"] = [type(callback).__name__ for callback in callbacks]
        if callbacks and type(callbacks[0]).__name__ == "_RunCallback":
            seen["callback hooks"] = [getattr(callbacks[0], name) for name in PER_ITERATION]

    engine.run(DATA, max_epochs=1)
    # after the run bridge's callback is back in the list, first, with its own hooks
    after = engine.lightning_trainer.callbacks
    assert type(after[0]).__name__ == "_RunCallback"
    assert all(callable(getattr(after[0], name)) for name in PER_ITERATION)
    return [entry for entry in log if entry != "recorder"], module, seen


FIRST_ITERATION = [
    "ITERATION_STARTED", "module.on_train_batch_start", "training_step",
    "BACKWARD_STARTED", "module.on_before_backward", "BACKWARD_COMPLETED", "module.on_after_backward",
    "OPTIM_STEP_STARTED", "module.on_before_optimizer_step", "OPTIM_STEP_COMPLETED",
    "ITERATION_COMPLETED", "module.on_train_batch_end",
]  # fmt: skip


def test_alone_the_module_dispatches_and_the_trace_is_the_callback_paths() -> None:
    alone, module, seen_alone = _run(Traced, with_callback=False)
    shared, _, seen_shared = _run(Traced, with_callback=True)
    assert alone == shared == FIRST_ITERATION * 3
    # alone: bridge's callback is out of Lightning's list during the run (the module calls its hooks);
    # with a user callback, Lightning calls them
    assert seen_alone["callbacks"] == []
    assert seen_shared["callbacks"] == ["_RunCallback", "Recorder"]
    assert all(callable(hook) for hook in seen_shared["callback hooks"])
    # the run's instance attributes are gone: the module's own methods are back
    assert not set(PER_ITERATION) & set(vars(module))
    assert not {"training_step"} & set(vars(module))


class WithCallbacks(Traced):
    def configure_callbacks(self) -> list[pl.Callback]:
        return [Recorder(self.trace)]


def test_a_module_that_configures_callbacks_keeps_the_callback_path() -> None:
    log, _, seen = _run(WithCallbacks, with_callback=False)
    assert log == FIRST_ITERATION * 3
    assert seen["callbacks"] == ["_RunCallback", "Recorder"]
    assert all(callable(hook) for hook in seen["callback hooks"])


@pytest.mark.parametrize("with_callback", [False, True])
def test_engine_run_with_lightnings_optimizer_fires_the_same_events_on_both_paths(with_callback: bool) -> None:
    model = torch.nn.Linear(1, 1)
    log: list[str] = []

    def step(engine: Engine, batch: Any) -> float:
        optimizer = engine.optimizers[0]
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(batch[0]), batch[1])
        engine.manual_backward(loss)
        optimizer.step()
        log.append("step")
        return loss.item()

    engine = Engine(step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1),
                    callbacks=[Recorder(log)] if with_callback else [])  # fmt: skip
    _trace_events(engine, log)
    engine.run(DATA, max_epochs=1)
    one = ["ITERATION_STARTED", "BACKWARD_STARTED", "BACKWARD_COMPLETED", "OPTIM_STEP_STARTED", "OPTIM_STEP_COMPLETED",
           "step", "ITERATION_COMPLETED"]  # fmt: skip
    assert [entry for entry in log if entry != "recorder"] == one * 3
    assert engine.state.optim_step_completed == 3


def test_hooks_the_module_does_not_override_fire_the_same_events() -> None:
    alone, module, seen = _run(Plain, with_callback=False)
    shared, _, _ = _run(Plain, with_callback=True)
    expected = [entry for entry in FIRST_ITERATION if not entry.startswith("module.")]
    assert alone == shared == expected * 3
    assert seen["callbacks"] == []
    assert not set(PER_ITERATION) & set(vars(module))


@pytest.mark.parametrize("module_cls", [Plain, Traced])
@pytest.mark.parametrize("with_callback", [False, True])
def test_a_terminate_at_iteration_started_skips_the_modules_step_on_both_paths(
    module_cls: type, with_callback: bool
) -> None:
    # on_train_batch_start answers Lightning -1 (no step, the epoch ends) when the loop ended the epoch
    log: list[str] = []
    module = module_cls(log)
    engine = create_lightning_trainer(module, callbacks=[Recorder(log)] if with_callback else [])
    engine.add_event_handler(Events.ITERATION_STARTED(once=2), lambda e: e.terminate_epoch())
    state = engine.run(DATA * 2, max_epochs=2)
    # pytorch-ignite's numbers: the first epoch ends at iteration 2 before its step, the second runs 6
    assert log.count("training_step") == 7
    assert (state.epoch, state.iteration, state.backward_completed) == (2, 8, 7)
    if module_cls is Traced:
        assert log.count("module.on_train_batch_start") == 8  # the module's own hook still runs


@pytest.mark.parametrize("with_callback", [False, True])
def test_a_terminate_at_iteration_started_skips_the_process_function_on_both_paths(with_callback: bool) -> None:
    log: list[str] = []
    engine = Engine(lambda e, b: log.append("step"), callbacks=[Recorder(log)] if with_callback else [])
    engine.add_event_handler(Events.ITERATION_STARTED(once=2), lambda e: e.terminate())
    state = engine.run(DATA, max_epochs=3)
    assert log.count("step") == 1  # pytorch-ignite's numbers
    assert (state.epoch, state.iteration) == (1, 2)


class RunTraced(Plain):
    """Plain, plus its own run and epoch hooks writing to ``log``."""

    def setup(self, stage: str) -> None:
        self.trace.append(f"module.setup({stage == 'fit'})")

    def on_train_start(self) -> None:
        self.trace.append("module.on_train_start")

    def on_train_epoch_start(self) -> None:
        self.trace.append("module.on_train_epoch_start")

    def on_train_epoch_end(self) -> None:
        self.trace.append("module.on_train_epoch_end")

    def on_train_end(self) -> None:
        self.trace.append("module.on_train_end")


@pytest.mark.parametrize("with_callback", [False, True])
def test_the_run_hooks_fire_the_events_before_the_modules_own_on_both_paths(with_callback: bool) -> None:
    log: list[str] = []
    module = RunTraced(log)
    engine = create_lightning_trainer(module, callbacks=[Recorder(log)] if with_callback else [])
    for event in (Events.STARTED, Events.EPOCH_STARTED, Events.EPOCH_COMPLETED, Events.COMPLETED):
        engine.add_event_handler(event, lambda e, name=event.name: log.append(name))
    engine.run(DATA, max_epochs=2)
    epoch = ["EPOCH_STARTED", "module.on_train_epoch_start", *["training_step"] * 3,
             "EPOCH_COMPLETED", "module.on_train_epoch_end"]  # fmt: skip
    expected = ["module.setup(True)", "STARTED", "module.on_train_start", *epoch, *epoch, "COMPLETED", "module.on_train_end"]
    assert [entry for entry in log if entry != "recorder"] == expected
    assert not {"setup", "on_train_start", "on_train_end"} & set(vars(module))


@pytest.mark.parametrize("with_callback", [False, True])
def test_a_failed_run_leaves_the_optimizers_without_the_runs_hooks_on_both_paths(with_callback: bool) -> None:
    # alone, Lightning has no bridge callback to call on_exception on: the runner lets go itself
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(engine: Engine, batch: Any) -> None:
        engine.optimizers[0].zero_grad()
        engine.manual_backward(model(batch[0]).sum())
        engine.optimizers[0].step()
        if engine.state.iteration == 2:
            raise ValueError("the second step fails")

    engine = Engine(step, model=model, optimizers=optimizer, callbacks=[Recorder([])] if with_callback else [])
    with pytest.raises(ValueError, match="the second step fails"):
        engine.run(DATA, max_epochs=1)
    assert engine.state.optim_step_completed == 2
    assert not optimizer._optimizer_step_post_hooks  # the step counter's hook is gone
    lightning_optimizers = engine.lightning_trainer.strategy._lightning_optimizers
    assert all("step" not in vars(wrapped) for wrapped in lightning_optimizers)  # the step wrappers too
    assert type(engine.lightning_trainer.callbacks[0]).__name__ == "_RunCallback"

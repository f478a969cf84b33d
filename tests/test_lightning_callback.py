"""EngineCallback: Ignite engines, events, filters and handlers over a plain pl.Trainer."""

from __future__ import annotations

from typing import Any

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, ModelCheckpoint
from pytorch_lightning.core.optimizer import LightningOptimizer
from torch.utils.data import DataLoader, TensorDataset

from bridge.engine import BackpropEvents, Engine, Events, EventsList
from bridge.lightning.callback import (
    PREDICT_HOOK_TO_EVENTS,
    TEST_HOOK_TO_EVENTS,
    TRAIN_HOOK_TO_EVENTS,
    VALIDATION_HOOK_TO_EVENTS,
    EngineCallback,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*does not have many workers.*",
    "ignore:.*number of training batches.*",
    "ignore:.*but have no `val_dataloader`.*",
    "ignore:.*callbacks used to create the checkpoint.*",
)

# every event of the .train / .validation run loops that these tests trace
RUN_EVENTS = [e for e in Events if e not in (Events.EXCEPTION_RAISED, Events.TERMINATE_SINGLE_EPOCH, Events.INTERRUPT)]


def quiet_trainer(**kwargs: Any) -> pl.Trainer:
    options = dict(
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    options.update(kwargs)
    return pl.Trainer(**options)


def regression_data(n: int, batch_size: int, seed: int = 0) -> DataLoader:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3 + 0.5 * torch.randn(n, 1, generator=generator)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size)


class Regression(pl.LightningModule):
    """A linear regression with a validation loop logging ``val_loss``; counts its steps."""

    def __init__(self, lr: float = 0.05) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Linear(3, 1)
        self.lr = lr
        self.train_steps = 0
        self.losses: list[float] = []

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        self.train_steps += 1
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.losses.append(loss.item())
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> dict[str, torch.Tensor]:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("val_loss", loss)
        return {"batch_loss": loss}

    def test_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def predict_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return self.net(batch[0])

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.lr)


def trace_events(trace: list, label: str, engine: Engine, events: list = RUN_EVENTS) -> None:
    for event in events:
        engine.add_event_handler(event, lambda e, ev=event: trace.append((label, ev.name, e.state.epoch, e.state.iteration)))


def train_names(trace: list) -> list[str]:
    return [name for label, name, *_ in trace if label == "T"]


class HookMarker(pl.Callback):
    """Placed before EngineCallback: marks in the trace which Lightning hook the next events belong to."""

    def __init__(self, trace: list, hooks: list[str]) -> None:
        for hook in hooks:
            if hook != "on_exception":
                setattr(self, hook, lambda *args, hook=hook, **kwargs: trace.append(("hook", hook)))


def test_full_event_trace_of_train_and_validation_no_events_in_sanity_check() -> None:
    callback = EngineCallback()
    trace: list = []
    trace_events(trace, "T", callback.train)
    trace_events(trace, "V", callback.validation)
    trainer = quiet_trainer(max_epochs=2, callbacks=[callback], num_sanity_val_steps=2)
    trainer.fit(Regression(), regression_data(8, 4), regression_data(6, 3))

    def epoch(e: int) -> list:
        i0 = (e - 1) * 2
        batches = [
            ("T", name, e, i0 + k + (name in ("ITERATION_STARTED", "ITERATION_COMPLETED")))
            for k in range(2)
            for name in ("GET_BATCH_STARTED", "GET_BATCH_COMPLETED", "ITERATION_STARTED", "ITERATION_COMPLETED")
        ]
        validation = [("V", "STARTED", 0, 0), ("V", "EPOCH_STARTED", 1, 0)]
        validation += [
            ("V", name, 1, k + (name in ("ITERATION_STARTED", "ITERATION_COMPLETED")))
            for k in range(2)
            for name in ("GET_BATCH_STARTED", "GET_BATCH_COMPLETED", "ITERATION_STARTED", "ITERATION_COMPLETED")
        ]
        validation += [("V", "EPOCH_COMPLETED", 1, 2), ("V", "COMPLETED", 1, 2)]
        return [("T", "EPOCH_STARTED", e, i0), *batches, *validation, ("T", "EPOCH_COMPLETED", e, i0 + 2)]

    # the sanity check ran Lightning's validation_step twice, and fired nothing
    assert trace == [("T", "STARTED", 0, 0), *epoch(1), *epoch(2), ("T", "COMPLETED", 2, 4)]


def test_each_lightning_hook_fires_the_events_of_its_table_entry() -> None:
    callback = EngineCallback()
    trace: list = []
    tables = (TRAIN_HOOK_TO_EVENTS, VALIDATION_HOOK_TO_EVENTS, TEST_HOOK_TO_EVENTS, PREDICT_HOOK_TO_EVENTS)
    hooks = [hook for table in tables for hook in table]
    trace_events(trace, "T", callback.train)
    trace_events(trace, "V", callback.validation)
    trace_events(trace, "X", callback.test)
    trace_events(trace, "P", callback.predict)
    trainer = quiet_trainer(max_epochs=2, callbacks=[HookMarker(trace, hooks), callback], num_sanity_val_steps=0)
    module = Regression()
    trainer.fit(module, regression_data(6, 3), regression_data(4, 2))
    trainer.test(module, regression_data(4, 2), verbose=False)
    trainer.predict(module, regression_data(4, 2))

    fired: dict[str, set[tuple[str, ...]]] = {}
    hook, events = None, []
    for entry in trace + [("hook", None)]:
        if entry[0] == "hook":
            if hook is not None:
                fired.setdefault(hook, set()).add(tuple(events))
            hook, events = entry[1], []
        else:
            events.append(entry[1])
    for table in tables:
        for hook_name, table_events in table.items():
            if hook_name != "on_exception":
                assert fired[hook_name] == {tuple(e.name for e in table_events)}, hook_name


def test_filters_and_events_lists_on_train_and_validation() -> None:
    callback = EngineCallback()
    keys = ("every", "once", "range", "custom", "list", "every_range", "val_once", "val_list")
    seen: dict[str, list] = {k: [] for k in keys}
    train, validation = callback.train, callback.validation

    train.add_event_handler(Events.ITERATION_COMPLETED(every=4), lambda e: seen["every"].append(e.state.iteration))
    train.add_event_handler(Events.EPOCH_COMPLETED(once=[2, 3]), lambda e: seen["once"].append(e.state.epoch))
    train.add_event_handler(Events.ITERATION_STARTED(after=2, before=6), lambda e: seen["range"].append(e.state.iteration))
    train.add_event_handler(
        Events.ITERATION_COMPLETED(every=3, after=1, before=9), lambda e: seen["every_range"].append(e.state.iteration)
    )
    train.add_event_handler(
        Events.GET_BATCH_COMPLETED(event_filter=lambda engine, n: n in (0, 7)),
        lambda e: seen["custom"].append(e.state.iteration),
    )
    events = Events.STARTED | Events.EPOCH_STARTED(every=2) | Events.COMPLETED
    assert isinstance(events, EventsList)
    handle = train.add_event_handler(events, lambda e, tag: seen["list"].append((tag, e.state.epoch)), "x")
    validation.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: seen["val_once"].append(e.state.iteration))
    validation.add_event_handler(
        Events.STARTED | Events.EPOCH_COMPLETED, lambda e: seen["val_list"].append(e.last_event_name.name)
    )

    trainer = quiet_trainer(max_epochs=3, callbacks=[callback])
    trainer.fit(Regression(), regression_data(12, 3), regression_data(6, 2))  # 4 train, 3 val batches

    assert seen["every"] == [4, 8, 12]
    assert seen["once"] == [2, 3]
    assert seen["range"] == [3, 4, 5]
    assert seen["every_range"] == [2, 5, 8]
    assert seen["custom"] == [0, 7]  # GET_BATCH_COMPLETED counts the iteration before it starts
    assert seen["list"] == [("x", 0), ("x", 2), ("x", 3)]
    assert seen["val_once"] == [2, 2, 2]  # each validation run counts from 0
    assert seen["val_list"] == ["STARTED", "EPOCH_COMPLETED"] * 3

    handle.remove()
    assert not any(train.has_event_handler(h) for h in [handle.handler()])


class MeanOf:
    """An Ignite-style metric (public Engine API only): mean of ``output_transform(state.output)`` per epoch."""

    def __init__(self, output_transform: Any) -> None:
        self.output_transform = output_transform

    def attach(self, engine: Engine, name: str) -> None:
        engine.add_event_handler(Events.EPOCH_STARTED, self.reset)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.update)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.completed, name)

    def reset(self) -> None:
        self.values: list[float] = []

    def update(self, engine: Engine) -> None:
        self.values.append(float(self.output_transform(engine.state.output)))

    def completed(self, engine: Engine, name: str) -> None:
        engine.state.metrics[name] = sum(self.values) / len(self.values)


def test_state_tracks_lightning_batches_outputs_and_metrics() -> None:
    callback = EngineCallback()
    train_loader, val_loader = regression_data(9, 3), regression_data(6, 3)
    keys = ("started", "batch", "output", "val_output", "epoch_metrics", "val_metrics")
    records: dict[str, list] = {k: [] for k in keys}
    MeanOf(lambda output: output["loss"]).attach(callback.train, "ignite_train_loss")
    MeanOf(lambda output: output["batch_loss"]).attach(callback.validation, "ignite_val_loss")

    @callback.train.on(Events.STARTED)
    def started(engine: Engine) -> None:
        s = engine.state
        records["started"].append((s.iteration, s.epoch, s.epoch_length, s.max_epochs, s.dataloader is train_loader))

    callback.train.add_event_handler(Events.ITERATION_STARTED, lambda e: records["batch"].append(e.state.batch))
    callback.train.add_event_handler(Events.ITERATION_COMPLETED, lambda e: records["output"].append(e.state.output))
    callback.validation.add_event_handler(
        Events.ITERATION_COMPLETED, lambda e: records["val_output"].append(e.state.output)
    )
    callback.train.add_event_handler(Events.EPOCH_COMPLETED, lambda e: records["epoch_metrics"].append(dict(e.state.metrics)))
    callback.validation.add_event_handler(Events.COMPLETED, lambda e: records["val_metrics"].append(dict(e.state.metrics)))

    module = Regression()
    trainer = quiet_trainer(max_epochs=2, callbacks=[callback])
    trainer.fit(module, train_loader, val_loader)

    assert records["started"] == [(0, 0, 3, 2, True)]
    expected_batches = [b for _ in range(2) for b in train_loader]
    assert len(records["batch"]) == 6
    for got, expected in zip(records["batch"], expected_batches):
        assert torch.equal(got[0], expected[0]) and torch.equal(got[1], expected[1])
    # Lightning's outputs of a training_step returning a loss: {"loss": loss.detach()}
    assert [float(o["loss"]) for o in records["output"]] == pytest.approx(module.losses, abs=0)
    assert all(set(o) == {"batch_loss"} for o in records["val_output"]) and len(records["val_output"]) == 4
    # Lightning's val_loss (as a float) sits beside the Ignite metric; both are the mean of the batch losses
    for metrics in records["val_metrics"]:
        assert isinstance(metrics["val_loss"], float)
        assert metrics["val_loss"] == pytest.approx(metrics["ignite_val_loss"], rel=1e-6)
    assert records["epoch_metrics"][1]["ignite_train_loss"] == pytest.approx(sum(module.losses[3:]) / 3, rel=1e-6)
    assert records["epoch_metrics"][1]["val_loss"] == records["val_metrics"][1]["val_loss"]
    assert callback.train.state.epoch == 2 and callback.train.state.iteration == 6
    assert callback.train.lightning_trainer is trainer


def test_backprop_events_and_engine_lightning_helpers_from_handlers() -> None:
    callback = EngineCallback()
    seen: dict[str, list] = {"optimizers": [], "log": []}

    @callback.train.on(Events.ITERATION_COMPLETED)
    def use_lightning(engine: Engine) -> None:
        seen["optimizers"].append(isinstance(engine.optimizers[0], LightningOptimizer))
        engine.log("doubled_iteration", 2.0 * engine.state.iteration)

    trainer = quiet_trainer(max_epochs=1, callbacks=[callback])
    trainer.fit(Regression(), regression_data(9, 3))
    assert seen["optimizers"] == [True] * 3
    assert float(trainer.callback_metrics["doubled_iteration"]) == 6.0
    with pytest.raises(RuntimeError, match="while Lightning drives the engine"):
        callback.train.log("x", 1.0)  # the fit is over


def test_resumed_fit_continues_iteration_and_epoch(tmp_path: Any) -> None:
    checkpoint = ModelCheckpoint(dirpath=tmp_path, save_last=True)
    first = EngineCallback()
    trainer = quiet_trainer(max_epochs=2, callbacks=[first, checkpoint], enable_checkpointing=True)
    trainer.fit(Regression(), regression_data(9, 3))
    assert (first.train.state.epoch, first.train.state.iteration) == (2, 6)

    second = EngineCallback()
    starts: list = []
    second.train.add_event_handler(Events.STARTED, lambda e: starts.append((e.state.epoch, e.state.iteration)))
    epochs: list = []
    second.train.add_event_handler(Events.EPOCH_STARTED, lambda e: epochs.append(e.state.epoch))
    trainer = quiet_trainer(max_epochs=3, callbacks=[second])
    trainer.fit(Regression(), regression_data(9, 3), ckpt_path=str(tmp_path / "last.ckpt"))
    assert starts == [(2, 6)]
    assert epochs == [3]
    assert (second.train.state.epoch, second.train.state.iteration) == (3, 9)


# ----------------------------------------------------------------------------------- terminate


def run_with_trace(
    callback: EngineCallback, max_epochs: int = 4, module: Any = None, **kwargs: Any
) -> tuple[list, Any, pl.Trainer]:
    trace: list = []
    trace_events(trace, "T", callback.train)
    trace_events(trace, "V", callback.validation)
    module = module or Regression()
    trainer = quiet_trainer(max_epochs=max_epochs, callbacks=[callback], **kwargs)
    trainer.fit(module, regression_data(9, 3), regression_data(4, 2))
    return trace, module, trainer


def test_terminate_from_a_batch_event_stops_the_trainer_without_epoch_completed() -> None:
    callback = EngineCallback()
    callback.train.add_event_handler(Events.ITERATION_COMPLETED(once=5), lambda e: e.terminate())
    trace, module, trainer = run_with_trace(callback)
    names = train_names(trace)
    assert names[-3:] == ["ITERATION_COMPLETED", "TERMINATE", "COMPLETED"]
    assert names.count("EPOCH_COMPLETED") == 1 and names.count("TERMINATE") == 1
    assert module.train_steps == 5 and trainer.should_stop
    assert callback.train.state.iteration == 5 and callback.train.state.epoch == 2
    assert trace[-1] == ("T", "COMPLETED", 2, 5)


def test_terminate_at_iteration_started_lightning_still_runs_that_step() -> None:
    callback = EngineCallback()
    callback.train.add_event_handler(Events.ITERATION_STARTED(once=2), lambda e: e.terminate())
    trace, module, _ = run_with_trace(callback)
    assert train_names(trace)[-4:] == ["GET_BATCH_COMPLETED", "ITERATION_STARTED", "TERMINATE", "COMPLETED"]
    assert module.train_steps == 2  # a callback cannot skip Lightning's step (EngineModule can)


def test_terminate_from_validation_fires_epoch_completed_then_terminate() -> None:
    callback = EngineCallback()
    callback.validation.add_event_handler(
        Events.COMPLETED, lambda e: callback.train.terminate() if callback.train.state.epoch == 2 else None
    )
    trace, module, trainer = run_with_trace(callback)
    assert trace[-3:] == [("T", "EPOCH_COMPLETED", 2, 6), ("T", "TERMINATE", 2, 6), ("T", "COMPLETED", 2, 6)]
    assert module.train_steps == 6 and trainer.current_epoch == 2


def test_terminate_from_a_mid_epoch_validation_cuts_the_epoch() -> None:
    callback = EngineCallback()
    callback.validation.add_event_handler(Events.COMPLETED, lambda e: callback.train.terminate())
    trace: list = []
    trace_events(trace, "T", callback.train)
    trace_events(trace, "V", callback.validation, [Events.COMPLETED])
    module = Regression()
    trainer = quiet_trainer(max_epochs=3, callbacks=[callback], val_check_interval=2, num_sanity_val_steps=0)
    trainer.fit(module, regression_data(12, 3), regression_data(4, 2))  # 4 batches, validation after the 2nd
    assert trace[-4:] == [
        ("T", "ITERATION_COMPLETED", 1, 2),
        ("V", "COMPLETED", 1, 2),
        ("T", "TERMINATE", 1, 2),  # no EPOCH_COMPLETED: the epoch was cut short
        ("T", "COMPLETED", 1, 2),
    ]
    assert module.train_steps == 2  # Lightning stopped right after the validation, no extra step


class Batches(torch.utils.data.IterableDataset):
    """Batches without a length: Lightning's number of batches is infinite, Ignite's epoch_length None."""

    def __iter__(self) -> Any:
        return iter(list(regression_data(9, 3)))


def test_data_without_length_and_several_validation_loaders() -> None:
    callback = EngineCallback()
    lengths: list = []
    callback.train.add_event_handler(Events.STARTED, lambda e: lengths.append(("T", e.state.epoch_length)))
    callback.validation.add_event_handler(
        Events.COMPLETED, lambda e: lengths.append(("V", e.state.epoch_length, e.state.iteration))
    )

    class TwoLoaders(Regression):
        def validation_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
            return super().validation_step(batch, batch_idx)

    trainer = quiet_trainer(max_epochs=2, callbacks=[callback], num_sanity_val_steps=0)
    trainer.fit(TwoLoaders(), DataLoader(Batches(), batch_size=None), [regression_data(4, 2), regression_data(6, 2)])
    assert lengths == [("T", None), ("V", 5, 5), ("V", 5, 5)]
    assert callback.train.state.iteration == 6 and callback.train.state.epoch == 2


@pytest.mark.parametrize("event", [Events.STARTED, Events.EPOCH_STARTED, Events.EPOCH_COMPLETED])
def test_terminate_skip_completed_and_terminate_at_run_and_epoch_events(event: Any) -> None:
    callback = EngineCallback()
    filtered = event(once=1) if event != Events.STARTED else event
    callback.train.add_event_handler(filtered, lambda e: e.terminate(skip_completed=True))
    trace, module, _ = run_with_trace(callback)
    names = train_names(trace)
    assert names[-2:] == [event.name, "TERMINATE"] and "COMPLETED" not in names
    assert module.train_steps == {Events.STARTED: 0, Events.EPOCH_STARTED: 0, Events.EPOCH_COMPLETED: 3}[event]


def test_lightning_stopping_the_fit_is_a_terminate_for_train() -> None:
    class StopAfterFirstEpoch(pl.Callback):
        def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
            trainer.should_stop = True

    callback = EngineCallback()
    trace: list = []
    trace_events(trace, "T", callback.train)
    quiet_trainer(max_epochs=4, callbacks=[callback, StopAfterFirstEpoch()]).fit(Regression(), regression_data(6, 3))
    assert train_names(trace)[-3:] == ["EPOCH_COMPLETED", "TERMINATE", "COMPLETED"]


# ----------------------------------------------------------------------------------- parity


class Plateau(Regression):
    """Validation loss that improves for a few epochs, then plateaus (lr decays geometrically)."""

    def on_train_epoch_end(self) -> None:
        for group in self.optimizers().param_groups:
            group["lr"] *= 0.3


def ignite_early_stopping(callback: EngineCallback, patience: int, min_delta: float, scores: list) -> dict[str, Any]:
    """Ignite's EarlyStopping rule on a validation score (higher is better), written as a handler."""
    best: dict[str, Any] = {"score": None, "counter": 0}

    @callback.validation.on(Events.COMPLETED)
    def check(engine: Engine) -> None:
        score = -engine.state.metrics["val_loss"]
        scores.append(engine.state.metrics["val_loss"])
        if best["score"] is not None and score <= best["score"] + min_delta:
            best["counter"] += 1
            if best["counter"] >= patience:
                callback.train.terminate()
        else:
            best["score"], best["counter"] = score, 0

    return best


@pytest.mark.parametrize("patience", [2, 3])
def test_ignite_early_stopping_stops_at_the_same_epoch_as_lightning_early_stopping(patience: int) -> None:
    max_epochs, min_delta = 20, 1e-3
    train, val = regression_data(24, 6, seed=1), regression_data(12, 6, seed=2)

    # (a) Lightning's EarlyStopping; an EngineCallback traces the same fit
    lightning_scores: list = []
    observer = EngineCallback()
    observer.validation.add_event_handler(Events.COMPLETED, lambda e: lightning_scores.append(e.state.metrics["val_loss"]))
    stopper = EarlyStopping(monitor="val_loss", patience=patience, mode="min", min_delta=min_delta)
    trace_a: list = []
    trace_events(trace_a, "T", observer.train, [Events.EPOCH_COMPLETED, Events.TERMINATE, Events.COMPLETED])
    module_a = Plateau()
    trainer_a = quiet_trainer(max_epochs=max_epochs, callbacks=[observer, stopper])
    trainer_a.fit(module_a, train, val)

    # (b) the same rule written Ignite's way on .validation COMPLETED
    callback = EngineCallback()
    ignite_scores: list = []
    best = ignite_early_stopping(callback, patience, min_delta, ignite_scores)
    module_b = Plateau()
    trainer_b = quiet_trainer(max_epochs=max_epochs, callbacks=[callback])
    trainer_b.fit(module_b, train, val)

    assert trainer_a.current_epoch == trainer_b.current_epoch < max_epochs
    assert stopper.stopped_epoch + 1 == callback.train.state.epoch == len(ignite_scores)
    assert ignite_scores == lightning_scores
    assert float(stopper.best_score) == -best["score"]
    for p_a, p_b in zip(module_a.parameters(), module_b.parameters()):
        assert torch.equal(p_a, p_b)
    # Lightning stopping the fit ends .train as a terminate(): EPOCH_COMPLETED, TERMINATE, COMPLETED
    assert [name for _, name, *_ in trace_a][-3:] == ["EPOCH_COMPLETED", "TERMINATE", "COMPLETED"]


# ----------------------------------------------------------------------------------- backprop events


class ManualRegression(Regression):
    def __init__(self) -> None:
        super().__init__()
        self.automatic_optimization = False

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        optimizer = self.optimizers()
        optimizer.zero_grad()
        loss = super().training_step(batch, batch_idx)
        self.manual_backward(loss)
        optimizer.step()
        return loss


BACKPROP_AND_ITERATION = [Events.ITERATION_STARTED, *BackpropEvents, Events.ITERATION_COMPLETED]


def test_backprop_events_with_manual_optimization() -> None:
    callback = EngineCallback()
    trace: list = []
    for event in BACKPROP_AND_ITERATION:
        callback.train.add_event_handler(event, lambda e, ev=event: trace.append(ev.name))
    every_2: list = []
    callback.train.add_event_handler(
        BackpropEvents.BACKWARD_COMPLETED(every=2), lambda e: every_2.append((e.state.backward_completed, e.state.iteration))
    )
    quiet_trainer(max_epochs=2, callbacks=[callback]).fit(ManualRegression(), regression_data(9, 3))

    one_step = [
        "ITERATION_STARTED",
        "BACKWARD_STARTED",
        "BACKWARD_COMPLETED",
        "OPTIM_STEP_STARTED",
        "OPTIM_STEP_COMPLETED",
        "ITERATION_COMPLETED",
    ]
    assert trace == one_step * 6
    state = callback.train.state
    counts = (state.backward_started, state.backward_completed, state.optim_step_started, state.optim_step_completed)
    assert counts == (6, 6, 6, 6)
    assert every_2 == [(2, 2), (4, 4), (6, 6)]


def test_backprop_events_with_automatic_optimization_and_gradient_accumulation() -> None:
    callback = EngineCallback()
    trace: list = []
    for event in BACKPROP_AND_ITERATION:
        callback.train.add_event_handler(event, lambda e, ev=event: trace.append((ev.name, e.state.iteration)))
    quiet_trainer(max_epochs=2, callbacks=[callback], accumulate_grad_batches=2).fit(Regression(), regression_data(12, 3))

    state = callback.train.state
    assert (state.backward_started, state.backward_completed) == (8, 8)
    assert (state.optim_step_started, state.optim_step_completed) == (4, 4)  # halved
    steps = [i for name, i in trace if name == "OPTIM_STEP_COMPLETED"]
    assert steps == [2, 4, 6, 8]
    # inside each iteration: backward before the (accumulated) step, all between ITERATION_STARTED/COMPLETED
    assert trace[:10] == [
        ("ITERATION_STARTED", 1),
        ("BACKWARD_STARTED", 1),
        ("BACKWARD_COMPLETED", 1),
        ("ITERATION_COMPLETED", 1),  # accumulating: no step
        ("ITERATION_STARTED", 2),
        ("BACKWARD_STARTED", 2),
        ("BACKWARD_COMPLETED", 2),
        ("OPTIM_STEP_STARTED", 2),
        ("OPTIM_STEP_COMPLETED", 2),
        ("ITERATION_COMPLETED", 2),
    ]


# ----------------------------------------------------------------------------------- validate / test, exceptions


def test_validate_and_test_fire_on_their_engines() -> None:
    callback = EngineCallback()
    trace: list = []
    trace_events(trace, "V", callback.validation, [Events.STARTED, Events.ITERATION_COMPLETED, Events.COMPLETED])
    test_events = [Events.STARTED, Events.ITERATION_COMPLETED, Events.EPOCH_COMPLETED, Events.COMPLETED]
    trace_events(trace, "X", callback.test, test_events)
    metrics: list = []
    callback.test.add_event_handler(Events.COMPLETED, lambda e: metrics.append(e.state.epoch_length))
    trainer = quiet_trainer(callbacks=[callback])
    module = Regression()
    trainer.validate(module, regression_data(4, 2), verbose=False)
    trainer.test(module, regression_data(6, 2), verbose=False)
    assert trace == [
        ("V", "STARTED", 0, 0), ("V", "ITERATION_COMPLETED", 1, 1), ("V", "ITERATION_COMPLETED", 1, 2), ("V", "COMPLETED", 1, 2),
        ("X", "STARTED", 0, 0), ("X", "ITERATION_COMPLETED", 1, 1), ("X", "ITERATION_COMPLETED", 1, 2),
        ("X", "ITERATION_COMPLETED", 1, 3), ("X", "EPOCH_COMPLETED", 1, 3), ("X", "COMPLETED", 1, 3),
    ]
    assert metrics == [3]
    assert torch.is_tensor(callback.test.state.output)  # test_step's return, as Lightning passes it


class FailingAt(Regression):
    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        if self.where == "training" and self.train_steps == 1:
            raise ValueError("boom in training_step")
        return super().training_step(batch, batch_idx)

    def validation_step(self, batch: Any, batch_idx: int) -> dict[str, torch.Tensor]:
        if self.where == "validation":
            raise ValueError("boom in validation_step")
        return super().validation_step(batch, batch_idx)


@pytest.mark.parametrize("where", ["training", "validation"])
def test_exception_raised_fires_on_the_running_engine_and_is_not_swallowed(where: str) -> None:
    callback = EngineCallback()
    caught: list = []
    for label, engine in (("T", callback.train), ("V", callback.validation)):
        engine.add_event_handler(
            Events.EXCEPTION_RAISED, lambda e, exc, label=label: caught.append((label, str(exc), e.state.iteration))
        )
    with pytest.raises(ValueError, match=f"boom in {where}_step"):
        trainer = quiet_trainer(max_epochs=2, callbacks=[callback], num_sanity_val_steps=0)
        trainer.fit(FailingAt(where), regression_data(6, 3), regression_data(4, 2))
    if where == "training":
        assert caught == [("T", "boom in training_step", 2)]
    else:  # the validation run inside the fit fails, then the training run
        assert caught == [("V", "boom in validation_step", 1), ("T", "boom in validation_step", 2)]
    assert callback.train._driver is None  # the link is dropped after a failed fit


def test_exception_without_handlers_propagates() -> None:
    with pytest.raises(ValueError, match="boom"):
        quiet_trainer(max_epochs=1, callbacks=[EngineCallback()]).fit(FailingAt("training"), regression_data(6, 3))


# ----------------------------------------------------------------------------------- bad input


def test_engines_refuse_run_and_unsupported_controls() -> None:
    callback = EngineCallback()
    started: list = []
    callback.train.add_event_handler(Events.STARTED, lambda: started.append(1))
    for engine, name in ((callback.train, "train"), (callback.validation, "validation"), (callback.test, "test")):
        assert isinstance(engine, Engine)
        message = rf"EngineCallback\.{name} is driven by the loops of the pl.Trainer.*instead of run\(\)"
        with pytest.raises(RuntimeError, match=message):
            engine.run([1, 2, 3])
        with pytest.raises(RuntimeError, match="instead of run"):
            engine._process_function(engine, None)
        with pytest.raises(RuntimeError, match="terminate_epoch"):
            engine.terminate_epoch()
        with pytest.raises(RuntimeError, match="interrupt"):
            engine.interrupt()
    with pytest.raises(RuntimeError, match=r"call terminate\(\) on EngineCallback.train"):
        callback.validation.terminate()
    assert started == []  # nothing ran
    with pytest.raises(ValueError, match="not a valid event"):
        callback.train.add_event_handler("no_such_event", lambda: None)
    with pytest.raises(ValueError, match="handler"):
        callback.train.add_event_handler(Events.STARTED, lambda a, b, c: None)



def test_predict_engine_sees_each_prediction_and_attaches_handlers() -> None:
    callback = EngineCallback()
    trace: list = []
    trace_events(trace, "P", callback.predict)
    outputs: list = []
    callback.predict.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    module = Regression()
    trainer = quiet_trainer(callbacks=[callback])
    predictions = trainer.predict(module, regression_data(6, 2))
    assert [name for _, name, *_ in trace] == ["STARTED", "EPOCH_STARTED"] + [
        "GET_BATCH_STARTED", "GET_BATCH_COMPLETED", "ITERATION_STARTED", "ITERATION_COMPLETED"
    ] * 3 + ["EPOCH_COMPLETED", "COMPLETED"]  # fmt: skip
    assert trace[-1][2:] == (1, 3)  # epoch 1, 3 iterations
    assert len(outputs) == 3 and all(torch.equal(a, b) for a, b in zip(outputs, predictions))
    state = callback.predict.state
    assert (state.epoch_length, state.max_epochs, state.metrics) == (3, 1, {})
    with pytest.raises(RuntimeError, match="EngineCallback.predict is driven by the loops"):
        callback.predict.run([1])


def _spied_trace(engine: Any, events: Any, log: list[str], spy: bool) -> None:
    """Logs a handler added mid-epoch and (``spy``) every call of the engine's ``_fire_event``."""
    if spy:
        fire = engine._fire_event

        def spied(event: Any, *args: Any, **kwargs: Any) -> None:
            if event.name in {e.name for e in RUN_EVENTS}:  # bridge's backprop events have no Ignite counterpart
                log.append(f"fire {event.name}")
            fire(event, *args, **kwargs)

        engine._fire_event = spied

    def add_late(e: Any) -> None:
        if e.state.iteration == 2:  # mid-epoch: it fires from the next batch on
            e.add_event_handler(events.ITERATION_STARTED, lambda e: log.append(f"late at {e.state.iteration}"))

    engine.add_event_handler(events.ITERATION_COMPLETED, add_late)


@pytest.mark.parametrize("spy", [False, True])
def test_unhandled_batch_events_are_recorded_and_a_replaced_fire_event_sees_each(spy: bool) -> None:
    # .train records GET_BATCH_* / ITERATION_STARTED without a call when nothing handles them;
    # what it shows is what pytorch-ignite's Engine shows over the same batches
    import ignite.engine

    class Step(Regression):
        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            log.append(f"step sees {callback.train.last_event_name.name}")
            return super().training_step(batch, batch_idx)

    log: list[str] = []
    callback = EngineCallback()
    _spied_trace(callback.train, Events, log, spy)
    quiet_trainer(max_epochs=2, callbacks=[callback]).fit(Step(), regression_data(12, 4))
    ours, log = log, []
    engine = ignite.engine.Engine(lambda e, b: log.append(f"step sees {e.last_event_name.name}"))
    _spied_trace(engine, ignite.engine.Events, log, spy)
    engine.run([0, 1, 2], max_epochs=2)
    # Lightning restarts its dataloader itself: .train has no DATALOADER_STOP_ITERATION (the hook table)
    assert ours == [entry for entry in log if entry != "fire DATALOADER_STOP_ITERATION"]
    assert ours.count("step sees ITERATION_STARTED") == 6 and "late at 3" in ours

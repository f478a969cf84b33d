"""Ignite code and Lightning code drive the same model: parity of weights and losses,
Lightning machinery inside Engine runs, backprop events, LightningModules as Engines."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger
from torch import nn

from bridge.engine import BackpropEvents, Engine, EventEnum, Events
from bridge.lightning import create_lightning_evaluator, create_lightning_trainer

QUIET = {"logger": False, "enable_checkpointing": False, "enable_progress_bar": False, "enable_model_summary": False}


def make_data(n_batches: int = 12, batch_size: int = 8, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    # a learnable task: the label is the argmax of a fixed linear map of the input
    g = torch.Generator().manual_seed(seed)
    teacher = torch.randn(6, 3, generator=torch.Generator().manual_seed(1234))
    inputs = [torch.randn(batch_size, 6, generator=g) for _ in range(n_batches)]
    return [(x, (x @ teacher).argmax(dim=1)) for x in inputs]


def make_model(seed: int = 1) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))


def assert_same_weights(a: nn.Module, b: nn.Module) -> None:
    for (name, p), q in zip(a.state_dict().items(), b.state_dict().values()):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=0, msg=name)


def plain_pytorch(data: list, epochs: int, accumulation: int = 1) -> tuple[nn.Module, list[float]]:
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses, iteration = [], 0
    for _ in range(epochs):
        for x, y in data:
            iteration += 1
            loss = nn.functional.cross_entropy(model(x), y) / accumulation
            loss.backward()
            if iteration % accumulation == 0:
                optimizer.step()
                optimizer.zero_grad()
            losses.append(loss.item())
    return model, losses


class Classifier(pl.LightningModule):
    """The same model and optimizer as a LightningModule (automatic optimization)."""

    def __init__(self, scheduler: bool = False) -> None:
        super().__init__()
        self.net = make_model()
        self.scheduler = scheduler
        self.losses: list[float] = []

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.losses.append(loss.item())
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.log("val_loss", loss)
        return loss

    def configure_optimizers(self) -> Any:
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        if not self.scheduler:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)}


class ListLoader:
    """A sized iterable of pre-built batches (a plain list would be flattened by Lightning)."""

    def __init__(self, data: list) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Any:
        return iter(self.data)


# ------------------------------------------------------------------------- parity


def test_engine_matches_plain_pytorch_weights_and_losses() -> None:
    data = make_data()
    reference, reference_losses = plain_pytorch(data, epochs=3)

    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(engine: Engine, batch: Any) -> float:
        x, y = batch
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    losses: list[float] = []
    engine = Engine(step)
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: losses.append(e.state.output))
    engine.run(data, max_epochs=3)
    assert losses == reference_losses
    assert_same_weights(model, reference)


def test_engine_with_lightning_backward_and_optimizers_matches_plain_pytorch() -> None:
    data = make_data()
    reference, reference_losses = plain_pytorch(data, epochs=2)

    model = make_model()

    def step(engine: Engine, batch: Any) -> float:
        x, y = batch
        (optimizer,) = engine.optimizers
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        engine.manual_backward(loss)
        optimizer.step()
        return loss.item()

    engine = Engine(step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    losses: list[float] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: losses.append(e.state.output))
    engine.run(data, max_epochs=2)
    assert losses == reference_losses
    assert_same_weights(model, reference)


def test_engine_optimizers_are_the_fits_wrapped_ones_in_a_new_list_each_time() -> None:
    # the Trainer runner fixes them when the fit has set them up: the same objects every step
    from pytorch_lightning.core.optimizer import LightningOptimizer

    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    seen: list[list[Any]] = []

    def step(engine: Engine, batch: Any) -> None:
        optimizers = engine.optimizers
        seen.append(list(optimizers))
        optimizers.clear()  # the caller's list: the next call is not affected

    engine = Engine(step, model=model, optimizers=optimizer)
    engine.add_event_handler(Events.STARTED, lambda e: seen.append(e.optimizers))
    engine.run(make_data()[:3], max_epochs=2)
    assert len(seen) == 7 and all(len(optimizers) == 1 for optimizers in seen)
    (wrapped,) = seen[0]
    assert isinstance(wrapped, LightningOptimizer) and wrapped.optimizer is optimizer
    assert all(optimizers[0] is wrapped for optimizers in seen)
    with pytest.raises(RuntimeError, match="optimizers"):
        _ = engine.optimizers  # after the run: no fit to lend them


def test_engine_optimizers_do_not_ask_the_module_every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # fixed when the fit sets them up: LightningModule.optimizers is asked as often for 3 steps as for 12
    asked: list[int] = []
    original = pl.LightningModule.optimizers

    def counted(self: pl.LightningModule, *args: Any, **kwargs: Any) -> Any:
        asked.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pl.LightningModule, "optimizers", counted)

    def asks(batches: int) -> int:
        asked.clear()
        model = make_model()
        engine = Engine(lambda e, b: e.optimizers[0], model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1))
        engine.run(make_data()[:batches])
        return len(asked)

    assert asks(3) == asks(12)


@pytest.mark.parametrize(
    "options",
    [{}, {"gradient_clip_val": 0.05}, {"accumulate_grad_batches": 3}, {"scheduler": True}],
    ids=["plain", "gradient-clipping", "accumulation", "lr-scheduler"],
)
def test_create_lightning_trainer_matches_plain_lightning_fit(options: dict) -> None:
    scheduler = options.pop("scheduler", False)
    data = make_data()

    plain = Classifier(scheduler)
    pl.Trainer(max_epochs=3, accelerator="cpu", devices=1, limit_val_batches=0, **QUIET, **options).fit(
        plain, ListLoader(data), val_dataloaders=ListLoader(data)
    )

    ours = Classifier(scheduler)
    trainer = create_lightning_trainer(ours, trainer_kwargs=options)
    outputs: list[float] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output.item()))
    trainer.run(data, max_epochs=3)

    assert ours.losses == plain.losses and len(ours.losses) == 36
    assert outputs == plain.losses  # state.output: what training_step returned
    assert_same_weights(ours, plain)
    if scheduler:
        assert trainer.lightning_trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)


def test_ignite_style_accumulation_matches_lightning_accumulate_grad_batches() -> None:
    data, accumulation = make_data(), 4
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(engine: Engine, batch: Any) -> float:
        # Ignite's FAQ way: scale the loss, step every `accumulation` iterations
        x, y = batch
        loss = nn.functional.cross_entropy(model(x), y) / accumulation
        loss.backward()
        if engine.state.iteration % accumulation == 0:
            optimizer.step()
            optimizer.zero_grad()
        return loss.item()

    Engine(step).run(data, max_epochs=2)

    lightning = Classifier()
    pl.Trainer(
        max_epochs=2, accumulate_grad_batches=accumulation, accelerator="cpu", devices=1, limit_val_batches=0, **QUIET
    ).fit(lightning, ListLoader(data), val_dataloaders=ListLoader(data))
    reference, _ = plain_pytorch(data, epochs=2, accumulation=accumulation)
    assert_same_weights(model, lightning.net)
    assert_same_weights(model, reference)


# ----------------------------------------------------------- Lightning machinery


def test_mixed_api_run_checkpoints_logs_and_ignite_handlers(tmp_path: Path) -> None:
    data = make_data(n_batches=10)
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(engine: Engine, batch: Any) -> float:
        x, y = batch
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        engine.log("train_loss", loss.item(), on_step=True, on_epoch=False)
        return loss.item()

    checkpoint = ModelCheckpoint(dirpath=tmp_path / "ckpt", filename="{epoch}", save_top_k=-1)
    logger = CSVLogger(tmp_path, name="csv", version=0)
    engine = Engine(
        step,  # an unchanged Ignite step: its own optimizer, so Lightning counts iterations as steps
        model=model,
        trainer_kwargs={"logger": logger, "enable_checkpointing": True, "log_every_n_steps": 1},
        callbacks=[checkpoint],
    )
    seen: list[int] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED(every=5), lambda e: seen.append(e.state.iteration))

    @engine.on(Events.EPOCH_COMPLETED)
    def epoch_metric(e: Engine) -> None:
        e.state.metrics["epoch_index"] = float(e.state.epoch)

    snapshots: list[dict] = []
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda: snapshots.append({k: v.clone() for k, v in model.state_dict().items()}))
    engine.run(data, max_epochs=3)

    assert seen == [5, 10, 15, 20, 25, 30]
    # Lightning's ModelCheckpoint saved each epoch; each file loads back into the model
    files = sorted(p.name for p in (tmp_path / "ckpt").iterdir())
    assert files == ["epoch=0.ckpt", "epoch=1.ckpt", "epoch=2.ckpt"]
    for epoch, snapshot in enumerate(snapshots):
        state = torch.load(tmp_path / "ckpt" / f"epoch={epoch}.ckpt", weights_only=False)["state_dict"]
        restored = make_model(seed=99)
        restored.load_state_dict({k.removeprefix("model."): v for k, v in state.items()})
        assert_same_weights(restored, _from_state(snapshot))
    # the CSV log has every step's loss and the epoch metric from state.metrics
    with open(tmp_path / "csv" / "version_0" / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert len([r for r in rows if r.get("train_loss")]) == 30
    assert [float(r["epoch_index"]) for r in rows if r.get("epoch_index")] == [1.0, 2.0, 3.0]


def _from_state(state: dict) -> nn.Module:
    model = make_model(seed=99)
    model.load_state_dict(state)
    return model


class BackpropRecorder(pl.Callback):
    def __init__(self, trace: list[str]) -> None:
        self.trace = trace

    def on_before_backward(self, trainer: pl.Trainer, pl_module: Any, loss: Any) -> None:
        self.trace.append("pl:on_before_backward")

    def on_after_backward(self, trainer: pl.Trainer, pl_module: Any) -> None:
        self.trace.append("pl:on_after_backward")


def test_backprop_events_with_manual_backward_and_wrapped_optimizers() -> None:
    model = make_model()
    trace: list[str] = []

    def step(engine: Engine, batch: Any) -> None:
        x, y = batch
        (optimizer,) = engine.optimizers
        optimizer.zero_grad()
        engine.manual_backward(nn.functional.cross_entropy(model(x), y))
        optimizer.step()

    engine = Engine(
        step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1), callbacks=[BackpropRecorder(trace)]
    )
    for event in (*BackpropEvents, Events.ITERATION_STARTED, Events.ITERATION_COMPLETED):
        engine.add_event_handler(event, lambda _, name=event.name: trace.append(name))
    every_two: list[int] = []
    engine.add_event_handler(
        BackpropEvents.BACKWARD_COMPLETED(every=2), lambda e: every_two.append(e.state.backward_completed)
    )
    state = engine.run(make_data(n_batches=3), max_epochs=2)

    one_iteration = [
        "ITERATION_STARTED", "BACKWARD_STARTED", "pl:on_before_backward", "BACKWARD_COMPLETED",
        "pl:on_after_backward", "OPTIM_STEP_STARTED", "OPTIM_STEP_COMPLETED", "ITERATION_COMPLETED",
    ]  # fmt: skip
    assert trace == one_iteration * 6
    assert every_two == [2, 4, 6]
    counters = [getattr(state, e.value) for e in BackpropEvents]
    assert counters == [6, 6, 6, 6]


def test_faq_custom_backprop_events_work_unchanged() -> None:
    # Ignite's FAQ: a user EventEnum, register_events, fire_event inside the update function
    class MyBackpropEvents(EventEnum):
        BACKWARD_STARTED = "backward_started"
        BACKWARD_COMPLETED = "backward_completed"
        OPTIM_STEP_COMPLETED = "optim_step_completed"

    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trace: list[str] = []

    def update(engine: Engine, batch: Any) -> None:
        x, y = batch
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        engine.fire_event(MyBackpropEvents.BACKWARD_STARTED)
        loss.backward()
        engine.fire_event(MyBackpropEvents.BACKWARD_COMPLETED)
        optimizer.step()
        engine.fire_event(MyBackpropEvents.OPTIM_STEP_COMPLETED)

    engine = Engine(update)
    engine.register_events(*MyBackpropEvents)
    for event in MyBackpropEvents:
        engine.add_event_handler(event, lambda _, name=event.name: trace.append(name))
    engine.run(make_data(n_batches=2))
    assert trace == ["BACKWARD_STARTED", "BACKWARD_COMPLETED", "OPTIM_STEP_COMPLETED"] * 2


@pytest.mark.parametrize("lib", ["ignite", "bridge"])
def test_faq_backprop_events_are_the_users_on_a_supervised_trainer(lib: str) -> None:
    """The FAQ's enum has the names of bridge's built-in BackpropEvents; registered on an engine
    where Lightning would fire bridge's (create_supervised_trainer), the names are the user's: their
    handlers run where the user fires them, never at bridge's events, as on pytorch-ignite."""
    import importlib
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine_module = importlib.import_module(f"{lib}.engine")

    class MyBackpropEvents(engine_module.EventEnum):  # type: ignore[name-defined,misc]
        BACKWARD_STARTED = "backward_started"
        BACKWARD_COMPLETED = "backward_completed"
        OPTIM_STEP_COMPLETED = "optim_step_completed"

    model = make_model()
    trainer = engine_module.create_supervised_trainer(
        model, torch.optim.SGD(model.parameters(), lr=0.1), nn.functional.cross_entropy
    )
    trainer.register_events(*MyBackpropEvents)
    calls: list[int] = []
    for event in MyBackpropEvents:
        trainer.add_event_handler(event, lambda engine: calls.append(engine.state.iteration))
    trainer.add_event_handler(
        engine_module.Events.COMPLETED, lambda engine: engine.fire_event(MyBackpropEvents.BACKWARD_STARTED)
    )
    trainer.run(make_data(n_batches=3))
    assert calls == [3]  # only the user's own fire_event
    assert getattr(trainer.state, "backward_started", 0) == 0


def test_engine_log_without_a_logger_is_quiet_and_feeds_callback_metrics(recwarn: Any) -> None:
    engine = Engine(lambda e, b: e.log("value", float(b)))
    engine.run([1, 2, 3])
    assert float(engine.lightning_trainer.callback_metrics["value"]) == 3.0
    assert [str(w.message) for w in recwarn] == []


def test_lightning_options_on_the_model_bf16_precision() -> None:
    model = nn.Linear(4, 2)
    dtypes: list[torch.dtype] = []
    engine = Engine(lambda e, b: dtypes.append(model(b).dtype), model=model, trainer_kwargs={"precision": "bf16-mixed"})
    engine.run([torch.randn(3, 4)])
    assert dtypes == [torch.bfloat16]


# ------------------------------------------------------------- evaluator


def test_create_lightning_evaluator_runs_validation_step_in_eval_mode_without_grad(monkeypatch: Any) -> None:
    module = Classifier()
    data = make_data(n_batches=4)
    modes: list[tuple[bool, bool, int]] = []
    original = Classifier.validation_step

    def spy(self: Classifier, batch: Any, batch_idx: int) -> torch.Tensor:
        modes.append((self.training, torch.is_grad_enabled(), batch_idx))
        return original(self, batch, batch_idx)

    monkeypatch.setattr(Classifier, "validation_step", spy)
    state = create_lightning_evaluator(module).run(data)
    expected = torch.stack([nn.functional.cross_entropy(module.net(x), y) for x, y in data]).mean().item()
    assert modes == [(False, False, 0), (False, False, 1), (False, False, 2), (False, False, 3)]
    assert state.metrics["val_loss"] == pytest.approx(expected, abs=1e-6)
    assert state.output.requires_grad is False


def test_faq_pattern_with_lightning_modules_trainer_and_evaluator() -> None:
    module = Classifier()
    trainer, evaluator = create_lightning_trainer(module), create_lightning_evaluator(module)
    history: list[float] = []
    val_data = make_data(n_batches=2, seed=5)

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        history.append(evaluator.run(val_data).metrics["val_loss"])

    modes: list[bool] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda: modes.append(module.training))
    trainer.run(make_data(), max_epochs=4)
    assert len(history) == 4 and max(history[1:]) < history[0]
    assert modes == [True] * 48  # each training step is back in train mode after an evaluation

    # the nested evaluations left training untouched: same weights as training alone
    alone = Classifier()
    create_lightning_trainer(alone).run(make_data(), max_epochs=4)
    assert_same_weights(module, alone)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "factory, module, error, message",
    [
        (create_lightning_trainer, nn.Linear(1, 1), TypeError, "should be a pytorch_lightning.LightningModule"),
        (create_lightning_evaluator, object(), TypeError, "should be a pytorch_lightning.LightningModule"),
        (create_lightning_trainer, pl.LightningModule(), ValueError, "does not define training_step"),
        (create_lightning_evaluator, pl.LightningModule(), ValueError, "does not define validation_step"),
    ],
    ids=["trainer-not-module", "evaluator-not-module", "no-training-step", "no-validation-step"],
)
def test_factories_refuse_what_they_cannot_run(factory: Callable, module: Any, error: Any, message: str) -> None:
    with pytest.raises(error, match=message):
        factory(module)


@pytest.mark.parametrize("attribute", ["optimizers", "manual_backward", "log"])
def test_lightning_helpers_outside_a_run_raise_a_clear_error(attribute: str) -> None:
    engine = Engine(lambda e, b: b)
    with pytest.raises(RuntimeError, match=rf"engine.{attribute} is available while Lightning drives the engine"):
        helper = getattr(engine, attribute)
        helper("loss", 1.0) if attribute == "log" else helper(1.0) if callable(helper) else None


def test_lightning_global_step_follows_the_engine() -> None:
    # no optimizer given to Lightning: its global_step counts the engine's iterations
    engine = Engine(lambda e, b: b)
    engine.run(range(5), max_epochs=2)
    assert engine.lightning_trainer.global_step == 10

    # Lightning-wrapped optimizers: global_step counts their steps, as in any manual optimization
    model = nn.Linear(1, 1)

    def step(engine: Engine, batch: Any) -> None:
        if engine.state.iteration % 2 == 0:
            engine.optimizers[0].step()

    engine = Engine(step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1))
    engine.run(range(5), max_epochs=2)
    assert engine.lightning_trainer.global_step == 5


def test_raw_optimizer_steps_count_as_lightning_steps_when_lightning_knows_the_optimizer() -> None:
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(engine: Engine, batch: Any) -> None:
        if engine.state.iteration % 2 == 0:
            optimizer.step()  # the raw torch optimizer, as Ignite code does

    engine = Engine(step, model=model, optimizers=optimizer)
    engine.run(range(5), max_epochs=2)
    assert engine.lightning_trainer.global_step == 5
    # the step hooks are gone after the run: stepping later counts nothing anywhere
    assert optimizer._optimizer_step_post_hooks == {}


class _OnDevice:
    """Stands for a model whose parameters live on ``device`` (no GPU on the test machines)."""

    def __init__(self, device: str) -> None:
        self.tensor = type("Param", (), {"device": torch.device(device)})()

    def parameters(self) -> Any:
        return iter([self.tensor])

    def buffers(self) -> Any:
        return iter([])


def test_lightning_runs_on_the_models_device_unless_told_otherwise() -> None:
    from bridge.lightning.runner import _trainer_kwargs

    assert _trainer_kwargs(Engine(lambda e, b: b, model=_OnDevice("cuda:1")))["devices"] == [1]
    assert _trainer_kwargs(Engine(lambda e, b: b, model=_OnDevice("cuda:1")))["accelerator"] == "cuda"
    assert _trainer_kwargs(Engine(lambda e, b: b, model=nn.Linear(1, 1)))["accelerator"] == "cpu"
    chosen = Engine(lambda e, b: b, model=_OnDevice("cuda:0"), trainer_kwargs={"accelerator": "cpu"})
    assert _trainer_kwargs(chosen)["accelerator"] == "cpu"


def test_model_and_optimizer_state_go_back_where_they_were() -> None:
    # Lightning's teardown moves the module and optimizer state to the CPU; the runner moves
    # them back to the device they were on before the run ("meta" stands for a GPU here).
    from bridge.lightning.run_setup import restore_placement

    model = nn.Linear(2, 2)
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.ones(1, 2)).sum().backward()
    optimizer.step()
    restore_placement(model, torch.device("meta"), [optimizer])
    assert {p.device.type for p in model.parameters()} == {"meta"}
    state = next(iter(optimizer.state.values()))
    assert state["exp_avg"].device.type == "meta" and state["step"].device.type == "cpu"  # Adam keeps step on CPU


class ManualClassifier(Classifier):
    """The same model with manual optimization: training_step steps its optimizer itself."""

    def __init__(self) -> None:
        super().__init__()
        self.automatic_optimization = False

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        optimizer = self.optimizers()
        optimizer.zero_grad()
        x, y = batch
        loss = nn.functional.cross_entropy(self.net(x), y)
        self.manual_backward(loss)
        optimizer.step()
        self.losses.append(loss.item())
        return loss


def test_create_lightning_trainer_with_manual_optimization_matches_plain_fit() -> None:
    data = make_data()
    plain = ManualClassifier()
    pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, limit_val_batches=0, **QUIET).fit(
        plain, ListLoader(data), val_dataloaders=ListLoader(data)
    )
    ours = ManualClassifier()
    engine = create_lightning_trainer(ours)
    steps: list[int] = []
    engine.add_event_handler(BackpropEvents.OPTIM_STEP_COMPLETED, lambda e: steps.append(e.state.iteration))
    engine.run(data, max_epochs=2)
    assert ours.losses == plain.losses
    assert_same_weights(ours, plain)
    assert steps == list(range(1, 25))


class MomentumRegression(pl.LightningModule):
    """configure_optimizers creates a stateful optimizer: a continued run must keep its momentum."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.layer = nn.Linear(3, 1)
        self.configured = 0

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self) -> Any:
        self.configured += 1
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)


@pytest.mark.parametrize("stop", ["interrupt", "terminate"])
def test_create_lightning_trainer_continued_runs_keep_the_optimizer_state(stop: str) -> None:
    g = torch.Generator().manual_seed(1)
    data = [(torch.randn(4, 3, generator=g), torch.randn(4, 1, generator=g)) for _ in range(5)]
    whole = MomentumRegression()
    create_lightning_trainer(whole).run(data, max_epochs=4)
    pieces = MomentumRegression()
    engine = create_lightning_trainer(pieces)
    if stop == "interrupt":  # mid-epoch; the next run() resumes there
        engine.add_event_handler(Events.ITERATION_COMPLETED(once=7), lambda e: e.interrupt())
        engine.run(data, max_epochs=4)
    else:  # at an epoch end; the next run() continues to max_epochs
        engine.run(data, max_epochs=2)
    assert engine.state.iteration in (7, 10)
    engine.run(data, max_epochs=4)
    assert engine.state.iteration == 20
    assert pieces.configured == 1  # one optimizer for all the engine's runs, as in Ignite
    assert torch.equal(pieces.layer.weight, whole.layer.weight) and torch.equal(pieces.layer.bias, whole.layer.bias)
    assert "configure_optimizers" not in pieces.__dict__  # the module is left as it was


class SavedMomentumRegression(MomentumRegression):
    """The optimizer created once, in __init__, where Ignite's Checkpoint can name it."""

    def __init__(self) -> None:
        super().__init__()
        self.optimizer = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)

    def configure_optimizers(self) -> Any:
        return self.optimizer


def test_create_lightning_trainer_resumes_with_ignites_checkpoint_recipe(tmp_path: Path) -> None:
    """Ignite's resume recipe on a create_lightning_trainer run: new module, optimizer and engine
    objects (as in a new process) loaded from the epoch-2 checkpoint end as the uninterrupted run."""
    from bridge.handlers import Checkpoint, DiskSaver

    g = torch.Generator().manual_seed(1)
    data = [(torch.randn(4, 3, generator=g), torch.randn(4, 1, generator=g)) for _ in range(5)]
    whole = SavedMomentumRegression()
    create_lightning_trainer(whole).run(data, max_epochs=4)

    first = SavedMomentumRegression()
    engine = create_lightning_trainer(first)
    to_save = {"model": first, "optimizer": first.optimizer, "trainer": engine}
    engine.add_event_handler(Events.EPOCH_COMPLETED, Checkpoint(to_save, DiskSaver(tmp_path), n_saved=None))
    engine.run(data, max_epochs=2)

    resumed = SavedMomentumRegression()
    engine = create_lightning_trainer(resumed)
    to_load = {"model": resumed, "optimizer": resumed.optimizer, "trainer": engine}
    Checkpoint.load_objects(to_load, torch.load(tmp_path / "checkpoint_10.pt", weights_only=False))
    assert engine.state.epoch == 2
    engine.run(data, max_epochs=4)
    assert engine.state.iteration == 20
    assert torch.equal(resumed.layer.weight, whole.layer.weight) and torch.equal(resumed.layer.bias, whole.layer.bias)


def test_engine_with_progress_bar_tensorboard_and_deterministic(tmp_path: Path, capfd: Any) -> None:
    from pytorch_lightning.loggers import TensorBoardLogger

    engine = Engine(
        lambda e, b: e.log("value", float(b)),
        trainer_kwargs={
            "enable_progress_bar": True,
            "logger": TensorBoardLogger(tmp_path, name="tb", version=0),
            "log_every_n_steps": 1,
            "deterministic": True,
        },
    )
    engine.run(range(4), max_epochs=2)
    out, err = capfd.readouterr()
    assert "Epoch 1: 100%" in out + err and "4/4" in out + err  # Lightning's TQDM bar drew both epochs
    assert list((tmp_path / "tb" / "version_0").glob("events.out.tfevents.*"))
    assert torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(False)

"""EngineModule: Ignite-style process functions trained by a plain pl.Trainer, with Lightning's tools."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Callable

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from torch.utils.data import DataLoader, TensorDataset

from bridge.engine import BackpropEvents, Engine, Events
from bridge.lightning.callback import EngineCallback
from bridge.lightning.module import EngineModule

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*does not have many workers.*",
    "ignore:.*number of training batches.*",
    "ignore:.*Checkpoint directory.*exists and is not empty.*",
)


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


def regression_data(n: int = 24, batch_size: int = 4) -> DataLoader:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3 + 0.1 * torch.randn(n, 1, generator=generator)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size)


def make_model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


def make_optimizer(model: torch.nn.Module, lr: float = 0.05) -> torch.optim.Optimizer:
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def ignite_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> Callable[[Engine, Any], float]:
    """An Ignite update function, as written for ignite.engine.Engine."""

    def step(engine: Engine, batch: Any) -> float:
        model.train()
        optimizer.zero_grad()
        x, y = batch
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def lightning_wrapped_step(model: torch.nn.Module) -> Callable[[Engine, Any], float]:
    """The same update through Lightning: engine.optimizers and engine.manual_backward."""

    def step(engine: Engine, batch: Any) -> float:
        optimizer = engine.optimizers[0]
        optimizer.zero_grad()
        x, y = batch
        loss = torch.nn.functional.mse_loss(model(x), y)
        engine.manual_backward(loss)
        optimizer.step()
        return loss.item()

    return step


class EpochMean:
    """An Ignite-style metric on the public Engine API: mean of ``state.output`` per epoch."""

    def attach(self, engine: Engine, name: str) -> None:
        engine.add_event_handler(Events.EPOCH_STARTED, self.reset)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.update)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.completed, name)

    def reset(self) -> None:
        self.values: list[float] = []

    def update(self, engine: Engine) -> None:
        self.values.append(float(engine.state.output))

    def completed(self, engine: Engine, name: str) -> None:
        engine.state.metrics[name] = sum(self.values) / len(self.values)


# ----------------------------------------------------------------------------------- parity


@pytest.mark.parametrize("style", ["ignite", "ignite_optimizer_not_given", "lightning_wrapped"])
def test_parity_with_a_plain_pytorch_loop(style: str) -> None:
    epochs = 3
    loader = regression_data()

    # (a) plain PyTorch
    model_a = make_model()
    optimizer_a = make_optimizer(model_a)
    losses_a = []
    for _ in range(epochs):
        for x, y in loader:
            optimizer_a.zero_grad()
            loss = torch.nn.functional.mse_loss(model_a(x), y)
            loss.backward()
            optimizer_a.step()
            losses_a.append(loss.item())

    # (b) a plain pl.Trainer with EngineModule
    model_b = make_model()
    optimizer_b = make_optimizer(model_b)
    step = lightning_wrapped_step(model_b) if style == "lightning_wrapped" else ignite_step(model_b, optimizer_b)
    module = EngineModule(step, model_b, None if style == "ignite_optimizer_not_given" else optimizer_b)
    losses_b: list[float] = []
    module.engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: losses_b.append(e.state.output))
    trainer = quiet_trainer(max_epochs=epochs)
    trainer.fit(module, loader)

    assert losses_b == losses_a
    for p_a, p_b in zip(model_a.parameters(), model_b.parameters()):
        torch.testing.assert_close(p_b, p_a, atol=1e-6, rtol=0)
    assert module.model is model_b
    assert (module.engine.state.epoch, module.engine.state.iteration) == (epochs, epochs * len(loader))
    # raw and Lightning-wrapped optimizer steps count once each in Lightning's step counter;
    # with no optimizer given to Lightning, each iteration counts
    assert trainer.global_step == epochs * len(loader)


# ----------------------------------------------------------------------------------- Lightning callbacks


def test_model_checkpoint_monitors_an_ignite_metric_and_files_load_back(tmp_path: Path) -> None:
    model = make_model()
    optimizer = make_optimizer(model, lr=0.02)
    module = EngineModule(ignite_step(model, optimizer), model, optimizer)
    EpochMean().attach(module.engine, "epoch_loss")
    snapshots: dict[int, dict] = {}

    @module.engine.on(Events.EPOCH_COMPLETED)
    def snapshot(engine: Engine) -> None:
        snapshots[engine.state.epoch] = {k: v.clone() for k, v in model.state_dict().items()}

    losses: dict[int, float] = {}
    module.engine.add_event_handler(
        Events.EPOCH_COMPLETED, lambda e: losses.__setitem__(e.state.epoch, e.state.metrics["epoch_loss"])
    )
    checkpoint = ModelCheckpoint(
        dirpath=tmp_path, monitor="epoch_loss", mode="min", save_top_k=1, save_last=True, filename="{epoch}-{epoch_loss:.4f}"
    )
    quiet_trainer(max_epochs=3, callbacks=[checkpoint], enable_checkpointing=True).fit(module, regression_data())

    best_epoch = min(losses, key=losses.__getitem__)
    best_name = f"epoch={best_epoch - 1}-epoch_loss={losses[best_epoch]:.4f}.ckpt"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([best_name, "last.ckpt"])
    assert float(checkpoint.best_model_score) == pytest.approx(losses[best_epoch], rel=1e-6)

    for path, epoch in ((checkpoint.best_model_path, best_epoch), (tmp_path / "last.ckpt", 3)):
        saved = torch.load(path, map_location="cpu", weights_only=False)
        assert set(saved["state_dict"]) == {f"model.{k}" for k in model.state_dict()}
        restored = make_model(seed=123)
        restored.load_state_dict({k[len("model."):]: v for k, v in saved["state_dict"].items()})
        for name, value in restored.state_dict().items():
            assert torch.equal(value, snapshots[epoch][name]), (path, name)


def test_early_stopping_on_a_metric_written_by_a_handler() -> None:
    scores = [3.0, 2.0, 1.0, 1.0, 1.5, 0.9, 0.8]  # improves for 3 epochs, then plateaus
    model = make_model()
    optimizer = make_optimizer(model)
    module = EngineModule(ignite_step(model, optimizer), model, optimizer)
    module.engine.add_event_handler(
        Events.EPOCH_COMPLETED, lambda e: e.state.metrics.__setitem__("score", scores[e.state.epoch - 1])
    )
    trace: list = []
    for event in (Events.EPOCH_COMPLETED, Events.TERMINATE, Events.COMPLETED):
        module.engine.add_event_handler(event, lambda e, ev=event: trace.append((ev.name, e.state.epoch)))
    stopper = EarlyStopping(monitor="score", patience=2, mode="min")
    trainer = quiet_trainer(max_epochs=len(scores), callbacks=[stopper])
    trainer.fit(module, regression_data(8, 4))

    assert trainer.current_epoch == 5 and stopper.stopped_epoch == 4
    assert float(stopper.best_score) == 1.0
    assert trace[-3:] == [("EPOCH_COMPLETED", 5), ("TERMINATE", 5), ("COMPLETED", 5)]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path) as f:
        return list(csv.DictReader(f))


def test_csv_logger_lr_monitor_and_engine_log(tmp_path: Path) -> None:
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    update = ignite_step(model, optimizer)

    def step(engine: Engine, batch: Any) -> float:
        loss = update(engine, batch)
        engine.log("loss", loss)  # per step, to the Lightning loggers
        return loss

    module = EngineModule(step, model, {"optimizer": optimizer, "lr_scheduler": scheduler})
    EpochMean().attach(module.engine, "epoch_loss")
    module.engine.add_event_handler(Events.EPOCH_COMPLETED, lambda: scheduler.step())  # stepped the Ignite way
    outputs: list[float] = []
    module.engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    epoch_losses: list[float] = []
    module.engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: epoch_losses.append(e.state.metrics["epoch_loss"]))

    logger = CSVLogger(tmp_path, name="run", version=0)
    trainer = quiet_trainer(
        max_epochs=3, logger=logger, log_every_n_steps=1, callbacks=[LearningRateMonitor(logging_interval="epoch")]
    )
    trainer.fit(module, regression_data(12, 4))

    rows = read_csv(tmp_path / "run" / "version_0" / "metrics.csv")
    assert [float(r["loss"]) for r in rows if r["loss"]] == pytest.approx(outputs, rel=1e-6)
    assert [float(r["epoch_loss"]) for r in rows if r["epoch_loss"]] == pytest.approx(epoch_losses, rel=1e-6)
    assert [float(r["lr-SGD"]) for r in rows if r["lr-SGD"]] == pytest.approx([0.1, 0.05, 0.025])
    # state.metrics values that came from Lightning ("loss") are not logged back at epoch end
    assert len([r for r in rows if r["loss"]]) == 9


def test_tensorboard_logger_gets_the_ignite_metrics(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    model = make_model()
    optimizer = make_optimizer(model)
    module = EngineModule(ignite_step(model, optimizer), model, optimizer)
    EpochMean().attach(module.engine, "epoch_loss")
    epoch_losses: list[float] = []
    module.engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: epoch_losses.append(e.state.metrics["epoch_loss"]))
    logger = TensorBoardLogger(tmp_path, name="tb", version=0)
    quiet_trainer(max_epochs=2, logger=logger).fit(module, regression_data(12, 4))

    events = EventAccumulator(str(tmp_path / "tb" / "version_0"))
    events.Reload()
    assert [e.value for e in events.Scalars("epoch_loss")] == pytest.approx(epoch_losses, rel=1e-6)


def test_progress_bar_shows_epochs_and_values_logged_for_it(capsys: Any) -> None:
    model = make_model()
    optimizer = make_optimizer(model)
    update = ignite_step(model, optimizer)

    def step(engine: Engine, batch: Any) -> float:
        loss = update(engine, batch)
        engine.log("train_loss", loss, prog_bar=True)
        return loss

    trainer = quiet_trainer(max_epochs=2, enable_progress_bar=True)
    trainer.fit(EngineModule(step, model, optimizer), regression_data(12, 4))
    captured = capsys.readouterr()
    bar = captured.out + captured.err
    assert "Epoch 0: 100%" in bar and "Epoch 1: 100%" in bar
    assert "3/3" in bar and "train_loss=" in bar


def test_bf16_mixed_precision_wraps_the_process_function() -> None:
    model = make_model()
    optimizer = make_optimizer(model)
    dtypes: list[torch.dtype] = []

    def step(engine: Engine, batch: Any) -> float:
        x, y = batch
        prediction = model(x)
        dtypes.append(prediction.dtype)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(prediction.float(), y)
        engine.manual_backward(loss)
        optimizer.step()
        return loss.item()

    quiet_trainer(max_epochs=1, precision="bf16-mixed").fit(EngineModule(step, model, optimizer), regression_data(8, 4))
    assert dtypes == [torch.bfloat16, torch.bfloat16]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_gpu_moves_model_and_batches() -> None:
    model = make_model()
    optimizer = make_optimizer(model)
    seen: list = []

    def step(engine: Engine, batch: Any) -> float:
        seen.append((batch[0].device.type, engine.state.batch[0].device.type, next(model.parameters()).device.type))
        return ignite_step(model, optimizer)(engine, batch)

    quiet_trainer(max_epochs=1, accelerator="gpu", devices=1).fit(EngineModule(step, model, optimizer), regression_data(8, 4))
    assert seen == [("cuda", "cuda", "cuda")] * 2


# ----------------------------------------------------------------------------------- engine behaviour


class RecordOutputs(pl.Callback):
    def __init__(self) -> None:
        self.outputs: list = []

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.outputs.append(outputs)


def test_state_output_keeps_the_real_output_lightning_gets_what_it_accepts() -> None:
    model = make_model()
    optimizer = make_optimizer(model)
    update = ignite_step(model, optimizer)
    kinds = iter(["tuple", "dict_float", "tensor", "dict_tensor"])

    def step(engine: Engine, batch: Any) -> Any:
        loss = update(engine, batch)
        kind = next(kinds)
        return {
            "tuple": (loss, "tag"),
            "dict_float": {"loss": loss},
            "tensor": torch.tensor(loss),
            "dict_tensor": {"loss": torch.tensor(loss), "n": 4},
        }[kind]

    module = EngineModule(step, model, optimizer)
    outputs: list = []
    module.engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    recorder = RecordOutputs()
    quiet_trainer(max_epochs=1, callbacks=[recorder]).fit(module, regression_data(16, 4))

    assert isinstance(outputs[0], tuple) and outputs[0][1] == "tag"
    assert isinstance(outputs[1], dict) and isinstance(outputs[1]["loss"], float)
    assert torch.is_tensor(outputs[2]) and outputs[3]["n"] == 4
    assert recorder.outputs[0] == {} and recorder.outputs[1] == {}  # Lightning got None
    assert float(recorder.outputs[2]["loss"]) == float(outputs[2])
    assert recorder.outputs[3]["n"] == 4


def test_terminate_at_iteration_started_runs_no_step_and_event_order() -> None:
    calls: list[int] = []
    model = make_model()
    optimizer = make_optimizer(model)
    update = ignite_step(model, optimizer)

    def step(engine: Engine, batch: Any) -> float:
        calls.append(engine.state.iteration)
        return update(engine, batch)

    module = EngineModule(step, model, optimizer)
    module.engine.add_event_handler(Events.ITERATION_STARTED(once=5), lambda e: e.terminate())
    trace: list = []
    traced = (Events.ITERATION_STARTED, Events.ITERATION_COMPLETED, Events.EPOCH_COMPLETED, Events.TERMINATE, Events.COMPLETED)
    for event in traced:
        module.engine.add_event_handler(event, lambda e, ev=event: trace.append((ev.name, e.state.iteration)))
    trainer = quiet_trainer(max_epochs=5)
    trainer.fit(module, regression_data(12, 4))

    assert calls == [1, 2, 3, 4]  # as in Ignite, the process function does not run after terminate()
    assert trace[-4:] == [("ITERATION_COMPLETED", 4), ("ITERATION_STARTED", 5), ("TERMINATE", 5), ("COMPLETED", 5)]
    assert module.engine.state.epoch == 2 and trainer.current_epoch == 2  # stopped in the second epoch


def test_backprop_events_with_engine_manual_backward() -> None:
    model = make_model()
    optimizer = make_optimizer(model)
    module = EngineModule(lightning_wrapped_step(model), model, optimizer)
    every_4: list = []
    module.engine.add_event_handler(
        BackpropEvents.BACKWARD_COMPLETED(every=4),
        lambda e: every_4.append((e.state.backward_completed, e.state.iteration)),
    )
    order: list = []
    for event in (Events.ITERATION_STARTED, *BackpropEvents, Events.ITERATION_COMPLETED):
        module.engine.add_event_handler(event, lambda e, ev=event: order.append(ev.name))
    quiet_trainer(max_epochs=2).fit(module, regression_data(16, 4))

    assert every_4 == [(4, 4), (8, 8)]
    state = module.engine.state
    assert (state.backward_started, state.optim_step_started, state.optim_step_completed) == (8, 8, 8)
    assert order[:6] == [
        "ITERATION_STARTED",
        "BACKWARD_STARTED",
        "BACKWARD_COMPLETED",
        "OPTIM_STEP_STARTED",
        "OPTIM_STEP_COMPLETED",
        "ITERATION_COMPLETED",
    ]


def test_configure_callbacks_and_optimizer_forms() -> None:
    model = make_model()
    optimizer = make_optimizer(model)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    module = EngineModule(ignite_step(model, optimizer), model, optimizer)
    assert module.configure_callbacks() == [module.callback]
    assert isinstance(module.callback, EngineCallback) and module.engine is module.callback.train
    assert module.configure_optimizers() is optimizer
    for config in ([optimizer], ([optimizer], [scheduler]), {"optimizer": optimizer, "lr_scheduler": scheduler}):
        assert EngineModule(lambda e, b: None, model, config).configure_optimizers() is config
    assert EngineModule(lambda e, b: None).configure_optimizers() == []
    x = torch.ones(2, 3)
    assert torch.equal(module(x), model(x))


# ----------------------------------------------------------------------------------- bad input


def test_bad_input_is_refused_with_clear_errors() -> None:
    model = make_model()
    optimizer = make_optimizer(model)
    with pytest.raises(ValueError, match="process_function.*takes parameters \\['batch'\\]"):
        EngineModule(lambda batch: batch, model, optimizer)
    with pytest.raises(TypeError, match="process_function=.*must be callable"):
        EngineModule(None, model, optimizer)  # type: ignore[arg-type]
    for bad in ("sgd", model, [optimizer, "sgd"], {"lr_scheduler": None}, 0.1):
        with pytest.raises(TypeError, match=r"optimizers=\.\.\.\) must be an optimizer"):
            EngineModule(lambda e, b: None, model, bad)
    with pytest.raises(TypeError, match=r"model=\.\.\.\) must be a torch.nn.Module or None; got str"):
        EngineModule(lambda e, b: None, "model", optimizer)  # type: ignore[arg-type]
    module = EngineModule(lambda e, b: None, model, optimizer)
    with pytest.raises(RuntimeError, match="instead of run"):
        module.engine.run([1, 2])
    with pytest.raises(RuntimeError, match="while Lightning drives the engine"):
        module.engine.log("x", 1.0)  # not fitting

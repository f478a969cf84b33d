"""Lightning's resume recipe, ``trainer.fit(..., ckpt_path=...)``, with Ignite handlers on the engines.

A fit of 2 epochs whose Lightning checkpoint a new Trainer (and new module, callback and
handlers, as a new process builds them) resumes ends as the uninterrupted fit: the same
weights, the same EarlyStopping counter and stop epoch, the same param scheduler values, the
same RunningAverage, the same Timer step count. EngineCallback's ``state_dict`` carries the
handlers' state in the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader, TensorDataset

from bridge.engine import Engine, Events
from bridge.handlers import EarlyStopping, LinearCyclicalScheduler, Timer
from bridge.lightning import EngineCallback, EngineModule
from bridge.metrics import MeanSquaredError, RunningAverage

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*does not have many workers.*",
    "ignore:.*Checkpoint directory.*exists and is not empty.*",
    "ignore:.*number of training batches.*",
)


def quiet_trainer(**kwargs: Any) -> pl.Trainer:
    options: dict[str, Any] = dict(
        accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0
    )
    return pl.Trainer(**{**options, **kwargs})


def data(n: int = 56, batch_size: int = 8) -> DataLoader:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(n, 1, generator=generator)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size)  # 7 batches, always in this order


@dataclass
class Run:
    module: pl.LightningModule
    engine: Engine
    stopper: EarlyStopping
    timer: Timer
    lrs: list[float]
    stopped_at: list[int]


def engine_module_run() -> Run:
    """An EngineModule with an Ignite step and handlers: a scheduler, a RunningAverage, EarlyStopping, a Timer."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def step(engine: Engine, batch: Any) -> float:
        x, y = batch
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    module = EngineModule(step, model, optimizer)
    engine = module.engine
    # a cycle of 10 iterations, 7 an epoch: a resumed scheduler restarting its cycle would show at once
    engine.add_event_handler(Events.ITERATION_STARTED, LinearCyclicalScheduler(optimizer, "lr", 0.01, 0.05, 10))
    lrs: list[float] = []
    engine.add_event_handler(Events.ITERATION_STARTED, lambda: lrs.append(optimizer.param_groups[0]["lr"]))
    RunningAverage(output_transform=lambda loss: loss, alpha=0.7).attach(engine, "avg_loss")
    # min_delta larger than any improvement: epoch 1 sets the best score, epochs 2-4 count, epoch 4 stops
    stopper = EarlyStopping(3, lambda e: -e.state.metrics["avg_loss"], engine, threshold=100.0)
    engine.add_event_handler(Events.EPOCH_COMPLETED, stopper)
    stopped_at: list[int] = []
    engine.add_event_handler(Events.TERMINATE, lambda e: stopped_at.append(e.state.epoch))
    timer = Timer().attach(engine, start=Events.STARTED, step=Events.ITERATION_COMPLETED)
    return Run(module, engine, stopper, timer, lrs, stopped_at)


def fit(run: Run, max_epochs: int, checkpoints: Optional[Path] = None, ckpt_path: Optional[Path] = None) -> None:
    callbacks = [ModelCheckpoint(dirpath=checkpoints, save_last=True)] if checkpoints else []
    trainer = quiet_trainer(max_epochs=max_epochs, callbacks=callbacks, enable_checkpointing=bool(callbacks))
    trainer.fit(run.module, data(), ckpt_path=ckpt_path)


def weights(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def test_engine_module_resumed_with_ckpt_path_ends_as_the_uninterrupted_fit(tmp_path: Path) -> None:
    whole = engine_module_run()
    fit(whole, max_epochs=6)
    assert whole.stopped_at == [4] and whole.engine.state.iteration == 28 and whole.stopper.counter == 3

    first = engine_module_run()
    fit(first, max_epochs=2, checkpoints=tmp_path)
    saved = torch.load(tmp_path / "last.ckpt", weights_only=True)["callbacks"]["EngineCallback"]
    assert sorted(saved["handlers"]) == [
        "train.EarlyStopping.0", "train.LinearCyclicalScheduler.0", "train.RunningAverage.0", "train.Timer.0"
    ]  # fmt: skip
    assert saved["handlers"]["train.EarlyStopping.0"]["counter"] == 1

    resumed = engine_module_run()  # what a new process builds
    fit(resumed, max_epochs=6, ckpt_path=tmp_path / "last.ckpt")
    assert resumed.stopped_at == [4] and resumed.stopper.counter == whole.stopper.counter
    assert (resumed.engine.state.epoch, resumed.engine.state.iteration) == (4, 28)
    assert resumed.stopper.best_score == whole.stopper.best_score
    assert resumed.lrs == whole.lrs[14:]  # epochs 3 and 4: the scheduler went on
    assert resumed.engine.state.metrics["avg_loss"] == whole.engine.state.metrics["avg_loss"]
    assert resumed.timer.step_count == whole.timer.step_count == 28
    for got, want in zip(weights(resumed.module), weights(whole.module)):
        assert torch.equal(got, want)


class Regression(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Linear(3, 1)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def validation_step(self, batch: Any, batch_idx: int) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        x, y = batch
        return self.net(x), y

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.02, momentum=0.5)


def callback_run() -> tuple[Regression, EngineCallback, EarlyStopping, list[int]]:
    """A plain LightningModule; an Ignite metric and EarlyStopping on the callback's validation engine."""
    callback = EngineCallback()
    MeanSquaredError().attach(callback.validation, "mse")
    stopper = EarlyStopping(2, lambda e: -e.state.metrics["mse"], callback.train, threshold=100.0)
    callback.validation.add_event_handler(Events.COMPLETED, stopper)
    stopped_at: list[int] = []
    callback.train.add_event_handler(Events.TERMINATE, lambda e: stopped_at.append(e.state.epoch))
    return Regression(), callback, stopper, stopped_at


def test_engine_callback_on_a_plain_trainer_resumes_its_validation_handlers(tmp_path: Path) -> None:
    module, callback, stopper, stopped_at = callback_run()
    quiet_trainer(max_epochs=5, callbacks=[callback], enable_checkpointing=False).fit(module, data(), data(16))
    assert stopped_at == [3] and stopper.counter == 2

    first_module, first, _, _ = callback_run()
    quiet_trainer(max_epochs=2, callbacks=[first, ModelCheckpoint(dirpath=tmp_path, save_last=True)]).fit(
        first_module, data(), data(16)
    )
    resumed_module, resumed, resumed_stopper, resumed_stopped_at = callback_run()
    quiet_trainer(max_epochs=5, callbacks=[resumed], enable_checkpointing=False).fit(
        resumed_module, data(), data(16), ckpt_path=tmp_path / "last.ckpt"
    )
    assert resumed_stopped_at == [3] and resumed_stopper.counter == 2
    assert resumed_stopper.best_score == stopper.best_score
    assert resumed.validation.state.metrics["mse"] == callback.validation.state.metrics["mse"]
    for got, want in zip(weights(resumed_module), weights(module)):
        assert torch.equal(got, want)


def test_handlers_that_do_not_match_the_checkpoint_are_named(tmp_path: Path) -> None:
    first_module, first, _, _ = callback_run()
    quiet_trainer(max_epochs=1, callbacks=[first, ModelCheckpoint(dirpath=tmp_path, save_last=True)]).fit(
        first_module, data(), data(16)
    )
    callback = EngineCallback()  # no EarlyStopping now, a Timer instead
    MeanSquaredError().attach(callback.validation, "mse")  # not in checkpoints: each validation run resets it
    Timer().attach(callback.train)
    with pytest.warns(UserWarning, match=r"not attached now \['validation.EarlyStopping.0'\].*\['train.Timer.0'\]"):
        quiet_trainer(max_epochs=2, callbacks=[callback], enable_checkpointing=False).fit(
            Regression(), data(), data(16), ckpt_path=tmp_path / "last.ckpt"
        )

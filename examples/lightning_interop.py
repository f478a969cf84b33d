"""Ignite code and Lightning code driving the same model, in both directions, on digits.

1. An Ignite-style trainer Engine with Lightning's CSVLogger and ModelCheckpoint.
2. The same process function in a plain ``pl.Trainer`` through ``EngineModule``, with
   Lightning's EarlyStopping and LearningRateMonitor.
3. A LightningModule in a plain ``pl.Trainer`` with ``EngineCallback``: Ignite handlers
   (an early-stopping rule, backprop events with a filter) on Lightning's loops.
4. The same LightningModule as Ignite engines: ``create_lightning_trainer`` and
   ``create_lightning_evaluator`` in Ignite's FAQ pattern.

    python examples/lightning_interop.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from bridge.engine import BackpropEvents, Engine, Events
from bridge.lightning import EngineCallback, EngineModule, create_lightning_evaluator, create_lightning_trainer

QUIET = {"logger": False, "enable_checkpointing": False, "enable_progress_bar": False, "enable_model_summary": False}
# Parts 2 and 3 use a plain pl.Trainer, which prints device info and tips: keep the output to our lines.
logging.getLogger("pytorch_lightning").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")  # Lightning 2.x on newer torch


def loaders(seed: int = 0) -> tuple[DataLoader, DataLoader]:
    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x / 16.0, dtype=torch.float32)
    y = torch.tensor(y)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train, val = order[:1400], order[1400:]
    generator = torch.Generator().manual_seed(seed)
    return (
        DataLoader(TensorDataset(x[train], y[train]), batch_size=64, shuffle=True, generator=generator),
        DataLoader(TensorDataset(x[val], y[val]), batch_size=256),
    )


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def accuracy(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    with torch.no_grad():
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    return correct / len(loader.dataset)  # type: ignore[arg-type]


def ignite_engine_with_lightning_tools(out: Path) -> None:
    train_loader, val_loader = loaders()
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)

    def train_step(engine: Engine, batch: Any) -> float:
        model.train()
        x, y = batch
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    trainer = Engine(
        train_step,
        model=model,
        trainer_kwargs={
            "logger": CSVLogger(out, name="engine", version=0),
            "enable_checkpointing": True,
            "log_every_n_steps": 10,
        },
        callbacks=[ModelCheckpoint(dirpath=out / "engine-checkpoints", monitor="val_acc", mode="max")],
    )

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        engine.state.metrics["val_acc"] = accuracy(model, val_loader)  # logged to CSV at epoch end

    trainer.run(train_loader, max_epochs=4)
    with open(out / "engine" / "version_0" / "metrics.csv") as f:
        logged = [round(float(row["val_acc"]), 4) for row in csv.DictReader(f) if row.get("val_acc")]
    checkpoints = sorted(p.name for p in (out / "engine-checkpoints").iterdir())
    print(f"1. Engine + CSVLogger + ModelCheckpoint: val_acc per epoch {logged}, best checkpoint {checkpoints}")


def engine_module_in_a_plain_trainer(out: Path) -> None:
    train_loader, val_loader = loaders()
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

    def train_step(engine: Engine, batch: Any) -> float:
        x, y = batch
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    module = EngineModule(train_step, model, {"optimizer": optimizer, "lr_scheduler": scheduler})

    @module.engine.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        engine.state.metrics["val_acc"] = accuracy(model, val_loader)

    lr_monitor = LearningRateMonitor()
    trainer = pl.Trainer(
        max_epochs=20,
        callbacks=[EarlyStopping(monitor="val_acc", mode="max", patience=2), lr_monitor],
        log_every_n_steps=10,
        **{**QUIET, "logger": CSVLogger(out, name="module", version=0)},
    )
    trainer.fit(module, train_loader)
    print(
        f"2. EngineModule in pl.Trainer: EarlyStopping stopped after {trainer.current_epoch} epochs, "
        f"val_acc {module.engine.state.metrics['val_acc']:.4f}"
    )


class DigitsModule(pl.LightningModule):
    """An ordinary LightningModule, written with no knowledge of Ignite or bridge."""

    def __init__(self) -> None:
        super().__init__()
        self.net = mlp()

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return nn.functional.cross_entropy(self.net(x), y)

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        x, y = batch
        self.log("val_acc", (self.net(x).argmax(1) == y).float().mean())

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.2, momentum=0.9)


def ignite_handlers_on_a_lightning_trainer() -> None:
    train_loader, val_loader = loaders()
    ignite = EngineCallback()
    best, patience, bad_epochs = 0.0, 2, 0
    backward_passes: list[int] = []

    @ignite.validation.on(Events.COMPLETED)
    def early_stopping(engine: Engine) -> None:
        nonlocal best, bad_epochs
        score = engine.state.metrics["val_acc"]
        best, bad_epochs = (score, 0) if score > best else (best, bad_epochs + 1)
        if bad_epochs >= patience:
            ignite.train.terminate()

    @ignite.train.on(BackpropEvents.BACKWARD_COMPLETED(every=50))
    def count(engine: Engine) -> None:
        backward_passes.append(engine.state.backward_completed)

    trainer = pl.Trainer(max_epochs=20, callbacks=[ignite], num_sanity_val_steps=0, **QUIET)
    trainer.fit(DigitsModule(), train_loader, val_loader)
    print(
        f"3. EngineCallback on pl.Trainer: Ignite early stopping at epoch {ignite.train.state.epoch}, "
        f"best val_acc {best:.4f}, backward passes seen every 50: {backward_passes[:4]}..."
    )


def lightning_module_as_ignite_engines() -> None:
    train_loader, val_loader = loaders()
    module = DigitsModule()
    trainer = create_lightning_trainer(module)
    evaluator = create_lightning_evaluator(module)
    scores: list[float] = []

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        scores.append(round(evaluator.run(val_loader).metrics["val_acc"], 4))

    trainer.run(train_loader, max_epochs=3)
    print(f"4. create_lightning_trainer + create_lightning_evaluator: val_acc per epoch {scores}")


def main(out: Path) -> None:
    ignite_engine_with_lightning_tools(out)
    engine_module_in_a_plain_trainer(out)
    ignite_handlers_on_a_lightning_trainer()
    lightning_module_as_ignite_engines()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="where logs and checkpoints go (default: a temp dir)")
    args = parser.parse_args()
    main(args.out or Path(tempfile.mkdtemp(prefix="bridge-interop-")))

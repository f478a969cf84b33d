"""Ignite's FAQ pattern on bridge: trainer + evaluator, early stopping, best-model checkpoint.

A supervised trainer and evaluator on scikit-learn's digits; the evaluator runs at each
trainer epoch end; ``EarlyStopping`` and a best-model ``ModelCheckpoint`` are attached to
the evaluator's COMPLETED; ``Accuracy`` and ``Loss`` are the metrics; ``ProgressBar`` shows
the training loss. The code is plain Ignite: replace ``bridge`` by ``ignite`` in the imports
and it runs on pytorch-ignite.

    python examples/faq_digits.py [--epochs 30] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from bridge.engine import Events, create_supervised_evaluator, create_supervised_trainer
from bridge.handlers import EarlyStopping, ModelCheckpoint, ProgressBar, global_step_from_engine
from bridge.metrics import Accuracy, Loss


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


def main(epochs: int, out: Path, progress: bool = True) -> dict[str, float]:
    """Train until early stopping (or ``epochs``); return the best validation metrics."""
    torch.manual_seed(0)
    train_loader, val_loader = loaders()
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    trainer = create_supervised_trainer(model, optimizer, loss_fn)
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "loss": Loss(loss_fn)})
    if progress:
        ProgressBar(persist=False).attach(trainer, output_transform=lambda loss: {"loss": loss})

    history: list[dict[str, float]] = []

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine) -> None:
        metrics = evaluator.run(val_loader).metrics
        history.append(dict(metrics))
        print(f"epoch {engine.state.epoch:2d}  val accuracy {metrics['accuracy']:.4f}  val loss {metrics['loss']:.4f}")

    def score(engine) -> float:
        return engine.state.metrics["accuracy"]

    evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(patience=3, score_function=score, trainer=trainer))
    best = ModelCheckpoint(
        out,
        filename_prefix="best",
        n_saved=1,
        score_function=score,
        score_name="accuracy",
        global_step_transform=global_step_from_engine(trainer),
        require_empty=False,
    )
    evaluator.add_event_handler(Events.COMPLETED, best, {"model": model})

    trainer.run(train_loader, max_epochs=epochs)
    best_epoch = max(range(len(history)), key=lambda i: history[i]["accuracy"])
    print(f"stopped after {trainer.state.epoch} epochs; best checkpoint {best.last_checkpoint.name}")
    return history[best_epoch]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=None, help="checkpoint directory (default: a temp dir)")
    args = parser.parse_args()
    main(args.epochs, args.out or Path(tempfile.mkdtemp(prefix="bridge-faq-")))

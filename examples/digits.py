"""Train a small MLP on scikit-learn's digits with Ignite-style code, looped by Lightning.

The trainer and the evaluator are bridge Engines: each ``run`` executes inside a
``pytorch_lightning.Trainer``. The evaluator runs from the trainer's EPOCH_COMPLETED
handler, the first pattern of Ignite's FAQ.

    python examples/digits.py --epochs 10
"""

from __future__ import annotations

import argparse

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from bridge.engine import Engine, Events


def make_loaders(batch_size: int, seed: int) -> tuple[DataLoader, DataLoader]:
    """Digits (8x8 images, 10 classes) split 80/20, pixels scaled to [0, 1]."""
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x / 16.0, y, test_size=0.2, random_state=seed, stratify=y)

    def tensors(a, b):
        return TensorDataset(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.long))

    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(tensors(x_train, y_train), batch_size=batch_size, shuffle=True, generator=generator)
    val = DataLoader(tensors(x_val, y_val), batch_size=256)
    return train, val


def main(epochs: int = 10, batch_size: int = 32, lr: float = 0.1, seed: int = 0) -> dict[str, float]:
    """Train, print one line per epoch, and return the last epoch's metrics."""
    torch.manual_seed(seed)
    train_loader, val_loader = make_loaders(batch_size, seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def train_step(engine: Engine, batch: tuple[torch.Tensor, torch.Tensor]) -> float:
        model.train()
        x, y = batch
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def eval_step(engine: Engine, batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[int, int]:
        model.eval()
        x, y = batch
        with torch.no_grad():
            correct = (model(x).argmax(dim=1) == y).sum().item()
        return correct, len(y)

    trainer = Engine(train_step)
    evaluator = Engine(eval_step)

    @trainer.on(Events.EPOCH_STARTED)
    def reset_running_loss(engine: Engine) -> None:
        engine.state.loss_sum = 0.0

    @trainer.on(Events.ITERATION_COMPLETED)
    def accumulate_loss(engine: Engine) -> None:
        engine.state.loss_sum += engine.state.output

    @evaluator.on(Events.STARTED)
    def reset_counts(engine: Engine) -> None:
        engine.state.correct = engine.state.seen = 0

    @evaluator.on(Events.ITERATION_COMPLETED)
    def count(engine: Engine) -> None:
        correct, seen = engine.state.output
        engine.state.correct += correct
        engine.state.seen += seen

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        state = evaluator.run(val_loader)
        engine.state.metrics = {
            "loss": engine.state.loss_sum / engine.state.epoch_length,
            "accuracy": state.correct / state.seen,
        }
        m = engine.state.metrics
        print(f"epoch {engine.state.epoch:2d}  train loss {m['loss']:.4f}  val accuracy {m['accuracy']:.4f}")

    trainer.run(train_loader, max_epochs=epochs)
    print(f"trained {trainer.state.iteration} iterations in a {type(trainer.lightning_trainer).__name__}")
    return trainer.state.metrics


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.epochs, args.batch_size, args.lr, args.seed)

"""bridge's quick start: an Ignite training script, looped by Lightning, logged by a Lightning logger.

The training code is Ignite's, line for line: ``create_supervised_trainer`` / ``_evaluator``,
``Accuracy`` and ``Loss``, a ``ProgressBar``, ``EarlyStopping`` and a best-model
``ModelCheckpoint`` on the evaluator. What bridge adds is two Lightning lines: the trainer's
``trainer_kwargs={"logger": csv_logger}`` (every ``trainer.run`` is a real ``pl.Trainer`` fit,
with that logger), and ``LightningLogger(csv_logger)``, which makes Ignite's logging handlers
write into the same Lightning CSV file. At the end the CSV is read back and drawn as
``curves.png``. Data: scikit-learn's digits, which ship inside scikit-learn.

    python examples/quickstart.py [--epochs 30] [--out runs/quickstart]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import torch
from pytorch_lightning.loggers import CSVLogger
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from bridge.engine import Events, create_supervised_evaluator, create_supervised_trainer
from bridge.handlers import EarlyStopping, ModelCheckpoint, ProgressBar, global_step_from_engine
from bridge.lightning import LightningLogger
from bridge.metrics import Accuracy, Loss


def loaders(seed: int = 0) -> tuple[DataLoader, DataLoader]:
    """Digits (8x8 images, 10 classes): 1,400 to train on, the other 397 to validate."""
    x, y = load_digits(return_X_y=True)
    x, y = torch.tensor(x / 16.0, dtype=torch.float32), torch.tensor(y)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train, val = order[:1400], order[1400:]
    return (
        DataLoader(TensorDataset(x[train], y[train]), batch_size=64, shuffle=True,
                   generator=torch.Generator().manual_seed(seed)),
        DataLoader(TensorDataset(x[val], y[val]), batch_size=256),
    )  # fmt: skip


def plot(metrics_csv: Path, png: Path) -> None:
    """Training loss per logged step, validation loss and accuracy per epoch, from Lightning's CSV."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    series: dict[str, list[tuple[int, float]]] = {}
    with open(metrics_csv) as f:
        for row in csv.DictReader(f):
            for name, value in row.items():
                if value and name not in ("step", "epoch"):
                    series.setdefault(name, []).append((int(row["step"]), float(value)))
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.6))
    for name, label in (("train/loss", "training loss"), ("validation/loss", "validation loss")):
        steps, values = zip(*series[name])
        loss_ax.plot(steps, values, label=label, marker="o" if name.startswith("validation") else None)
    steps, values = zip(*series["validation/accuracy"])
    acc_ax.plot(steps, values, marker="o", color="tab:green")
    loss_ax.set(xlabel="iteration", ylabel="cross-entropy", title="Loss")
    acc_ax.set(xlabel="iteration", ylabel="accuracy", title="Validation accuracy")
    loss_ax.legend()
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def main(epochs: int = 30, out: Path = Path("runs/quickstart"), progress: bool = True) -> dict[str, float]:
    """Train until early stopping; write the checkpoint, the CSV log and ``curves.png`` under ``out``."""
    torch.manual_seed(0)
    train_loader, val_loader = loaders()
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    csv_logger = CSVLogger(out / "logs", name="quickstart")

    trainer = create_supervised_trainer(model, optimizer, loss_fn, trainer_kwargs={"logger": csv_logger, "log_every_n_steps": 5})
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "loss": Loss(loss_fn)})
    if progress:
        ProgressBar(persist=False).attach(trainer, output_transform=lambda loss: {"loss": loss})

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine) -> None:
        metrics = evaluator.run(val_loader).metrics
        print(f"epoch {engine.state.epoch:2d}  val accuracy {metrics['accuracy']:.4f}  val loss {metrics['loss']:.4f}")

    def accuracy(engine) -> float:
        return engine.state.metrics["accuracy"]

    evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(patience=3, score_function=accuracy, trainer=trainer))
    best = ModelCheckpoint(out, filename_prefix="best", n_saved=1, score_function=accuracy, score_name="accuracy",
                           global_step_transform=global_step_from_engine(trainer), require_empty=False)  # fmt: skip
    evaluator.add_event_handler(Events.COMPLETED, best, {"model": model})

    # Ignite's logging handlers, writing into the Lightning logger the trainer runs with
    logs = LightningLogger(csv_logger)
    logs.attach_output_handler(trainer, Events.ITERATION_COMPLETED(every=5), tag="train",
                               output_transform=lambda loss: {"loss": loss})  # fmt: skip
    logs.attach_output_handler(evaluator, Events.COMPLETED, tag="validation", metric_names=["accuracy", "loss"],
                               global_step_transform=global_step_from_engine(trainer, Events.ITERATION_COMPLETED))  # fmt: skip

    trainer.run(train_loader, max_epochs=epochs)
    logs.close()
    plot(Path(csv_logger.log_dir) / "metrics.csv", out / "curves.png")
    print(f"stopped after {trainer.state.epoch} epochs in a {type(trainer.lightning_trainer).__name__}; "
          f"best checkpoint {best.last_checkpoint.name}")  # fmt: skip
    print(f"wrote {Path(csv_logger.log_dir) / 'metrics.csv'} and {out / 'curves.png'}")
    return dict(evaluator.state.metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("runs/quickstart"), help="output folder")
    args = parser.parse_args()
    main(args.epochs, args.out)

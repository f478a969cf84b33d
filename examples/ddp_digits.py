"""Scale an Ignite script to N processes with one option: scikit-learn's digits on Lightning's DDP.

The process function, the evaluator and the metrics are plain Ignite code. The only change
from a one-process script is ``trainer_kwargs={"strategy": "ddp", "devices": N}``: Lightning
starts the ranks (it runs this script again for each), every rank trains on its shard of the
training DataLoader, gradients are averaged over the ranks, and the metrics are computed over
the whole validation set on every rank. Rank 0 prints.

    python examples/ddp_digits.py --devices 2 --epochs 5        # 2 CPU processes (gloo)
    python examples/ddp_digits.py --devices 1                   # the same script on one process
    python examples/ddp_digits.py --runner fabric --devices 2   # the same loop over Lightning Fabric
"""

from __future__ import annotations

import argparse
import warnings

import torch
from digits import make_loaders
from torch import nn

import bridge.distributed as idist
from bridge.engine import Engine, Events, create_supervised_evaluator
from bridge.metrics import Accuracy, Loss


def main(devices: int = 2, epochs: int = 5, runner: str = "trainer", seed: int = 0) -> dict[str, float]:
    """Train on ``devices`` processes; rank 0 prints one line per epoch. Returns the last metrics."""
    torch.manual_seed(seed)
    train_loader, val_loader = make_loaders(batch_size=32, seed=seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    options = {"accelerator": "cpu", "devices": devices, **({"strategy": "ddp"} if devices > 1 else {})}

    def train_step(engine: Engine, batch: tuple[torch.Tensor, torch.Tensor]) -> float:
        model.train()
        x, y = batch
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    trainer = Engine(train_step, model=model, optimizers=optimizer, trainer_kwargs=options, runner=runner)
    evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "loss": Loss(loss_fn)},
                                            trainer_kwargs=options, runner=runner)  # fmt: skip

    @trainer.on(Events.EPOCH_COMPLETED)
    def validate(engine: Engine) -> None:
        metrics = evaluator.run(val_loader).metrics
        if idist.get_rank() == 0:
            print(f"epoch {engine.state.epoch}  {engine.state.epoch_length} iterations per rank  "
                  f"val accuracy {metrics['accuracy']:.4f}  val loss {metrics['loss']:.4f}")  # fmt: skip

    trainer.run(train_loader, max_epochs=epochs)
    if idist.get_rank() == 0:
        print(f"{idist.get_world_size()} process(es), {trainer.state.iteration} iterations on each")
    return dict(evaluator.state.metrics)


if __name__ == "__main__":
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")  # a small in-memory data set
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--runner", choices=("trainer", "fabric"), default="trainer")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.devices, args.epochs, args.runner, args.seed)

"""Ignite's examples/mnist/mnist_with_tqdm_logger.py, on scikit-learn's digits.

Usage: python mnist_pbar.py  (or python -m bridge.alias mnist_pbar.py)
"""

import sys

import torch
from _data import Net, loaders
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.handlers import ProgressBar
from ignite.metrics import Accuracy, Loss, RunningAverage
from ignite.utils import manual_seed
from torch import nn

manual_seed(7)
train_loader, val_loader = loaders()
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
criterion = nn.NLLLoss()
trainer = create_supervised_trainer(model, optimizer, criterion)
metrics = {"accuracy": Accuracy(), "nll": Loss(criterion)}
train_evaluator = create_supervised_evaluator(model, metrics=metrics)
evaluator = create_supervised_evaluator(model, metrics=metrics)

RunningAverage(output_transform=lambda x: x).attach(trainer, "loss")
pbar = ProgressBar(persist=True, file=sys.stderr)
pbar.attach(trainer, metric_names="all")


@trainer.on(Events.EPOCH_COMPLETED)
def log_results(engine):
    for name, ev, loader in (("Training", train_evaluator, train_loader), ("Validation", evaluator, val_loader)):
        ev.run(loader)
        m = ev.state.metrics
        pbar.log_message(
            f"{name} Results - Epoch: {engine.state.epoch}  Avg accuracy: {m['accuracy']:.4f} Avg loss: {m['nll']:.4f}"
        )
    pbar.n = pbar.last_print_n = 0


@trainer.on(Events.ITERATION_COMPLETED(every=5))
def log_loss(engine):
    print(f"iteration {engine.state.iteration}: loss {engine.state.output:.5f} running {engine.state.metrics['loss']:.5f}")


trainer.run(train_loader, max_epochs=3)
print("final weight sum", f"{sum(p.sum().item() for p in model.parameters()):.6f}")

"""A plain PyTorch Ignite script: linear regression on fixed synthetic data.

It imports only torch and ignite. Run it on Ignite, then unmodified on bridge:

    python examples/ignite_script.py
    python -m bridge.alias examples/ignite_script.py

Both print the same lines.
"""

import torch
from ignite.engine import Engine, Events

torch.manual_seed(0)
true_w = torch.tensor([[2.0], [-3.0], [0.5]])
x = torch.randn(40, 3)
y = x @ true_w + 1.0 + 0.1 * torch.randn(40, 1)
data = [(x[i : i + 4], y[i : i + 4]) for i in range(0, 40, 4)]  # 10 batches of 4

model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
loss_fn = torch.nn.MSELoss()


def train_step(engine, batch):
    model.train()
    optimizer.zero_grad()
    inputs, targets = batch
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


trainer = Engine(train_step)
epoch_losses = []


@trainer.on(Events.EPOCH_STARTED)
def reset_losses(engine):
    epoch_losses.clear()


@trainer.on(Events.ITERATION_COMPLETED)
def collect_loss(engine):
    epoch_losses.append(engine.state.output)


@trainer.on(Events.ITERATION_COMPLETED(every=5))
def log_loss(engine):
    print(f"iteration {engine.state.iteration}: loss {engine.state.output:.6f}")


@trainer.on(Events.EPOCH_COMPLETED)
def log_epoch(engine):
    mean_loss = sum(epoch_losses) / len(epoch_losses)
    print(f"epoch {engine.state.epoch}: mean loss {mean_loss:.6f}")


trainer.run(data, max_epochs=3)

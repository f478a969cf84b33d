"""Ignite's contrib.engines.common helpers, as Ignite's examples and templates use them, on scikit-learn's digits.

Usage: python common_training.py OUTPUT_DIR
"""

import os
import sys

import torch
from _data import Net, loaders
from ignite.contrib.engines import common
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.handlers import PiecewiseLinear
from ignite.metrics import Accuracy, Loss
from ignite.utils import manual_seed
from torch import nn

output_path = sys.argv[1]
manual_seed(3)
train_loader, val_loader = loaders()
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
criterion = nn.NLLLoss()
trainer = create_supervised_trainer(model, optimizer, criterion, output_transform=lambda x, y, y_pred, loss: {"loss": loss.item()})
lr_scheduler = PiecewiseLinear(optimizer, "lr", milestones_values=[(0, 0.0), (12, 0.1), (60, 0.01)])
common.setup_common_training_handlers(
    trainer,
    to_save={"model": model, "optimizer": optimizer, "trainer": trainer},
    save_every_iters=10,
    output_path=os.path.join(output_path, "checkpoints"),
    lr_scheduler=lr_scheduler,
    output_names=["loss"],
    with_pbars=False,
    log_every_iters=3,
    stop_on_nan=True,
)
evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "nll": Loss(criterion)})
trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run(val_loader))
tb_logger = common.setup_tb_logging(os.path.join(output_path, "tb"), trainer, optimizer, evaluators={"validation": evaluator}, log_every_iters=3)
common.save_best_model_by_val_score(
    os.path.join(output_path, "best"), evaluator, model, metric_name="accuracy", n_saved=2, trainer=trainer, tag="val"
)
common.add_early_stopping_by_val_score(patience=1, evaluator=evaluator, trainer=trainer, metric_name="nll")


@trainer.on(Events.ITERATION_COMPLETED(every=6))
def log_loss(engine):
    print(f"iteration {engine.state.iteration}: batch loss {engine.state.metrics['loss']:.5f} "
          f"lr {optimizer.param_groups[0]['lr']:.5f}")


@evaluator.on(Events.COMPLETED)
def log_val(engine):
    print(f"epoch {trainer.state.epoch}: accuracy {engine.state.metrics['accuracy']:.4f} nll {engine.state.metrics['nll']:.4f}")


trainer.run(train_loader, max_epochs=6)
tb_logger.close()
print("stopped at epoch", trainer.state.epoch)
for sub in ("checkpoints", "best"):
    print(sub, sorted(os.listdir(os.path.join(output_path, sub))))

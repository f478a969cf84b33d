"""Ignite's examples/mnist/mnist_with_tensorboard_logger.py, on scikit-learn's digits.

Usage: python tensorboard_logging.py LOG_DIR  (or python -m bridge.alias tensorboard_logging.py LOG_DIR)
"""

import sys

import torch
from _data import Net, loaders
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.handlers import global_step_from_engine
from ignite.handlers.tensorboard_logger import (
    GradsHistHandler,
    GradsScalarHandler,
    TensorboardLogger,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from ignite.metrics import Accuracy, Loss
from ignite.utils import manual_seed
from torch import nn

manual_seed(11)
train_loader, val_loader = loaders()
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
criterion = nn.NLLLoss()
trainer = create_supervised_trainer(model, optimizer, criterion)
trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: scheduler.step())
metrics = {"accuracy": Accuracy(), "nll": Loss(criterion)}
train_evaluator = create_supervised_evaluator(model, metrics=metrics)
validation_evaluator = create_supervised_evaluator(model, metrics=metrics)


@trainer.on(Events.EPOCH_COMPLETED)
def compute_metrics(engine):
    train_evaluator.run(train_loader)
    validation_evaluator.run(val_loader)
    print(f"epoch {engine.state.epoch}: val accuracy {validation_evaluator.state.metrics['accuracy']:.4f}")


tb_logger = TensorboardLogger(log_dir=sys.argv[1])
tb_logger.attach_output_handler(
    trainer,
    event_name=Events.ITERATION_COMPLETED(every=4),
    tag="training",
    output_transform=lambda loss: {"batchloss": loss},
    metric_names="all",
)
for tag, evaluator in [("training", train_evaluator), ("validation", validation_evaluator)]:
    tb_logger.attach_output_handler(
        evaluator,
        event_name=Events.EPOCH_COMPLETED,
        tag=tag,
        metric_names=["nll", "accuracy"],
        global_step_transform=global_step_from_engine(trainer),
    )
tb_logger.attach_opt_params_handler(trainer, event_name=Events.ITERATION_COMPLETED(every=4), optimizer=optimizer)
tb_logger.attach(trainer, log_handler=WeightsScalarHandler(model), event_name=Events.ITERATION_COMPLETED(every=6))
tb_logger.attach(trainer, log_handler=WeightsHistHandler(model), event_name=Events.EPOCH_COMPLETED)
tb_logger.attach(trainer, log_handler=GradsScalarHandler(model, reduction=torch.norm, tag="grads"),
                 event_name=Events.ITERATION_COMPLETED(every=6))
tb_logger.attach(trainer, log_handler=GradsHistHandler(model), event_name=Events.EPOCH_COMPLETED)

trainer.run(train_loader, max_epochs=3)
tb_logger.close()
print("final weight sum", f"{sum(p.sum().item() for p in model.parameters()):.6f}")

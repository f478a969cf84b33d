"""Ignite's examples/mnist/mnist_with_mlflow_logger.py, on scikit-learn's digits, into a local MLflow file store.

Usage: python mlflow_logging.py TRACKING_DIR  (MLFLOW_ALLOW_FILE_STORE=true for mlflow's file store)
"""

import sys

import torch
from _data import Net, loaders
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.handlers import global_step_from_engine
from ignite.handlers.mlflow_logger import MLflowLogger
from ignite.metrics import Accuracy, Loss
from ignite.utils import manual_seed
from torch import nn

manual_seed(17)
train_loader, val_loader = loaders()
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.8)
criterion = nn.NLLLoss()
trainer = create_supervised_trainer(model, optimizer, criterion)
evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "nll": Loss(criterion)})
trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run(val_loader))

mlflow_logger = MLflowLogger(tracking_uri=f"file:{sys.argv[1]}")
mlflow_logger.log_params({"seed": 17, "batch_size": train_loader.batch_size, "model": model.__class__.__name__})
mlflow_logger.attach_output_handler(
    trainer, event_name=Events.ITERATION_COMPLETED(every=5), tag="training", output_transform=lambda loss: {"batchloss": loss}
)
mlflow_logger.attach_output_handler(
    evaluator, event_name=Events.EPOCH_COMPLETED, tag="validation", metric_names=["nll", "accuracy"],
    global_step_transform=global_step_from_engine(trainer),
)
mlflow_logger.attach_opt_params_handler(trainer, event_name=Events.ITERATION_STARTED(every=5), optimizer=optimizer)

trainer.run(train_loader, max_epochs=2)
print("run", mlflow_logger.active_run.info.run_id is not None, f"accuracy {evaluator.state.metrics['accuracy']:.4f}")
mlflow_logger.close()

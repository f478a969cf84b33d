"""Ignite's resume recipe, to be killed and restarted until it finishes.

Checkpoint(model, optimizer, trainer, lr_scheduler) every 7 iterations and at each epoch end,
``n_saved=2``; on start, ``Checkpoint.load_objects`` from the latest file, then ``trainer.run``.
Prints each epoch's validation metrics and, at the end, the weights' checksum.

Usage: python kill_resume.py OUTPUT_DIR [--deterministic]
--deterministic: a DeterministicEngine on shuffled, randomly augmented data; otherwise an
Engine on data in a fixed order (its resumed epochs see the same batches).

Being killed (the test's hook, not part of the recipe): with KILL_POINT=WHERE:ITERATION the
script prints "waiting for the kill" and blocks at that point, for the caller to SIGKILL it.
WHERE is "iteration" (after that iteration's handlers; choose one without a save),
"after-save" (right after that iteration's checkpoint is written) or "in-save" (inside
``torch.save`` of that iteration's checkpoint, half of the file written).
"""

import argparse
import hashlib
import io
import os
import time

import torch
from _data import Net, NoisyDigits, digits
from ignite.engine import Events, create_supervised_evaluator, create_supervised_trainer
from ignite.handlers import Checkpoint, DiskSaver
from ignite.handlers.checkpoint import CheckpointEvents
from ignite.handlers.param_scheduler import LRScheduler
from ignite.metrics import Accuracy, Loss
from ignite.utils import manual_seed
from torch import nn
from torch.utils.data import DataLoader

parser = argparse.ArgumentParser()
parser.add_argument("output_path")
parser.add_argument("--deterministic", action="store_true")
args = parser.parse_args()
torch.set_num_threads(1)

manual_seed(11)
train, val = digits(n_train=320, n_val=128)
if args.deterministic:
    train_loader = DataLoader(NoisyDigits(train), batch_size=32, shuffle=True)
else:
    train_loader = DataLoader(train, batch_size=32)
val_loader = DataLoader(val, batch_size=64)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
trainer = create_supervised_trainer(model, optimizer, nn.NLLLoss(), deterministic=args.deterministic)
lr_scheduler = LRScheduler(torch.optim.lr_scheduler.StepLR(optimizer, step_size=6, gamma=0.8))
trainer.add_event_handler(Events.ITERATION_STARTED, lr_scheduler)
evaluator = create_supervised_evaluator(model, metrics={"accuracy": Accuracy(), "nll": Loss(nn.NLLLoss())})


@trainer.on(Events.EPOCH_COMPLETED)
def validate(engine):
    metrics = evaluator.run(val_loader).metrics
    print(f"epoch {engine.state.epoch}: accuracy {metrics['accuracy']!r} nll {metrics['nll']!r}", flush=True)


to_save = {"model": model, "optimizer": optimizer, "trainer": trainer, "lr_scheduler": lr_scheduler}
checkpoint = Checkpoint(
    to_save,
    DiskSaver(args.output_path, require_empty=False),
    n_saved=2,
    global_step_transform=lambda engine, _: engine.state.iteration,
)
trainer.add_event_handler(Events.ITERATION_COMPLETED(every=7) | Events.EPOCH_COMPLETED, checkpoint)

saved = [f for f in os.listdir(args.output_path) if f.endswith(".pt")]
if saved:
    latest = max(saved, key=lambda f: int(f[len("checkpoint_") : -len(".pt")]))
    Checkpoint.load_objects(
        to_load=to_save, checkpoint=torch.load(os.path.join(args.output_path, latest), weights_only=False)
    )
    print("resumed from iteration", trainer.state.iteration, flush=True)


# -- the test's kill points
where, _, at = os.environ.get("KILL_POINT", "none:0").partition(":")


def wait_for_the_kill():
    print("waiting for the kill", flush=True)
    time.sleep(300)
    raise SystemExit("not killed")


@trainer.on(Events.ITERATION_COMPLETED)
def kill_point(engine):
    if where == "iteration" and engine.state.iteration == int(at):
        wait_for_the_kill()


trainer.register_events(*CheckpointEvents)


@trainer.on(CheckpointEvents.SAVED_CHECKPOINT)
def kill_point_after_save(engine):
    if where == "after-save" and engine.state.iteration == int(at):
        wait_for_the_kill()


save = torch.save


def half_save(obj, f, *args, **kwargs):
    if where != "in-save" or trainer.state.iteration != int(at):
        return save(obj, f, *args, **kwargs)
    buffer = io.BytesIO()
    save(obj, buffer, *args, **kwargs)
    f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    f.flush()
    wait_for_the_kill()


torch.save = half_save
# --

trainer.run(train_loader, max_epochs=3)
weights = b"".join(p.detach().numpy().tobytes() for p in model.parameters())
print("final weights", hashlib.sha256(weights).hexdigest()[:16], f"{sum(p.sum().item() for p in model.parameters())!r}")

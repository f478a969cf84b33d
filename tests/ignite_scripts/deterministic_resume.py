"""Ignite's resume recipe with DeterministicEngine and Checkpoint: a run killed mid-epoch resumes to the same weights.

Usage: python deterministic_resume.py OUTPUT_DIR [--crash-at ITERATION]
With --crash-at the process dies (os._exit, as a kill would) after that iteration; started
again, it resumes from the latest checkpoint.
"""

import argparse
import os

import torch
from _data import Net, NoisyDigits, digits
from ignite.engine import Events, create_supervised_trainer
from ignite.engine.deterministic import DeterministicEngine
from ignite.handlers import Checkpoint, DiskSaver
from ignite.utils import manual_seed
from torch import nn
from torch.utils.data import DataLoader

parser = argparse.ArgumentParser()
parser.add_argument("output_path")
parser.add_argument("--crash-at", type=int, default=None)
args = parser.parse_args()


manual_seed(5)
train, _ = digits(n_train=320)
loader = DataLoader(NoisyDigits(train), batch_size=32, shuffle=True)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
trainer = create_supervised_trainer(model, optimizer, nn.NLLLoss(), deterministic=True)
assert isinstance(trainer, DeterministicEngine)

to_save = {"model": model, "optimizer": optimizer, "trainer": trainer}
saver = DiskSaver(args.output_path, require_empty=False)
checkpoint = Checkpoint(to_save, saver, n_saved=2, global_step_transform=lambda e, _: e.state.iteration)
trainer.add_event_handler(Events.ITERATION_COMPLETED(every=7), checkpoint)

saved = sorted((f for f in os.listdir(args.output_path) if f.endswith(".pt")), key=lambda f: int(f.split("_")[-1][:-3]))
if saved:
    Checkpoint.load_objects(to_load=to_save, checkpoint=torch.load(os.path.join(args.output_path, saved[-1]), weights_only=False))
    print("resumed from iteration", trainer.state.iteration)


@trainer.on(Events.ITERATION_COMPLETED)
def crash(engine):
    if engine.state.iteration == args.crash_at:
        os._exit(3)


@trainer.on(Events.EPOCH_COMPLETED)
def log(engine):
    print(f"epoch {engine.state.epoch}: loss {engine.state.output:.6f}")


trainer.run(loader, max_epochs=4)
print("final weight sum", f"{sum(p.sum().item() for p in model.parameters()):.8f}")

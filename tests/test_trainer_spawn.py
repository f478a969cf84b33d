"""Engine runs on processes that get the run by pickling or forking it (``strategy="ddp_spawn"`` / ``"ddp_fork"``).

Lightning's ``ddp_spawn`` pickles the Trainer with its module and callbacks: an Engine, its
handlers, metrics, filters and process function must pickle and run the same after. The
first tests check that in one process; the last launches the real thing on 2 gloo processes.
"""

from __future__ import annotations

import functools
import io
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytorch_lightning as pl
import torch

from bridge.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from bridge.engine.events import State
from bridge.engine.loop import Phase, RunLoop
from bridge.handlers import EarlyStopping, LRScheduler, ModelCheckpoint, ProgressBar, TerminateOnNan, Timer
from bridge.lightning import EngineCallback, EngineModule, create_lightning_evaluator, create_lightning_trainer
from bridge.lightning.trainer_spawn import state_values
from bridge.metrics import Accuracy, ConfusionMatrix, IoU, Loss, Precision, RunningAverage


class Recorder:
    """Handlers as bound methods of a picklable object: the copy records into its own copy."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []

    def note(self, engine: Engine, tag: str) -> None:
        self.seen.append((tag, engine.state.epoch, engine.state.iteration))

    def evaluate(self, engine: Engine, evaluator: Engine, data: list[Any]) -> None:
        metrics = evaluator.run(data).metrics
        self.seen.append(("eval", engine.state.epoch, round(float(metrics["acc"]), 6)))


def score(engine: Engine) -> float:
    return -float(engine.state.metrics["loss"])


def classification_data() -> list[tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    x = torch.randn(24, 3)
    y = (x[:, 0] > 0).long()
    return [(x[i:i + 6], y[i:i + 6]) for i in range(0, 24, 6)]


def ignite_setup() -> tuple[Engine, torch.nn.Module, Recorder, torch.optim.Optimizer]:
    """A trainer with the handlers, filters and metrics of a typical Ignite script."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    loss = torch.nn.functional.cross_entropy
    trainer = create_supervised_trainer(model, optimizer, loss)
    metrics = {"acc": Accuracy(), "loss": Loss(loss), "iou": IoU(ConfusionMatrix(2)), "twice": Accuracy() * 2 + 1,
               "precision": Precision(average=False).mean()}  # fmt: skip
    evaluator = create_supervised_evaluator(model, metrics=metrics)
    recorder = Recorder()
    data = classification_data()
    trainer.add_event_handler(Events.EPOCH_COMPLETED, recorder.evaluate, evaluator, data)
    trainer.add_event_handler(Events.ITERATION_COMPLETED(every=3) | Events.ITERATION_COMPLETED(once=2), recorder.note, "a")
    trainer.add_event_handler(Events.ITERATION_STARTED(before=5, after=1), recorder.note, "b")
    trainer.add_event_handler(Events.ITERATION_STARTED(every=2, before=9, after=1), recorder.note, "c")
    trainer.add_event_handler(Events.ITERATION_COMPLETED(event_filter=functools.partial(divides, 4)), recorder.note, "d")
    trainer.add_event_handler(Events.EPOCH_COMPLETED, LRScheduler(torch.optim.lr_scheduler.StepLR(optimizer, 1, 0.5)))
    trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    RunningAverage(output_transform=float).attach(trainer, "average")
    evaluator.add_event_handler(Events.COMPLETED, EarlyStopping(5, score, trainer))
    Timer(average=True).attach(trainer, step=Events.ITERATION_COMPLETED)
    return trainer, model, recorder, optimizer


def divides(n: int, engine: Engine, count: int) -> bool:
    return count % n == 0


def test_an_ignite_trainer_pickles_and_its_copy_runs_the_same() -> None:
    trainer, model, recorder, optimizer = ignite_setup()
    copy, copy_model, copy_recorder, copy_optimizer = pickle.loads(pickle.dumps((trainer, model, recorder, optimizer)))
    runs = []
    for engine, net, rec, opt in ((trainer, model, recorder, optimizer), (copy, copy_model, copy_recorder, copy_optimizer)):
        state = engine.run(classification_data(), max_epochs=3)
        runs.append((rec.seen, state.iteration, state.metrics["average"], opt.param_groups[0]["lr"],
                     [p.detach().clone() for p in net.parameters()]))  # fmt: skip
    (seen, iterations, average, lr, weights), (copy_seen, *copy_rest) = runs
    assert copy_seen == seen and [iterations, average, lr] == copy_rest[:3]
    assert [tag for tag, *_ in seen].count("eval") == 3 and lr < 0.5
    assert all(torch.equal(a, b) for a, b in zip(weights, copy_rest[3]))
    # the copy trained its own model: the original's is untouched by the copy's run
    assert copy_model is not model and not any(p is q for p, q in zip(model.parameters(), copy_model.parameters()))


def test_handlers_lightning_engines_and_callbacks_pickle(tmp_path: Path) -> None:
    model = torch.nn.Linear(3, 1)
    handlers = [ModelCheckpoint(str(tmp_path), "m"), ProgressBar(file=io.StringIO()), EngineCallback(),
                EngineModule(functools.partial(divides, 1), model), create_lightning_evaluator(_Module())]  # fmt: skip
    for handler in handlers:
        assert type(pickle.loads(pickle.dumps(handler))) is type(handler)


class _Module(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.layer = torch.nn.Linear(3, 1)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def validation_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_a_create_lightning_trainer_engine_pickles_and_its_copy_fits_the_same() -> None:
    module = _Module()
    engine = create_lightning_trainer(module)
    copy = pickle.loads(pickle.dumps(engine))
    data = [(torch.ones(4, 3) * i, torch.ones(4, 1)) for i in range(3)]
    states = [e.run(data, max_epochs=2) for e in (engine, copy)]
    assert [s.iteration for s in states] == [6, 6] and states[0].output == states[1].output
    copy_module = copy._module
    assert all(torch.equal(a, b) for a, b in zip(module.parameters(), copy_module.parameters()))


def test_only_a_run_that_has_not_started_pickles() -> None:
    engine = Engine(functools.partial(divides, 1))
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), Engine.interrupt)
    engine.state.dataloader, engine.state.epoch_length, engine.state.max_epochs = [1, 2, 3], 3, 1
    loop = RunLoop(engine)
    assert pickle.loads(pickle.dumps(loop)).waiting is Phase.RUN_START
    while loop.waiting is not Phase.INTERRUPTED:
        loop.advance()
    with pytest.raises(TypeError, match="waiting at INTERRUPTED cannot be pickled.*use strategy='ddp'"):
        pickle.dumps(loop)


def test_state_values_leave_the_dataloader_and_what_does_not_pickle() -> None:
    state = State(iteration=3, dataloader=[1, 2], generator=(i for i in range(2)))
    with pytest.warns(UserWarning, match=r"engine.state attributes \['generator'\] do not pickle"):
        values = state_values(state)
    assert values["iteration"] == 3 and "dataloader" not in values and "generator" not in values


SCRIPT = """
import functools, json, sys, warnings
warnings.filterwarnings("ignore")
import torch
from torch.utils.data import DataLoader, TensorDataset
from bridge.engine import Engine, Events, create_supervised_trainer
import bridge.distributed as idist

torch.manual_seed(0)
x = torch.randn(32, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
model = torch.nn.Linear(3, 1)  # what the script makes on import: again in every spawned process
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

def ignite_step(engine, batch):  # an unmodified Ignite step on the script's globals
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(batch[0]), batch[1])
    loss.backward()
    optimizer.step()
    return loss.item()

def per_rank(engine, out):  # handlers run in the spawned processes: they write what they saw
    with open(f"{out}.{engine.state.epoch}.{idist.get_rank()}.json", "w") as f:
        json.dump([idist.get_world_size(), engine.state.epoch_length, engine.state.iteration], f)

def result(tag, **values):
    print(json.dumps({"tag": tag, "weights": [p.detach().flatten().tolist() for p in model.parameters()],
                      "momentum": [optimizer.state[p]["momentum_buffer"].flatten().tolist() for p in model.parameters()],
                      **values}), flush=True)

if __name__ == "__main__":
    out, options = sys.argv[1], {"accelerator": "cpu", "devices": 2}
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    # ddp_fork: the processes inherit the script's objects, so the unmodified step works as under ddp
    first = Engine(ignite_step, model=model, optimizers=optimizer, trainer_kwargs={**options, "strategy": "ddp_fork"})
    state = first.run(loader, max_epochs=2)
    result("fork", iteration=state.iteration, epoch_length=state.epoch_length, saved=first.state_dict())
    # ddp_spawn: Ignite's helpers carry model and optimizer with the engine; Ignite's resume recipe
    trainer = create_supervised_trainer(model, optimizer, torch.nn.functional.mse_loss,
                                        trainer_kwargs={**options, "strategy": "ddp_spawn"})
    trainer.add_event_handler(Events.EPOCH_COMPLETED, per_rank, out)
    trainer.load_state_dict(first.state_dict())
    state = trainer.run(loader, max_epochs=3)
    result("spawn", iteration=state.iteration, epoch=state.epoch, epoch_length=state.epoch_length,
           loaded=state.dataloader is loader, saved=trainer.state_dict(),
           backprop=[vars(state)[name] for name in ("backward_started", "optim_step_completed")])
    # ddp_spawn with the unmodified step: each process would train its own import-time model
    Engine(ignite_step, model=model, optimizers=optimizer,
           trainer_kwargs={**options, "strategy": "ddp_spawn"}).run(loader, max_epochs=1)
"""


def global_batches(epochs: int) -> list[list[int]]:
    """Each step's samples over both ranks: Lightning shards a train loader with a shuffled DistributedSampler."""
    steps = []
    for epoch in range(epochs):
        shards = []
        for rank in (0, 1):
            sampler = torch.utils.data.DistributedSampler(range(32), num_replicas=2, rank=rank, shuffle=True, seed=0)
            sampler.set_epoch(epoch)
            shards.append(list(sampler))
        steps += [shards[0][k:k + 4] + shards[1][k:k + 4] for k in range(0, 16, 4)]
    return steps


def expected(epochs: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Plain torch on one process, each step on the union of the ranks' batches of that step."""
    torch.manual_seed(0)
    x = torch.randn(32, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for indices in global_batches(epochs):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x[indices]), y[indices]).backward()
        optimizer.step()
    return [p.detach().flatten() for p in model.parameters()], [optimizer.state[p]["momentum_buffer"].flatten()
                                                                for p in model.parameters()]  # fmt: skip


def close(got: list[list[float]], want: list[torch.Tensor]) -> bool:
    return all(torch.allclose(torch.tensor(g), w, atol=1e-5) for g, w in zip(got, want))


def test_engine_runs_on_ddp_fork_and_ddp_spawn(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "rank")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=240)  # fmt: skip
    results = {r["tag"]: r for r in map(json.loads, (line for line in proc.stdout.splitlines() if line.startswith("{")))}
    assert set(results) == {"fork", "spawn"}, proc.stderr[-3000:]
    # fork: the unmodified Ignite step, gradients averaged over the 2 shards; rank 0's state back
    fork, spawn = results["fork"], results["spawn"]
    assert [fork["iteration"], fork["epoch_length"]] == [8, 4] and close(fork["weights"], expected(2)[0])
    # its state_dict counts the whole data's batches, as one process's does: it resumes on any number
    assert fork["saved"] == {"epoch_length": 8, "iteration": 16, "max_epochs": 2}
    # spawn, resumed from the fork run's state_dict for a third epoch (reshuffled as Lightning's DDP would):
    # rank 0's state, weights and optimizer state back in the main process; the user's loader kept
    assert [spawn[k] for k in ("iteration", "epoch", "epoch_length", "loaded")] == [12, 3, 4, True]
    assert spawn["saved"] == {"epoch_length": 8, "iteration": 24, "max_epochs": 3}
    # rank 0's backprop counts, counted in C in the process (the module's hooks pickled with the engine)
    assert spawn["backprop"] == [4, 4]
    weights, momentum = expected(3)
    assert close(spawn["weights"], weights) and close(spawn["momentum"], momentum)
    # the handler ran on each rank, on its shard: 4 of the epoch's 8 batches
    assert sorted(json.loads(p.read_text()) for p in tmp_path.glob("rank.*.json")) == [[2, 4, 12]] * 2
    # the unmodified step under ddp_spawn: refused at its first step, with the reason and the way out
    assert proc.returncode != 0
    assert "the process function did not call the model given to the Engine" in proc.stderr
    assert "use strategy='ddp'" in proc.stderr

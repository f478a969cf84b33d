"""Ignite code on Lightning's DDP, on 2 gloo processes: the default (``pl.Trainer``) runner, and the Fabric runner.

Each case runs a script in a subprocess: Lightning's DDP launcher starts the second rank by
running the script again, as it would for a user.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

SCRIPT = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import torch
import pytorch_lightning as pl
from torch.utils.data import DataLoader, TensorDataset
from bridge.engine import Engine, Events, create_supervised_evaluator, create_supervised_trainer
from bridge.handlers import ModelCheckpoint, ProgressBar
from bridge.lightning import EngineCallback, create_lightning_trainer
from bridge.metrics import MeanSquaredError
import bridge.distributed as idist

modes, devices, out = sys.argv[1].split(","), int(sys.argv[2]), sys.argv[3]
options = {"accelerator": "cpu", "strategy": "ddp", "devices": devices} if devices > 1 else {}
saves = []  # the checkpoints this rank wrote
real_save = torch.save
torch.save = lambda obj, f, *args, **kwargs: (saves.append(1), real_save(obj, f, *args, **kwargs))[1]

def step(engine, batch):  # an unmodified Ignite process function: the user's own model and optimizer
    if mode == "fail" and idist.get_rank() == 1 and engine.state.iteration == 2:
        raise RuntimeError("boom on rank 1")
    index, xb, yb = batch
    seen.append(index.tolist())
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()

class Module(pl.LightningModule):  # the same training as a plain LightningModule
    def __init__(self):
        super().__init__()
        self.model = model
    def training_step(self, batch, batch_idx):
        index, xb, yb = batch
        seen.append(index.tolist())
        return torch.nn.functional.mse_loss(self.model(xb), yb)
    def validation_step(self, batch, batch_idx):
        index, xb, yb = batch
        return self.model(xb), yb
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)

class RankFile:  # a progress bar's file: each rank's writes would go to a file of its own
    def write(self, text):
        with open(f"{out}.bar.{idist.get_rank()}", "a") as f:
            f.write(text)
    def flush(self):
        pass

def evaluate(engine, batch):  # an evaluator's step: no gradients, nothing to train
    index, xb, yb = batch
    with torch.no_grad():
        return model(xb), yb

for mode in modes:  # each mode from the same start: data, model and optimizer
  torch.manual_seed(0)
  x = torch.randn(32, 3)
  y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
  model = torch.nn.Linear(3, 1)
  optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
  seen = []
  loader = DataLoader(TensorDataset(torch.arange(32), x, y), batch_size=4)
  if mode in ("engine", "fail"):
      engine = Engine(step, model=model, optimizers=optimizer, trainer_kwargs=options)
      engine.add_event_handler(Events.EPOCH_COMPLETED, ModelCheckpoint(f"{out}-{mode}-ckpt", "m", n_saved=None),
                               {"model": model, "optimizer": optimizer})
      ProgressBar(file=RankFile(), mininterval=0).attach(engine)
      state = engine.run(loader, max_epochs=2)
      result = {"iterations": state.iteration, "epoch_length": state.epoch_length, "saves": len(saves)}
      saves.clear()
      evaluator = Engine(evaluate, trainer_kwargs=options)  # no model: DDP would have nothing to wrap
      MeanSquaredError().attach(evaluator, "mse")
      eval_state = evaluator.run(DataLoader(TensorDataset(torch.arange(32), x, y), batch_size=4))
      result.update(mse=eval_state.metrics["mse"], eval_iterations=eval_state.iteration)
  elif mode == "supervised":  # Ignite's helpers with the same option
      prepare = lambda batch, device, non_blocking: (batch[1], batch[2])
      trainer = create_supervised_trainer(model, optimizer, torch.nn.functional.mse_loss, prepare_batch=prepare,
                                          trainer_kwargs=options)
      state = trainer.run(loader, max_epochs=2)
      evaluator = create_supervised_evaluator(model, metrics={"mse": MeanSquaredError()}, prepare_batch=prepare,
                                              trainer_kwargs=options)
      eval_state = evaluator.run(DataLoader(TensorDataset(torch.arange(32), x, y), batch_size=4))
      result = {"iterations": state.iteration, "epoch_length": state.epoch_length, "mse": eval_state.metrics["mse"],
                "eval_iterations": eval_state.iteration}
  elif mode == "fabric":  # the same unmodified step on the lean runner
      state = Engine(step, model=model, optimizers=optimizer, runner="fabric", trainer_kwargs=options).run(loader,
                                                                                                      max_epochs=2)
      result = {"iterations": state.iteration, "epoch_length": state.epoch_length}
  elif mode == "module":  # create_lightning_trainer on the same LightningModule
      state = create_lightning_trainer(Module(), trainer_kwargs=options).run(loader, max_epochs=2)
      result = {"iterations": state.iteration, "epoch_length": state.epoch_length}
  elif mode == "callback":  # Ignite handlers and a metric on a plain pl.Trainer's loops
      callback = EngineCallback()
      MeanSquaredError().attach(callback.validation, "mse")
      ranks_iterations = []
      callback.train.add_event_handler(Events.EPOCH_COMPLETED, lambda e: ranks_iterations.append(e.state.iteration))
      trainer = pl.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                           enable_model_summary=False, num_sanity_val_steps=0, callbacks=[callback], **options)
      val = DataLoader(TensorDataset(torch.arange(32), x, y), batch_size=4)
      trainer.fit(Module(), loader, val)
      result = {"iterations": trainer.global_step, "epoch_iterations": ranks_iterations,
                "mse": callback.validation.state.metrics["mse"], "val_iterations": callback.validation.state.iteration}
  else:
      trainer = pl.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                           enable_model_summary=False, **options)
      trainer.fit(Module(), loader)
      result = {"iterations": trainer.global_step}
  with open(f"{out}.{mode}.{idist.get_rank()}.json", "w") as f:
      json.dump({**result, "world": idist.get_world_size(), "seen": seen,
                 "weights": [p.detach().flatten().tolist() for p in model.parameters()]}, f)
if torch.distributed.is_initialized():  # a plain Lightning script ends its process group itself
    torch.distributed.destroy_process_group()
"""


def launch(tmp_path: Path, modes: str, devices: int) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    return subprocess.run([sys.executable, str(script), modes, str(devices), str(tmp_path / "out")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=240)  # fmt: skip


def run(tmp_path: Path, modes: str, devices: int) -> dict[str, list[dict[str, Any]]]:
    """The script's ``modes`` (comma-separated) one after another in one launch; results per mode and rank."""
    proc = launch(tmp_path, modes, devices)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {mode: [json.loads((tmp_path / f"out.{mode}.{rank}.json").read_text()) for rank in range(devices)]
            for mode in modes.split(",")}  # fmt: skip


def single_process_weights(global_batches: list[list[int]]) -> list[torch.Tensor]:
    """Plain torch on one process, each step on the union of the ranks' batches of that step."""
    torch.manual_seed(0)
    x = torch.randn(32, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for indices in global_batches:
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x[indices]), y[indices]).backward()
        optimizer.step()
    return [p.detach().flatten() for p in model.parameters()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every mode on 2 processes, one after another in one launch, shared by the tests below."""
    folder = tmp_path_factory.mktemp("ddp")
    return {"folder": str(folder), **run(folder, "engine,supervised,module,fabric,lightning,callback", 2)}


def test_an_engine_on_two_ddp_processes_shards_and_syncs_as_lightning_does(runs: dict[str, Any]) -> None:
    ranks, lightning = runs["engine"], runs["lightning"]
    # each rank: its shard, half the 8 batches per epoch, 2 epochs
    assert [(r["world"], r["epoch_length"], r["iterations"]) for r in ranks] == [(2, 4, 8), (2, 4, 8)]
    for epoch in (0, 1):
        shards = [{i for batch in r["seen"][4 * epoch:4 * epoch + 4] for i in batch} for r in ranks]
        assert shards[0].isdisjoint(shards[1]) and shards[0] | shards[1] == set(range(32))
    # the batches Lightning's own DDP would give each rank, reshuffled every epoch (set_epoch)
    assert [r["seen"] for r in ranks] == [r["seen"] for r in lightning]
    assert ranks[0]["seen"][:4] != ranks[0]["seen"][4:]
    # gradients averaged over the ranks: the weights of one process stepping on both ranks' batches
    global_batches = [a + b for a, b in zip(ranks[0]["seen"], ranks[1]["seen"])]
    want = single_process_weights(global_batches)
    for r in (*ranks, *lightning):
        for got, expected in zip(r["weights"], want):
            assert torch.allclose(torch.tensor(got), expected, atol=1e-5)
    # an evaluator under the same option: its shard (4 of the 8 batches), a metric over all 32 samples
    torch.manual_seed(0)
    x = torch.randn(32, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    weight, bias = (torch.tensor(w) for w in ranks[0]["weights"])
    mse = torch.nn.functional.mse_loss(x @ weight.reshape(1, 3).T + bias, y).item()
    assert [r["eval_iterations"] for r in ranks] == [4, 4]
    assert [r["mse"] for r in ranks] == [pytest.approx(mse, rel=1e-5)] * 2


def test_the_fabric_runner_shards_and_syncs_the_same_step(runs: dict[str, Any]) -> None:
    ranks = runs["fabric"]
    assert [(r["world"], r["epoch_length"], r["iterations"]) for r in ranks] == [(2, 4, 8), (2, 4, 8)]
    for epoch in (0, 1):  # Fabric's shard of a loader that does not shuffle: disjoint, complete, every epoch
        shards = [{i for batch in r["seen"][4 * epoch:4 * epoch + 4] for i in batch} for r in ranks]
        assert shards[0].isdisjoint(shards[1]) and shards[0] | shards[1] == set(range(32))
    want = single_process_weights([a + b for a, b in zip(ranks[0]["seen"], ranks[1]["seen"])])
    for r in ranks:
        for got, expected in zip(r["weights"], want):
            assert torch.allclose(torch.tensor(got), expected, atol=1e-5)


def test_checkpoints_are_written_by_rank_zero_only_and_load_in_one_process(runs: dict[str, Any]) -> None:
    ranks = runs["engine"]
    assert [r["saves"] for r in ranks] == [2, 0]  # one file per epoch, each written once
    folder = Path(runs["folder"]) / "out-engine-ckpt"
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["m_checkpoint_4.pt", "m_checkpoint_8.pt"]
    checkpoint = torch.load(folder / files[-1], weights_only=True)
    model = torch.nn.Linear(3, 1)
    model.load_state_dict(checkpoint["model"])  # the user's own module: no DDP "module." prefix
    for got, want in zip(model.parameters(), ranks[0]["weights"]):
        assert torch.allclose(got.detach().flatten(), torch.tensor(want))


def test_the_progress_bar_is_shown_by_rank_zero_only(runs: dict[str, Any]) -> None:
    folder = Path(runs["folder"])
    assert "Epoch [2/2]: [4/4]" in (folder / "out.bar.0").read_text()
    assert not (folder / "out.bar.1").exists()


def test_the_supervised_helpers_take_the_same_option(runs: dict[str, Any]) -> None:
    engine, supervised = runs["engine"], runs["supervised"]
    assert [(r["epoch_length"], r["iterations"], r["eval_iterations"]) for r in supervised] == [(4, 8, 4)] * 2
    for a, b in zip(engine, supervised):
        for got, want in zip(a["weights"], b["weights"]):
            assert torch.allclose(torch.tensor(got), torch.tensor(want), atol=1e-6)
        assert a["mse"] == pytest.approx(b["mse"], rel=1e-5)


def test_a_checkpoint_resumes_on_another_number_of_processes() -> None:
    from torch.utils.data import DataLoader

    from bridge.engine import Engine
    from bridge.engine.loop import RunLoop
    from bridge.lightning.sharding import shard_run_data

    def half(loader: DataLoader) -> DataLoader:  # rank 0's shard of 32 samples on 2 processes
        return DataLoader(list(range(0, 32, 2)), batch_size=4)

    # one process's state after 2 epochs of 8 batches, resumed on 2: each rank counts its 4-batch shard
    engine = Engine(lambda e, b: b)
    engine.load_state_dict({"epoch_length": 8, "iteration": 16, "max_epochs": 3})
    engine.state.dataloader = DataLoader(list(range(32)), batch_size=4)
    shard_run_data(engine, RunLoop(engine), 2, half)
    assert (engine.state.epoch, engine.state.iteration, engine.state.epoch_length) == (2, 8, 4)
    # its checkpoints count the whole data's batches, as one process does: mid-epoch 3, 2 of 4 batches
    engine.state.iteration = 10
    assert dict(engine.state_dict()) == {"epoch_length": 8, "iteration": 20, "max_epochs": 3}
    # on one process again, the state counts the whole data
    engine.load_state_dict(engine.state_dict())
    shard_run_data(engine, RunLoop(engine), 1, half)
    assert dict(engine.state_dict()) == {"epoch_length": 8, "iteration": 20, "max_epochs": 3}


def test_an_exception_on_one_rank_ends_every_rank(tmp_path: Path) -> None:
    start = time.monotonic()
    proc = launch(tmp_path, "fail", 2)
    assert proc.returncode != 0
    assert "RuntimeError: boom on rank 1" in proc.stderr
    assert time.monotonic() - start < 60
    assert not list(tmp_path.glob("out.fail.*.json"))  # no rank finished the run


def test_create_lightning_trainer_and_engine_callback_on_two_processes(runs: dict[str, Any]) -> None:
    lightning, module, callback = runs["lightning"], runs["module"], runs["callback"]
    # create_lightning_trainer: the batches and weights of the same module in Lightning's own DDP
    assert [(r["epoch_length"], r["iterations"]) for r in module] == [(4, 8), (4, 8)]
    assert [r["seen"] for r in module] == [r["seen"] for r in lightning]
    for ours, theirs in zip(module, lightning):
        for a, b in zip(ours["weights"], theirs["weights"]):
            assert torch.allclose(torch.tensor(a), torch.tensor(b), atol=1e-6)
    # EngineCallback: handlers fire on every rank with the rank's own state; the metric is global
    assert [r["epoch_iterations"] for r in callback] == [[4, 8], [4, 8]]
    assert [r["val_iterations"] for r in callback] == [4, 4]
    torch.manual_seed(0)
    x = torch.randn(32, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    weight, bias = (torch.tensor(w) for w in callback[0]["weights"])
    mse = torch.nn.functional.mse_loss(x @ weight.reshape(1, 3).T + bias, y).item()
    assert [r["mse"] for r in callback] == [pytest.approx(mse, rel=1e-5)] * 2


CTRL_C_SCRIPT = """
import pathlib, sys, time, warnings
warnings.filterwarnings("ignore")
import torch
from torch.utils.data import DataLoader, TensorDataset
from bridge.engine import Engine, Events
import bridge.distributed as idist

model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

def step(engine, batch):
    time.sleep(0.01)
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(batch[0]), batch[1]).backward()
    optimizer.step()

def started(engine):  # each rank says it is training
    pathlib.Path(f"started.{idist.get_rank()}").touch()

x = torch.randn(8000, 3)
engine = Engine(step, model=model, optimizers=optimizer, trainer_kwargs={"accelerator": "cpu", "devices": 2, "strategy": "ddp"})
engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), started)
engine.run(DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=4))
"""


def _running(group: int) -> list[str]:
    """The processes of ``group`` that still run (a zombie has ended; this machine's init may not reap it)."""
    ps = subprocess.run(["ps", "-o", "stat=,cmd=", "-g", str(group)], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if line.strip() and not line.lstrip().startswith("Z")]


def test_ctrl_c_ends_every_rank_with_a_keyboard_interrupt(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(CTRL_C_SCRIPT)
    # a session of its own: the Ctrl-C goes to the job's process group, as a terminal sends it
    proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not all((tmp_path / f"started.{rank}").exists() for rank in (0, 1)) and time.monotonic() < deadline:
            time.sleep(0.1)
        pressed = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - pressed
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode != 0 and took < 30
    # why the job stopped (a rank caught inside a collective may end on its peer's closed connection instead)
    assert "KeyboardInterrupt" in stderr, stderr[-3000:]
    assert _running(proc.pid) == []  # no rank left behind

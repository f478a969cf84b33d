"""``Engine(runner="fabric")``: the same loop, events and results as the pl.Trainer runner, over Fabric.

The event semantics are checked scenario by scenario in test_differential.py
(``test_every_runner_gives_the_trainer_runs_trace``); here: weights, backprop events,
precision, loggers and the options the runner refuses.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from bridge.engine import BackpropEvents, Engine, Events
from bridge.engine.loop import RunLoop
from bridge.engine.runners import RunSpec
from bridge.lightning.fabric_runner import FabricRunner


def model_and_data(seed: int = 0) -> tuple[nn.Module, torch.optim.Optimizer, list[tuple[torch.Tensor, torch.Tensor]]]:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    data = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(6)]
    return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), data


def raw_step(model: nn.Module, optimizer: torch.optim.Optimizer) -> Any:
    def step(engine: Any, batch: Any) -> float:  # an unmodified Ignite process function
        model.train()
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(batch[0]), batch[1])
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def lightning_step(model: nn.Module) -> Any:
    def step(engine: Any, batch: Any) -> float:
        optimizer = engine.optimizers[0]
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(batch[0]), batch[1])
        engine.manual_backward(loss)
        optimizer.step()
        return loss.item()

    return step


def train(runner: str, wrapped: bool) -> tuple[list[torch.Tensor], list[float]]:
    model, optimizer, data = model_and_data()
    step = lightning_step(model) if wrapped else raw_step(model, optimizer)
    engine = Engine(step, model=model, optimizers=optimizer, runner=runner)
    losses: list[float] = []
    engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: losses.append(e.state.output))
    engine.run(data, max_epochs=3)
    return [p.detach().clone() for p in model.parameters()], losses


@pytest.mark.parametrize("wrapped", [False, True], ids=["raw optimizer", "engine.optimizers"])
def test_weights_and_losses_equal_the_trainer_runners(wrapped: bool) -> None:
    fabric_weights, fabric_losses = train("fabric", wrapped)
    trainer_weights, trainer_losses = train("trainer", wrapped)
    assert fabric_losses == trainer_losses and len(fabric_losses) == 18
    assert all(torch.equal(a, b) for a, b in zip(fabric_weights, trainer_weights))


def test_weights_equal_pytorch_ignites() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import ignite.engine

    model, optimizer, data = model_and_data()
    ignite.engine.Engine(raw_step(model, optimizer)).run(data, max_epochs=3)
    weights, _ = train("fabric", wrapped=False)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(weights, model.parameters()))


def test_backprop_events_fire_in_lightnings_order() -> None:
    traces = {}
    for runner in ("trainer", "fabric"):
        model, optimizer, data = model_and_data()
        engine = Engine(lightning_step(model), model=model, optimizers=optimizer, runner=runner)
        trace: list[str] = []
        for event in (*BackpropEvents, Events.ITERATION_STARTED):
            engine.add_event_handler(event, lambda e, name=event.name, trace=trace: trace.append(name))
        engine.add_event_handler(BackpropEvents.OPTIM_STEP_COMPLETED(every=4), lambda e, t=trace: t.append("every 4"))
        state = engine.run(data[:4])
        traces[runner] = trace
        assert (state.backward_started, state.optim_step_completed) == (4, 4)
    assert traces["fabric"] == traces["trainer"]
    assert traces["fabric"][:5] == ["ITERATION_STARTED", "BACKWARD_STARTED", "BACKWARD_COMPLETED",
                                    "OPTIM_STEP_STARTED", "OPTIM_STEP_COMPLETED"]  # fmt: skip
    assert traces["fabric"][-1] == "every 4"


def test_the_step_runs_under_the_precision_plugins_autocast() -> None:
    dtypes = {}
    for runner in ("trainer", "fabric"):
        model = nn.Linear(3, 1)

        def step(engine: Any, batch: Any, model: nn.Module = model) -> torch.dtype:
            return model(batch).dtype

        engine = Engine(step, model=model, trainer_kwargs={"precision": "bf16-mixed"}, runner=runner)
        dtypes[runner] = engine.run([torch.ones(2, 3)]).output
    assert dtypes == {"trainer": torch.bfloat16, "fabric": torch.bfloat16}



def test_a_full_precision_step_is_not_entered_into_a_context(monkeypatch: pytest.MonkeyPatch) -> None:
    # 32-true's autocast is a nullcontext: asked once per run, not entered at every step (~0.5 us)
    from lightning_fabric import Fabric

    autocast, asked = Fabric.autocast, []

    def counted(fabric: Fabric) -> Any:
        asked.append(1)
        return autocast(fabric)

    monkeypatch.setattr(Fabric, "autocast", counted)
    Engine(lambda e, b: b, runner="fabric").run([1, 2, 3], max_epochs=2)
    assert len(asked) == 1
    Engine(lambda e, b: b, runner="fabric", trainer_kwargs={"precision": "bf16-mixed"}).run([1, 2, 3], max_epochs=2)
    assert len(asked) == 1 + 1 + 6  # bf16: the check, then each of the six steps in its context

def test_metrics_and_engine_log_reach_fabric_loggers(tmp_path: Path) -> None:
    from lightning_fabric.loggers import CSVLogger

    model, optimizer, data = model_and_data()

    def step(engine: Any, batch: Any) -> float:
        loss = raw_step(model, optimizer)(engine, batch)
        engine.log("loss", loss)
        return loss

    engine = Engine(step, model=model, optimizers=optimizer, runner="fabric",
                    trainer_kwargs={"logger": CSVLogger(tmp_path, name="run")})  # fmt: skip
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: e.state.metrics.update(epoch_loss=e.state.output))
    engine.run(data, max_epochs=2)
    (metrics_file,) = tmp_path.glob("run/*/metrics.csv")
    rows = list(csv.DictReader(metrics_file.open()))
    logged_losses = [float(r["loss"]) for r in rows if r.get("loss")]
    epoch_rows = [(int(r["step"]), float(r["epoch_loss"])) for r in rows if r.get("epoch_loss")]
    assert len(logged_losses) == 12
    assert [step for step, _ in epoch_rows] == [1, 2]
    assert epoch_rows[-1][1] == pytest.approx(engine.state.output)


def test_fabric_run_is_quiet_and_writes_nothing(tmp_path: Path, capfd: Any, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    model, optimizer, data = model_and_data()
    Engine(raw_step(model, optimizer), model=model, optimizers=optimizer, runner="fabric").run(data, max_epochs=2)
    assert capfd.readouterr() == ("", "")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "options,error,match",
    [
        ({"gradient_clip_val": 1.0}, ValueError, r"trainer_kwargs\['gradient_clip_val'\] is a pl.Trainer option"),
        ({"enable_progress_bar": True}, ValueError, "runner='fabric' does not take: it takes accelerator, strategy"),
        ({"devices": 2, "strategy": "ddp_spawn"}, ValueError, r"'ddp_spawn' starts processes that get the run by pickling.*runner='fabric' takes strategy='ddp'"),
        ({"grad_scaler": 0.5}, TypeError, r"trainer_kwargs\['grad_scaler'\] must be a torch.amp.GradScaler"),
    ],
)
def test_options_fabric_does_not_take_are_refused(options: dict, error: type, match: str) -> None:
    engine = Engine(lambda e, b: b, trainer_kwargs=options, runner="fabric")
    with pytest.raises(error, match=match):
        engine.run([1, 2])


def test_lightning_callbacks_and_modules_need_the_trainer_runner() -> None:
    import pytorch_lightning as pl

    engine = Engine(lambda e, b: b, callbacks=[pl.Callback()], runner="fabric")
    with pytest.raises(ValueError, match=r"Engine\(callbacks=\.\.\.\) are Lightning callbacks.*runner='trainer'"):
        engine.run([1])
    spec = RunSpec(engine, {}, (), None, None, module=pl.LightningModule())
    with pytest.raises(ValueError, match="create_lightning_trainer fits a LightningModule in a pl.Trainer"):
        FabricRunner().run(spec, RunLoop(engine))


def test_fabric_skips_the_callback_factory_scan_when_none_is_installed(monkeypatch: Any) -> None:
    import lightning_fabric.fabric as fabric_module

    import bridge.lightning.run_setup as runner

    calls: list[str] = []

    def load(group: str) -> list:
        calls.append(group)
        return []

    monkeypatch.setattr(fabric_module, "_load_external_callbacks", load)
    group = "lightning_fabric.callbacks_factory"
    monkeypatch.setitem(runner._has_callback_factories, group, True)
    engine = Engine(lambda e, b: b, runner="fabric")
    engine.run([1])
    assert calls == [group]
    monkeypatch.setitem(runner._has_callback_factories, group, False)
    engine.run([1])
    assert calls == [group] and fabric_module._load_external_callbacks is load


DDP_SCRIPT = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import torch
from torch.utils.data import DataLoader, TensorDataset
from bridge.engine import Engine
import bridge.distributed as idist

devices, out, fail = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "fail"
torch.manual_seed(0)
x = torch.randn(32, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
model = torch.nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
seen = []

def step(engine, batch):  # an unmodified Ignite process function: the user's own model and optimizer
    if fail and idist.get_rank() == 1 and engine.state.iteration == 2:
        raise RuntimeError("boom on rank 1")
    index, xb, yb = batch
    seen.extend(index.tolist())
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()

loader = DataLoader(TensorDataset(torch.arange(32), x, y), batch_size=8 // devices)
options = {"strategy": "ddp", "devices": devices} if devices > 1 else {}
state = Engine(step, model=model, optimizers=optimizer, runner="fabric", trainer_kwargs=options).run(loader, max_epochs=2)
with open(f"{out}.{idist.get_rank()}.json", "w") as f:
    json.dump({"world": idist.get_world_size(), "iterations": state.iteration, "epoch_length": state.epoch_length,
               "seen": seen, "weights": [p.detach().flatten().tolist() for p in model.parameters()]}, f)
"""


def run_ddp_script(tmp_path: Path, devices: int, fail: bool = False) -> subprocess.CompletedProcess:
    script = tmp_path / "ddp_script.py"
    script.write_text(DDP_SCRIPT)
    args = [sys.executable, str(script), str(devices), str(tmp_path / f"out{devices}"), "fail" if fail else "ok"]
    return subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=120)


# Sharding and gradient sync on 2 processes: tests/test_trainer_ddp.py runs the same step on both runners.


def test_an_exception_on_one_rank_ends_every_rank(tmp_path: Path) -> None:
    start = time.monotonic()
    proc = run_ddp_script(tmp_path, 2, fail=True)
    assert proc.returncode != 0
    assert "RuntimeError: boom on rank 1" in proc.stderr
    assert time.monotonic() - start < 60
    assert not list(tmp_path.glob("out2.*.json"))  # no rank finished the run


def test_data_that_cannot_be_sharded_warns_once() -> None:
    from bridge.lightning.sharding import shard_run_data

    def shard(loader: Any) -> Any:
        raise AssertionError("a list is not a DataLoader")

    engine = Engine(lambda e, b: b)
    engine.state.dataloader = [1, 2, 3]
    with pytest.warns(UserWarning, match="the data is a list, not a torch DataLoader, so every rank iterates all"):
        shard_run_data(engine, RunLoop(engine), 2, shard)
    assert engine.state.dataloader == [1, 2, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shard_run_data(engine, RunLoop(engine), 2, shard)  # once per engine


def test_a_multi_process_run_ends_its_process_group_at_exit_once(monkeypatch: Any) -> None:
    from bridge.lightning import run_setup

    registered: list[Any] = []
    monkeypatch.setattr(run_setup.atexit, "register", registered.append)
    monkeypatch.setattr(run_setup, "_registered_exit", False)
    run_setup.end_process_group_at_exit()
    run_setup.end_process_group_at_exit()
    assert registered == [run_setup.destroy_process_group]
    run_setup.destroy_process_group()  # no process group here: nothing to do, no error

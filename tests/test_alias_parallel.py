"""An unmodified Ignite script written for ``idist.Parallel`` + ``auto_*``, on 2 gloo processes:
the same numbers on pytorch-ignite (``python SCRIPT``) and on bridge (``python -m bridge.alias SCRIPT``),
whose spawned ranks get the alias too."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import torch
from torch.utils.data import TensorDataset
import ignite
import ignite.distributed as idist
from ignite.engine import Engine, Events
from ignite.metrics import MeanSquaredError


def training(local_rank, config):
    torch.manual_seed(0)
    x = torch.randn(32, 3)
    data = TensorDataset(x, x @ torch.tensor([[1.0], [-2.0], [0.5]]))
    loader = idist.auto_dataloader(data, batch_size=8, shuffle=False)  # the global batch: 4 per rank
    model = idist.auto_model(torch.nn.Linear(3, 1))
    optimizer = idist.auto_optim(torch.optim.SGD(model.parameters(), lr=0.1))

    def step(engine, batch):
        xb, yb = batch
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        return loss.item()

    def evaluate(engine, batch):
        with torch.no_grad():
            return model(batch[0]), batch[1]

    trainer, evaluator = Engine(step), Engine(evaluate)
    MeanSquaredError().attach(evaluator, "mse")
    losses = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: losses.append(e.state.output))
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda e: evaluator.run(loader))
    trainer.run(loader, max_epochs=2)
    result = {"bridge": ignite.engine.Engine.__module__.startswith("bridge"), "world": idist.get_world_size(),
              "iterations": trainer.state.iteration, "losses": losses, "mse": evaluator.state.metrics["mse"],
              "weights": [p.detach().flatten().tolist() for p in model.parameters()]}
    with open(f"{config['out']}.{idist.get_rank()}.json", "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    with idist.Parallel(backend="gloo", nproc_per_node=2, master_port=int(sys.argv[2])) as parallel:
        parallel.run(training, {"out": sys.argv[1]})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(tmp_path: Path, name: str, alias: bool) -> list[dict]:
    script = tmp_path / "parallel_script.py"
    script.write_text(SCRIPT)
    command = [sys.executable, *(["-m", "bridge.alias"] if alias else []), str(script), str(tmp_path / name),
               str(free_port())]  # fmt: skip
    proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads((tmp_path / f"{name}.{rank}.json").read_text()) for rank in (0, 1)]


def test_an_idist_parallel_script_gives_ignites_numbers_under_the_alias(tmp_path: Path) -> None:
    ignite_ranks = run(tmp_path, "ignite", alias=False)
    bridge_ranks = run(tmp_path, "bridge", alias=True)
    assert [r["bridge"] for r in ignite_ranks] == [False, False]
    assert [r["bridge"] for r in bridge_ranks] == [True, True]  # the spawned ranks run on bridge too
    for ours, theirs in zip(bridge_ranks, ignite_ranks):
        assert (ours["world"], ours["iterations"]) == (theirs["world"], theirs["iterations"]) == (2, 8)
        assert ours["losses"] == pytest.approx(theirs["losses"], rel=1e-5)
        assert ours["mse"] == pytest.approx(theirs["mse"], rel=1e-5)
        for a, b in zip(ours["weights"], theirs["weights"]):
            assert a == pytest.approx(b, abs=1e-6)


def test_child_interpreters_get_the_alias_and_keep_their_own_sitecustomize(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import bridge.alias

    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text("import os\nos.environ['OWN_SITECUSTOMIZE'] = 'ran'\n")
    monkeypatch.setenv("PYTHONPATH", str(own))
    monkeypatch.delenv("BRIDGE_ALIAS", raising=False)
    bridge.alias._alias_child_processes()
    bridge.alias._alias_child_processes()  # twice: the directory is not added twice
    site_dir = str(Path(bridge.alias.__file__).parent / "_alias_site")
    assert os.environ["PYTHONPATH"].split(os.pathsep) == [site_dir, str(own)]
    assert os.environ["BRIDGE_ALIAS"] == "1"
    code = "import os, ignite.engine; print(ignite.engine.Engine.__module__, os.environ.get('OWN_SITECUSTOMIZE'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.stdout.split() == ["bridge.engine.engine", "ran"], out.stderr[-2000:]

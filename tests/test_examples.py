"""The README's main example trains for real on scikit-learn's digits."""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).parent.parent / "examples"


def load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_example_learns(capsys: Any) -> None:
    metrics = load("digits").main(epochs=3)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["epoch", "1"], ["epoch", "2"], ["epoch", "3"]]
    assert lines[3] == "trained 135 iterations in a Trainer"
    losses = [float(line.split()[4]) for line in lines[:3]]
    assert losses == sorted(losses, reverse=True)
    assert metrics["accuracy"] > 0.9


def test_lightning_interop_example_runs_all_four_directions(tmp_path: Path, capsys: Any) -> None:
    load("lightning_interop").main(tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(".")[0] for line in lines] == ["1", "2", "3", "4"]
    assert (tmp_path / "engine" / "version_0" / "metrics.csv").exists()
    assert len(list((tmp_path / "engine-checkpoints").iterdir())) == 1
    assert (tmp_path / "module" / "version_0" / "metrics.csv").exists()
    accuracies = [float(x) for x in lines[3].split("[")[1].rstrip("]").split(", ")]
    assert len(accuracies) == 3 and accuracies[-1] > 0.9


def test_faq_example_prints_what_pytorch_ignite_prints(tmp_path: Path, capsys: Any) -> None:
    """The FAQ pattern (trainer + evaluator, EarlyStopping, best ModelCheckpoint, Accuracy, Loss)
    gives the same epochs, metrics, stop and best checkpoint on bridge as on pytorch-ignite."""
    source = (EXAMPLES / "faq_digits.py").read_text()
    outputs = []
    for framework in ("bridge", "ignite"):
        module = types.ModuleType(f"faq_{framework}")
        exec(compile(source.replace("from bridge.", f"from {framework}."), f"faq_{framework}", "exec"), module.__dict__)
        module.main(30, tmp_path / framework, progress=False)
        outputs.append(capsys.readouterr().out.splitlines())
    bridge_lines, ignite_lines = outputs
    assert bridge_lines == ignite_lines
    assert bridge_lines[-1].startswith("stopped after") and "best_model_" in bridge_lines[-1]
    assert sorted(p.name for p in (tmp_path / "bridge").iterdir()) == sorted(p.name for p in (tmp_path / "ignite").iterdir())


def test_ddp_digits_example_scales_with_one_option() -> None:
    """2 CPU processes: rank 0 prints each line once, each rank runs half the batches, the model
    learns. (That both runners give the same weights on 2 processes: tests/test_trainer_ddp.py.)"""
    import subprocess
    import sys

    def run(runner: str) -> list[str]:
        proc = subprocess.run([sys.executable, str(EXAMPLES / "ddp_digits.py"), "--devices", "2", "--epochs", "2",
                               "--runner", runner], capture_output=True, text=True, timeout=180)  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Warning" not in proc.stderr, proc.stderr[-3000:]  # Lightning's tips and warnings stay quiet
        return proc.stdout.splitlines()

    lines = run("trainer")
    assert [line.split()[:4] for line in lines[:2]] == [["epoch", "1", "23", "iterations"], ["epoch", "2", "23", "iterations"]]
    assert lines[2:] == ["2 process(es), 46 iterations on each"]
    assert float(lines[1].split()[8]) > 0.85  # val accuracy over the whole validation set


def test_quickstart_writes_its_checkpoint_lightning_csv_and_curves(tmp_path: Path, capsys: Any) -> None:
    """The README's first command: Ignite's handlers and metrics, a Lightning CSV log, a PNG."""
    import csv

    metrics = load("quickstart").main(epochs=3, out=tmp_path, progress=False)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["epoch", "1"], ["epoch", "2"], ["epoch", "3"]]
    assert lines[3].startswith("stopped after 3 epochs in a Trainer; best checkpoint best_model_")
    best = [p.name for p in tmp_path.glob("best_model_*.pt")]
    assert len(best) == 1 and best[0] in lines[3]
    with open(tmp_path / "logs" / "quickstart" / "version_0" / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    logged = {name for row in rows for name, value in row.items() if value}
    assert {"train/loss", "validation/accuracy", "validation/loss"} <= logged
    accuracies = [float(row["validation/accuracy"]) for row in rows if row["validation/accuracy"]]
    assert len(accuracies) == 3 and accuracies[-1] == metrics["accuracy"] > 0.9
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

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

"""Ignite-style scripts (tests/ignite_scripts/) run unchanged on pytorch-ignite and through ``python -m bridge.alias``:
the same printed numbers, the same files, the same logged tags and values.

Each script runs in two subprocesses at once, one per library, outside the repository.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent / "ignite_scripts"
REPO = SCRIPTS.parents[1]


def _start(script: str, *args: str, on_bridge: bool, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONWARNINGS="ignore")
    runner = ["-m", "bridge.alias"] if on_bridge else []
    cmd = [sys.executable, *runner, str(SCRIPTS / script), *args]
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen, expect_rc: int = 0) -> tuple[str, str]:
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == expect_rc, stderr[-3000:]
    return stdout, stderr


def run_both(script: str, tmp_path: Path, *args: str) -> dict[str, tuple[str, str]]:
    """Run ``script`` on Ignite and on bridge concurrently; ``{OUT}`` in args is each run's own output folder."""
    procs = {}
    for lib in ("ignite", "bridge"):
        out = tmp_path / lib
        out.mkdir()
        procs[lib] = _start(script, *(a.replace("{OUT}", str(out)) for a in args), on_bridge=lib == "bridge", cwd=out)
    return {lib: _finish(proc) for lib, proc in procs.items()}


def test_mnist_with_progress_bar_prints_the_same(tmp_path: Path) -> None:
    runs = run_both("mnist_pbar.py", tmp_path)
    (ignite_out, ignite_err), (bridge_out, bridge_err) = runs["ignite"], runs["bridge"]
    assert bridge_out == ignite_out and "final weight sum" in ignite_out and ignite_out.count("iteration") == 7

    def results(stderr: str) -> list[str]:  # ProgressBar.log_message lines, between the bar's redraws
        return [line for line in stderr.replace("\r", "\n").splitlines() if line.startswith(("Training", "Validation"))]

    assert results(bridge_err) == results(ignite_err) and len(results(ignite_err)) == 6
    # the bar itself: the same final state of each epoch's bar
    assert "Epoch [3/3]: [12/12] 100%" in bridge_err and "Epoch [3/3]: [12/12] 100%" in ignite_err


def _tensorboard(log_dir: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing import event_accumulator as ea

    (events_file,) = [p for p in log_dir.iterdir() if p.name.startswith("events.out.tfevents")]
    acc = ea.EventAccumulator(str(events_file), size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0})
    acc.Reload()
    logged: dict[str, list[tuple[int, float]]] = {}
    for tag in acc.Tags()["scalars"]:
        logged[tag] = [(e.step, e.value) for e in acc.Scalars(tag)]
    for tag in acc.Tags()["histograms"]:
        logged["hist:" + tag] = [(e.step, e.histogram_value.sum) for e in acc.Histograms(tag)]
    return logged


def _assert_same_log(ours: dict[str, list[tuple[int, float]]], theirs: dict[str, list[tuple[int, float]]]) -> None:
    assert sorted(ours) == sorted(theirs)
    for tag, values in theirs.items():
        assert [step for step, _ in ours[tag]] == [step for step, _ in values], tag
        for (_, a), (_, b) in zip(ours[tag], values):
            assert math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-6), (tag, a, b)


def test_tensorboard_logger_writes_the_same_tags_and_values(tmp_path: Path) -> None:
    runs = run_both("tensorboard_logging.py", tmp_path, "{OUT}/tb")
    assert runs["bridge"][0] == runs["ignite"][0]
    ours, theirs = _tensorboard(tmp_path / "bridge" / "tb"), _tensorboard(tmp_path / "ignite" / "tb")
    _assert_same_log(ours, theirs)
    assert {"training/batchloss", "lr/group_0", "validation/accuracy", "grads/grads_norm/fc2/bias"} <= set(theirs)
    assert any(tag.startswith("hist:grads/") for tag in theirs) and any(tag.startswith("hist:weights/") for tag in theirs)


def test_contrib_common_helpers_give_the_same_run_files_and_logs(tmp_path: Path) -> None:
    runs = run_both("common_training.py", tmp_path, "{OUT}")
    (ignite_out, _), (bridge_out, _) = runs["ignite"], runs["bridge"]
    assert bridge_out == ignite_out
    assert "stopped at epoch" in ignite_out and "checkpoints ['training_checkpoint_" in ignite_out and "best ['best_model_" in ignite_out
    _assert_same_log(_tensorboard(tmp_path / "bridge" / "tb"), _tensorboard(tmp_path / "ignite" / "tb"))


def test_deterministic_resume_after_a_kill_ends_with_the_uninterrupted_weights(tmp_path: Path) -> None:
    """Ignite's recipe (DeterministicEngine + Checkpoint, load_objects on restart), the process killed mid-epoch.

    bridge's resumed run ends exactly where the uninterrupted run ends, which is also where Ignite's
    uninterrupted run ends. (Ignite 0.5.5 itself, resumed mid-epoch, draws the epoch's shuffle after it
    restored the saved RNG state, so its resumed run sees other batches: docs/deterministic.md.)
    """
    killed = tmp_path / "killed"
    killed.mkdir()
    crash = _start("deterministic_resume.py", str(killed), "--crash-at", "17", on_bridge=True, cwd=killed)
    whole = run_both("deterministic_resume.py", tmp_path, "{OUT}")
    assert whole["bridge"][0] == whole["ignite"][0]
    final = whole["ignite"][0].strip().splitlines()[-1]
    assert final.startswith("final weight sum")

    _finish(crash, expect_rc=3)
    assert sorted(os.listdir(killed)) == ["checkpoint_14.pt", "checkpoint_7.pt"]
    resumed, _ = _finish(_start("deterministic_resume.py", str(killed), on_bridge=True, cwd=killed))
    lines = resumed.strip().splitlines()
    assert lines[0] == "resumed from iteration 14" and lines[-1] == final


def _mlflow_runs(tracking_dir: Path) -> list[tuple[dict[str, str], dict[str, list[tuple[int, float]]]]]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(f"file:{tracking_dir}")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    return [
        (
            run.data.params,
            {name: [(m.step, m.value) for m in client.get_metric_history(run.info.run_id, name)] for name in run.data.metrics},
        )
        for run in runs
    ]


def test_mlflow_logger_writes_the_same_run_into_a_real_file_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # mlflow's local store, no server (read by the subprocesses)
    runs = run_both("mlflow_logging.py", tmp_path, "{OUT}/mlruns")
    assert runs["bridge"][0] == runs["ignite"][0]
    (ours,), (theirs,) = _mlflow_runs(tmp_path / "bridge" / "mlruns"), _mlflow_runs(tmp_path / "ignite" / "mlruns")
    assert ours[0] == theirs[0] == {"seed": "17", "batch_size": "32", "model": "Net"}
    assert sorted(theirs[1]) == ["lr group_0", "training batchloss", "validation accuracy", "validation nll"]
    _assert_same_log(ours[1], theirs[1])
    assert [step for step, _ in theirs[1]["validation accuracy"]] == [1, 2]


@pytest.mark.parametrize("script", sorted(p.name for p in SCRIPTS.glob("[!_]*.py")))
def test_every_script_is_plain_ignite_code(script: str) -> None:
    imports = [line for line in (SCRIPTS / script).read_text().splitlines() if line.startswith(("import ", "from "))]
    assert not any("bridge" in line for line in imports) and any(line.startswith("from ignite") for line in imports)

"""Kill -9 and resume: Ignite's resume recipe (tests/ignite_scripts/kill_resume.py) in real processes,
SIGKILLed mid-epoch, right after a save and inside a save, restarted until it finishes.

- DeterministicEngine: the killed and resumed run ends with the uninterrupted run's weights and
  metrics, bit for bit, also when it resumes from mid-epoch checkpoints.
- Engine (fixed data order): the same from epoch-end checkpoints; from a mid-epoch checkpoint,
  bridge's run is Ignite's, print for print (Ignite restarts the epoch's data: so does bridge).
- A kill inside ``torch.save`` leaves every checkpoint under a final name loadable, including the
  one the interrupted save would have rotated out; its temporary file is removed at the next start.

Scripts run under ``python -m bridge.alias`` (Ignite imports) and rewritten to import ``bridge``.
The chains of processes run concurrently (one thread each); each chain is deterministic: the
script blocks at the kill point and says so, and only then is it killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest
import torch

SCRIPTS = Path(__file__).resolve().parent / "ignite_scripts"
REPO = SCRIPTS.parents[1]
SCRIPT = SCRIPTS / "kill_resume.py"
MARKER = "waiting for the kill"


@dataclass
class Kill:
    """What the directory held right after one SIGKILL."""

    point: str
    files: list[str]
    loadable: dict[str, bool]


@dataclass
class Chain:
    """A run killed at each of ``points`` in turn, then restarted to the end."""

    out_dir: Path
    outputs: list[str] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)

    def epochs(self) -> dict[str, str]:
        """Each epoch's last printed validation line (a resumed run may print an epoch again)."""
        lines = [line for out in self.outputs for line in out.splitlines() if line.startswith("epoch ")]
        return {line.split(":")[0]: line for line in lines}

    def resumed_from(self) -> list[str]:
        return [line for out in self.outputs for line in out.splitlines() if line.startswith("resumed from")]

    def final(self) -> str:
        return self.outputs[-1].strip().splitlines()[-1]


def _command(lib: str, tmp: Path) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ, PYTHONWARNINGS="ignore", OMP_NUM_THREADS="1")
    if lib == "ignite":
        return [sys.executable, str(SCRIPT)], env
    if lib == "alias":
        env["PYTHONPATH"] = str(REPO)
        return [sys.executable, "-m", "bridge.alias", str(SCRIPT)], env
    # the same script importing bridge: only its import lines change
    source = SCRIPT.read_text()
    rewritten = "\n".join(
        line.replace("from ignite.", "from bridge.") if line.startswith("from ignite.") else line
        for line in source.splitlines()
    )
    assert rewritten.count("from bridge.") == 6
    script = tmp / "kill_resume_bridge.py"
    script.write_text(rewritten)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(SCRIPTS)])
    return [sys.executable, str(script)], env


def _loadable(path: Path) -> bool:
    try:
        torch.load(path, weights_only=False)
    except Exception:
        return False
    return True


def _run_once(cmd: list[str], env: dict[str, str], out_dir: Path, kill_point: Optional[str], log: Path) -> str:
    """One process; with ``kill_point``, SIGKILL it as soon as it blocks there. Returns its stdout."""
    if kill_point is not None:
        env = dict(env, KILL_POINT=kill_point)
    with open(log, "w") as stderr:
        proc = subprocess.Popen(cmd, cwd=out_dir, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
        watchdog = threading.Timer(240, proc.kill)  # a hung child fails the test instead of hanging it
        watchdog.start()
        try:
            assert proc.stdout is not None
            lines = []
            for line in iter(proc.stdout.readline, ""):
                lines.append(line)
                if line.strip() == MARKER:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
            proc.stdout.close()
            rc = proc.wait()
        finally:
            watchdog.cancel()
    expected = -signal.SIGKILL if kill_point is not None else 0
    assert rc == expected, f"{cmd} KILL_POINT={kill_point}: rc {rc}\n{''.join(lines)}\n{log.read_text()[-3000:]}"
    return "".join(lines)


def run_chain(lib: str, tmp: Path, name: str, points: list[str], *args: str) -> Chain:
    """Start the script, kill it at each point in turn, restart it until it finishes."""
    work = tmp / name
    work.mkdir()
    cmd, env = _command(lib, work)
    chain = Chain(work / "checkpoints")
    chain.out_dir.mkdir()
    for i, point in enumerate([*points, None]):
        out = _run_once([*cmd, str(chain.out_dir), *args], env, work, point, work / f"stderr_{i}.txt")
        chain.outputs.append(out)
        if point is not None:
            files = sorted(os.listdir(chain.out_dir))
            pt = [f for f in files if f.endswith(".pt")]
            chain.kills.append(Kill(point, files, {f: _loadable(chain.out_dir / f) for f in pt}))
    return chain


# The chains (Checkpoint every 7 iterations and at epoch ends, 10 iterations an epoch, 3 epochs, n_saved=2):
# - "in-save:14": inside the save that would rotate out checkpoint_7.pt; resumes from 10 (an epoch end).
# - "after-save:21": right after a mid-epoch save (which rotated 14 out); resumes from 21, mid-epoch.
# - "after-save:20": right after the epoch-end save; resumes from 20.
# - "iteration:17": mid-epoch, no save there; resumes from 14, mid-epoch.
# The uninterrupted references are Ignite's runs.
CHAINS: dict[str, tuple[str, list[str], tuple[str, ...]]] = {
    "deterministic": ("alias", ["in-save:14", "after-save:21"], ("--deterministic",)),
    "deterministic_whole": ("ignite", [], ("--deterministic",)),
    "epoch_ends": ("bridge", ["in-save:14", "after-save:20"], ()),
    "whole": ("ignite", [], ()),
    "mid_epoch": ("alias", ["iteration:17"], ()),
    "mid_epoch_ignite": ("ignite", ["iteration:17"], ()),
}


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Chain]]:
    tmp = tmp_path_factory.mktemp("kill_resume")
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            name: pool.submit(run_chain, lib, tmp, name, points, *args) for name, (lib, points, args) in CHAINS.items()
        }
        yield {name: future.result() for name, future in futures.items()}


def test_deterministic_engine_killed_anywhere_ends_with_the_uninterrupted_weights(chains: dict[str, Chain]) -> None:
    killed, whole = chains["deterministic"], chains["deterministic_whole"]
    assert killed.resumed_from() == ["resumed from iteration 10", "resumed from iteration 21"]
    assert killed.final().startswith("final weights") and killed.final() == whole.final()
    assert killed.epochs() == whole.epochs() and len(whole.epochs()) == 3


def test_engine_resumed_from_epoch_ends_is_exact_and_is_ignites_run(chains: dict[str, Chain]) -> None:
    killed, whole = chains["epoch_ends"], chains["whole"]
    assert killed.resumed_from() == ["resumed from iteration 10", "resumed from iteration 20"]
    assert killed.final().startswith("final weights") and killed.final() == whole.final()
    assert killed.epochs() == whole.epochs() and len(whole.epochs()) == 3


def test_engine_resumed_mid_epoch_does_what_ignite_does(chains: dict[str, Chain]) -> None:
    ours, ignite = chains["mid_epoch"], chains["mid_epoch_ignite"]
    assert ours.resumed_from() == ["resumed from iteration 14"]
    assert ours.outputs == ignite.outputs
    # the bar: Ignite's resumed epoch reruns the epoch's first batches, not the uninterrupted run's
    assert ours.final() != chains["whole"].final()


def test_a_kill_inside_a_save_leaves_every_final_file_loadable(chains: dict[str, Chain]) -> None:
    for name in ("deterministic", "epoch_ends"):
        in_save = chains[name].kills[0]
        assert in_save.point == "in-save:14"
        # the save of 14 would have rotated out checkpoint_7.pt: it is still there, as is 10
        assert in_save.loadable == {"checkpoint_10.pt": True, "checkpoint_7.pt": True}
        (temp,) = [f for f in in_save.files if not f.endswith(".pt")]
        assert temp.startswith(".checkpoint_14.pt.tmp-")
        # every kill left only loadable files under final names
        assert all(all(kill.loadable.values()) for kill in chains[name].kills)
        # the restarted script's DiskSaver removed the killed write's temporary file
        assert not [f for f in os.listdir(chains[name].out_dir) if not f.endswith(".pt")]


# ---------------------------------------------------------------- DiskSaver's temporary files, in one process


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_the_temporary_file_is_named_after_the_checkpoint_and_is_not_a_pt_file(tmp_path: Path) -> None:
    from bridge.handlers.checkpoint import DiskSaver

    names: list[str] = []

    def save(obj: object, f: object) -> None:
        names.extend(os.listdir(tmp_path))
        torch.save(obj, f)  # type: ignore[arg-type]

    saver = DiskSaver(tmp_path)
    saver._save_func({"w": torch.ones(2)}, tmp_path / "model_3.pt", save)
    (name,) = names
    assert name.startswith(f".model_3.pt.tmp-{os.getpid()}@") and not name.endswith(".pt")
    assert os.listdir(tmp_path) == ["model_3.pt"]


def test_a_new_disk_saver_removes_only_the_temporary_files_of_dead_writers_on_this_host(tmp_path: Path) -> None:
    import socket

    from bridge.handlers.checkpoint import DiskSaver

    host = socket.gethostname()
    stale = f".model_7.pt.tmp-{_dead_pid()}@{host}-k2j4_x"
    keep = [
        f".model_8.pt.tmp-{os.getppid()}@{host}-a1b2c3",  # a live process writing into the same directory
        f".model_9.pt.tmp-{_dead_pid()}@another-host.example-a1b2c3",  # another machine's: no way to tell
        ".hidden",
        "model_6.pt",
        "tmpabc123",  # Ignite's temporary file names: not ours to judge
    ]
    for name in [stale, *keep]:
        (tmp_path / name).write_bytes(b"x")
    DiskSaver(tmp_path, require_empty=False)
    assert sorted(os.listdir(tmp_path)) == sorted(keep)


def test_only_the_saving_rank_cleans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    import bridge.handlers.checkpoint as checkpoint

    stale = f".model_7.pt.tmp-{_dead_pid()}@{socket.gethostname()}-k2j4_x"
    (tmp_path / stale).write_bytes(b"x")
    monkeypatch.setattr(checkpoint, "get_rank", lambda: 1)
    checkpoint.DiskSaver(tmp_path, require_empty=False)  # rank 1 of a DDP run, rank 0 saves
    assert os.listdir(tmp_path) == [stale]
    checkpoint.DiskSaver(tmp_path, require_empty=False, save_on_rank=1)
    assert os.listdir(tmp_path) == []

"""bridge's own cost per iteration in instructions, counted by callgrind: free of timing noise.

On the shared 2-core machine even the framework-only timings of :mod:`benchmarks.share` move
by ±15 µs between runs of the *same* runner in a noisy phase (its A/A control), more than the
~15 µs a 2% target allows. Valgrind's callgrind counts the instructions a run executes, the
same count every time to within ~2k per iteration. Each runner of :data:`SHARE_PAIRS` runs its
do-nothing step (the same user code in both runners of a pair) for ``SHORT`` and for ``LONG``
iterations; only the run itself is instrumented (imports, warm-up and Python's start are not),
and the difference divided by ``LONG - SHORT`` is the instructions of one iteration, Trainer
construction and teardown cancelled out. A pair's difference is bridge's own code.

One count is not the whole story: CPython's type attribute cache is indexed by the type's
version tag and the attribute name's address, so which look-ups collide there (and walk the MRO
on every iteration) depends on where objects happen to lie, which a code change or the hash
seed moves. A colliding pair added 21k instructions per iteration to ``create_lightning_trainer``
in one measurement, gone with another hash seed. Collisions only add, so each runner is counted
under several hash seeds (``--seeds``, each a fixed layout: the counts repeat) and the minimum
is reported.

Instructions are not time: on the Trainer runner, bridge's instructions run between Lightning's
and miss more in the caches than a tight loop's do, so a microsecond costs fewer of them there.
Use the counts for before/after comparisons of a change, and the timings for the targets.

```bash
python -m benchmarks.instructions                     # every pair, two seeds, ~25 min (two runs at a time)
python -m benchmarks.instructions bridge_engine pl_manual_raw --seeds 3
```

Example:
    >>> per_iteration({250: 1_250_000, 1000: 5_000_000})  # instructions of the two runs
    5000.0
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SHORT, LONG = 250, 1000
_COLLECTED = re.compile(r"Collected : (\d+)")


def per_iteration(totals: dict[int, int]) -> float:
    """Instructions of one iteration from two runs' totals, keyed by their iteration counts."""
    (short, low), (long, high) = sorted(totals.items())
    return (high - low) / (long - short)


def count(runner: str, iterations: int, seed: int = 0) -> int:
    """Instructions of one ``runner`` run of ``iterations`` under hash seed ``seed`` (imports and warm-up not counted)."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise RuntimeError("benchmarks.instructions needs valgrind (callgrind and callgrind_control) on the PATH")
    with tempfile.TemporaryDirectory() as scratch:
        ready, go = Path(scratch, "ready"), Path(scratch, "go")
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={scratch}/out",
            sys.executable, "-m", "benchmarks.instructions", "--child", runner, str(iterations), scratch,
        ]  # fmt: skip
        # a fixed hash seed: set and dict layouts, and so the counts, repeat
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        while not ready.exists():
            if child.poll() is not None:
                raise RuntimeError(f"{runner}: the run under valgrind ended early:\n{child.stderr.read()}")  # type: ignore[union-attr]
            time.sleep(0.1)
        subprocess.run(["callgrind_control", "-i", "on", str(child.pid)], check=True, capture_output=True)
        go.touch()
        _, err = child.communicate()
        found = _COLLECTED.search(err)
        if child.returncode != 0 or found is None:
            raise RuntimeError(f"{runner}: no instruction count from valgrind:\n{err[-2000:]}")
        return int(found.group(1))


def _child(runner: str, iterations: int, scratch: str) -> None:
    """Inside valgrind: warm up uninstrumented, say so, wait for instrumentation, run once."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    import torch

    from benchmarks.run import Batches
    from benchmarks.share import SHARE_RUNNERS

    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("pytorch_lightning", "lightning", "lightning_fabric"):
            logging.getLogger(name).setLevel(logging.ERROR)
    run = SHARE_RUNNERS[runner]
    for _ in range(2):  # imports and first-call caches
        run(Batches([(torch.zeros(1), torch.zeros(1))] * 10), [])
    data = Batches([(torch.zeros(1), torch.zeros(1))] * iterations)
    Path(scratch, "ready").touch()
    while not Path(scratch, "go").exists():
        time.sleep(0.05)
    ticks: list[float] = []
    run(data, ticks)
    assert len(ticks) == iterations, f"{runner} ran {len(ticks)} iterations"


def measure(runners: list[str], seeds: int = 2, jobs: int = 2) -> dict[str, float]:
    """Instructions per iteration of each runner: the minimum over hash seeds ``0 .. seeds - 1``
    (two valgrind runs per runner and seed, ``jobs`` at a time)."""
    work = [(runner, n, seed) for seed in range(seeds) for runner in runners for n in (SHORT, LONG)]
    with ThreadPoolExecutor(jobs) as pool:
        totals = list(pool.map(lambda item: count(*item), work))
    found: dict[tuple[str, int], dict[int, int]] = {}
    for (runner, n, seed), total in zip(work, totals):
        found.setdefault((runner, seed), {})[n] = total
    return {runner: min(per_iteration(found[runner, seed]) for seed in range(seeds)) for runner in runners}


def main(argv: list[str] | None = None) -> dict[str, float]:
    from benchmarks.share import SHARE_PAIRS, SHARE_RUNNERS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runners", nargs="*", help=f"runners to count (default: every pair); any of {sorted(SHARE_RUNNERS)}")
    parser.add_argument("--seeds", type=int, default=2, help="hash seeds to count under, the minimum reported (default 2)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        runner, n, scratch = args.child
        _child(runner, int(n), scratch)
        return {}
    pairs = {name: base for name, base in SHARE_PAIRS.items() if "control" not in name}
    runners = args.runners or list(dict.fromkeys([r for pair in pairs.items() for r in pair]))
    unknown = sorted(set(runners) - set(SHARE_RUNNERS))
    if unknown:
        parser.error(f"unknown runners {unknown}: choose from {sorted(SHARE_RUNNERS)}")
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    counts = measure(runners, args.seeds)
    print("| runner | instructions / iteration | its baseline | own instructions over the baseline |")
    print("|---|---|---|---|")
    for runner in runners:
        base = pairs.get(runner)
        own = f"{counts[runner] - counts[base]:+,.0f}" if base in counts else "—"
        print(f"| {runner} | {counts[runner]:,.0f} | {base or '—'} | {own} |")
    return counts


if __name__ == "__main__":
    main()

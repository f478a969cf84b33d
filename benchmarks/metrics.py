"""Metrics benchmark: every catalogue metric, pytorch-ignite's against bridge's, on the same epoch.

One command, one process, interleaved repetitions, medians::

    python -m benchmarks.metrics [--quick] [--out benchmarks/results] [--update-docs]

For each case of ``benchmarks.metric_cases.CASES``: one epoch of pre-built batches (100 batches of
64 samples; fewer, smaller ones for the image, detection and GAN families), timed as ``reset``,
every ``update`` (through ``iteration_completed``), ``compute`` — the work a metric does on an evaluator's epoch. The two libraries
run the same batches back to back, in alternating order; a metric's ratio is the median over
repetitions of bridge's time over Ignite's within one repetition. Each batch goes through the
metric's ITERATION_COMPLETED handler, as on an engine. ``--update-docs`` rewrites the
table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

import torch

from benchmarks.docs_block import DOCS, markers, update_block
from benchmarks.metric_cases import CASES, MetricCase, metrics_package, torchvision_stand_in

SLOW = 1.5  # the threshold: a metric slower than this x Ignite's gets a note with its profile
# batches per epoch and samples per batch; the heavy families get smaller epochs
EPOCH = {"image": (20, 16), "detection": (20, 4), "gan": (10, 16)}
DEFAULT_EPOCH = (100, 64)
START, END = markers("metrics-table")


@dataclass
class Timing:
    """Seconds per epoch of each library over the repetitions, and the per-repetition ratios."""

    ignite: list[float]
    bridge: list[float]
    ratios: list[float]

    @property
    def ratio(self) -> float:
        """Median of bridge / Ignite within one repetition.

        Example:
            >>> Timing([1.0, 2.0], [1.5, 2.0], [1.5, 1.0]).ratio
            1.25
        """
        return statistics.median(self.ratios)


def epoch_of(case: MetricCase, scale: float) -> list[Any]:
    """The batches one epoch of ``case`` feeds to both libraries (seeded, so the same every run).

    Example:
        >>> batches = epoch_of(next(c for c in CASES if c.name == "Accuracy"), 0.1)
        >>> len(batches)
        10
    """
    n, size = EPOCH.get(case.family, DEFAULT_EPOCH)
    g = torch.Generator().manual_seed(0)
    return [case.batch(g, size) for _ in range(max(2, int(n * scale)))]


def one_epoch(metric: Any, batches: list[Any]) -> float:
    """Seconds for ``reset``, every ``update`` and ``compute`` of one epoch, each batch through the
    metric's ITERATION_COMPLETED handler as on an engine (``output_transform``, unrolling, ``update``),
    with the engine reduced to the ``state.output`` it reads.

    Example:
        >>> import bridge.metrics as bm
        >>> one_epoch(bm.Accuracy(), [(torch.eye(3), torch.arange(3))]) > 0
        True
    """
    engine = SimpleNamespace(state=SimpleNamespace(output=None))
    start = time.perf_counter()
    metric.reset()
    for batch in batches:
        engine.state.output = batch
        metric.iteration_completed(engine)
    metric.compute()
    return time.perf_counter() - start


def _context(lib: str, case: MetricCase) -> AbstractContextManager[None]:
    # Ignite's detection metrics import torchvision (not installed here) when built and per update
    return torchvision_stand_in() if lib == "ignite" and case.family == "detection" else nullcontext()


def _timed(lib: str, case: MetricCase, metric: Any, batches: list[Any]) -> float:
    with _context(lib, case):
        return one_epoch(metric, batches)


def bench_case(case: MetricCase, reps: int, scale: float, libs: dict[str, Any]) -> Timing:
    """Interleaved repetitions of one case on both libraries (after one warm-up epoch each)."""
    batches = epoch_of(case, scale)
    metrics = {}
    for lib, pkg in libs.items():
        with _context(lib, case):
            metrics[lib] = case.build(pkg, lambda output: output)
        _timed(lib, case, metrics[lib], batches)  # first-call caches and lazy imports out of the timings
    times: dict[str, list[float]] = {"ignite": [], "bridge": []}
    ratios = []
    for rep in range(reps):
        order = ("ignite", "bridge") if rep % 2 == 0 else ("bridge", "ignite")
        now = {lib: _timed(lib, case, metrics[lib], batches) for lib in order}
        for lib, t in now.items():
            times[lib].append(t)
        ratios.append(now["bridge"] / now["ignite"])
    return Timing(times["ignite"], times["bridge"], ratios)


def render(results: dict[str, Timing], header: str) -> str:
    """The Markdown table, one row per metric, slow ones flagged.

    Example:
        >>> print(render({"Accuracy": Timing([0.001], [0.0012], [1.2])}, "h").splitlines()[-1])
        | Accuracy | classification | 1.00 | 1.20 | 1.20 |  |
    """
    family = {c.name: c.family for c in CASES}
    lines = [header, "", "| metric | family | Ignite ms/epoch | bridge ms/epoch | bridge / Ignite | |", "|---|---|---:|---:|---:|---|"]
    for name, t in results.items():
        flag = f"> {SLOW}x: see the profile note" if t.ratio > SLOW else ""
        lines.append(
            f"| {name} | {family.get(name, '')} | {statistics.median(t.ignite) * 1e3:.2f} "
            f"| {statistics.median(t.bridge) * 1e3:.2f} | {t.ratio:.2f} | {flag} |"
        )
    return "\n".join(lines)


def update_docs(table: str, docs: Path = DOCS) -> None:
    """Replace the table between the markers in docs/benchmarks.md.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "b.md"
        >>> _ = p.write_text(f"a\\n{START}\\nold\\n{END}\\nb\\n")
        >>> update_docs("new", p)
        >>> p.read_text()
        'a\\n<!-- metrics-table:start -->\\nnew\\n<!-- metrics-table:end -->\\nb\\n'
    """
    update_block("metrics-table", table, docs)


def main(argv: Optional[list[str]] = None, quiet: bool = False) -> dict[str, Timing]:
    """Run every case and write ``metrics.md``; returns the timings by metric name.

    Example (the test suite's smoke run)::

        main(["--smoke", "--out", "/tmp/bench"], quiet=True)
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a quarter of the epoch, 3 repetitions")
    parser.add_argument("--smoke", action="store_true", help="tiny epochs, 1 repetition (tests)")
    parser.add_argument("--only", nargs="*", default=None, help="metric names to run (default: all)")
    parser.add_argument("--out", default="benchmarks/results", help="results folder")
    parser.add_argument("--update-docs", action="store_true", help="rewrite the table in docs/benchmarks.md")
    args = parser.parse_args(argv)
    say: Callable[..., None] = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    reps, scale = (1, 0.05) if args.smoke else (3, 0.25) if args.quick else (7, 1.0)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    libs = {"ignite": metrics_package("ignite"), "bridge": metrics_package("bridge")}
    cases = [c for c in CASES if args.only is None or c.name in args.only]
    results = {}
    for case in cases:
        results[case.name] = t = bench_case(case, reps, scale, libs)
        say(f"{case.name:45s} ignite {statistics.median(t.ignite) * 1e3:8.2f} ms  "
            f"bridge {statistics.median(t.bridge) * 1e3:8.2f} ms  x{t.ratio:.2f}")  # fmt: skip
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    n, size = DEFAULT_EPOCH
    header = (
        f"Metrics benchmark ({stamp}, torch threads {torch.get_num_threads()}, {reps} repetitions, "
        f"epoch scale {scale}: {int(n * scale)} batches of {size} samples unless the family says otherwise)"
    )
    table = render(results, header)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.md").write_text(table + "\n")
    if args.update_docs:
        update_docs(table)
    slow = [name for name, t in results.items() if t.ratio > SLOW]
    say(f"wrote {out / 'metrics.md'}; slower than {SLOW}x Ignite: {slow or 'none'}")
    return results


if __name__ == "__main__":
    main()

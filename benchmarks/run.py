"""Side-by-side benchmark: plain PyTorch, pytorch-ignite, pytorch-lightning and bridge.

One command, one process, interleaved repetitions (A B C D A B C D ...), medians::

    python -m benchmarks.run [--quick] [--out benchmarks/results] [--update-docs]

Every runner trains the same seeded model on the same pre-built batches, in the same
order, with the same SGD, and must end with the same weights (checked with allclose).
Writes ``results.md`` (tables + target verdicts) and ``results.png`` into ``--out``;
``--update-docs`` also puts them in docs/benchmarks.md ("Latest results") and docs/img/benchmarks.png.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import torch
from torch import nn

from benchmarks.docs_block import DOCS, update_block

LR = 0.05
PL_KWARGS = dict(
    accelerator="cpu", devices=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
    enable_model_summary=False, num_sanity_val_steps=0,
)


class Batches:
    """A sized iterable of pre-built batches (not a list: Lightning's CombinedLoader flattens lists).

    Example:
        >>> b = Batches([(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))])
        >>> len(b), len(list(b))
        (1, 1)
    """

    def __init__(self, items: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        return iter(self.items)


@dataclass
class Workload:
    """A model factory plus the batches every runner trains on."""

    name: str
    make_model: Callable[[], nn.Module]
    batches: Batches
    val: Batches = field(default_factory=lambda: Batches([]))
    epochs: int = 1


def overhead_workload(iters: int) -> Workload:
    """Tiny MLP, batch 32, pre-built tensors: the loop's own cost dominates.

    Example:
        >>> len(overhead_workload(10).batches)
        10
    """
    return _random_mlp_workload("overhead", iters, features=32, hidden=64, batch=32, seed=1)


def _random_mlp_workload(name: str, iters: int, features: int, hidden: int, batch: int, seed: int) -> Workload:
    """MLP ``features``-``hidden``-10 on seeded random batches (the model seeded alike in every runner)."""
    g = torch.Generator().manual_seed(seed)
    items = [(torch.randn(batch, features, generator=g), torch.randint(0, 10, (batch,), generator=g))
             for _ in range(iters)]  # fmt: skip

    def make() -> nn.Module:
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, 10))

    return Workload(name, make, Batches(items))


def compute_workload(iters: int, width: int = 1024) -> Workload:
    """Wide MLP on scikit-learn's digits (batch 64): one step takes milliseconds.

    Example:
        >>> len(compute_workload(3, width=16).batches)
        3
    """
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x = torch.tensor(x / 16.0, dtype=torch.float32)
    y = torch.tensor(y, dtype=torch.long)
    items = [(x[(i * 64) % 1728:(i * 64) % 1728 + 64], y[(i * 64) % 1728:(i * 64) % 1728 + 64]) for i in range(iters)]
    val = Batches([(x[1728:1792], y[1728:1792])])

    def make() -> nn.Module:
        torch.manual_seed(0)
        return nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10))

    return Workload("compute", make, Batches(items), val)


def issue_compute_workload(iters: int) -> Workload:
    """Issue 11's compute-bound step: MLP 512-2048-10, batch 512.

    ~40 ms a step as the issue measured it (one torch thread), ~16 ms on this benchmark's two.

    At that size Lightning's own ~0.3 ms per step is 1-2%; at ``compute_workload``'s ~5 ms
    it is ~6%, more than the 3% the issue allows over plain torch, whatever bridge does.

    Example:
        >>> [tuple(t.shape) for t in issue_compute_workload(2).batches.items[0]]
        [(512, 512), (512,)]
    """
    return _random_mlp_workload("issue-compute", iters, features=512, hidden=2048, batch=512, seed=2)


#: the runners of the issue's compute-bound targets (and Ignite's two), on its ~40 ms step
ISSUE_COMPUTE_RUNNERS = ("torch", "ignite", "bridge_engine_fabric", "pl_manual_raw", "bridge_engine")


def faq_workload(iters_per_epoch: int, epochs: int) -> Workload:
    """Trainer + an evaluator Engine run every epoch on a 1-batch validation set."""
    w = compute_workload(iters_per_epoch, width=64)
    w.name, w.epochs = "faq", epochs
    return w


# ---------------------------------------------------------------- runners
# Each runner trains a fresh model over the workload and returns (ticks, model).
# ``ticks`` holds perf_counter() after every completed iteration (one cheap append, the
# same in every runner), so steady-state time/iteration excludes setup and teardown.


def _loss(model: nn.Module, batch: Any) -> torch.Tensor:
    x, y = batch
    return nn.functional.cross_entropy(model(x), y)


def run_torch(w: Workload, ticks: list[float]) -> nn.Module:
    model = w.make_model()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    model.train()
    for _ in range(w.epochs):
        for batch in w.batches:
            opt.zero_grad()
            _loss(model, batch).backward()
            opt.step()
            ticks.append(time.perf_counter())
    return model


def _train_fn(model: nn.Module, opt: torch.optim.Optimizer, ticks: Optional[list[float]] = None) -> Callable[..., Any]:
    """The unmodified Ignite-style process function every Engine runner trains with."""

    def step(engine: Any, batch: Any) -> float:
        model.train()
        opt.zero_grad()
        loss = _loss(model, batch)
        loss.backward()
        opt.step()
        if ticks is not None:
            ticks.append(time.perf_counter())
        return loss

    return step


def run_ignite(w: Workload, ticks: list[float]) -> nn.Module:
    from ignite.engine import Engine

    model = w.make_model()
    Engine(_train_fn(model, torch.optim.SGD(model.parameters(), lr=LR), ticks)).run(w.batches, max_epochs=w.epochs)
    return model


def _pl_module(w: Workload, ticks: list[float], manual: bool, raw: bool = False) -> Any:
    """The LightningModule of the Lightning runners; ``raw``: manual optimization with the raw
    torch optimizer, the very process function of ``bridge_engine`` (its like-for-like baseline)."""
    import pytorch_lightning as pl

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.model = w.make_model()
            self.automatic_optimization = not manual

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            if raw:
                opt = self.optimizers().optimizer
                self.model.train()
                opt.zero_grad()
                loss = _loss(self.model, batch)
                loss.backward()
                opt.step()
                return loss
            loss = _loss(self.model, batch)
            if manual:
                opt = self.optimizers()
                opt.zero_grad()
                self.manual_backward(loss)
                opt.step()
            return loss

        def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
            ticks.append(time.perf_counter())

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=LR)

    return Module()


def _fit(module: Any, w: Workload, callbacks: Optional[list[Any]] = None) -> nn.Module:
    import pytorch_lightning as pl

    trainer = pl.Trainer(max_epochs=w.epochs, callbacks=callbacks or [], **PL_KWARGS)
    trainer.fit(module, train_dataloaders=w.batches)
    return module.model


def run_pl_manual(w: Workload, ticks: list[float]) -> nn.Module:
    return _fit(_pl_module(w, ticks, manual=True), w)


def run_pl_manual_raw(w: Workload, ticks: list[float]) -> nn.Module:
    return _fit(_pl_module(w, ticks, manual=True, raw=True), w)


def run_pl_auto(w: Workload, ticks: list[float]) -> nn.Module:
    return _fit(_pl_module(w, ticks, manual=False), w)


def _bridge_engine(w: Workload, ticks: list[float], runner: str, lightning_opt: bool = False) -> nn.Module:
    from bridge.engine import Engine

    model = w.make_model()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    step = _train_fn(model, opt, ticks)

    def lightning_step(engine: Any, batch: Any) -> float:  # pl_manual's training_step, as a process function
        optimizer = engine.optimizers[0]
        optimizer.zero_grad()
        loss = _loss(model, batch)
        engine.manual_backward(loss)
        optimizer.step()
        ticks.append(time.perf_counter())
        return loss

    Engine(lightning_step if lightning_opt else step, model=model, optimizers=opt, runner=runner,
           trainer_kwargs={"accelerator": "cpu", "devices": 1}).run(w.batches, max_epochs=w.epochs)  # fmt: skip
    return model


def run_bridge_engine(w: Workload, ticks: list[float]) -> nn.Module:
    return _bridge_engine(w, ticks, "trainer")


def run_bridge_engine_lightning_opt(w: Workload, ticks: list[float]) -> nn.Module:
    return _bridge_engine(w, ticks, "trainer", lightning_opt=True)


def run_bridge_engine_fabric(w: Workload, ticks: list[float]) -> nn.Module:
    return _bridge_engine(w, ticks, "fabric")


def run_bridge_callback(w: Workload, ticks: list[float]) -> nn.Module:
    from bridge.engine import Events
    from bridge.handlers import Timer
    from bridge.lightning import EngineCallback

    callback = EngineCallback()
    seen = {"n": 0, "epochs": 0, "avg": 0.0}

    @callback.train.on(Events.ITERATION_COMPLETED(every=50))
    def every_50(engine: Any) -> None:
        seen["n"] += 1

    @callback.train.on(Events.ITERATION_COMPLETED)
    def running_average(engine: Any) -> None:  # RunningAverage-like, every iteration
        out = engine.state.output
        value = out["loss"] if isinstance(out, dict) else out
        seen["avg"] = 0.98 * seen["avg"] + 0.02 * float(value)

    @callback.train.on(Events.EPOCH_COMPLETED)
    def epoch_done(engine: Any) -> None:
        seen["epochs"] += 1

    Timer(average=True).attach(
        callback.train, start=Events.STARTED, resume=Events.ITERATION_STARTED, pause=Events.ITERATION_COMPLETED,
        step=Events.ITERATION_COMPLETED,
    )
    return _fit(_pl_module(w, ticks, manual=False), w, callbacks=[callback])


def run_pl_auto_items(w: Workload, ticks: list[float]) -> nn.Module:
    """Baseline of ``bridge_callback``: the same pl.Trainer, plus an equivalent plain callback's .item()."""
    import pytorch_lightning as pl

    avg = {"v": 0.0}

    class Average(pl.Callback):
        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            avg["v"] = 0.98 * avg["v"] + 0.02 * float(outputs["loss"])

    return _fit(_pl_module(w, ticks, manual=False), w, callbacks=[Average()])


def run_bridge_lightning_trainer(w: Workload, ticks: list[float]) -> nn.Module:
    from bridge.lightning import create_lightning_trainer

    module = _pl_module(w, ticks, manual=False)
    create_lightning_trainer(module, trainer_kwargs={"accelerator": "cpu", "devices": 1}).run(
        w.batches, max_epochs=w.epochs
    )
    return module.model


#: In run order: each like-for-like pair (``PAIRS``) is adjacent, so its two runs see the same
#: machine; ``bench`` alternates the direction every repetition, so neither always runs first.
RUNNERS: dict[str, Callable[[Workload, list[float]], nn.Module]] = {
    "torch": run_torch,
    "ignite": run_ignite,
    "bridge_engine_fabric": run_bridge_engine_fabric,
    "pl_manual_raw": run_pl_manual_raw,
    "bridge_engine": run_bridge_engine,
    "pl_manual": run_pl_manual,
    "bridge_engine_lightning_opt": run_bridge_engine_lightning_opt,
    "pl_auto": run_pl_auto,
    "bridge_lightning_trainer": run_bridge_lightning_trainer,
    "pl_auto (A/A control)": run_pl_auto,
    "pl_auto+callback": run_pl_auto_items,
    "bridge_callback": run_bridge_callback,
}

#: The like-for-like pairs the targets compare: (bridge runner, its baseline running the same user code).
PAIRS = {
    "bridge_engine": "pl_manual_raw",  # the same raw-optimizer step, in an Engine vs a training_step
    "bridge_engine_lightning_opt": "pl_manual",  # the same Lightning-wrapped step
    "bridge_lightning_trainer": "pl_auto",  # the same LightningModule
    "bridge_callback": "pl_auto+callback",  # the same pl.Trainer and module, with vs without EngineCallback
    "bridge_engine_fabric": "ignite",  # the same process function, the lean runner vs Ignite's Engine
}
#: the same runner twice: how far two identical runs differ on this machine (the noise floor)
CONTROLS = {"pl_auto (A/A control)": "pl_auto"}


# ---------------------------------------------------------------- FAQ pattern


def _eval_fn(model: nn.Module) -> Callable[[Any, Any], Any]:
    def evaluate(engine: Any, batch: Any) -> Any:
        model.eval()
        with torch.no_grad():
            return model(batch[0])

    return evaluate


def run_faq(w: Workload, engine_cls: Any, events: Any) -> tuple[nn.Module, list[float], float]:
    """Trainer + evaluator run at every EPOCH_COMPLETED; returns model, evaluator.run times, batch time."""
    model = w.make_model()
    trainer = engine_cls(_train_fn(model, torch.optim.SGD(model.parameters(), lr=LR)))
    evaluator = engine_cls(_eval_fn(model))
    run_times: list[float] = []

    @trainer.on(events.EPOCH_COMPLETED)
    def validate(engine: Any) -> None:
        t = time.perf_counter()
        evaluator.run(w.val)
        run_times.append(time.perf_counter() - t)

    trainer.run(w.batches, max_epochs=w.epochs)
    model.eval()
    t = time.perf_counter()
    with torch.no_grad():
        for _ in range(20):
            model(w.val.items[0][0])
    return model, run_times, (time.perf_counter() - t) / 20


def run_validate_every(w: Workload, engine_cls: Any, events: Any, every: int) -> tuple[nn.Module, float]:
    """Ignite's FAQ rate: the evaluator runs every ``every`` iterations; returns model, seconds per iteration."""
    model = w.make_model()
    trainer = engine_cls(_train_fn(model, torch.optim.SGD(model.parameters(), lr=LR)))
    evaluator = engine_cls(_eval_fn(model))
    trainer.add_event_handler(events.ITERATION_COMPLETED(every=every), lambda engine: evaluator.run(w.val))
    t = time.perf_counter()
    trainer.run(w.batches, max_epochs=w.epochs)
    return model, (time.perf_counter() - t) / (len(w.batches) * w.epochs)


def many_short_runs(w: Workload, engine_cls: Any, runs: int) -> float:
    """Seconds per ``Engine.run`` of a few evaluation batches, ``runs`` times on one engine."""
    model = w.make_model()
    engine = engine_cls(_eval_fn(model))
    t = time.perf_counter()
    for _ in range(runs):
        engine.run(w.val)
    return (time.perf_counter() - t) / runs


# ---------------------------------------------------------------- start-up


def ddp_per_iter(which: str, iterations: int) -> float:
    """Seconds per iteration of ``benchmarks/ddp.py`` on 2 gloo processes (rank 0's ticks)."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.ddp", which, str(iterations)], capture_output=True,
                          text=True, timeout=600, cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    found = [line for line in proc.stdout.splitlines() if line.startswith("us_per_iter=")]
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"benchmarks.ddp {which} failed:\n{proc.stderr[-2000:]}")
    return float(found[0].split("=")[1]) * 1e-6


def import_time(module: str, reps: int) -> float:
    """Median wall time of ``import module`` in a fresh interpreter (seconds).

    Example:
        >>> import_time("json", 1) < 5
        True
    """
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                  check=True).stdout) for _ in range(reps)]
    return statistics.median(times)


# ---------------------------------------------------------------- driver


@dataclass
class Result:
    """Medians for one runner on one workload."""

    per_iter: float  # steady-state seconds per iteration
    reps: list[float]  # per_iter of each repetition, in order (for paired ratios)
    first_iter: float  # seconds from runner start to first completed iteration
    total: float
    rss_mb: float
    weights_ok: bool


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def bench(w: Workload, reps: int, runners: dict[str, Callable[..., nn.Module]]) -> dict[str, Result]:
    """Interleaved repetitions of every runner on ``w``; medians per runner.

    Peak RSS is the growth of the process's ru_maxrss during a runner's first repetition
    (interleaved order, so later runners reuse memory earlier ones already raised: a lower bound).
    """
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runners}
    rss: dict[str, float] = {}
    weights: dict[str, list[torch.Tensor]] = {}
    for rep in range(reps):
        order = list(runners.items())
        for name, runner in order if rep % 2 == 0 else reversed(order):
            ticks: list[float] = []
            before = _rss_mb()
            start = time.perf_counter()
            model = runner(w, ticks)
            end = time.perf_counter()
            rss.setdefault(name, _rss_mb() - before)
            weights[name] = [p.detach().clone() for p in model.parameters()]
            n = len(ticks)
            assert n == len(w.batches) * w.epochs, f"{name} ran {n} iterations"
            per_iter = (ticks[-1] - ticks[0]) / (n - 1) if n > 1 else end - start
            samples[name].append((per_iter, ticks[0] - start, end - start))
    ref = weights["torch"]
    return {
        name: Result(
            per_iter=statistics.median(s[0] for s in samples[name]),
            reps=[s[0] for s in samples[name]],
            first_iter=statistics.median(s[1] for s in samples[name]),
            total=statistics.median(s[2] for s in samples[name]),
            rss_mb=rss[name],
            weights_ok=all(torch.allclose(a, b, atol=1e-6, rtol=1e-5) for a, b in zip(weights[name], ref)),
        )
        for name in runners
    }


def profile_bridge_engine(w: Workload, top: int = 15) -> str:
    """cProfile of one bridge Engine run on ``w``: the top entries by own time."""
    prof = cProfile.Profile()
    prof.enable()
    run_bridge_engine(w, [])
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: Optional[list[str]] = None, quiet: bool = False) -> dict[str, Any]:
    """Run the suite and write ``results.md`` and ``results.png``; returns the raw results.

    Example (the test suite's smoke run)::

        main(["--smoke", "--out", "/tmp/bench"], quiet=True)
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, about two minutes")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 repetition (tests)")
    parser.add_argument("--out", default="benchmarks/results", help="results folder")
    parser.add_argument("--update-docs", action="store_true", help="put the results and the chart in docs/benchmarks.md")
    args = parser.parse_args(argv)
    say: Callable[..., None] = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    if args.smoke:
        sizes = dict(over=20, comp=4, width=32, issue_comp=2, faq=(4, 2), every=(20, 10), short=3, ddp=0, reps=1,
                     imports=0, share=(50, 1, 1))  # fmt: skip
    elif args.quick:
        sizes = dict(over=400, comp=15, width=512, issue_comp=5, faq=(5, 5), every=(300, 100), short=20, ddp=300,
                     reps=3, imports=1, share=(500, 3, 2))  # fmt: skip
    else:
        sizes = dict(over=3000, comp=150, width=1024, issue_comp=25, faq=(10, 20), every=(1000, 100), short=100,
                     ddp=1500, reps=5, imports=3, share=(1000, 6, 5))  # fmt: skip

    warnings.filterwarnings("ignore")
    import logging

    import pytorch_lightning  # noqa: F401  (so its loggers exist before we quiet them)

    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("pytorch_lightning", "lightning", "lightning_fabric", "ignite"):
            logging.getLogger(name).setLevel(logging.ERROR)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

    warm = overhead_workload(3)
    for runner in RUNNERS.values():  # imports and first-call caches out of the timings
        runner(warm, [])

    results: dict[str, Any] = {"sizes": sizes}
    for w in (overhead_workload(sizes["over"]), compute_workload(sizes["comp"], sizes["width"])):
        say(f"{w.name}: {len(w.batches)} iterations x {sizes['reps']} interleaved repetitions")
        results[w.name] = bench(w, sizes["reps"], RUNNERS)
    w = issue_compute_workload(sizes["issue_comp"])
    say(f"{w.name}: {len(w.batches)} iterations x {sizes['reps']} interleaved repetitions")
    results[w.name] = bench(w, sizes["reps"], {name: RUNNERS[name] for name in ISSUE_COMPUTE_RUNNERS})

    from benchmarks.share import measure

    results["share"] = measure(*sizes["share"])
    say("framework-only cost: done")

    import ignite.engine

    import bridge.engine

    iters, epochs = sizes["faq"]
    faq: dict[str, Any] = {}
    ref_model = run_torch(faq_workload(iters, epochs), [])
    for _ in range(sizes["reps"]):
        for name, (cls, ev) in {"ignite": (ignite.engine.Engine, ignite.engine.Events),
                                "bridge": (bridge.engine.Engine, bridge.engine.Events)}.items():
            model, times, batch = run_faq(faq_workload(iters, epochs), cls, ev)
            ok = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(model.parameters(), ref_model.parameters()))
            entry = faq.setdefault(name, {"run": [], "setup": [], "ok": True})
            entry["run"].append(statistics.median(times))
            entry["setup"].append(statistics.median(times) - batch)
            entry["ok"] &= ok
    results["faq"] = faq
    say("faq: done")

    import functools

    engines = {"ignite": (ignite.engine.Engine, ignite.engine.Events),
               "bridge": (bridge.engine.Engine, bridge.engine.Events),
               "bridge_fabric": (functools.partial(bridge.engine.Engine, runner="fabric"), bridge.engine.Events)}  # fmt: skip
    iters, every = sizes["every"]
    every_w = faq_workload(iters, 1)
    every_ref = run_torch(every_w, [])
    validate_every: dict[str, Any] = {}
    short: dict[str, list[float]] = {}
    for _ in range(sizes["reps"]):
        for name, (cls, ev) in engines.items():
            model, per_iter = run_validate_every(every_w, cls, ev, every)
            ok = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(model.parameters(), every_ref.parameters()))
            entry = validate_every.setdefault(name, {"per_iter": [], "ok": True})
            entry["per_iter"].append(per_iter)
            entry["ok"] &= ok
            short.setdefault(name, []).append(many_short_runs(every_w, cls, sizes["short"]))
    results["validate_every"] = {"every": every, **validate_every}
    results["short_runs"] = short
    say("validate-every and short runs: done")

    ddp: dict[str, list[float]] = {}
    if sizes["ddp"]:
        for _ in range(min(sizes["reps"], 3)):
            for name in ("ignite", "bridge"):
                ddp.setdefault(name, []).append(ddp_per_iter(name, sizes["ddp"]))
        say("two processes: done")
    results["ddp"] = ddp

    imports = {}
    if sizes["imports"]:
        for mod in ("bridge", "bridge.engine", "ignite.engine", "pytorch_lightning"):
            imports[mod] = import_time(mod, sizes["imports"])
    results["imports"] = imports

    results["targets"] = targets(results)
    if not args.smoke and any(not ok for _, ok, _ in results["targets"]):
        results["profile"] = profile_bridge_engine(overhead_workload(min(sizes["over"], 1000)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(render(results))
    chart(results, out / "results.png")
    if "profile" in results:
        (out / "profile.txt").write_text(results["profile"])
    for line, ok, _ in results["targets"]:
        say(("PASS " if ok else "FAIL ") + line)
    say(f"wrote {out / 'results.md'} and {out / 'results.png'}")
    if args.update_docs:
        update_docs(out / "results.md", out / "results.png")
        say(f"updated {DOCS} and its chart")
    return results


#: where ``--update-docs`` puts the chart, beside docs/benchmarks.md
DOCS_CHART = "img/benchmarks.png"


def update_docs(results_md: Path, chart_png: Path, docs: Path = DOCS) -> None:
    """Put a run's ``results.md`` and ``results.png`` in the ``results`` block of ``docs`` and beside it.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "results.md").write_text("Benchmark results (...)\\n\\n### overhead-bound workload\\n")
        >>> _ = (d / "results.png").write_bytes(b"png")
        >>> _ = (d / "b.md").write_text("## Latest results\\n<!-- results:start -->\\nold\\n<!-- results:end -->\\n")
        >>> update_docs(d / "results.md", d / "results.png", d / "b.md")
        >>> print((d / "b.md").read_text())
        ## Latest results
        <!-- results:start -->
        Benchmark results (...)
        <BLANKLINE>
        #### overhead-bound workload
        <BLANKLINE>
        ![µs per iteration of each runner, overhead-bound and compute-bound workloads](img/benchmarks.png)
        <!-- results:end -->
        <BLANKLINE>
        >>> (d / "img" / "benchmarks.png").read_bytes()
        b'png'
    """
    # the run's sections sit under the docs' "Latest results" heading: one level down
    body = results_md.read_text().rstrip("\n").replace("\n### ", "\n#### ")
    chart_line = f"![µs per iteration of each runner, overhead-bound and compute-bound workloads]({DOCS_CHART})"
    update_block("results", f"{body}\n\n{chart_line}", docs)
    (docs.parent / DOCS_CHART).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(chart_png, docs.parent / DOCS_CHART)


def targets(r: dict[str, Any]) -> list[tuple[str, bool, float]]:
    """The issue's targets as (description with measured ratio, passed, ratio).

    A pair's ratio on a workload is its baseline's time per iteration plus bridge's own cost
    (the do-nothing step's difference, ``benchmarks/share.py``) over the baseline's time: both
    run the same user code, so what differs is the framework. Wall-clock ratios of the whole
    runs are in the tables, next to an A/A control that shows how far they move on their own.
    """
    o, c, big, share = r["overhead"], r["compute"], r["issue-compute"], r["share"]

    def with_share(res: dict[str, Result], name: str, base: str) -> float:
        return (res[base].per_iter + share[name] - share[base]) / res[base].per_iter

    limits = {"bridge_engine": 1.02, "bridge_engine_lightning_opt": 1.02, "bridge_lightning_trainer": 1.02,
              "bridge_callback": 1.03, "bridge_engine_fabric": 1.1}  # fmt: skip
    checks = [(f"{name} / {base} (overhead-bound, baseline + bridge's own cost)", with_share(o, name, base),
               limits[name]) for name, base in PAIRS.items()]  # fmt: skip
    own = (share["bridge_engine"] - share["pl_manual_raw"]) * 1e6
    checks.append(("bridge_engine's own cost per iteration over pl_manual_raw, µs", own, 15.0))
    if r.get("ddp"):
        two = {name: statistics.median(t) for name, t in r["ddp"].items()}
        checks.append(("bridge Fabric runner / ignite idist.Parallel (2 DDP processes)", two["bridge"] / two["ignite"], 1.1))
    # the issue's compute-bound targets are for its ~40 ms step; on the ~5 ms one Lightning's own
    # cost alone is more than 3% over torch (its ×torch is in that table), bridge's is checked
    checks += [
        ("bridge_engine / pl_manual_raw (compute-bound ~5 ms, baseline + bridge's own cost)",
         with_share(c, "bridge_engine", "pl_manual_raw"), 1.01),
        ("bridge_engine / pl_manual_raw (compute-bound ~40 ms, baseline + bridge's own cost)",
         with_share(big, "bridge_engine", "pl_manual_raw"), 1.01),
        ("bridge_engine / torch (compute-bound ~40 ms, torch + Lightning's and bridge's own cost)",
         with_share(big, "bridge_engine", "torch"), 1.03),
    ]  # fmt: skip
    if r["imports"]:
        for mod in ("bridge", "bridge.engine"):
            checks.append((f"import {mod} / import ignite.engine", r["imports"][mod] / r["imports"]["ignite.engine"], 1.0))
    return [(f"{name}: {ratio:.3f} (target <= {limit})", ratio <= limit, ratio) for name, ratio, limit in checks]


def paired_ratio(res: dict[str, Result], name: str, base: str) -> float:
    """Median over repetitions of ``name``'s time / ``base``'s time in the same repetition.

    The two ran back to back, so slow phases of a shared machine hit both: steadier than
    the ratio of the two medians.

    Example:
        >>> r = {"a": Result(2.0, [2.0, 4.0, 2.2], 0, 0, 0, True), "b": Result(2.0, [2.0, 4.0, 2.0], 0, 0, 0, True)}
        >>> paired_ratio(r, "a", "b")
        1.0
    """
    return statistics.median(a / b for a, b in zip(res[name].reps, res[base].reps))


def _vs_baseline(res: dict[str, Result], name: str) -> str:
    base = PAIRS.get(name) or CONTROLS.get(name)
    return f"{paired_ratio(res, name, base):.3f} × {base}" if base else "—"


#: each workload's results key and its table's heading
WORKLOAD_TITLES = {
    "overhead": "overhead-bound workload",
    "compute": "compute-bound workload (~5 ms step)",
    "issue-compute": "compute-bound at the issue's size (MLP 512-2048-10, batch 512: ~40 ms step)",
}


def render(r: dict[str, Any]) -> str:
    """Markdown tables for ``results.md``."""
    lines = [f"Benchmark results ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"torch threads {torch.get_num_threads()}, sizes {r['sizes']})", ""]
    for wname, title in WORKLOAD_TITLES.items():
        res = r[wname]
        base = res["torch"].per_iter
        lines += [f"### {title}", "",
                  "| runner | µs/iter | overhead vs torch (µs/iter) | ×torch | × its baseline (same user code) | ×ignite "
                  "| first iter (ms) | run total (ms) | RSS growth (MB) | weights == torch |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for name, x in res.items():
            lines.append(
                f"| {name} | {x.per_iter * 1e6:.1f} | {(x.per_iter - base) * 1e6:+.1f} | {x.per_iter / base:.3f} "
                f"| {_vs_baseline(res, name)} | {x.per_iter / res['ignite'].per_iter:.3f} "
                f"| {x.first_iter * 1e3:.1f} | {x.total * 1e3:.1f} | {x.rss_mb:.1f} | {'yes' if x.weights_ok else 'NO'} |")
        lines.append("")
    from benchmarks.share import SHARE_PAIRS

    share = r["share"]
    iterations, reps, processes = r["sizes"]["share"]
    lines += ["### Framework-only cost: a do-nothing step (`benchmarks/share.py`)", "",
              f"Each runner's median over {processes} fresh processes (memory layouts), each the minimum over "
              f"{reps} interleaved repetitions of {iterations} iterations.", "",
              "| runner | µs/iter | its baseline | own cost over the baseline (µs/iter) |", "|---|---|---|---|"]
    for name, t in share.items():
        base = SHARE_PAIRS.get(name)
        extra = f"{base} | {(t - share[base]) * 1e6:+.1f}" if base else "— | —"
        lines.append(f"| {name} | {t * 1e6:.1f} | {extra} |")
    lines.append("")
    lines += ["### FAQ pattern: evaluator.run on a 1-batch validation set, every epoch", "",
              "| engine | evaluator.run (ms) | per-run setup = run - batch time (ms) | weights == torch |",
              "|---|---|---|---|"]
    for name, e in r["faq"].items():
        lines.append(f"| {name} | {statistics.median(e['run']) * 1e3:.2f} | {statistics.median(e['setup']) * 1e3:.2f} "
                     f"| {'yes' if e['ok'] else 'NO'} |")
    lines.append("")
    ve = r["validate_every"]
    lines += [f"### FAQ pattern at Ignite's rate: an evaluator run every {ve['every']} iterations", "",
              "| engines | µs per training iteration (evaluations included) | weights == torch |", "|---|---|---|"]
    for name, e in ve.items():
        if name != "every":
            lines.append(f"| {name} | {statistics.median(e['per_iter']) * 1e6:.1f} | {'yes' if e['ok'] else 'NO'} |")
    lines += ["", "### Many short runs: one engine, `run()` over one validation batch, repeatedly", "",
              "| engine | ms per run |", "|---|---|"]
    lines += [f"| {name} | {statistics.median(t) * 1e3:.2f} |" for name, t in r["short_runs"].items()]
    lines.append("")
    if r.get("ddp"):
        lines += ["### Two DDP processes (gloo, CPU): the same process function, 32 samples per rank", "",
                  "| engine | µs per iteration (rank 0) |", "|---|---|"]
        labels = {"ignite": "ignite, idist.Parallel + auto_model/auto_optim/auto_dataloader",
                  "bridge": "bridge, runner='fabric', strategy='ddp', devices=2"}  # fmt: skip
        lines += [f"| {labels[name]} | {statistics.median(t) * 1e6:.1f} |" for name, t in r["ddp"].items()]
        lines.append("")
    if r["imports"]:
        lines += ["### Start-up: `import X` in a fresh interpreter (median)", "", "| module | seconds |", "|---|---|"]
        lines += [f"| {m} | {t:.3f} |" for m, t in r["imports"].items()]
        lines.append("")
    lines += ["### Targets", ""] + [f"- {'PASS' if ok else 'FAIL'} {line}" for line, ok, _ in r["targets"]] + [""]
    return "\n".join(lines)


def chart(r: dict[str, Any], path: Path) -> None:
    """Bar chart of µs/iteration per runner, one panel per workload."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(18, 4.5))
    for ax, wname in zip(axes, WORKLOAD_TITLES):
        names = list(r[wname])
        ax.barh(names, [r[wname][n].per_iter * 1e6 for n in names], color="tab:blue")
        ax.set_title(f"{wname}: µs per iteration (median)")
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()

"""Each framework's own cost per iteration: one do-nothing step, run by every runner of a pair.

On the 2-core CI machine, wall-clock ratios of two whole training runs move by ±3% even
between two runs of the *same* runner (the A/A control in ``results.md``), which is more
than the 2% targets they are meant to check. Here the step does no tensor work, so an
iteration's time is the framework's alone, and the difference between a bridge runner and
its baseline (same user code) is bridge's own cost, in microseconds. The minimum over
interleaved repetitions is used: noise on a shared machine only ever adds time.

One process is one draw of memory layout, and the layout decides which hot attribute look-ups
collide in CPython's type attribute cache (4096 slots, indexed by the type's version tag and the
name's address): they then walk the class's MRO on every call. The same code, the same pair, in
six fresh processes measured ``create_lightning_trainer``'s own cost at 15 to 27 µs, each
process steady within itself (docs/benchmarks.md). So ``processes`` fresh interpreters (each its
own address-space randomisation and hash seed) each measure every runner, and each runner's
median over them is reported: the cost a user's process typically pays, not one draw's.

Example:
    >>> shares = measure(iterations=20, reps=1)
    >>> sorted(shares) == sorted(SHARE_RUNNERS) and all(t > 0 for t in shares.values())
    True

```bash
python -m benchmarks.share 1000 5   # one process's measure, as JSON (what measure(processes=N) runs N times)
```
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from benchmarks.run import PAIRS, PL_KWARGS, Batches

Ticks = list[float]


def _step(ticks: Ticks) -> Callable[..., None]:
    def step(*args: Any) -> None:  # the same user code everywhere: (engine, batch) or (batch, batch_idx)
        ticks.append(time.perf_counter())

    return step


def _module(ticks: Ticks, manual: bool, wrapped: bool = False) -> Any:
    """A LightningModule whose step ticks and, in automatic optimization, returns a one-element
    loss (so Lightning's backward and optimizer hooks all run); ``wrapped``: a manual step
    through Lightning's optimizer and ``manual_backward`` on that loss."""
    import pytorch_lightning as pl
    import torch

    class Module(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.automatic_optimization = not manual
            self.tick = _step(ticks)
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            self.tick(batch, batch_idx)
            if wrapped:
                optimizer = self.optimizers()
                optimizer.zero_grad()
                self.manual_backward(self.weight.sum())
                optimizer.step()
            return None if manual else self.weight.sum()

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1) if wrapped or not manual else []

    return Module()


def _fit(module: Any, data: Batches, callbacks: list[Any]) -> None:
    import pytorch_lightning as pl

    pl.Trainer(max_epochs=1, callbacks=callbacks, **PL_KWARGS).fit(module, data)


def _counting_callback() -> Any:
    import pytorch_lightning as pl

    class Count(pl.Callback):
        n = 0

        def on_train_batch_end(self, *args: Any) -> None:
            self.n += 1

    return Count()


def _engine_callback() -> Any:
    from bridge.engine import Events
    from bridge.lightning import EngineCallback

    callback = EngineCallback()
    seen = {"n": 0}

    @callback.train.on(Events.ITERATION_COMPLETED)
    def count(engine: Any) -> None:
        seen["n"] += 1

    return callback


def _torch(data: Batches, ticks: Ticks) -> None:
    step = _step(ticks)
    for batch in data:
        step(None, batch)


def _ignite(data: Batches, ticks: Ticks) -> None:
    from ignite.engine import Engine

    Engine(_step(ticks)).run(data)


def _bridge(runner: str) -> Callable[[Batches, Ticks], None]:
    def run(data: Batches, ticks: Ticks) -> None:
        from bridge.engine import Engine

        Engine(_step(ticks), runner=runner).run(data)

    return run


def _bridge_lightning_opt(data: Batches, ticks: Ticks) -> None:
    import torch

    from bridge.engine import Engine

    model = torch.nn.Module()
    model.weight = torch.nn.Parameter(torch.zeros(1))

    def step(engine: Any, batch: Any) -> None:  # pl_manual's step, as a process function
        ticks.append(time.perf_counter())
        optimizer = engine.optimizers[0]
        optimizer.zero_grad()
        engine.manual_backward(model.weight.sum())
        optimizer.step()

    Engine(step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1)).run(data)


def _bridge_lightning_trainer(data: Batches, ticks: Ticks) -> None:
    from bridge.lightning import create_lightning_trainer

    create_lightning_trainer(_module(ticks, manual=False)).run(data)


#: The benchmark's runner names, each with the do-nothing step.
SHARE_RUNNERS: dict[str, Callable[[Batches, Ticks], None]] = {
    "torch": _torch,
    "ignite": _ignite,
    "bridge_engine_fabric": _bridge("fabric"),
    "pl_manual_raw": lambda data, ticks: _fit(_module(ticks, manual=True), data, []),
    "bridge_engine": _bridge("trainer"),
    "pl_manual_raw (A/A control)": lambda data, ticks: _fit(_module(ticks, manual=True), data, []),
    "pl_manual": lambda data, ticks: _fit(_module(ticks, manual=True, wrapped=True), data, []),
    "bridge_engine_lightning_opt": _bridge_lightning_opt,
    "pl_auto": lambda data, ticks: _fit(_module(ticks, manual=False), data, []),
    "bridge_lightning_trainer": _bridge_lightning_trainer,
    "pl_auto (A/A control)": lambda data, ticks: _fit(_module(ticks, manual=False), data, []),
    "pl_auto+callback": lambda data, ticks: _fit(_module(ticks, manual=False), data, [_counting_callback()]),
    "bridge_callback": lambda data, ticks: _fit(_module(ticks, manual=False), data, [_engine_callback()]),
}

#: bridge runner -> its baseline, as in ``PAIRS``, plus the A/A controls
SHARE_PAIRS = {name: base for name, base in PAIRS.items() if name in SHARE_RUNNERS}
SHARE_PAIRS.update({"pl_manual_raw (A/A control)": "pl_manual_raw", "pl_auto (A/A control)": "pl_auto"})


def measure(iterations: int = 1000, reps: int = 15, processes: int = 1) -> dict[str, float]:
    """Seconds per iteration of each runner: the minimum over interleaved repetitions of the
    run's median tick-to-tick time (one slow iteration or one slow run does not count).

    ``processes`` > 1: each runner's median over that many fresh processes (memory layouts),
    each measuring ``reps`` repetitions.
    """
    if processes < 1:
        raise ValueError(f"processes must be at least 1, got {processes}")
    if processes > 1:
        draws = [_in_fresh_process(iterations, reps) for _ in range(processes)]
        return {name: statistics.median(draw[name] for draw in draws) for name in SHARE_RUNNERS}
    return _measure_here(iterations, reps)


def _in_fresh_process(iterations: int, reps: int) -> dict[str, float]:
    # PYTHONHASHSEED is left as the caller's environment has it: unset, each process draws its own
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.share", str(iterations), str(reps)],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if child.returncode != 0:
        raise RuntimeError(f"benchmarks.share in a fresh process failed:\n{child.stderr[-2000:]}")
    return dict(json.loads(child.stdout.splitlines()[-1]))


def _measure_here(iterations: int, reps: int) -> dict[str, float]:
    import torch

    data = Batches([(torch.zeros(1), torch.zeros(1))] * iterations)
    order = list(SHARE_RUNNERS.items())
    for _, runner in order:
        runner(data, [])  # imports and first-call caches
    best: dict[str, float] = {}
    for rep in range(reps):
        for name, runner in order if rep % 2 == 0 else reversed(order):
            ticks: Ticks = []
            runner(data, ticks)
            assert len(ticks) == iterations, f"{name} ran {len(ticks)} iterations"
            per_iter = statistics.median(b - a for a, b in zip(ticks, ticks[1:]))
            best[name] = min(best.get(name, per_iter), per_iter)
    return best


if __name__ == "__main__":  # one process's measure for measure(processes=N): JSON on the last line
    import logging
    import warnings

    import torch

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))  # as benchmarks.run does
    print(json.dumps(_measure_here(int(sys.argv[1]), int(sys.argv[2]))))

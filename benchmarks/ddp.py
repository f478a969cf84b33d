"""Per-iteration time on 2 gloo processes: pytorch-ignite (``idist.Parallel`` + ``auto_*``) vs bridge's Fabric runner.

``python -m benchmarks.ddp ignite|bridge ITERATIONS`` prints ``us_per_iter=...`` from rank 0;
``benchmarks.run`` runs both, interleaved, and reports the medians. The same process function,
model, data and global batch (64: 32 per rank) in both.
"""

from __future__ import annotations

import sys
import time
import warnings
from typing import Any, Callable

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def data(iterations: int) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(iterations * 64, 32, generator=g), torch.randint(0, 10, (iterations * 64,), generator=g))


def make_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10))


def process_function(model: nn.Module, optimizer: torch.optim.Optimizer, ticks: list[float]) -> Callable[..., Any]:
    def step(engine: Any, batch: Any) -> torch.Tensor:  # an unmodified Ignite process function
        model.train()
        optimizer.zero_grad()
        x, y = batch
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        ticks.append(time.perf_counter())
        return loss

    return step


def report(rank: int, ticks: list[float]) -> None:
    if rank == 0:
        skip = len(ticks) // 10  # warm-up
        print(f"us_per_iter={(ticks[-1] - ticks[skip]) / (len(ticks) - 1 - skip) * 1e6:.1f}", flush=True)


def run_ignite(local_rank: int, iterations: int) -> None:
    import ignite.distributed as idist
    from ignite.engine import Engine

    torch.set_num_threads(1)  # here too: the spawned ranks do not run the __main__ block
    model = idist.auto_model(make_model())
    optimizer = idist.auto_optim(torch.optim.SGD(model.parameters(), lr=0.05))
    loader = idist.auto_dataloader(data(iterations), batch_size=64, shuffle=False)  # 32 per rank
    ticks: list[float] = []
    Engine(process_function(model, optimizer, ticks)).run(loader, max_epochs=1)
    report(idist.get_rank(), ticks)


def run_bridge(iterations: int) -> None:
    import bridge.distributed as idist
    from bridge.engine import Engine

    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loader = DataLoader(data(iterations), batch_size=32)  # sharded by the runner: 32 per rank
    ticks: list[float] = []
    engine = Engine(process_function(model, optimizer, ticks), model=model, optimizers=optimizer, runner="fabric",
                    trainer_kwargs={"strategy": "ddp", "devices": 2})  # fmt: skip
    engine.run(loader, max_epochs=1)
    report(idist.get_rank(), ticks)


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)
    which, iterations = sys.argv[1], int(sys.argv[2])
    if which == "ignite":
        import ignite.distributed as idist

        with idist.Parallel(backend="gloo", nproc_per_node=2) as parallel:
            parallel.run(run_ignite, iterations)
    else:
        run_bridge(iterations)

"""Each rank of a multi-process run iterates its own shard of the run's ``DataLoader``.

Both runners shard the data the way their Lightning layer does it (the Trainer runner as
``pl.Trainer.fit`` shards a train loader, the Fabric runner with ``Fabric.setup_dataloaders``);
what they share is here: when to shard, what ``state.epoch_length`` becomes, and the warning
for data that has no sampler to shard.

Example:
    >>> from bridge.engine import Engine
    >>> from bridge.engine.loop import RunLoop
    >>> from torch.utils.data import DataLoader
    >>> engine = Engine(lambda e, b: b)
    >>> engine.state.dataloader, engine.state.epoch_length = DataLoader(list(range(8)), batch_size=2), 4
    >>> shard_run_data(engine, RunLoop(engine), 2, lambda loader: DataLoader(list(range(0, 8, 2)), batch_size=2))
    >>> engine.state.epoch_length, len(engine.state.dataloader)
    (2, 2)
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from torch.utils.data import DataLoader

from bridge.engine.engine import Engine
from bridge.engine.loop import Phase, RunLoop

__all__ = ["shard_run_data"]

_warned: weakref.WeakSet[Engine] = weakref.WeakSet()


def shard_run_data(engine: Engine, loop: RunLoop, world_size: int, shard: Callable[[DataLoader], Iterable[Any]]) -> None:
    """Replace the run's ``DataLoader`` by this rank's ``shard`` of it, on ``world_size`` > 1 processes.

    Only at the start of a run (a resumed run keeps its iterator). ``state.epoch_length``
    follows the shard when it was the whole loader's length. Data that is not a DataLoader
    cannot be sharded: every rank iterates all of it, and a warning says so, once per engine.
    """
    state = engine.state
    data = state.dataloader
    if world_size == 1 or loop.waiting is not Phase.RUN_START or data is None:
        return
    if not isinstance(data, DataLoader):
        if engine not in _warned:
            _warned.add(engine)
            warnings.warn(
                f"Engine.run on {world_size} processes: the data is a {type(data).__name__}, not a torch "
                "DataLoader, so every rank iterates all of it. Shard it yourself (e.g. by "
                "bridge.distributed.get_rank()) or pass a DataLoader.",
                stacklevel=2,
            )
        return
    sharded = shard(data)
    if state.epoch_length == len(data):
        state.epoch_length = len(sharded)  # type: ignore[arg-type]  # a shard of a sized loader is sized
    state.dataloader = sharded

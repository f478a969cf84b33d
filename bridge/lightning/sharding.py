"""Each rank of a multi-process run iterates its own shard of the run's ``DataLoader``.

Both runners shard the data the way their Lightning layer does it (the Trainer runner as
``pl.Trainer.fit`` shards a train loader, the Fabric runner with ``Fabric.setup_dataloaders``);
what they share is here: when to shard, what ``state.epoch_length`` becomes, the sampler's
epoch on every pass (:class:`EpochShard`), and the warning for data that has no sampler to shard.

Example:
    >>> from bridge.engine import Engine
    >>> from bridge.engine.loop import RunLoop
    >>> from torch.utils.data import DataLoader
    >>> engine = Engine(lambda e, b: b)
    >>> engine.state.dataloader, engine.state.epoch_length = DataLoader(list(range(8)), batch_size=2), 4
    >>> shard_run_data(engine, RunLoop(engine), 2, lambda loader: DataLoader(list(range(0, 8, 2)), batch_size=2))
    >>> engine.state.epoch_length, len(engine.state.dataloader), type(engine.state.dataloader).__name__
    (2, 2, 'EpochShard')
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from lightning_fabric.utilities.data import _set_sampler_epoch
from torch.utils.data import DataLoader

from bridge.engine.engine import Engine
from bridge.engine.events import State
from bridge.engine.loop import Phase, RunLoop
from bridge.engine.serialization import rescale_iteration

__all__ = ["EpochShard", "shard_run_data"]

_warned: weakref.WeakSet[Engine] = weakref.WeakSet()


class EpochShard:
    """This rank's shard of a DataLoader: each pass sets its sampler's epoch to the engine's epoch - 1.

    As Lightning sets ``current_epoch`` (and Ignite's recipe for a ``DistributedSampler``,
    ``set_epoch(engine.state.epoch - 1)``): a run continued by a later ``run`` or resumed from a
    checkpoint reshuffles as the uninterrupted run would, not from epoch 0 again. Other
    attributes (``sampler``, ``dataset``, ``batch_size``, ...) are the loader's.

    Example:
        >>> from torch.utils.data import DistributedSampler
        >>> loader = DataLoader(range(4), sampler=DistributedSampler(range(4), num_replicas=1, rank=0))
        >>> state = State(epoch=3)
        >>> shard = EpochShard(loader, state)
        >>> _ = list(shard)
        >>> shard.sampler.epoch, len(shard)
        (2, 4)
    """

    def __init__(self, loader: Iterable[Any], state: State) -> None:
        self.loader = loader
        self._state = weakref.ref(state)  # the engine's state holds the shard: no cycle

    def __iter__(self) -> Iterator[Any]:
        state = self._state()
        if state is not None:
            _set_sampler_epoch(self.loader, max(state.epoch - 1, 0))
        return iter(self.loader)

    def __len__(self) -> int:
        return len(self.loader)  # type: ignore[arg-type]  # a shard of a sized loader is sized

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["loader"], name)


def shard_run_data(engine: Engine, loop: RunLoop, world_size: int, shard: Callable[[DataLoader], Iterable[Any]]) -> None:
    """Replace the run's ``DataLoader`` by this rank's ``shard`` of it, on ``world_size`` > 1 processes.

    Only at the start of a run (a resumed run keeps its iterator). ``state.epoch_length``
    follows the shard when it was the whole loader's length. Data that is not a DataLoader
    cannot be sharded: every rank iterates all of it, and a warning says so, once per engine.
    The state counts the rank's own batches (``iteration`` of a resumed state too), and
    ``engine.state_dict()`` saves the whole data's counts, so checkpoints resume on any
    number of processes.
    """
    state = engine.state
    data = state.dataloader
    if world_size == 1:
        engine._shard_lengths = None  # the state counts the whole data
    if world_size == 1 or loop.waiting is not Phase.RUN_START or data is None or isinstance(data, EpochShard):
        return  # one process, a resumed run, no data, or a shard already (a run continuing the last one)
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
    sharded = EpochShard(shard(data), state)
    if state.epoch_length == len(data):
        # the state counts this rank's batches from now on (a resumed state's iteration too);
        # state_dict() saves the whole data's counts again
        whole, part = len(data), len(sharded)
        state.iteration = rescale_iteration(state.iteration, whole, part)
        state.epoch_length = part
        engine._shard_lengths = (whole, part)
    state.dataloader = sharded

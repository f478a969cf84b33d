"""Ignite's ``BatchSizeScheduler``: change a DataLoader's batch size on engine events.

Ignite 0.5.5 keeps it in ``ignite.handlers.param_scheduler``; bridge's module of that name
re-exports it from here (lazily: this module builds on that one's ``BaseParamScheduler``).

As Ignite's, it sets ``dataloader.batch_sampler.batch_size`` (a DataLoader refuses a new
``batch_sampler`` once built). torch's ``BatchSampler`` reads ``batch_size`` for each batch
(with ``drop_last=True``, once per pass over the data): a new size shows from the loader's
next batch. The engine's ``epoch_length`` stays the one of the run's start, as in Ignite: an
epoch of larger batches goes on with a new pass over the loader once it runs out.

Example:
    >>> import torch
    >>> from torch.utils.data import DataLoader
    >>> from bridge.engine import Engine, Events
    >>> loader = DataLoader(torch.arange(8), batch_size=2)
    >>> sizes = []
    >>> engine = Engine(lambda e, batch: sizes.append(len(batch)))
    >>> BatchSizeScheduler(loader, scheduler_fn=lambda i: 2 * (i + 1)).attach(engine)
    >>> _ = engine.run(loader, max_epochs=2)
    >>> sizes  # epoch 2 has 4 iterations still: two passes over the loader
    [2, 2, 2, 2, 4, 4, 4, 4]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from torch.utils.data import BatchSampler, DataLoader

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.param_scheduler import BaseParamScheduler

__all__ = ["BatchSizeScheduler"]


class BatchSizeScheduler(BaseParamScheduler):
    """Sets the batch size of ``dataloader`` to ``scheduler_fn(event_index)`` each time it is called.

    Args:
        dataloader: a ``torch.utils.data.DataLoader`` with a ``BatchSampler`` (built with a
            ``batch_size``, or with a ``BatchSampler`` subclass as ``batch_sampler``).
        scheduler_fn: event index (0, 1, ...) -> batch size, a positive ``int``.
        save_history: append each batch size to ``engine.state.param_history["batch_size"]``.

    In a run on several processes each rank iterates its shard of the loader, a DataLoader
    over the same dataset: the new batch size is set on the shard the engine iterates too.

    Example:
        >>> import torch
        >>> from torch.utils.data import DataLoader
        >>> from bridge.engine import Engine, Events
        >>> loader = DataLoader(torch.arange(100), batch_size=10)
        >>> scheduler = BatchSizeScheduler(loader, scheduler_fn=lambda e: 10 + e * 10, save_history=True)
        >>> engine = Engine(lambda e, batch: None)
        >>> _ = engine.add_event_handler(Events.EPOCH_STARTED, scheduler)
        >>> _ = engine.run(loader, max_epochs=3)
        >>> engine.state.param_history["batch_size"], loader.batch_sampler.batch_size
        ([10, 20, 30], 30)
    """

    def __init__(self, dataloader: DataLoader, scheduler_fn: Callable[[int], int], save_history: bool = False) -> None:
        super().__init__(param_name="batch_size", save_history=save_history)
        if not isinstance(dataloader, DataLoader):
            raise TypeError(f"Argument dataloader should be torch.utils.data.DataLoader, but given {type(dataloader)}")
        if not isinstance(getattr(dataloader, "batch_sampler", None), BatchSampler):
            raise ValueError(
                "Argument dataloader should have a BatchSampler, "
                "i.e. dataloader.batch_sampler should be an instance of torch.utils.data.sampler.BatchSampler"
            )
        if not callable(scheduler_fn):
            raise TypeError(f"Argument scheduler_fn should be callable, but given {type(scheduler_fn)}")
        self.dataloader = dataloader
        self.scheduler_fn = scheduler_fn

    def __call__(self, engine: Optional[Engine]) -> None:
        value = self.get_param()
        # a bool is an int to Python, not a batch size
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"Batch size returned by scheduler_fn should be a positive integer, but given {value}")
        self.dataloader.batch_sampler.batch_size = value  # type: ignore[union-attr]
        if engine is not None:
            running = getattr(engine.state, "dataloader", None)
            # a rank's shard of this loader (same dataset, its own sampler) is the one the engine iterates
            if (
                isinstance(getattr(running, "batch_sampler", None), BatchSampler)
                and running is not self.dataloader
                and getattr(running, "dataset", None) is self.dataloader.dataset
            ):
                running.batch_sampler.batch_size = value  # type: ignore[union-attr]
            if self.save_history:
                history = getattr(engine.state, "param_history", None)
                if history is None:
                    history = {}
                    setattr(engine.state, "param_history", history)
                history.setdefault(self.param_name, []).append(value)
        self.event_index += 1

    def get_param(self) -> int:
        """The batch size for the current event index: ``scheduler_fn(event_index)``.

        Example:
            >>> import torch
            >>> from torch.utils.data import DataLoader
            >>> BatchSizeScheduler(DataLoader(torch.arange(4), batch_size=1), lambda i: 8 + i).get_param()
            8
        """
        return self.scheduler_fn(self.event_index)

    def attach(self, engine: Engine, event: Any = Events.EPOCH_STARTED) -> None:
        """Call the scheduler on ``event`` of ``engine`` (``EPOCH_STARTED`` by default).

        Example:
            >>> import torch
            >>> from torch.utils.data import DataLoader
            >>> from bridge.engine import Engine, Events
            >>> loader = DataLoader(torch.arange(6), batch_size=1)
            >>> engine = Engine(lambda e, batch: None)
            >>> BatchSizeScheduler(loader, lambda i: 3).attach(engine, Events.STARTED)
            >>> _ = engine.run(loader)
            >>> engine.state.epoch_length, len(loader)
            (6, 2)
        """
        engine.add_event_handler(event, self)

    @classmethod
    def simulate_values(cls, num_events: int, **scheduler_kwargs: Any) -> list[list[int]]:
        """``[[event_index, batch_size], ...]`` over ``num_events`` events; needs ``scheduler_fn``.

        Example:
            >>> BatchSizeScheduler.simulate_values(3, scheduler_fn=lambda i: 2 ** i)
            [[0, 1], [1, 2], [2, 4]]
        """
        if "scheduler_fn" not in scheduler_kwargs:
            raise ValueError("Argument scheduler_kwargs must contain 'scheduler_fn'")
        scheduler_fn = scheduler_kwargs["scheduler_fn"]
        return [[i, scheduler_fn(i)] for i in range(num_events)]

"""``Frequency`` (``ignite.metrics.frequency``): items processed per second (throughput).

The clock starts when the metric is reset (each epoch start once attached); each update adds the
batch's count (the transformed output, e.g. the number of tokens) and notes the time since.
On several processes the counts and times are summed over the ranks and the rate is multiplied
by the world size: the average throughput of one process, times the number of processes.

Example:
    >>> from bridge.engine import Engine
    >>> engine = Engine(lambda e, batch: len(batch))
    >>> Frequency().attach(engine, "items/s")
    >>> rate = engine.run([[0] * 64] * 4).metrics["items/s"]
    >>> isinstance(rate, int) and rate > 0
    True
"""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import TYPE_CHECKING, Any

import torch

import bridge.distributed as idist
from bridge.engine.events import Events
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

if TYPE_CHECKING:
    from bridge.engine import Engine

__all__ = ["Frequency"]


class Frequency(Metric):
    """Number of items per second since the last reset; in ``state.metrics`` as an ``int``.

    ``update(n)`` adds ``n`` items (a number or a 0-d tensor: use ``output_transform`` to pick it from
    the step's output). ``attach(engine, name, event_name)`` resets at each ``EPOCH_STARTED``,
    updates at each ``ITERATION_COMPLETED`` and writes the rate at ``event_name`` (by default each
    ``ITERATION_COMPLETED``), as Ignite's does; ``compute()`` before any update divides by a zero
    elapsed time (``ZeroDivisionError``, as Ignite).

    Example:
        >>> from bridge.engine import Engine, Events
        >>> engine = Engine(lambda e, batch: {"ntokens": sum(len(s) for s in batch)})
        >>> wps = Frequency(output_transform=lambda out: out["ntokens"])
        >>> wps.attach(engine, "wps", event_name=Events.ITERATION_COMPLETED(every=2))
        >>> state = engine.run([["a b", "c"]] * 4)
        >>> wps._n, state.metrics["wps"] > 0
        (16, True)
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._started_at = perf_counter()
        self._n: Any = 0
        self._elapsed = 0.0

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        self._n = self._n + output
        self._elapsed = perf_counter() - self._started_at

    @sync_all_reduce("_n", "_elapsed")
    def compute(self) -> float:
        # summed over ranks: total items / total time, times the ranks that worked in parallel
        return self._n / self._elapsed * max(idist.get_world_size(), 1)

    def completed(self, engine: Engine, name: str) -> None:
        """Write ``int(compute())`` into ``engine.state.metrics[name]``.

        Example:
            >>> from bridge.engine import Engine
            >>> f = Frequency(); f.update(10); f._elapsed = 4.0
            >>> engine = Engine(lambda e, b: None)
            >>> f.completed(engine, "rate"); engine.state.metrics["rate"]
            2
        """
        engine.state.metrics[name] = int(self.compute())

    def attach(  # Ignite's signature: an event, not a usage
        self, engine: Engine, name: str, event_name: Any = Events.ITERATION_COMPLETED
    ) -> None:
        """Reset at each epoch start, update at each iteration, write the rate at ``event_name``.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, batch: 32)
            >>> Frequency().attach(engine, "fps", event_name=Events.EPOCH_COMPLETED)
            >>> engine.run(range(3)).metrics["fps"] > 0
            True
        """
        engine.add_event_handler(Events.EPOCH_STARTED, self.started)
        engine.add_event_handler(Events.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(event_name, self.completed, name)

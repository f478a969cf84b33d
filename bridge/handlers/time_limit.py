"""``TimeLimit``, as ``ignite.handlers.time_limit`` (pytorch-ignite 0.5.5).

Example:
    >>> from bridge.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: None)
    >>> _ = trainer.add_event_handler(Events.ITERATION_COMPLETED, TimeLimit(limit_sec=3600))
    >>> trainer.run([0, 1, 2]).iteration
    3
"""

from __future__ import annotations

import logging
import time
from typing import Optional

from bridge.engine.engine import Engine

__all__ = ["TimeLimit"]


class TimeLimit:
    """Terminates the run once more than ``limit_sec`` seconds have passed since its creation.

    The clock starts when the handler is created (as in Ignite), not when the run starts.

    Args:
        limit_sec: the limit in seconds, a positive ``int`` (default 8 hours).

    Example:
        >>> from bridge.engine import Engine, Events
        >>> trainer = Engine(lambda engine, batch: None)
        >>> handler = TimeLimit(limit_sec=1)
        >>> handler.start_time -= 2  # as if created 2 seconds ago
        >>> _ = trainer.add_event_handler(Events.ITERATION_COMPLETED, handler)
        >>> trainer.run(range(10)).iteration
        1
    """

    def __init__(self, limit_sec: Optional[int] = 28800) -> None:
        if not isinstance(limit_sec, int):
            raise TypeError("Argument limit_sec should be an integer.")
        if limit_sec <= 0:
            raise ValueError("Argument limit_sec should be a positive integer.")
        self.limit_sec = limit_sec
        self.start_time = time.time()
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)

    def __call__(self, engine: Engine) -> None:
        elapsed_time = time.time() - self.start_time
        if elapsed_time > self.limit_sec:
            self.logger.info("Reached the time limit: %s sec. Stop training", self.limit_sec)
            engine.terminate()

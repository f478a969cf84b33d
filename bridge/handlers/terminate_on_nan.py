"""``TerminateOnNan``, as ``ignite.handlers.terminate_on_nan`` (pytorch-ignite 0.5.5).

Example:
    >>> from bridge.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: 1.0 / batch)
    >>> _ = trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
    >>> trainer.run([1.0, 2.0, float("inf"), 0.5, 4.0]).iteration  # 1/inf == 0.0 is fine
    5
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Callable
from typing import Any

import torch

from bridge.engine.engine import Engine
from bridge.utils import _identity, apply_to_type

__all__ = ["TerminateOnNan"]


class TerminateOnNan:
    """Terminates the run when ``output_transform(engine.state.output)`` holds a NaN or an infinity.

    The output may be a number, a tensor, or a collection of them (lists, tuples, dicts);
    a single non-finite value anywhere stops the run with a warning. Attach it to
    ``ITERATION_COMPLETED``.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> trainer = Engine(lambda engine, batch: {"loss": torch.tensor(batch)})
        >>> _ = trainer.add_event_handler(Events.ITERATION_COMPLETED, TerminateOnNan())
        >>> trainer.run([0.5, float("nan"), 0.2]).iteration
        2
    """

    def __init__(self, output_transform: Callable[[Any], Any] = _identity) -> None:
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)
        self._output_transform = output_transform

    def __call__(self, engine: Engine) -> None:
        output = self._output_transform(engine.state.output)

        def raise_error(x: Any) -> None:
            if isinstance(x, numbers.Number):
                x = torch.tensor(x)
            if isinstance(x, torch.Tensor) and not bool(torch.isfinite(x).all()):
                raise RuntimeError("Infinite or NaN tensor found.")

        try:
            apply_to_type(output, (numbers.Number, torch.Tensor), raise_error)
        except RuntimeError:
            self.logger.warning(f"{self.__class__.__name__}: Output '{output}' contains NaN or Inf. Stop training")
            engine.terminate()

"""The arguments of ``Engine.run``: Ignite's rules for starting, resuming and restarting a run.

:class:`RunArgumentsMixin` turns ``run(data, max_epochs, max_iters, epoch_length)`` into
the engine's state for the run about to start: a new state for a first run (or one after
a finished run), the same state for a run that resumes (after ``terminate()``,
``interrupt()`` or ``load_state_dict``), with Ignite's checks and messages.

Example:
    >>> from bridge.engine import Engine
    >>> engine = Engine(lambda e, b: b)
    >>> engine._set_run_arguments([1, 2, 3], max_epochs=2, max_iters=None, epoch_length=None)
    >>> engine.state.max_epochs, engine.state.epoch_length
    (2, 3)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Optional

from bridge.engine.events import State
from bridge.engine.serialization import StateDictMixin, check_count

if TYPE_CHECKING:
    from bridge.engine.loop import RunLoop

__all__ = ["RunArgumentsMixin"]


class RunArgumentsMixin(StateDictMixin):
    """Checks ``run``'s arguments and sets up the engine's state for the run.

    Built on :class:`StateDictMixin`: the run budget is checked as when it is loaded.

    Example:
        >>> from bridge.engine import Engine
        >>> Engine(lambda e, b: b)._set_run_arguments(None, None, None, None)
        Traceback (most recent call last):
        ...
        ValueError: epoch_length should be provided if data is None
    """

    state: State
    logger: logging.Logger
    should_terminate: bool | str
    _loop: Optional[RunLoop]
    _dataloader_iter: Optional[Iterator[object]]
    _init_iter: Optional[int]

    @staticmethod
    def _get_data_length(data: Iterable) -> Optional[int]:
        try:
            if hasattr(data, "__len__"):
                return len(data)  # type: ignore[arg-type]
        except TypeError:
            # e.g. a DataLoader over an IterableDataset
            pass
        return None

    def _set_run_arguments(
        self,
        data: Optional[Iterable[object]],
        max_epochs: Optional[int],
        max_iters: Optional[int],
        epoch_length: Optional[int],
    ) -> None:
        """Apply Ignite's rules for ``run(data, max_epochs, max_iters, epoch_length)`` to the state."""
        if data is not None and not isinstance(data, Iterable):
            raise TypeError("Argument data should be iterable")
        # Ignite checks these only when resuming; a fresh run with max_epochs=0 would silently do nothing
        for name, value in (("max_epochs", max_epochs), ("max_iters", max_iters), ("epoch_length", epoch_length)):
            check_count(value, f"Argument {name}")  # Ignite runs max_epochs=2.5 as 3 epochs
            if value is not None and value < 1:
                what = "Input data has zero size. Please provide non-empty data" if name == "epoch_length" else (
                    f"Argument {name} is invalid. Please, set a correct {name} positive value"
                )
                raise ValueError(what)
        if max_epochs is not None and max_iters is not None:
            raise ValueError(
                "Arguments max_iters and max_epochs are mutually exclusive. Please provide only max_epochs or max_iters."
            )
        # switching between max_epochs and max_iters needs an explicit reset of the state
        if max_iters is not None and self.state.max_epochs is not None:
            raise ValueError(
                "To switch from max_epochs to max_iters mode during resume, "
                "you must first reset by setting 'engine.state.max_epochs = None' before calling run()."
            )
        if max_epochs is not None and self.state.max_iters is not None:
            raise ValueError(
                "To switch from max_iters to max_epochs mode during resume, "
                "you must first reset by setting 'engine.state.max_iters = None' before calling run()."
            )
        if self.state.max_epochs is not None:
            self._check_and_set_termination_param("max_epochs", max_epochs, "epoch", self.state.epoch)
        if self.state.max_iters is not None:
            self._check_and_set_termination_param("max_iters", max_iters, "iteration", self.state.iteration)

        new_state = (self.state.max_epochs is None and self.state.max_iters is None) or (
            self._is_done(self.state) and self._loop is None
        )
        if new_state:
            if data is None and epoch_length is None and self.state.epoch_length is None:
                raise ValueError("epoch_length should be provided if data is None")
            if epoch_length is None:
                if data is not None:
                    epoch_length = self._get_data_length(data)
                if epoch_length is None:
                    epoch_length = self.state.epoch_length
            if epoch_length is not None and epoch_length < 1:
                raise ValueError("Input data has zero size. Please provide non-empty data")
            if max_iters is None and max_epochs is None:
                max_epochs = 1
            self.state.iteration = 0
            self.state.epoch = 0
            self.state.max_epochs = max_epochs if max_iters is None else None
            self.state.max_iters = max_iters
            self.state.epoch_length = epoch_length
            if self._loop is not None:
                # a suspended (interrupted) run is dropped as in Ignite: the loop sees GeneratorExit,
                # which goes to EXCEPTION_RAISED handlers and resets the data iterator
                self._loop.close()
                self._loop = None
            limit = f"max_iters={max_iters}" if max_iters is not None else f"max_epochs={self.state.max_epochs}"
            self.logger.info(f"Engine run starting with {limit}.")
        else:
            if self.state.epoch_length is not None:
                if epoch_length is not None and epoch_length != self.state.epoch_length:
                    raise ValueError(
                        "Argument epoch_length should be same as in the state, "
                        f"but given {epoch_length} vs {self.state.epoch_length}"
                    )
            else:
                if epoch_length is None and data is not None:
                    epoch_length = self._get_data_length(data)
                if epoch_length is not None:
                    if epoch_length < 1:
                        raise ValueError("Input data has zero size. Please provide non-empty data")
                    self.state.epoch_length = epoch_length
            self.logger.info(
                f"Engine run resuming from iteration {self.state.iteration}, epoch {self.state.epoch} until "
                + (
                    f"{self.state.max_iters} iterations"
                    if self.state.max_iters is not None
                    else f"{self.state.max_epochs} epochs"
                )
            )
            if self.state.epoch_length is None and data is None:
                raise ValueError("epoch_length should be provided if data is None")
            if self.should_terminate:
                # resuming a terminated run: the cut epoch starts over from its first iteration
                self._init_iter = 0

        if self._dataloader_iter is None:
            self.state.dataloader = data

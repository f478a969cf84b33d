"""Ignite's ``FBResearchLogger``: progress lines in the style of Facebook research code, to a ``logging`` logger.

Same lines as Ignite 0.5.5's: the start of each epoch, every ``every`` iterations the epoch,
iteration, ETA, learning rates, output, chosen ``state`` attributes, average iteration and data
times (and peak CUDA memory on a GPU), the end of each epoch and of the run. Built on the
Engine API and :class:`~bridge.handlers.timing.Timer`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, Optional

import torch

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.timing import Timer
from bridge.utils import _to_str_list

__all__ = ["FBResearchLogger"]

MB = 1024.0 * 1024.0


class FBResearchLogger:
    """Logs an engine's progress to ``logger`` (a ``logging.Logger``, or anything with ``info``).

    Args:
        logger: where the lines go, with ``logger.info(line)``.
        delimiter: between the fields of a line.
        show_output: also log ``engine.state.output`` (through ``output_transform`` of :meth:`attach`).

    Example:
        >>> import logging, sys, torch
        >>> from bridge.engine import Engine
        >>> log = logging.getLogger("fbresearch.example")
        >>> log.setLevel(logging.INFO); log.propagate = False
        >>> log.addHandler(logging.StreamHandler(sys.stdout))
        >>> optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01)
        >>> engine = Engine(lambda e, batch: {"loss": 1.0 / batch})
        >>> FBResearchLogger(log, show_output=True).attach(engine, "Train", every=2, optimizer=optimizer)
        >>> _ = engine.run([1, 2, 4, 8], max_epochs=2)
        Train: start epoch [1/2]
        Epoch [1/2]  [2/4]:  ETA: 0:00:00  lr: 0.01000  loss: 0.5000    Iter time: ... s  Data prep time: ... s
        Epoch [1/2]  [4/4]:  ETA: 0:00:00  lr: 0.01000  loss: 0.1250    Iter time: ... s  Data prep time: ... s
        Train: Epoch [1/2]  Total time: 0:00:00  (... s / it)
        Train: start epoch [2/2]
        ...
        Train: run completed  Total time: 0:00:00
    """

    def __init__(self, logger: Any, delimiter: str = "  ", show_output: bool = False) -> None:
        self.delimiter = delimiter
        self.logger: Any = logger
        self.iter_timer = Timer(average=True)
        self.data_timer = Timer(average=True)
        self.show_output = show_output
        # set by attach; here too, so that the log_* methods also work called by hand
        self.output_transform: Optional[Callable] = None
        self.state_attributes: Optional[list[str]] = None

    def attach(
        self,
        engine: Engine,
        name: str,
        every: int = 1,
        output_transform: Optional[Callable] = None,
        state_attributes: Optional[list[str]] = None,
        optimizer: Optional[torch.optim.Optimizer] = None,
    ) -> None:
        """Log the runs of ``engine`` as ``name`` ("Train", "Validate", ...), a progress line every ``every`` iterations.

        ``output_transform`` picks what to show of the output (with ``show_output=True``),
        ``state_attributes`` names ``engine.state`` attributes to show, and ``optimizer``
        gives the learning rates shown (``lr [g<i>]`` per param group when it has several).

        Example:
            >>> import logging
            >>> from bridge.engine import Engine
            >>> records = []
            >>> class Keep(logging.Handler):
            ...     def emit(self, record): records.append(record.getMessage())
            >>> log = logging.getLogger("fbresearch.attach"); log.setLevel(logging.INFO); log.propagate = False
            >>> log.addHandler(Keep())
            >>> engine = Engine(lambda e, batch: None)
            >>> FBResearchLogger(log).attach(engine, "Eval", every=10)
            >>> _ = engine.run(range(3))
            >>> records[0], records[1].startswith("Eval:   Total time: 0:00:00")
            ('Eval: start epoch [1/1]', True)
        """
        self.name = name
        self.output_transform = output_transform
        self.state_attributes = state_attributes
        engine.add_event_handler(Events.EPOCH_STARTED, self.log_epoch_started, engine, name)
        engine.add_event_handler(Events.ITERATION_COMPLETED(every=every), self.log_every, engine, optimizer=optimizer)
        engine.add_event_handler(Events.EPOCH_COMPLETED, self.log_epoch_completed, engine, name)
        engine.add_event_handler(Events.COMPLETED, self.log_completed, engine, name)
        self.iter_timer.reset()
        self.iter_timer.attach(
            engine,
            start=Events.EPOCH_STARTED,
            resume=Events.ITERATION_STARTED,
            pause=Events.ITERATION_COMPLETED,
            step=Events.ITERATION_COMPLETED,
        )
        self.data_timer.reset()
        self.data_timer.attach(
            engine,
            start=Events.EPOCH_STARTED,
            resume=Events.GET_BATCH_STARTED,
            pause=Events.GET_BATCH_COMPLETED,
            step=Events.GET_BATCH_COMPLETED,
        )

    def log_every(self, engine: Engine, optimizer: Optional[torch.optim.Optimizer] = None) -> None:
        """Log one progress line (what :meth:`attach` calls every ``every`` iterations).

        Example:
            >>> import logging
            >>> from bridge.engine import Engine, State
            >>> engine = Engine(lambda e, b: None)
            >>> engine.state = State(epoch=1, max_epochs=3, iteration=7, epoch_length=5)
            >>> lines = []
            >>> class Lines:
            ...     def info(self, line): lines.append(line)
            >>> FBResearchLogger(Lines(), delimiter=" | ").log_every(engine)
            >>> lines[0].split(" | ")[:3]
            ['Epoch [1/3]', '[2/5]:', 'ETA: 0:00:00']
        """
        state = engine.state
        assert state.epoch_length is not None
        # peak memory of the run's device, as Ignite: CUDA only
        cuda_max_mem = f"GPU Max Mem: {torch.cuda.max_memory_allocated() / MB:.0f} MB" if torch.cuda.is_available() else ""
        current_iter = (state.iteration - 1) % state.epoch_length + 1
        iter_avg_time = self.iter_timer.value()
        eta_seconds = iter_avg_time * (state.epoch_length - current_iter)

        outputs: list[str] = []
        if self.show_output and state.output is not None:
            output = state.output if self.output_transform is None else self.output_transform(state.output)
            outputs = _to_str_list(output)

        lrs = ""
        if optimizer is not None:
            groups = optimizer.param_groups
            # Ignite joins the groups' rates without a delimiter
            lrs = (
                f"lr: {groups[0]['lr']:.5f}"
                if len(groups) == 1
                else "".join(f"lr [g{i}]: {g['lr']:.5f}" for i, g in enumerate(groups))
            )

        state_attrs: list[str] = []
        if self.state_attributes is not None:
            state_attrs = _to_str_list({attr: getattr(state, attr, None) for attr in self.state_attributes})

        fields = [
            f"Epoch [{state.epoch}/{state.max_epochs}]",
            f"[{current_iter}/{state.epoch_length}]:",
            f"ETA: {datetime.timedelta(seconds=int(eta_seconds))}",
            lrs,
            *outputs,
            " ".join(state_attrs),
            f"Iter time: {iter_avg_time:.4f} s",
            f"Data prep time: {self.data_timer.value():.4f} s",
            cuda_max_mem,
        ]
        self.logger.info(self.delimiter.join(fields))

    def log_epoch_started(self, engine: Engine, name: str) -> None:
        """Log ``"<name>: start epoch [<epoch>/<max_epochs>]"``.

        Example:
            >>> from bridge.engine import Engine, State
            >>> engine = Engine(lambda e, b: None); engine.state = State(epoch=2, max_epochs=5)
            >>> class Print:
            ...     def info(self, line): print(line)
            >>> FBResearchLogger(Print()).log_epoch_started(engine, "Train")
            Train: start epoch [2/5]
        """
        self.logger.info(f"{name}: start epoch [{engine.state.epoch}/{engine.state.max_epochs}]")

    def log_epoch_completed(self, engine: Engine, name: str) -> None:
        """Log the epoch's time and time per iteration (the epoch number only when there are several).

        Example:
            >>> from bridge.engine import Engine, State
            >>> engine = Engine(lambda e, b: None)
            >>> engine.state = State(epoch=2, max_epochs=5, epoch_length=4)
            >>> engine.state.times["EPOCH_COMPLETED"] = 70.0
            >>> class Print:
            ...     def info(self, line): print(line)
            >>> FBResearchLogger(Print()).log_epoch_completed(engine, "Train")
            Train: Epoch [2/5]  Total time: 0:01:10  (17.5000 s / it)
        """
        state = engine.state
        epoch_time = state.times[Events.EPOCH_COMPLETED.name]
        assert epoch_time is not None and state.epoch_length is not None
        epoch_info = f"Epoch [{state.epoch}/{state.max_epochs}]" if state.max_epochs > 1 else ""  # type: ignore[operator]
        fields = [
            f"{name}: {epoch_info}",
            f"Total time: {datetime.timedelta(seconds=int(epoch_time))}",
            f"({epoch_time / state.epoch_length:.4f} s / it)",
        ]
        self.logger.info(self.delimiter.join(fields))

    def log_completed(self, engine: Engine, name: str) -> None:
        """Log the run's total time, for a run of more than one epoch.

        Example:
            >>> from bridge.engine import Engine, State
            >>> engine = Engine(lambda e, b: None); engine.state = State(max_epochs=3)
            >>> engine.state.times["COMPLETED"] = 3725.0
            >>> class Print:
            ...     def info(self, line): print(line)
            >>> FBResearchLogger(Print()).log_completed(engine, "Train")
            Train: run completed  Total time: 1:02:05
        """
        state = engine.state
        if state.max_epochs and state.max_epochs > 1:
            total_time = state.times[Events.COMPLETED.name]
            assert total_time is not None
            fields = [f"{name}: run completed", f"Total time: {datetime.timedelta(seconds=int(total_time))}"]
            self.logger.info(self.delimiter.join(fields))

"""Ignite's ``Engine``, looped by a Lightning Trainer.

``Engine`` is put together from one concern per module: the handler registry
(:mod:`bridge.engine.registry`), ``state_dict`` and the run budget
(:mod:`bridge.engine.serialization`), ``run``'s arguments
(:mod:`bridge.engine.run_arguments`) and what a driving framework lends it
(:mod:`bridge.engine.driven`). Here: construction, ``run``, and the control methods
(``terminate``, ``terminate_epoch``, ``interrupt``). Ignite's loop itself is
:class:`bridge.engine.loop.RunLoop`; ``run`` hands it to a runner
(:mod:`bridge.engine.runners`). Nothing in this module imports Lightning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from bridge.engine.driven import DrivenMixin
from bridge.engine.events import BackpropEvents, Events, State, _check_signature
from bridge.engine.loop import (
    Phase,
    RunLoop,
    _EngineTerminateException,
    _EngineTerminateSingleEpochException,
    _none_data_iter,
)
from bridge.engine.registry import EventRegistry
from bridge.engine.run_arguments import RunArgumentsMixin
from bridge.engine.runners import OptimizersConfig, RunSpec, check_runner_name, get_runner

if TYPE_CHECKING:
    import pytorch_lightning as pl
    import torch

# Phase and the terminate exceptions stay importable from here, where Ignite keeps the latter.
__all__ = ["Engine", "Phase", "_EngineTerminateException", "_EngineTerminateSingleEpochException"]

# Trainer options that Engine.run owns: the run loop decides when epochs and the run end.
_RUN_OWNED_TRAINER_KWARGS = {
    "max_epochs": "run(max_epochs=...)",
    "min_epochs": "run(max_epochs=...)",
    "max_steps": "run(max_iters=...)",
    "min_steps": "run(max_iters=...)",
    "limit_train_batches": "run(epoch_length=...)",
    "callbacks": "Engine(callbacks=[...])",
}


class Engine(EventRegistry, RunArgumentsMixin, DrivenMixin):
    """Runs ``process_function`` over data, firing Ignite's events, inside a ``pl.Trainer``.

    The API and semantics are pytorch-ignite 0.5's: register handlers with
    :meth:`add_event_handler` / :meth:`on`, then :meth:`run`. Underneath, every run is a
    ``pytorch_lightning.Trainer.fit`` whose ``training_step`` calls ``process_function``.

    Args:
        process_function: ``process_function(engine, batch) -> output``; the output is
            stored in ``engine.state.output``.
        trainer_kwargs: options for the underlying ``pl.Trainer`` (``accelerator``,
            ``devices``, ``precision``, ``logger``, ``enable_progress_bar``, ...).
            Lightning's file-writing and printing defaults are off unless given here.
        callbacks: Lightning callbacks that run in the same Trainer as the handlers.
        model: the ``torch.nn.Module`` the process function trains. Given, Lightning
            manages it as part of the run's LightningModule: device placement, precision,
            strategy wrapping, checkpoints of Lightning callbacks.
        optimizers: what ``configure_optimizers`` would return for it (an optimizer, a list,
            or Lightning's dict with ``lr_scheduler``). Given, the process function can use
            the Lightning-wrapped :attr:`optimizers` and :meth:`manual_backward`, which fire
            :class:`~bridge.engine.events.BackpropEvents`.
        runner: what runs the loop, by name: ``"trainer"`` (default) a ``pl.Trainer``;
            others are added with :func:`bridge.engine.runners.register_runner`.

    Example:
        >>> from bridge.engine import Engine, Events
        >>> seen = []
        >>> engine = Engine(lambda engine, batch: batch * 10)
        >>> @engine.on(Events.ITERATION_COMPLETED(every=2))
        ... def record(engine):
        ...     seen.append(engine.state.output)
        >>> state = engine.run([1, 2, 3, 4], max_epochs=1)
        >>> seen, state.iteration
        ([20, 40], 4)
    """

    # Ignite's flag; with False, interrupt() refuses (there is no legacy loop to fall back on)
    interrupt_resume_enabled = True

    def __init__(
        self,
        process_function: Callable[[Engine, Any], Any],
        *,
        trainer_kwargs: Optional[Mapping[str, Any]] = None,
        callbacks: Optional[Iterable[pl.Callback]] = None,
        model: Optional[torch.nn.Module] = None,
        optimizers: OptimizersConfig = None,
        runner: str = "trainer",
    ) -> None:
        EventRegistry.__init__(self)
        self._process_function = process_function
        # False, True or "skip_completed" / "skip_epoch_completed", as in Ignite
        self.should_terminate: bool | str = False
        self.should_terminate_single_epoch: bool | str = False
        self.should_interrupt = False
        self._state_dict_user_keys: list[str] = []
        self._dataloader_iter: Optional[Iterator[Any]] = None
        self._init_iter: Optional[int] = None
        # the loop of a run that is not over: suspended by interrupt(), or dead after it raised
        self._loop: Optional[RunLoop] = None
        #: (whole, shard) epoch lengths while the state counts one rank's shard of the data
        #: (a multi-process run); state_dict() saves the whole data's counts
        self._shard_lengths: Optional[tuple[int, int]] = None
        #: called with the exception when a run ends by one, before EXCEPTION_RAISED handlers: what must
        #: not outlive a failed run (a progress bar's line on the terminal, ProgressBar)
        self._run_failure_callbacks: list[Callable[[BaseException], None]] = []

        self.register_events(*Events, *BackpropEvents)

        if self._process_function is None:
            raise ValueError("Engine must be given a processing function in order to run.")
        _check_signature(process_function, "process_function", self, None)

        trainer_kwargs = dict(trainer_kwargs or {})
        for key, instead in _RUN_OWNED_TRAINER_KWARGS.items():
            if key in trainer_kwargs:
                raise ValueError(
                    f"trainer_kwargs[{key!r}] is not allowed: Engine.run controls it, use {instead} instead."
                )
        self.trainer_kwargs: dict[str, Any] = trainer_kwargs
        self.callbacks: list[pl.Callback] = list(callbacks or [])
        self.model = model
        self._optimizers_config = optimizers
        self._runner = check_runner_name(runner)

    def _run_spec(self) -> RunSpec:
        """What the runner gets for this engine's next run (subclasses may fit a LightningModule)."""
        return RunSpec(self, self.trainer_kwargs, tuple(self.callbacks), self.model, self._optimizers_config)

    # --------------------------------------------------------------- control

    def terminate(self, skip_completed: bool = False) -> None:
        """Stop the run after the current event: fires TERMINATE, then COMPLETED.

        With ``skip_completed=True`` COMPLETED is not fired. The epoch that was cut
        short gets no EPOCH_COMPLETED. The Lightning Trainer stops cleanly.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.terminate())
            >>> engine.run(range(10), max_epochs=5).iteration
            3
        """
        self.logger.info("Terminate signaled. Engine will stop after current iteration is finished.")
        self.should_terminate = "skip_completed" if skip_completed else True

    def terminate_epoch(self, skip_epoch_completed: bool = False) -> None:
        """End the current epoch after the current event; the run goes on with the next.

        Fires TERMINATE_SINGLE_EPOCH, then EPOCH_COMPLETED unless
        ``skip_epoch_completed=True``. The data iterator restarts in the next epoch.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(every=2), lambda e: e.terminate_epoch())
            >>> engine.run(range(10), max_epochs=3).iteration
            6
        """
        self.logger.info(
            "Terminate current epoch is signaled. Current epoch iteration will stop after current iteration is finished."
        )
        self.should_terminate_single_epoch = "skip_epoch_completed" if skip_epoch_completed else True

    def interrupt(self) -> None:
        """Pause the run after the current event: ``run`` returns, the next ``run`` resumes.

        Fires INTERRUPT. The next call to :meth:`run` continues exactly where this one
        stopped (same iteration, same data iterator), in a new Lightning Trainer.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.interrupt())
            >>> engine.run(range(4), max_epochs=1).iteration
            2
            >>> engine.run().iteration
            4
        """
        if not self.interrupt_resume_enabled:
            raise RuntimeError(
                "Engine 'interrupt/resume' feature is disabled. "
                "Please, set Engine.interrupt_resume_enabled=True to enable it"
            )
        self.logger.info("interrupt signaled. Engine will interrupt the run after current iteration is finished.")
        self.should_interrupt = True

    def _run_failed(self, e: BaseException) -> None:
        # a run ends by ``e``: handled by EXCEPTION_RAISED handlers or not, no COMPLETED will close things
        for callback in list(self._run_failure_callbacks):
            callback(e)

    def _handle_exception(self, e: BaseException) -> None:
        if Events.EXCEPTION_RAISED in self._event_handlers:
            self._fire_event(Events.EXCEPTION_RAISED, e)
        else:
            raise e

    def set_data(self, data: Iterable) -> None:
        """Switch the data source; the next batch comes from ``data`` (epoch length unchanged).

        Example:
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.set_data([10, 20, 30]))
            >>> engine.run([1, 2, 3], max_epochs=1).output
            10
        """
        self.state.dataloader = data
        self._dataloader_iter = iter(data)

    def run(
        self,
        data: Optional[Iterable] = None,
        max_epochs: Optional[int] = None,
        max_iters: Optional[int] = None,
        epoch_length: Optional[int] = None,
    ) -> State:
        """Run ``process_function`` over ``data`` inside a ``pl.Trainer`` (the runner's); return the state.

        Ignite's rules: the first run (or a run after the last one finished) starts a
        new state (``max_epochs`` defaults to 1); a run that is not finished, e.g. after
        ``terminate()``, ``interrupt()`` or ``load_state_dict``, resumes. ``epoch_length``
        defaults to ``len(data)``; for data without length it is found at the first
        ``StopIteration``. ``data=None`` needs ``epoch_length`` and passes ``batch=None``.
        As in Ignite 0.5, the first call after a run that raised returns None without
        running (it only discards the failed loop); the call after that resumes.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> state = engine.run(iter(range(100)), epoch_length=10, max_epochs=2)
            >>> state.output, state.epoch, state.iteration
            (19, 2, 20)
        """
        self._set_run_arguments(data, max_epochs, max_iters, epoch_length)
        loop = self._loop
        if loop is not None and loop.raised:
            # Ignite 0.5: the first run() after a run that raised only discards it
            self._loop = None
            return None  # type: ignore[return-value]
        if loop is None:
            loop = self._loop = RunLoop(self)
        try:
            get_runner(self._runner).run(self._run_spec(), loop)
        finally:
            if not (loop.suspended or loop.raised):
                self._loop = None
        return self.state

    # ------------------------------------------------------------------ the loop's data

    def _setup_dataloader_iter(self) -> None:
        if self.state.dataloader is None:
            if self.state.epoch_length is None:
                raise RuntimeError("Internal error, self.state.epoch_length is None.")
            self._dataloader_iter = _none_data_iter(self.state.epoch_length)
        else:
            self._dataloader_iter = iter(self.state.dataloader)

    def _setup_engine(self) -> None:
        self._setup_dataloader_iter()
        if self._init_iter is None:
            # resuming from a state mid-epoch: count this epoch's iterations from there
            iteration = self.state.iteration
            if self.state.epoch_length is not None:
                iteration %= self.state.epoch_length
            self._init_iter = iteration

"""The default runner: an Engine's run inside a ``pl.Trainer`` (``Engine(runner="trainer")``).

:class:`~bridge.engine.loop.RunLoop` is Ignite's loop, waiting at
:class:`~bridge.engine.loop.Phase` points. Here, Lightning's fit loop drives it: each
``fit`` row of :mod:`bridge.lightning.hook_table` resumes the loop when it waits at the
row's phase, and where the loop waits next tells Lightning what to do (serve a batch,
skip the step, end the epoch, stop the Trainer).

Why one file past 400 lines: the run driver, the Trainer callback and the run module are one
concept, the three faces one ``Engine.run`` shows a ``pl.Trainer``; what both runners share is in
:mod:`bridge.lightning.run_setup`, the module-hook dispatch in :mod:`bridge.lightning.module_dispatch`.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, Optional

import pytorch_lightning as pl
from pytorch_lightning.strategies.launchers.multiprocessing import _MultiProcessingLauncher
from pytorch_lightning.trainer.connectors import callback_connector
from pytorch_lightning.utilities.combined_loader import CombinedLoader
from pytorch_lightning.utilities.model_helpers import is_overridden
from torch import Tensor
from torch.utils.hooks import RemovableHandle

from bridge.engine.engine import Engine
from bridge.engine.events import BackpropEvents
from bridge.engine.loop import Phase, RunLoop
from bridge.engine.runners import RunSpec
from bridge.lightning.hook_table import HOOK_TO_PHASE, Hook, dispatch_hooks
from bridge.lightning.hooks import BackpropHooks, LightningLink, StepCounter, is_scalar, lightning_step_output
from bridge.lightning.interrupts import OutsideLoopInterrupt, interrupts_reach_the_loop
from bridge.lightning.lifetime import let_go_with
from bridge.lightning.module_dispatch import alone, dispatched_by_module, then_module
from bridge.lightning.run_setup import (
    cheap_init,
    end_process_group_at_exit,
    fewer_signals_restored,
    model_accelerator,
    no_env_defaults_scan,
    placement,
    quiet_lightning,
    random_states_before_setup,
    restore_placement,
    srun_checked_once,
    undo_setup_reseed,
    with_grad_scaler,
)
from bridge.lightning.sharding import shard_run_data
from bridge.lightning.trainer_ddp import (
    end_launched_processes,
    no_wrapper_without_gradients,
    restore_strategy,
    sync_raw_backward,
    train_shard,
)
from bridge.lightning.trainer_options import check_trainer_options, trainer_kwargs_named
from bridge.lightning.trainer_spawn import EngineRunLauncher, FirstStepCheck, engine_run_launcher, own_optimizer_state

__all__ = ["HOOK_TO_PHASE", "TrainerRunner"]

# Lightning's file-writing and printing defaults, off in an Engine run unless trainer_kwargs ask.
# CPU by default: Ignite's process function moves data itself, as the user wrote it.
_ENGINE_TRAINER_DEFAULTS: dict[str, Any] = {
    "accelerator": "cpu",
    "devices": 1,
    "logger": False,
    "enable_checkpointing": False,
    "enable_progress_bar": False,
    "enable_model_summary": False,
    "num_sanity_val_steps": 0,
    # validation belongs to an evaluator Engine, even when the fitted module has a val loop
    "limit_val_batches": 0,
}

# Lightning ends an epoch when the train dataloader is exhausted; when the epoch length is not
# known yet, the loop ends it. A length is still reported so that Lightning does not prefetch
# (prefetching would fetch batch i+1, and fire its GET_BATCH events, before iteration i runs).
_UNKNOWN_EPOCH_LENGTH = sys.maxsize


# The phases the per-iteration code compares with, read once: on Python 3.11 each
# ``Phase.MEMBER`` read goes through the enum metaclass's attribute hook (~0.1 us).
_BATCH, _ITERATION_START, _STEP, _ITERATION_END = Phase.BATCH, Phase.ITERATION_START, Phase.STEP, Phase.ITERATION_END
_RUN_START, _EPOCH_END, _RUN_END, _INTERRUPTED = Phase.RUN_START, Phase.EPOCH_END, Phase.RUN_END, Phase.INTERRUPTED


class _NoBatch:
    """Stands for ``batch=None`` (``run(data=None)``): Lightning skips ``None`` batches."""

    def __repr__(self) -> str:
        return "<no batch>"


_NO_BATCH = _NoBatch()


class _LoopInterrupt(Exception):
    """Carries a KeyboardInterrupt out of the loop through Lightning, which would ``sys.exit`` on it."""


class _RunDriver:
    """Resumes an engine's run loop from Lightning's hooks and steers the Trainer by its answer.

    :meth:`at` is where Lightning reaching a phase meets the loop. The four hooks of every
    iteration (``next`` on the data, ``on_train_batch_start``, ``training_step``,
    ``on_train_batch_end``) do its usual case inline: the loop waits at their phase and no Ctrl-C
    is pending, so it resumes through :attr:`RunLoop.resume`, the generator's own ``__next__``
    (two Python calls less each, the hot path); anything else goes to :meth:`at`.
    """

    def __init__(self, engine: Engine, loop: RunLoop) -> None:
        self.engine = engine
        self.loop = loop
        self.trainer: Optional[pl.Trainer] = None
        self.skip_step = False
        # Lightning's global_step follows the process function's steps (bridge's own module only)
        self.steps = StepCounter()
        #: the forward hook that lets a raw backward sync DDP's gradients (several processes only)
        self.sync: Optional[RemovableHandle] = None
        #: the random streams before trainer.fit, put back after the strategy's setup reseeded them
        self.random_states: Optional[dict[str, Any]] = None
        #: the phase of the last fit hook Lightning called: where a Lightning callback that fails is
        self.hook: Optional[Phase] = None
        #: a Ctrl-C came while Lightning's code ran: the next phase Lightning reaches throws it into the loop
        self.interrupt_pending = False

    def release(self) -> None:
        """The run is over: the Trainer's callback and module (which hold this driver) no longer reach
        the engine, so an engine the user drops is freed at once, as Ignite's is (no cycle for the
        garbage collector)."""
        del self.engine, self.loop, self.trainer

    def interrupt_at_next_phase(self) -> None:
        """A Ctrl-C came while Lightning's code ran: the next phase Lightning reaches throws it into the loop."""
        self.interrupt_pending = True

    def stop(self) -> None:
        """The loop ended the run (or paused it): Lightning stops after the current hook."""
        assert self.trainer is not None  # set before the fit whose hooks resume the loop
        self.trainer.should_stop = True

    def at(self, phase: Phase) -> None:
        """Lightning reached ``phase``: resume the loop if it waits there (a pending Ctrl-C goes in first).

        A ``KeyboardInterrupt`` leaves the loop as ``_LoopInterrupt`` (the loop's ``interrupt_carrier``).
        """
        loop = self.loop
        if self.interrupt_pending:
            self.interrupt_pending = False
            waiting = loop.throw(KeyboardInterrupt())
        elif loop.waiting is phase:
            waiting = loop.advance()
        elif loop.waiting is _INTERRUPTED and phase is _RUN_START:
            waiting = loop.advance()  # a new run() continues a paused one
            if waiting is phase:
                waiting = loop.advance()
        elif phase >= _EPOCH_END and loop.waiting < phase:
            # Lightning ended the epoch or the run itself (a Lightning callback set should_stop,
            # max_time, ...): for the Ignite loop that is terminate().
            waiting = loop.terminate()
            if waiting is phase:
                waiting = loop.advance()
        else:
            return
        if waiting >= _RUN_END:
            self.stop()

    def batch_started(self, batch: Any, batch_idx: int) -> Optional[int]:
        """``on_train_batch_start``: ITERATION_STARTED, then ``skip_step`` says whether the step runs.

        Returns what bridge's module answers Lightning: -1 (skip the step, end the epoch) when the
        loop ended the epoch at ITERATION_STARTED.
        """
        self.hook = _ITERATION_START
        loop = self.loop
        if loop.waiting is _ITERATION_START:
            # Lightning may have moved the batch to the device: the process function gets that one
            self.engine.state.batch = None if batch is _NO_BATCH else batch
        if loop.waiting is _ITERATION_START and not self.interrupt_pending:
            try:
                if loop.resume() >= _RUN_END:
                    self.stop()
            except StopIteration:  # the loop ended (a handled exception)
                self.stop()
        else:
            self.at(_ITERATION_START)
        self.skip_step = skip = loop.waiting is not _STEP
        return -1 if skip else None

    def step(self) -> Any:
        loop = self.loop
        if loop.waiting is _STEP and not self.interrupt_pending:
            try:
                if loop.resume() >= _RUN_END:
                    self.stop()
            except StopIteration:
                self.stop()
        else:
            self.at(_STEP)
        if self.steps.per_iteration:  # read here: no call on the usual run, whose optimizers count steps
            self.steps.iteration_done()
        return self.engine.state.output

    def batch_ended(self, *hook_args: Any) -> None:
        """``on_train_batch_end``: ITERATION_COMPLETED."""
        self.hook = _ITERATION_END
        loop = self.loop
        if loop.waiting is _ITERATION_END and not self.interrupt_pending:
            try:
                if loop.resume() >= _RUN_END:
                    self.stop()
            except StopIteration:
                self.stop()
        else:
            self.at(_ITERATION_END)


class _LoopData:
    """The train dataloader Lightning iterates: each ``next`` lets the loop fetch one batch."""

    def __init__(self, driver: _RunDriver) -> None:
        self._driver = driver

    def __len__(self) -> int:
        state = self._driver.engine.state
        return state.epoch_length if state.epoch_length is not None else _UNKNOWN_EPOCH_LENGTH

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        driver = self._driver
        loop = driver.loop
        if loop.waiting is _BATCH and not driver.interrupt_pending:
            try:
                if loop.resume() >= _RUN_END:
                    driver.stop()
            except StopIteration:
                driver.stop()
        else:
            driver.at(_BATCH)
        if _ITERATION_START <= loop.waiting <= _ITERATION_END:
            batch = driver.engine.state.batch
            return _NO_BATCH if batch is None else batch
        raise StopIteration  # the loop ended this epoch (or the run)


def _combined_loader(data: _LoopData) -> CombinedLoader:
    # Lightning would wrap the dataloader itself; doing it here scopes the warning Lightning 2.x
    # raises there on a newer torch (a deprecated pytree API, not the user's concern).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
        return CombinedLoader(data, "max_size_cycle")


@dispatch_hooks("fit", to="_at")
class _RunCallback(BackpropHooks):
    """Resumes the run loop at the phase of each ``fit`` hook of the hook table."""

    def __init__(self, driver: _RunDriver) -> None:
        self._driver = driver

    def backprop_engine(self) -> Engine:
        return self._driver.engine

    # A fit has one engine: the per-iteration hooks go straight to it and to the driver.

    def counter(self, hook: Hook) -> Callable[..., None]:
        return self._driver.engine._counted(hook.events[0])

    def module_hook(self, hook: Hook, trainer: pl.Trainer, pl_module: pl.LightningModule) -> Callable[..., Any]:
        driver = self._driver
        if hook.phase is _ITERATION_START:
            own = pl_module.on_train_batch_start
            if isinstance(own, _LoopBatchStart) and _overrides_batch_start(own.original):
                # a driven module's own hook: one call starts the iteration, then runs it
                return _LoopBatchStart(own.original, driver, starts=True)
            # bridge's module, or one that leaves the hook as Lightning's no-op: the driver answers for it
            return driver.batch_started
        if hook.phase is _ITERATION_END:
            return then_module(driver.batch_ended, pl_module, hook.name)
        return super().module_hook(hook, trainer, pl_module)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        # the strategy has started its processes: each rank takes its shard of the run's DataLoader
        driver = self._driver
        undo_setup_reseed(driver.random_states)  # as in Ignite, a run continues the random streams
        driver.random_states = None
        if trainer.world_size > 1:
            end_process_group_at_exit()
        shard_run_data(driver.engine, driver.loop, trainer.world_size, lambda data: train_shard(trainer, data))
        if isinstance(pl_module, _RunModule):
            no_wrapper_without_gradients(trainer.strategy, pl_module)  # an evaluator: DDP would refuse it

    def _at(self, hook: Hook, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: Any) -> None:
        phase = hook.phase
        assert phase is not None
        driver = self._driver
        if phase is _ITERATION_START:
            driver.batch_started(*args)  # the batch, as Lightning placed it, and its index
            return
        if phase is _ITERATION_END:
            driver.batch_ended()
            return
        driver.hook = phase
        if phase is _RUN_START:
            super().on_train_start(trainer, pl_module)  # wraps the optimizers' step for OPTIM_STEP_COMPLETED
            link = driver.engine._driver  # this process's: under ddp_spawn, the engine's unpickled one
            if isinstance(link, LightningLink):
                link.fix_optimizers()
            launcher = engine_run_launcher(trainer)
            spawned = launcher is not None and launcher.spawned
            if spawned:
                own_optimizer_state(trainer.optimizers)
            if isinstance(pl_module, _RunModule):
                driver.steps.start(trainer)
                # the process function's own loss.backward() averages gradients over DDP's ranks
                model = getattr(pl_module, "model", None)
                driver.sync = sync_raw_backward(trainer.strategy.model, model)
                if spawned and model is not None:
                    driver.step = FirstStepCheck(driver, model)  # type: ignore[method-assign]  # first step only
        driver.at(phase)
        if phase is _EPOCH_END:
            _log_metrics(driver.engine, sync=trainer.world_size > 1)
        elif phase is _RUN_END:
            self.release_fit()

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self.release_fit()

    def release_fit(self) -> None:
        """The fit is over: the optimizers lose the run's step counting hooks and step wrappers, and
        the engine's state holds its backprop counts as numbers (:meth:`Engine._counted`).

        Again after the fit (the runner's cleanup, also where the module dispatched this callback's
        hooks and Lightning had no ``on_exception`` to call): a second time does nothing.
        """
        self._driver.steps.stop()
        self.unwrap_steps()
        self._driver.engine._count_in_python(*BackpropEvents)


def _log_metrics(engine: Engine, sync: bool) -> None:
    # Numbers in state.metrics (Ignite metrics write them at EPOCH_COMPLETED) reach Lightning's
    # loggers and callback_metrics, so one trainer_kwargs={"logger": ...} gives an Ignite script a log.
    # On several processes Ignite's metrics are already global: Lightning's mean over the ranks keeps them.
    for name, value in engine.state.metrics.items():
        if isinstance(name, str) and is_scalar(value):  # Ignite writes some results under non-str keys
            engine.log(name, value, on_step=False, on_epoch=True, sync_dist=sync)


class _RunModule(pl.LightningModule):
    """The LightningModule of an Engine run: its ``training_step`` is the process function."""

    def __init__(self, driver: _RunDriver, spec: RunSpec) -> None:
        super().__init__()
        # the process function does its own backward and optimizer steps, as in Ignite
        self.automatic_optimization = False
        self._driver = driver
        self._optimizers = spec.optimizers
        if spec.model is not None:
            # Lightning then places, converts and wraps it, and checkpoints it
            self.model = spec.model

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        output = self._driver.step()
        # the usual outputs pass as they are, without a call
        return output if output is None or type(output) is Tensor else lightning_step_output(output)

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> Optional[int]:
        # -1 makes Lightning skip the step and end the epoch: the loop ended it at ITERATION_STARTED
        return -1 if self._driver.skip_step else None

    def configure_optimizers(self) -> Any:
        return [] if self._optimizers is None else self._optimizers


class _LoopStep:
    """A driven module's ``training_step``: the loop's STEP (the process function calls the original)."""

    def __init__(self, original: Any, driver: _RunDriver, link: LightningLink) -> None:
        functools.update_wrapper(self, original)  # Lightning inspects the step's signature
        self.driver, self.link = driver, link

    def __call__(self, batch: Any, *args: Any, **kwargs: Any) -> Any:
        self.link.step_args = (args, kwargs)
        # the driver's step inline, one frame less every step (a driven module's run has no
        # FirstStepCheck, which stands for driver.step in a spawned Engine run, nor a StepCounter)
        driver = self.driver
        loop = driver.loop
        if loop.waiting is _STEP and not driver.interrupt_pending:
            try:
                if loop.resume() >= _RUN_END:
                    driver.stop()
            except StopIteration:
                driver.stop()
        else:
            driver.at(_STEP)
        return driver.engine.state.output


def _overrides_batch_start(hook: Callable[..., Any]) -> bool:
    # Lightning's own on_train_batch_start does nothing (and answers None)
    return getattr(hook, "__func__", None) is not pl.LightningModule.on_train_batch_start


class _LoopBatchStart:
    """A driven module's ``on_train_batch_start``: also -1 (end the epoch) when the loop ended it.

    ``starts``: it is bridge's callback's hook too (:mod:`bridge.lightning.module_dispatch`), and
    fires ITERATION_STARTED first.
    """

    def __init__(self, original: Any, driver: _RunDriver, starts: bool = False) -> None:
        functools.update_wrapper(self, original)
        self.original, self.driver, self.starts = original, driver, starts

    def __call__(self, batch: Any, batch_idx: int) -> Optional[int]:
        if self.starts:
            self.driver.batch_started(batch, batch_idx)
        response = self.original(batch, batch_idx)
        return -1 if self.driver.skip_step else response


@contextmanager
def _driven_by(module: pl.LightningModule, driver: _RunDriver, link: LightningLink) -> Iterator[None]:
    """Lets the loop drive a user's LightningModule (``create_lightning_trainer``) for one run.

    Its ``training_step`` becomes the loop's STEP (the engine's process function calls the
    original), and ``on_train_batch_start`` also answers -1 when the loop ends the epoch.
    Instance attributes (objects, not closures: ``ddp_spawn`` pickles the module), removed
    afterwards: the class and other instances are untouched.
    """
    module.training_step = _LoopStep(module.training_step, driver, link)  # type: ignore[method-assign]
    module.on_train_batch_start = _LoopBatchStart(module.on_train_batch_start, driver)  # type: ignore[method-assign]
    try:
        yield
    finally:
        del module.training_step, module.on_train_batch_start


def _no_warning() -> None:
    """Stands for a Lightning warning method (a module-level function: ``ddp_spawn`` pickles the Trainer)."""


def _trainer_kwargs(spec: RunSpec) -> dict[str, Any]:
    check_trainer_options(spec.trainer_kwargs)
    kwargs = {**_ENGINE_TRAINER_DEFAULTS, **spec.trainer_kwargs, **model_accelerator(spec)}
    if "grad_scaler" in kwargs:
        kwargs = with_grad_scaler(kwargs)
    return kwargs


class TrainerRunner:
    """Runs (or resumes) an engine's loop in a new ``pl.Trainer``: ``Engine(runner="trainer")``.

    Example:
        >>> from bridge.engine import Engine
        >>> from bridge.engine.loop import RunLoop
        >>> engine = Engine(lambda e, b: b)
        >>> engine.state.dataloader, engine.state.epoch_length, engine.state.max_epochs = [1, 2], 2, 1
        >>> loop = RunLoop(engine)
        >>> TrainerRunner().run(engine._run_spec(), loop)
        >>> loop.waiting.name, engine.state.output, type(engine.lightning_trainer).__name__
        ('FINISHED', 2, 'Trainer')
    """

    def run(self, spec: RunSpec, loop: RunLoop) -> None:
        engine = spec.engine
        driver = _RunDriver(engine, loop)
        fit_module = spec.module
        module = _RunModule(driver, spec) if fit_module is None else fit_module
        with quiet_lightning(), srun_checked_once():
            device = placement(spec.model)
            named = trainer_kwargs_named(spec.trainer_kwargs, "pl.Trainer")  # Lightning's errors name the option
            with cheap_init(callback_connector, "pytorch_lightning.callbacks_factory"), no_env_defaults_scan(), named:
                callback = _RunCallback(driver)
                trainer = pl.Trainer(
                    **_trainer_kwargs(spec),
                    max_epochs=-1,  # the loop decides when the run ends
                    callbacks=[callback, *spec.callbacks],
                )
            fewer_signals_restored(trainer)
            driver.trainer = trainer
            engine.lightning_trainer = trainer
            launcher = trainer.strategy.launcher
            in_new_processes = isinstance(launcher, _MultiProcessingLauncher)  # ddp_spawn, ddp_fork
            if in_new_processes:
                optimizers = spec.optimizers if fit_module is None else None
                trainer.strategy._launcher = EngineRunLauncher(launcher, engine, loop, optimizers)  # type: ignore[arg-type]
            if fit_module is None:
                # Ignite steps set the model's mode themselves (an evaluator leaves it in eval mode, the
                # next training step calls model.train()): Lightning's warning about it is noise here.
                trainer.fit_loop._warn_if_modules_in_eval_mode = _no_warning  # type: ignore[method-assign]
            link = LightningLink(trainer, module)
            outer_link = engine._set_driver(link)
            # A LightningModule given as the model becomes a child of this run's module, and Lightning
            # points children at this Trainer: give it back its own (it may be fitting outside, too).
            outer_trainer = spec.model._trainer if isinstance(spec.model, pl.LightningModule) else None
            goes_on = False  # a Lightning callback's exception was handled within an epoch: the run goes on
            try:
                with ExitStack() as run_scope:
                    if fit_module is not None:
                        run_scope.enter_context(_driven_by(module, driver, link))
                    if alone(callback, trainer, module):
                        run_scope.enter_context(dispatched_by_module(callback, trainer, module))
                    defer = None if in_new_processes else driver.interrupt_at_next_phase  # no loop in this process
                    run_scope.enter_context(interrupts_reach_the_loop(loop, defer))
                    # a module's validation_step is an evaluator Engine's business: an empty val loader
                    # (limit_val_batches=0 skips it) keeps Lightning from warning that it has none
                    val_dataloaders: Optional[list[Any]] = [] if is_overridden("validation_step", module) else None
                    driver.random_states = random_states_before_setup()
                    loop.interrupt_carrier = _LoopInterrupt  # through Lightning's code, not as a KeyboardInterrupt
                    try:
                        trainer.fit(module, _combined_loader(_LoopData(driver)), val_dataloaders=val_dataloaders)
                    finally:
                        loop.interrupt_carrier = None
            except _LoopInterrupt as e:
                end_launched_processes(trainer)
                raise e.__cause__ from None  # type: ignore[misc]
            except OutsideLoopInterrupt:
                # Ctrl-C in Lightning's code: for Ignite it is a KeyboardInterrupt in the run
                end_launched_processes(trainer)
                interrupt = KeyboardInterrupt()
                interrupt.__suppress_context__ = True
                if in_new_processes:
                    loop.close()
                    raise interrupt from None
                loop.fail(interrupt)
            except BaseException as e:
                if loop.raised:
                    raise  # the loop's own exception: it already went through Ignite's handling
                if in_new_processes:
                    loop.close()  # the run failed in the processes, where its handlers saw it
                    raise
                if isinstance(e, Exception) and driver.hook in (Phase.ITERATION_START, Phase.ITERATION_END):
                    # a Lightning callback's batch hook failed: Ignite's handling of an exception raised by an
                    # ITERATION_STARTED / ITERATION_COMPLETED handler (handled, the epoch ends, the run goes on)
                    goes_on = loop.fail_iteration(e) < Phase.INTERRUPTED
                else:
                    # Lightning or a Lightning callback failed at a run or epoch hook: as if a handler of
                    # that hook's event raised it (STARTED, EPOCH_STARTED, ...): Ignite's run-level handling
                    loop.fail(e)
            finally:
                callback.release_fit()
                if driver.sync is not None:
                    driver.sync.remove()
                restore_strategy(trainer.strategy)
                if in_new_processes:
                    trainer.strategy._launcher = launcher
                engine._set_driver(outer_link)
                if isinstance(spec.model, pl.LightningModule):
                    spec.model.trainer = outer_trainer
                restore_placement(spec.model, device, trainer.optimizers)
                driver.release()
                if fit_module is None:
                    let_go_with(engine, trainer, module)
        if goes_on:
            self.run(spec, loop)  # Lightning's fit is over after an exception: a new Trainer runs the rest

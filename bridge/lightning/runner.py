"""Runs an :class:`~bridge.engine.Engine` inside a ``pl.Trainer``.

``Engine._run_loop`` is Ignite's loop written as a generator that waits at
:class:`~bridge.engine.engine.Phase` points. Here, Lightning's fit loop drives it:
each hook in :data:`HOOK_TO_PHASE` resumes the loop when it waits there, and the
loop's answer tells Lightning what to do next (serve a batch, skip the step, end
the epoch, stop the Trainer).
"""

from __future__ import annotations

import functools
import importlib.metadata
import inspect
import itertools
import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, Optional

import pytorch_lightning as pl
import torch
from pytorch_lightning.trainer.connectors import callback_connector
from pytorch_lightning.utilities.combined_loader import CombinedLoader
from pytorch_lightning.utilities.model_helpers import is_overridden

from bridge.engine.engine import Phase, _EngineTerminateException
from bridge.engine.events import State
from bridge.lightning.hooks import BackpropHooks, LightningLink, StepCounter, is_scalar, lightning_step_output

if TYPE_CHECKING:
    from bridge.engine.engine import Engine

__all__ = ["HOOK_TO_PHASE", "run_engine"]

#: The one mapping of Lightning's fit-loop hooks to the point of Ignite's run loop they resume.
#: The events fired there are the ones Ignite fires at that point of its loop.
HOOK_TO_PHASE: dict[str, Phase] = {
    "on_train_start": Phase.RUN_START,  # STARTED
    "on_train_epoch_start": Phase.EPOCH_START,  # EPOCH_STARTED
    "train_dataloader.__next__": Phase.BATCH,  # GET_BATCH_STARTED, [DATALOADER_STOP_ITERATION], GET_BATCH_COMPLETED
    "on_train_batch_start": Phase.ITERATION_START,  # ITERATION_STARTED
    "training_step": Phase.STEP,  # process_function(engine, batch)
    "on_train_batch_end": Phase.ITERATION_END,  # ITERATION_COMPLETED
    "on_train_epoch_end": Phase.EPOCH_END,  # [TERMINATE_SINGLE_EPOCH], EPOCH_COMPLETED
    "on_train_end": Phase.RUN_END,  # [TERMINATE], COMPLETED
}

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


class _NoBatch:
    """Stands for ``batch=None`` (``run(data=None)``): Lightning skips ``None`` batches."""

    def __repr__(self) -> str:
        return "<no batch>"


_NO_BATCH = _NoBatch()


class _LoopInterrupt(Exception):
    """Carries a KeyboardInterrupt out of the loop through Lightning, which would ``sys.exit`` on it."""


class _RunDriver:
    """Resumes an engine's run loop from Lightning's hooks and steers the Trainer by its answer."""

    def __init__(self, engine: Engine, waiting: Phase) -> None:
        self.engine = engine
        self.waiting = waiting
        self.trainer: Optional[pl.Trainer] = None
        self.skip_step = False
        # Lightning's global_step follows the process function's steps (bridge's own module only)
        self.steps = StepCounter()
        # the loop itself raised: the exception already went through Ignite's handling
        self.loop_raised = False

    def _resume(self, exception: Optional[BaseException] = None) -> None:
        generator = self.engine._run_generator
        assert generator is not None
        try:
            self.waiting = generator.throw(exception) if exception is not None else next(generator)
        except StopIteration:
            self.engine._run_generator = None
            self.waiting = Phase.FINISHED
        except BaseException as e:
            # the dead generator stays: as in Ignite, the next run() only clears it and returns None
            self.waiting = Phase.FINISHED
            self.loop_raised = True
            if isinstance(e, KeyboardInterrupt):
                raise _LoopInterrupt() from e
            raise
        if self.waiting >= Phase.RUN_END and self.trainer is not None:
            self.trainer.should_stop = True

    def at(self, phase: Phase) -> None:
        """Lightning reached ``phase``: resume the loop if it waits there."""
        if self.waiting is Phase.INTERRUPTED and phase is Phase.RUN_START:
            self._resume()  # a new run() continues a paused one
        if self.waiting is phase:
            self._resume()
        elif phase >= Phase.EPOCH_END and self.waiting < phase:
            # Lightning ended the epoch or the run itself (a Lightning callback set should_stop,
            # max_time, ...): for the Ignite loop that is terminate().
            self.engine.should_terminate = True
            self._resume(_EngineTerminateException())
            if self.waiting is phase:
                self._resume()

    def next_batch(self) -> Any:
        self.at(Phase.BATCH)
        if Phase.ITERATION_START <= self.waiting <= Phase.ITERATION_END:
            batch = self.engine.state.batch
            return _NO_BATCH if batch is None else batch
        raise StopIteration  # the loop ended this epoch (or the run)

    def iteration_start(self, batch: Any) -> None:
        if self.waiting is Phase.ITERATION_START:
            # Lightning may have moved the batch to the device: the process function gets that one
            self.engine.state.batch = None if batch is _NO_BATCH else batch
        self.at(Phase.ITERATION_START)
        self.skip_step = self.waiting is not Phase.STEP

    def step(self) -> Any:
        self.at(Phase.STEP)
        self.steps.iteration_done()
        return self.engine.state.output


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
        return self._driver.next_batch()


def _combined_loader(data: _LoopData) -> CombinedLoader:
    # Lightning would wrap the dataloader itself; doing it here scopes the warning Lightning 2.x
    # raises there on a newer torch (a deprecated pytree API, not the user's concern).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\).*")
        return CombinedLoader(data, "max_size_cycle")


class _RunCallback(BackpropHooks):
    """Resumes the run loop from Lightning's fit-loop hooks (see :data:`HOOK_TO_PHASE`)."""

    def __init__(self, driver: _RunDriver) -> None:
        self._driver = driver

    def backprop_engine(self) -> Engine:
        return self._driver.engine

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_start(trainer, pl_module)
        if isinstance(pl_module, _RunModule):
            self._driver.steps.start(trainer)
        self._driver.at(HOOK_TO_PHASE["on_train_start"])

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._driver.at(HOOK_TO_PHASE["on_train_epoch_start"])

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int) -> None:
        self._driver.iteration_start(batch)

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        self._driver.at(HOOK_TO_PHASE["on_train_batch_end"])

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._driver.at(HOOK_TO_PHASE["on_train_epoch_end"])
        _log_metrics(self._driver.engine)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._driver.at(HOOK_TO_PHASE["on_train_end"])
        self._driver.steps.stop()

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._driver.steps.stop()


def _log_metrics(engine: Engine) -> None:
    # Numbers in state.metrics (Ignite metrics write them at EPOCH_COMPLETED) reach Lightning's
    # loggers and callback_metrics, so one trainer_kwargs={"logger": ...} gives an Ignite script a log.
    for name, value in engine.state.metrics.items():
        if is_scalar(value):
            engine.log(name, value, on_step=False, on_epoch=True)


class _RunModule(pl.LightningModule):
    """The LightningModule of an Engine run: its ``training_step`` is the process function."""

    def __init__(self, driver: _RunDriver) -> None:
        super().__init__()
        # the process function does its own backward and optimizer steps, as in Ignite
        self.automatic_optimization = False
        self._driver = driver
        if driver.engine.model is not None:
            # Lightning then places, converts and wraps it, and checkpoints it
            self.model = driver.engine.model

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        return lightning_step_output(self._driver.step())

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> Optional[int]:
        # -1 makes Lightning skip the step and end the epoch: the loop ended it at ITERATION_STARTED
        return -1 if self._driver.skip_step else None

    def configure_optimizers(self) -> Any:
        optimizers = self._driver.engine._optimizers_config
        return [] if optimizers is None else optimizers


@contextmanager
def _driven_by(module: pl.LightningModule, driver: _RunDriver, link: LightningLink) -> Iterator[None]:
    """Lets the loop drive a user's LightningModule (``create_lightning_trainer``) for one run.

    Its ``training_step`` becomes the loop's STEP (the engine's process function calls the
    original), and ``on_train_batch_start`` also answers -1 when the loop ends the epoch.
    Instance attributes, removed afterwards: the class and other instances are untouched.
    """
    original_start = module.on_train_batch_start
    original_step = module.training_step

    @functools.wraps(original_step)
    def training_step(batch: Any, *args: Any, **kwargs: Any) -> Any:
        link.step_args = (args, kwargs)
        return driver.step()

    @functools.wraps(original_start)
    def on_train_batch_start(batch: Any, batch_idx: int) -> Optional[int]:
        response = original_start(batch, batch_idx)
        return -1 if driver.skip_step else response

    module.training_step = training_step
    module.on_train_batch_start = on_train_batch_start
    try:
        yield
    finally:
        del module.training_step, module.on_train_batch_start


@contextmanager
def _quiet_lightning() -> Iterator[None]:
    """Lightning's info messages (device summary, tips, 'fit stopped') are off during an Engine run."""
    loggers = [logging.getLogger(name) for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric")]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        if logger.level in (logging.NOTSET, logging.INFO):
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def _placement(model: Any) -> Optional[torch.device]:
    tensor = next(itertools.chain(model.parameters(), model.buffers()), None) if model is not None else None
    return tensor.device if tensor is not None else None


def _trainer_kwargs(engine: Engine) -> dict[str, Any]:
    kwargs = {**_ENGINE_TRAINER_DEFAULTS, **engine.trainer_kwargs}
    device = _placement(engine.model)
    if device is not None and device.type == "cuda" and "accelerator" not in engine.trainer_kwargs:
        # Lightning puts a registered model on the run's accelerator: by default the one the user chose
        kwargs["accelerator"], kwargs["devices"] = "cuda", [device.index or 0]
    return kwargs


def _restore_placement(model: Any, device: Optional[torch.device], optimizers: list[Any]) -> None:
    """Put the model (and its optimizers' state) back on ``device``, where the user had it.

    Lightning moves the module and optimizer state to the CPU when a fit ends; an Ignite
    user's model stays where they put it (an evaluator run after training, a nested run).
    """
    if device is None or _placement(model) == device:
        return
    model.to(device)
    for optimizer in optimizers:
        for state in optimizer.state.values():
            for key, value in state.items():
                if isinstance(value, torch.Tensor) and key != "step":
                    state[key] = value.to(device)


_CALLBACK_FACTORIES = "pytorch_lightning.callbacks_factory"
_has_callback_factories: Optional[bool] = None


@contextmanager
def _cheap_trainer_init() -> Iterator[None]:
    """Skip Lightning's per-Trainer scan of installed packages for callback factories when none exist.

    ``pl.Trainer.__init__`` reads every installed distribution's entry points, about half of an
    Engine run's setup (a nested evaluator per epoch pays it each time). Whether any factory
    exists is looked up once per process; if one does, Lightning loads it as usual.
    """
    global _has_callback_factories
    if _has_callback_factories is None:
        _has_callback_factories = bool(importlib.metadata.entry_points(group=_CALLBACK_FACTORIES))
    if _has_callback_factories:
        yield
        return
    original = callback_connector._load_external_callbacks
    callback_connector._load_external_callbacks = lambda group: []
    try:
        yield
    finally:
        callback_connector._load_external_callbacks = original


def run_engine(engine: Engine) -> Optional[State]:
    """Run (or resume) ``engine``'s loop in a new ``pl.Trainer``; return ``engine.state``.

    After a run whose loop raised, the next call only clears the dead loop and returns
    None, as Ignite 0.5 does; the call after that resumes from the state.
    """
    if engine._run_generator is not None and inspect.getgeneratorstate(engine._run_generator) == "GEN_CLOSED":
        engine._run_generator = None
        return None  # type: ignore[return-value]
    if engine._run_generator is None:
        engine._run_generator = engine._run_loop()
        waiting = next(engine._run_generator)
    else:
        waiting = Phase.INTERRUPTED
    driver = _RunDriver(engine, waiting)
    fit_module = getattr(engine, "_fit_module", None)
    module = _RunModule(driver) if fit_module is None else fit_module
    with _quiet_lightning():
        device = _placement(engine.model)
        with _cheap_trainer_init():
            trainer = pl.Trainer(
                **_trainer_kwargs(engine),
                max_epochs=-1,  # the loop decides when the run ends
                callbacks=[_RunCallback(driver), *engine.callbacks],
            )
        driver.trainer = trainer
        engine.lightning_trainer = trainer
        if fit_module is None:
            # Ignite steps set the model's mode themselves (an evaluator leaves it in eval mode, the
            # next training step calls model.train()): Lightning's warning about it is noise here.
            trainer.fit_loop._warn_if_modules_in_eval_mode = lambda: None
        link = LightningLink(trainer, module)
        outer_link, engine._lightning = engine._lightning, link
        # A LightningModule given as the model becomes a child of this run's module, and Lightning
        # points children at this Trainer: give it back its own (it may be fitting outside, too).
        outer_trainer = engine.model._trainer if isinstance(engine.model, pl.LightningModule) else None
        try:
            with _driven_by(module, driver, link) if fit_module is not None else nullcontext():
                # a module's validation_step is an evaluator Engine's business: an empty val loader
                # (limit_val_batches=0 skips it) keeps Lightning from warning that it has none
                val_dataloaders = [] if is_overridden("validation_step", module) else None
                trainer.fit(module, _combined_loader(_LoopData(driver)), val_dataloaders=val_dataloaders)
        except _LoopInterrupt as e:
            raise e.__cause__ from None  # type: ignore[misc]
        except BaseException as e:
            if driver.loop_raised:
                raise
            # Lightning or a Lightning callback failed: Ignite's run-level handling applies
            engine._discard_run()
            engine._handle_exception(e)
        finally:
            engine._lightning = outer_link
            if isinstance(engine.model, pl.LightningModule):
                engine.model.trainer = outer_trainer
            _restore_placement(engine.model, device, trainer.optimizers)
    return engine.state

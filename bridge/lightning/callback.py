"""``EngineCallback``: Ignite engines over the loops of a plain ``pl.Trainer``.

Lightning's loops run as usual; at each hook the callback fires Ignite events on one of
three engines, ``.train``, ``.validation`` and ``.test``, and keeps their ``state`` in
step with Lightning. The mapping is one table per loop: :data:`TRAIN_HOOK_TO_EVENTS`,
:data:`VALIDATION_HOOK_TO_EVENTS` and :data:`TEST_HOOK_TO_EVENTS`.
"""

from __future__ import annotations

import math
import time
from typing import Any, NoReturn, Optional

import pytorch_lightning as pl
from torch import Tensor

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.lightning.hooks import BackpropHooks, LightningLink

__all__ = ["EngineCallback", "TEST_HOOK_TO_EVENTS", "TRAIN_HOOK_TO_EVENTS", "VALIDATION_HOOK_TO_EVENTS"]

#: Lightning's fit-loop hooks -> the events ``EngineCallback.train`` fires there, in order.
#: ``state.iteration`` grows by one just before ITERATION_STARTED. When ``terminate()`` is
#: requested, TERMINATE fires right after the event whose handler asked (or, when asked from
#: outside ``.train``'s events, at the next ``.train`` hook), and the ``.train`` events stop
#: until COMPLETED. ``BackpropEvents`` fire from :mod:`bridge.lightning.hooks`'s table.
TRAIN_HOOK_TO_EVENTS: dict[str, tuple[Events, ...]] = {
    "on_train_start": (Events.STARTED,),
    "on_train_epoch_start": (Events.EPOCH_STARTED,),
    "on_train_batch_start": (Events.GET_BATCH_STARTED, Events.GET_BATCH_COMPLETED, Events.ITERATION_STARTED),
    "on_train_batch_end": (Events.ITERATION_COMPLETED,),
    "on_train_epoch_end": (Events.EPOCH_COMPLETED,),  # not for an epoch cut short by terminate()
    "on_train_end": (Events.COMPLETED,),  # TERMINATE first if the run was terminated or Lightning stopped it
    "on_exception": (Events.EXCEPTION_RAISED,),  # only if handlers exist (after .validation's); Lightning re-raises
}

#: Lightning's validation-loop hooks -> the events ``EngineCallback.validation`` fires there.
#: Nothing fires during Lightning's sanity check. Each validation run is a fresh Ignite run
#: (``iteration=0``, ``epoch=0``, ``max_epochs=1``).
VALIDATION_HOOK_TO_EVENTS: dict[str, tuple[Events, ...]] = {
    "on_validation_start": (Events.STARTED,),
    "on_validation_epoch_start": (Events.EPOCH_STARTED,),
    "on_validation_batch_start": (Events.GET_BATCH_STARTED, Events.GET_BATCH_COMPLETED, Events.ITERATION_STARTED),
    "on_validation_batch_end": (Events.ITERATION_COMPLETED,),
    "on_validation_epoch_end": (Events.EPOCH_COMPLETED,),
    "on_validation_end": (Events.COMPLETED,),
    "on_exception": (Events.EXCEPTION_RAISED,),
}

#: Lightning's test-loop hooks -> the events ``EngineCallback.test`` fires there (as for validation).
TEST_HOOK_TO_EVENTS: dict[str, tuple[Events, ...]] = {
    hook.replace("validation", "test"): events for hook, events in VALIDATION_HOOK_TO_EVENTS.items()
}


def _not_runnable(loop: str) -> RuntimeError:
    return RuntimeError(
        f"EngineCallback.{loop} is driven by the loops of the pl.Trainer it is passed to: "
        f"call trainer.fit/validate/test instead of run() (or use bridge.engine.Engine for an Ignite run)."
    )


class _LoopEngine(Engine):
    """An Engine whose loop is a Lightning loop: events come from EngineCallback, ``run()`` refuses."""

    def __init__(self, loop: str) -> None:
        def process_function(engine: Engine, batch: Any) -> NoReturn:
            raise _not_runnable(loop)

        super().__init__(process_function)
        self._loop = loop
        #: the callback_metrics values last copied into ``state.metrics`` (EngineModule skips them)
        self._from_lightning: dict[str, Any] = {}

    def run(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        raise _not_runnable(self._loop)

    def terminate(self, skip_completed: bool = False) -> None:
        if self._loop != "train":
            raise RuntimeError(
                f"EngineCallback.{self._loop}.terminate(): Lightning runs its {self._loop} loop to the end. "
                "To stop training, call terminate() on EngineCallback.train (also from this engine's handlers)."
            )
        super().terminate(skip_completed)
        if self._lightning is not None:
            # Lightning stops at its next check (after this batch or epoch), not one batch later
            self._lightning.trainer.should_stop = True

    def terminate_epoch(self, skip_epoch_completed: bool = False) -> NoReturn:  # type: ignore[override]
        raise RuntimeError(
            f"EngineCallback.{self._loop}.terminate_epoch() is not supported: a Lightning callback cannot end "
            "an epoch early (a LightningModule's on_train_batch_start returning -1 can)."
        )

    def interrupt(self) -> NoReturn:  # type: ignore[override]
        raise RuntimeError(
            f"EngineCallback.{self._loop}.interrupt() is not supported: a pl.Trainer cannot pause and resume "
            "a fit; use terminate() and resume from a Lightning checkpoint."
        )


def _as_number(value: Any) -> Any:
    return value.item() if isinstance(value, Tensor) and value.numel() == 1 else value


class EngineCallback(BackpropHooks):
    """A ``pl.Callback`` giving a plain ``pl.Trainer`` three Ignite engines: ``.train``, ``.validation``, ``.test``.

    Every Ignite event, filter (``every``, ``once``, ``before``, ``after``, ``event_filter``),
    ``EventsList`` and handler works on them, and Ignite handlers and metrics attach to them
    (they use the public Engine API). Their ``state`` follows Lightning's loops:

    - ``iteration`` / ``epoch``: Lightning's batch and epoch counts (1-based inside an
      epoch, continued when a fit resumes from a checkpoint); ``epoch_length`` the number of
      batches, ``max_epochs`` the Trainer's.
    - ``batch``: the batch of the step; ``output``: Lightning's ``outputs`` of the step (what
      ``validation_step`` returned; for ``training_step`` Lightning turns a loss tensor into
      ``{"loss": loss}``).
    - ``metrics``: ``trainer.callback_metrics`` as Python numbers, copied in at
      EPOCH_COMPLETED (and COMPLETED for validation/test), beside what Ignite metrics write.

    ``.train.terminate()``, from any handler (of ``.validation`` too: that is how an Ignite
    early-stopping rule is written), stops the Trainer with ``trainer.should_stop``;
    ``.train`` then fires TERMINATE and COMPLETED, as Ignite does. A fit that Lightning
    stops itself (``EarlyStopping``) also ends with TERMINATE, COMPLETED. During the fit
    ``engine.log``, ``engine.optimizers`` and ``engine.manual_backward`` work from handlers,
    and :class:`~bridge.engine.events.BackpropEvents` fire on ``.train``.

    The engines are not run: ``run()``, ``terminate_epoch()`` and ``interrupt()`` raise.

    Example:
        >>> import torch, pytorch_lightning as pl
        >>> from bridge.engine import Events
        >>> class Model(pl.LightningModule):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.net = torch.nn.Linear(2, 1)
        ...     def training_step(self, batch, batch_idx):
        ...         return self.net(batch).pow(2).mean()
        ...     def configure_optimizers(self):
        ...         return torch.optim.SGD(self.parameters(), lr=0.1)
        >>> callback = EngineCallback()
        >>> @callback.train.on(Events.ITERATION_COMPLETED(every=2))
        ... def show(engine):
        ...     print(engine.state.epoch, engine.state.iteration)
        >>> trainer = pl.Trainer(max_epochs=2, callbacks=[callback], accelerator="cpu", logger=False,
        ...                      enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
        >>> trainer.fit(Model(), torch.utils.data.DataLoader(torch.ones(12, 2), batch_size=4))
        1 2
        2 4
        2 6
    """

    def __init__(self) -> None:
        self.train: Engine = _LoopEngine("train")
        self.validation: Engine = _LoopEngine("validation")
        self.test: Engine = _LoopEngine("test")
        self._training = False  # between on_train_start and on_train_end: backprop events go to .train
        self._terminated = False  # .train fired TERMINATE in this fit
        self._eval: Optional[Engine] = None  # the validation/test engine running now (None in sanity check)
        self._epoch_first_iteration = 0
        self._run_start = self._epoch_start = self._eval_start = self._eval_epoch_start_time = 0.0
        # EngineModule's training_step sets state.output to the process function's real output
        self._outputs_from_lightning = True

    def backprop_engine(self) -> Optional[Engine]:
        return self.train if self._training else None

    # ------------------------------------------------------------------ fit/validate/test

    def _link(self, link: Optional[LightningLink], trainer: Optional[pl.Trainer]) -> None:
        for engine in (self.train, self.validation, self.test):
            engine._lightning = link
            if trainer is not None:
                engine.lightning_trainer = trainer

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._link(LightningLink(trainer, pl_module), trainer)

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._link(None, None)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        # innermost first: an exception in a validation run inside fit also leaves the training run
        engines = [engine for engine in (self._eval, self.train if self._training else None) if engine is not None]
        self._training, self._eval = False, None
        try:
            for engine in engines:
                if engine._event_handlers.get(Events.EXCEPTION_RAISED):
                    engine._fire_event(Events.EXCEPTION_RAISED, exception)
        finally:
            self._link(None, None)  # Lightning calls no teardown hook after an exception

    @staticmethod
    def _pull_metrics(engine: Engine, trainer: pl.Trainer) -> None:
        # Lightning's logged values join what Ignite metrics wrote (same name: Lightning's wins here,
        # a metric computed in the event's handlers overwrites it after)
        copied = {name: _as_number(value) for name, value in trainer.callback_metrics.items()}
        engine.state.metrics.update(copied)
        engine._from_lightning = copied  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ train: TRAIN_HOOK_TO_EVENTS

    def _terminate(self, trainer: pl.Trainer) -> None:
        self._terminated = True
        trainer.should_stop = True
        self.train._fire_event(Events.TERMINATE)

    def _fire_train(self, trainer: pl.Trainer, event: Events) -> bool:
        """Fire ``event`` on ``.train``; True if a handler terminated the run (TERMINATE fired)."""
        engine = self.train
        engine._fire_event(event)
        if engine.should_terminate:
            self._terminate(trainer)
            return True
        return False

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_start(trainer, pl_module)  # wraps the optimizers' step for OPTIM_STEP_COMPLETED
        engine = self.train
        engine.should_terminate = False
        state = engine.state
        # a fit resumed from a checkpoint continues Lightning's counts
        state.iteration = trainer.fit_loop.epoch_loop.batch_progress.total.completed
        state.epoch = trainer.current_epoch
        state.max_epochs = trainer.max_epochs if trainer.max_epochs is not None and trainer.max_epochs >= 0 else None
        state.max_iters = None
        batches = trainer.num_training_batches
        state.epoch_length = int(batches) if math.isfinite(batches) else None
        state.dataloader = trainer.train_dataloader
        state.batch = state.output = None
        state.times[Events.EPOCH_COMPLETED.name] = state.times[Events.COMPLETED.name] = 0.0
        self._training, self._terminated = True, False
        self._run_start = time.time()
        self._fire_train(trainer, Events.STARTED)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._terminated:
            return
        state = self.train.state
        state.epoch = trainer.current_epoch + 1
        self._epoch_first_iteration = state.iteration
        self._epoch_start = time.time()
        self._fire_train(trainer, Events.EPOCH_STARTED)

    def on_train_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        if self._terminated:
            return
        state = self.train.state
        state.batch = None
        if self._fire_train(trainer, Events.GET_BATCH_STARTED):
            return
        state.batch = batch
        state.output = None
        if self._fire_train(trainer, Events.GET_BATCH_COMPLETED):
            return
        state.iteration += 1
        self._fire_train(trainer, Events.ITERATION_STARTED)

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if self._terminated:
            return
        if self._outputs_from_lightning:
            self.train.state.output = outputs
        self._fire_train(trainer, Events.ITERATION_COMPLETED)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._terminated:
            return
        engine = self.train
        state = engine.state
        batches_run = state.iteration - self._epoch_first_iteration
        cut_short = state.epoch_length is not None and batches_run < state.epoch_length
        if cut_short and (engine.should_terminate or trainer.should_stop):
            # stopped mid-epoch from outside .train's events (a mid-epoch validation, a Lightning
            # callback): as in Ignite, a terminated epoch gets no EPOCH_COMPLETED
            self._terminate(trainer)
            return
        self._pull_metrics(engine, trainer)
        state.times[Events.EPOCH_COMPLETED.name] = time.time() - self._epoch_start
        self._fire_train(trainer, Events.EPOCH_COMPLETED)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        engine = self.train
        if not self._terminated and (engine.should_terminate or trainer.should_stop):
            # terminate() asked outside .train's events, or Lightning stopped the fit (EarlyStopping, ...)
            self._terminate(trainer)
        self._training = False
        if engine.should_terminate != "skip_completed":
            engine.state.times[Events.COMPLETED.name] = time.time() - self._run_start
            engine._fire_event(Events.COMPLETED)

    # ------------------------------------------------------------------ validation/test: *_HOOK_TO_EVENTS

    def _start_eval(self, trainer: pl.Trainer, engine: Engine, batches: Any, dataloaders: Any) -> None:
        total = sum(batches) if isinstance(batches, (list, tuple)) else batches
        state = engine.state
        state.iteration = state.epoch = 0
        state.max_epochs, state.max_iters = 1, None
        state.epoch_length = int(total) if math.isfinite(total) else None
        state.dataloader = dataloaders
        state.batch = state.output = None
        state.times[Events.EPOCH_COMPLETED.name] = state.times[Events.COMPLETED.name] = 0.0
        engine.should_terminate = False
        self._eval = engine
        self._eval_start = time.time()
        engine._fire_event(Events.STARTED)

    def _eval_epoch_start(self) -> None:
        engine = self._eval
        if engine is not None:
            engine.state.epoch += 1
            self._eval_epoch_start_time = time.time()
            engine._fire_event(Events.EPOCH_STARTED)

    def _eval_batch_start(self, batch: Any) -> None:
        engine = self._eval
        if engine is None:
            return
        state = engine.state
        state.batch = None
        engine._fire_event(Events.GET_BATCH_STARTED)
        state.batch = batch
        state.output = None
        engine._fire_event(Events.GET_BATCH_COMPLETED)
        state.iteration += 1
        engine._fire_event(Events.ITERATION_STARTED)

    def _eval_batch_end(self, outputs: Any) -> None:
        engine = self._eval
        if engine is not None:
            engine.state.output = outputs
            engine._fire_event(Events.ITERATION_COMPLETED)

    def _eval_epoch_end(self, trainer: pl.Trainer) -> None:
        engine = self._eval
        if engine is not None:
            self._pull_metrics(engine, trainer)
            engine.state.times[Events.EPOCH_COMPLETED.name] = time.time() - self._eval_epoch_start_time
            engine._fire_event(Events.EPOCH_COMPLETED)

    def _end_eval(self, trainer: pl.Trainer) -> None:
        engine = self._eval
        if engine is not None:
            # again: values the LightningModule logged in its on_*_epoch_end (after callbacks) are in now
            self._pull_metrics(engine, trainer)
            engine.state.times[Events.COMPLETED.name] = time.time() - self._eval_start
            self._eval = None
            engine._fire_event(Events.COMPLETED)

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            self._start_eval(trainer, self.validation, trainer.num_val_batches, trainer.val_dataloaders)

    def on_validation_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._eval_epoch_start()

    def on_validation_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int, dataloader_idx: int = 0
    ) -> None:
        self._eval_batch_start(batch)

    def on_validation_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        self._eval_batch_end(outputs)

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._eval_epoch_end(trainer)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._end_eval(trainer)

    def on_test_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._start_eval(trainer, self.test, trainer.num_test_batches, trainer.test_dataloaders)

    def on_test_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._eval_epoch_start()

    def on_test_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int, dataloader_idx: int = 0
    ) -> None:
        self._eval_batch_start(batch)

    def on_test_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        self._eval_batch_end(outputs)

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._eval_epoch_end(trainer)

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._end_eval(trainer)

"""``EngineCallback``: Ignite engines over the loops of a plain ``pl.Trainer``.

One file past 400 lines: the one callback, the two views of Lightning's loops it dispatches
through and its checkpoint state, which change together with the hook table.

Lightning's loops run as usual; at each hook the callback fires the Ignite events of the
hook's row in :mod:`bridge.lightning.hook_table` on the engine of the hook's loop
(``.train``, ``.validation``, ``.test``, ``.predict``) and keeps its ``state`` in step with
Lightning. A loop's view (:class:`_TrainView`, :class:`_EvalView`) says what each phase
means for the state; the table says which events fire there.
"""

from __future__ import annotations

import functools
import math
import time
import warnings
from collections.abc import Callable
from typing import Any, NoReturn, Optional

import pytorch_lightning as pl
from torch import Tensor

from bridge.engine.engine import Engine
from bridge.engine.events import EventEnum, Events, State
from bridge.engine.loop import Phase
from bridge.lightning.handler_state import handler_states, load_handler_states
from bridge.lightning.hook_table import Hook, dispatch_hooks, hook, hooks
from bridge.lightning.hooks import BackpropHooks, LightningLink

__all__ = ["EngineCallback", "PREDICT_HOOK_TO_EVENTS", "TEST_HOOK_TO_EVENTS", "TRAIN_HOOK_TO_EVENTS", "VALIDATION_HOOK_TO_EVENTS"]


def _events_of(loop: str) -> dict[str, tuple[EventEnum, ...]]:
    return {row.name: row.events for row in (*hooks(loop, where="callback"), hook("on_exception"))}


#: Views of the hook table: Lightning hook -> the events ``EngineCallback``'s engine fires there.
TRAIN_HOOK_TO_EVENTS = _events_of("fit")
VALIDATION_HOOK_TO_EVENTS = _events_of("validate")
TEST_HOOK_TO_EVENTS = _events_of("test")
PREDICT_HOOK_TO_EVENTS = _events_of("predict")
_EXCEPTION_EVENTS = hook("on_exception").events


# Read once: on Python 3.11 each ``Enum.MEMBER`` read goes through the enum metaclass's attribute
# hook (~0.1 us), and the batch hooks would do several per iteration.
_GET_BATCH_STARTED, _GET_BATCH_COMPLETED = Events.GET_BATCH_STARTED, Events.GET_BATCH_COMPLETED
_ITERATION_STARTED, _RUN_START = Events.ITERATION_STARTED, Phase.RUN_START


def _not_runnable(loop: str) -> RuntimeError:
    return RuntimeError(
        f"EngineCallback.{loop} is driven by the loops of the pl.Trainer it is passed to: "
        f"call trainer.fit/validate/test/predict instead of run() (or use bridge.engine.Engine for an Ignite run)."
    )


def _refuse_to_run(loop: str, engine: Engine, batch: Any) -> NoReturn:
    raise _not_runnable(loop)


class _LoopEngine(Engine):
    """An Engine whose loop is a Lightning loop: events come from EngineCallback, ``run()`` refuses."""

    def __init__(self, loop: str) -> None:
        super().__init__(functools.partial(_refuse_to_run, loop))  # a partial: the callback pickles (ddp_spawn)
        self._loop_name = loop
        #: the callback_metrics values last copied into ``state.metrics`` (EngineModule skips them)
        self._from_lightning: dict[str, Any] = {}
        #: names EngineModule logs to Lightning from ``state.metrics``: Lightning's copy is an epoch old, never pulled
        self._to_lightning: set[str] = set()

    def run(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise _not_runnable(self._loop_name)

    def terminate(self, skip_completed: bool = False) -> None:
        if self._loop_name != "train":
            raise RuntimeError(
                f"EngineCallback.{self._loop_name}.terminate(): Lightning runs its {self._loop_name} loop to the end. "
                "To stop training, call terminate() on EngineCallback.train (also from this engine's handlers)."
            )
        super().terminate(skip_completed)
        link = self._driver
        if isinstance(link, LightningLink) and link.trainer is not None:
            # Lightning stops at its next check (after this batch or epoch), not one batch later
            link.trainer.should_stop = True

    def terminate_epoch(self, skip_epoch_completed: bool = False) -> NoReturn:
        raise RuntimeError(
            f"EngineCallback.{self._loop_name}.terminate_epoch() is not supported: a Lightning callback cannot end "
            "an epoch early (a LightningModule's on_train_batch_start returning -1 can)."
        )

    def interrupt(self) -> NoReturn:
        raise RuntimeError(
            f"EngineCallback.{self._loop_name}.interrupt() is not supported: a pl.Trainer cannot pause and resume "
            "a fit; use terminate() and resume from a Lightning checkpoint."
        )


def _as_number(value: Any) -> Any:
    return value.item() if isinstance(value, Tensor) and value.numel() == 1 else value


def _pull_metrics(engine: _LoopEngine, trainer: pl.Trainer) -> None:
    # Lightning's logged values join what Ignite metrics wrote (same name: Lightning's wins here,
    # a metric computed in the event's handlers overwrites it after)
    copied = {
        name: _as_number(value) for name, value in trainer.callback_metrics.items() if name not in engine._to_lightning
    }
    engine.state.metrics.update(copied)
    engine._from_lightning = copied


def _start_state(engine: Engine, batches: float, dataloaders: object) -> None:
    state = engine.state
    state.epoch_length = int(batches) if math.isfinite(batches) else None
    state.dataloader = dataloaders
    state.batch = state.output = None
    state.times[Events.EPOCH_COMPLETED.name] = state.times[Events.COMPLETED.name] = 0.0
    engine.should_terminate = False


class _View:
    """One Lightning loop seen as an Ignite run of ``engine``.

    ``at[phase]`` is what a hook of that phase does: update the state as Ignite has it
    before each event of the row (``batch``, ``output``, ``iteration``), then fire them.
    """

    def __init__(self, engine: _LoopEngine) -> None:
        self.engine = engine
        self.outputs_from_lightning = True
        self.running = False
        #: for this run: events nothing handles are recorded without a call (``engine._fires_directly``)
        self.direct = False
        self.at: dict[Phase, Callable[[Hook, pl.Trainer, tuple[Any, ...]], None]] = {
            Phase.RUN_START: self.start,
            Phase.EPOCH_START: self.epoch_start,
            Phase.ITERATION_START: self.batch_start,
            Phase.ITERATION_END: self.batch_end,
            Phase.EPOCH_END: self.epoch_end,
            Phase.RUN_END: self.end,
        }

    def fire(self, trainer: pl.Trainer, events: tuple[EventEnum, ...]) -> bool:
        """Fire ``events`` in order; False if a handler ended the run (the rest do not fire)."""
        for event in events:
            self.engine._fire_event(event)
        return True

    def batch_start(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if not self.running:
            return
        engine = self.engine
        state, handlers = engine.state, engine._event_handlers
        for event in row.events:
            if event is _GET_BATCH_STARTED:
                state.batch = None
            elif event is _GET_BATCH_COMPLETED:
                state.batch, state.output = args[0], None
            elif event is _ITERATION_STARTED:
                state.iteration += 1
            # three events per batch, most with no handler: those are only recorded, as firing would
            # (a pending terminate() still goes through fire, which ends the run after the event)
            if self.direct and not handlers.get(event._name_) and not engine.should_terminate:
                engine.last_event_name = event
            elif not self.fire(trainer, (event,)):
                return

    def batch_end(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if self.running:
            if self.outputs_from_lightning:
                self.engine.state.output = args[0]
            self.fire(trainer, row.events)

    def start(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        raise NotImplementedError

    def epoch_start(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        raise NotImplementedError

    def epoch_end(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        raise NotImplementedError

    def end(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        raise NotImplementedError


class _TrainView(_View):
    """The fit loop as ``.train``'s run: Lightning's counts, and Ignite's ``terminate()`` rules.

    When ``terminate()`` is requested, TERMINATE fires right after the event whose handler
    asked (or, when asked from outside ``.train``'s events, at the next ``.train`` hook), and
    ``.train``'s events stop until COMPLETED. ``running`` is False once TERMINATE fired, so
    the batch hooks fire nothing more.
    """

    def __init__(self, engine: _LoopEngine) -> None:
        super().__init__(engine)
        self.training = False  # between on_train_start and on_train_end: backprop events go to .train
        self.terminated = False  # TERMINATE fired in this fit
        self._epoch_first_iteration = 0
        self._run_start = self._epoch_start = 0.0

    def _terminate(self, trainer: pl.Trainer) -> None:
        self.terminated, self.running = True, False
        trainer.should_stop = True
        self.engine._fire_event(Events.TERMINATE)

    def fire(self, trainer: pl.Trainer, events: tuple[EventEnum, ...]) -> bool:
        engine = self.engine
        for event in events:
            engine._fire_event(event)
            if engine.should_terminate:
                self._terminate(trainer)
                return False
        return True

    def start(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        engine, state = self.engine, self.engine.state
        # a fit resumed from a checkpoint continues Lightning's counts
        _start_state(engine, trainer.num_training_batches, trainer.train_dataloader)
        state.iteration = trainer.fit_loop.epoch_loop.batch_progress.total.completed
        state.epoch = trainer.current_epoch
        max_epochs = trainer.max_epochs
        state.max_epochs = max_epochs if max_epochs is not None and max_epochs >= 0 else None
        state.max_iters = None
        self.training = self.running = True
        self.direct = engine._fires_directly()
        self.terminated = False
        self._run_start = time.time()
        self.fire(trainer, row.events)

    def epoch_start(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if self.running:
            state = self.engine.state
            state.epoch = trainer.current_epoch + 1
            self._epoch_first_iteration = state.iteration
            self._epoch_start = time.time()
            self.fire(trainer, row.events)

    def epoch_end(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if not self.running:
            return
        engine, state = self.engine, self.engine.state
        batches_run = state.iteration - self._epoch_first_iteration
        cut_short = state.epoch_length is not None and batches_run < state.epoch_length
        if cut_short and (engine.should_terminate or trainer.should_stop):
            # stopped mid-epoch from outside .train's events (a mid-epoch validation, a Lightning
            # callback): as in Ignite, a terminated epoch gets no EPOCH_COMPLETED
            self._terminate(trainer)
            return
        _pull_metrics(engine, trainer)
        state.times[Events.EPOCH_COMPLETED.name] = time.time() - self._epoch_start
        self.fire(trainer, row.events)

    def end(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        engine = self.engine
        if not self.terminated and (engine.should_terminate or trainer.should_stop):
            # terminate() asked outside .train's events, or Lightning stopped the fit (EarlyStopping, ...)
            self._terminate(trainer)
        self.training = self.running = False
        if engine.should_terminate != "skip_completed":
            engine.state.times[Events.COMPLETED.name] = time.time() - self._run_start
            _View.fire(self, trainer, row.events)


class _EvalView(_View):
    """A validation, test or predict loop as a fresh Ignite run (``iteration=0``, ``max_epochs=1``).

    Nothing fires during Lightning's sanity check.
    """

    def __init__(self, engine: _LoopEngine, batches: str, dataloaders: str, metrics: bool = True) -> None:
        super().__init__(engine)
        self._batches, self._dataloaders, self._metrics = batches, dataloaders, metrics
        self._start = self._epoch_start = 0.0

    def start(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if trainer.sanity_checking:
            return
        engine, state = self.engine, self.engine.state
        batches = getattr(trainer, self._batches)
        total = sum(batches) if isinstance(batches, (list, tuple)) else batches
        _start_state(engine, total, getattr(trainer, self._dataloaders))
        state.iteration = state.epoch = 0
        state.max_epochs, state.max_iters = 1, None
        self.running = True
        self.direct = engine._fires_directly()
        self._start = time.time()
        self.fire(trainer, row.events)

    def epoch_start(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if self.running:
            self.engine.state.epoch += 1
            self._epoch_start = time.time()
            self.fire(trainer, row.events)

    def epoch_end(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if self.running:
            if self._metrics:
                _pull_metrics(self.engine, trainer)
            self.engine.state.times[Events.EPOCH_COMPLETED.name] = time.time() - self._epoch_start
            self.fire(trainer, row.events)

    def end(self, row: Hook, trainer: pl.Trainer, args: tuple[Any, ...]) -> None:
        if self.running:
            if self._metrics:
                # again: values the LightningModule logged in its on_*_epoch_end (after callbacks) are in now
                _pull_metrics(self.engine, trainer)
            self.engine.state.times[Events.COMPLETED.name] = time.time() - self._start
            self.running = False
            self.fire(trainer, row.events)


@dispatch_hooks("fit", "validate", "test", "predict", to="_on")
class EngineCallback(BackpropHooks):
    """A ``pl.Callback`` giving a plain ``pl.Trainer`` Ignite engines: ``.train``, ``.validation``, ``.test``, ``.predict``.

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
        self.train = _LoopEngine("train")
        self.validation = _LoopEngine("validation")
        self.test = _LoopEngine("test")
        self.predict = _LoopEngine("predict")
        self._train = _TrainView(self.train)
        self._views: dict[str, _TrainView | _EvalView] = {
            "fit": self._train,
            "validate": _EvalView(self.validation, "num_val_batches", "val_dataloaders"),
            "test": _EvalView(self.test, "num_test_batches", "test_dataloaders"),
            # Lightning logs nothing in predict: its callback_metrics are another loop's
            "predict": _EvalView(self.predict, "num_predict_batches", "predict_dataloaders", metrics=False),
        }
        #: what load_state_dict got from a checkpoint, restored once the resumed fit's STARTED fired
        self._restored: Optional[dict[str, Any]] = None

    def backprop_engine(self) -> Optional[Engine]:
        return self.train if self._train.training else None

    def _on(self, row: Hook, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: Any) -> None:
        fit_starts = row.phase is _RUN_START and row.loop == "fit"
        if fit_starts:
            super().on_train_start(trainer, pl_module)  # wraps the optimizers' step for OPTIM_STEP_COMPLETED
        self._views[row.loop].at[row.phase](row, trainer, args)  # type: ignore[index]
        if fit_starts and self._restored is not None:
            self._restore()

    def _engines(self) -> tuple[_LoopEngine, ...]:
        return (self.train, self.validation, self.test, self.predict)

    def _link(self, link: Optional[LightningLink], trainer: Optional[pl.Trainer]) -> None:
        for engine in self._engines():
            engine._set_driver(link)
            if trainer is not None:
                engine.lightning_trainer = trainer

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._link(LightningLink(trainer, pl_module), trainer)

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self.unwrap_steps()
        self._link(None, None)
        self._restored = None  # a validate/test/predict(ckpt_path=...) restores no handler state

    def state_dict(self) -> dict[str, Any]:
        """What Lightning's checkpoints carry of the Ignite side: the attached handlers' state.

        The state of each handler on the four engines that has one (metrics, ``EarlyStopping``,
        param schedulers, ``Checkpoint``, ``Timer``: :mod:`bridge.lightning.handler_state`), and
        ``.train``'s event counters other than ``epoch`` / ``iteration`` (those are Lightning's).
        ``trainer.fit(..., ckpt_path=...)`` restores it with :meth:`load_state_dict`.

        Example:
            >>> from bridge.engine import Events
            >>> from bridge.handlers import EarlyStopping
            >>> callback = EngineCallback()
            >>> stopper = EarlyStopping(3, lambda engine: 1.0, callback.train)
            >>> _ = callback.validation.add_event_handler(Events.COMPLETED, stopper)
            >>> callback.state_dict()["handlers"]
            {'validation.EarlyStopping.0': {'counter': 0, 'best_score': None, 'threshold_mode': 'abs'}}
        """
        state = self.train.state
        counters = {attr: getattr(state, attr) for attr in set(State.event_to_attr.values()) - {"epoch", "iteration"}}
        return {"handlers": handler_states(self._named_engines()), "train_counters": counters}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Keep :meth:`state_dict` from a checkpoint (Lightning calls it on ``fit(..., ckpt_path=...)``).

        The handlers get their state back when the resumed fit starts, right after ``.train``'s
        STARTED: STARTED fires, as in any Ignite run, but what its handlers reset (a
        ``RunningAverage``, a ``Timer`` started there) goes on from the checkpoint, as in the
        uninterrupted fit. Attach the same handlers in the same order before the fit; handlers
        that do not match are named in a warning.

        Example:
            >>> from bridge.engine import Events
            >>> from bridge.handlers import EarlyStopping
            >>> callback = EngineCallback()
            >>> stopper = EarlyStopping(3, lambda engine: 1.0, callback.train)
            >>> _ = callback.validation.add_event_handler(Events.COMPLETED, stopper)
            >>> saved = {"counter": 2, "best_score": 0.5, "threshold_mode": "abs"}
            >>> callback.load_state_dict({"handlers": {"validation.EarlyStopping.0": saved}, "train_counters": {}})
            >>> stopper.counter  # until the fit starts
            0
        """
        self._restored = dict(state_dict)

    def _restore(self) -> None:
        restored, self._restored = self._restored or {}, None
        unused, missing = load_handler_states(self._named_engines(), restored.get("handlers", {}))
        if unused or missing:
            warnings.warn(
                f"EngineCallback: the checkpoint holds the state of handlers not attached now {unused}, and has no "
                f"state for the handlers {missing} (left as they are). Attach the same handlers, in the same order, "
                "before trainer.fit(..., ckpt_path=...).",
                stacklevel=2,
            )
        for attr, value in restored.get("train_counters", {}).items():
            setattr(self.train.state, attr, value)

    def _named_engines(self) -> dict[str, Engine]:
        return {"train": self.train, "validation": self.validation, "test": self.test, "predict": self.predict}

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        # innermost first: an exception in a validation run inside fit also leaves the training run
        running: list[_View] = [view for view in self._views.values() if view is not self._train and view.running]
        running += [self._train] if self._train.training else []
        for view in running:
            view.running = False
        self._train.training = False
        try:
            for view in running:
                view.engine._run_failed(exception)
                for event in _EXCEPTION_EVENTS:
                    if view.engine._event_handlers.get(event):
                        view.engine._fire_event(event, exception)
        finally:
            self.unwrap_steps()
            self._link(None, None)  # Lightning calls no teardown hook after an exception

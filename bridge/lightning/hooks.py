"""Pieces shared by everything that lets Lightning drive an Engine.

- :class:`LightningLink`: what an engine reaches of the Lightning run that drives it
  (``engine.optimizers``, ``engine.manual_backward``, ``engine.log``).
- :class:`BackpropHooks`: a ``pl.Callback`` base that fires
  :class:`~bridge.engine.events.BackpropEvents` from Lightning's backward and optimizer
  hooks, for any LightningModule, automatic or manual optimization.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Optional

import pytorch_lightning as pl

from bridge.engine.events import BackpropEvents

if TYPE_CHECKING:
    from bridge.engine.engine import Engine

__all__ = ["BackpropHooks", "LightningLink"]

#: Lightning hook -> the backprop event fired there. OPTIM_STEP_COMPLETED has no Lightning
#: hook: it fires when the Lightning-wrapped optimizer's ``step`` returns.
BACKPROP_HOOK_TO_EVENT = {
    "on_before_backward": BackpropEvents.BACKWARD_STARTED,
    "on_after_backward": BackpropEvents.BACKWARD_COMPLETED,
    "on_before_optimizer_step": BackpropEvents.OPTIM_STEP_STARTED,
    "LightningOptimizer.step returned": BackpropEvents.OPTIM_STEP_COMPLETED,
}


class LightningLink:
    """The Lightning run behind an engine: its Trainer and the LightningModule being fit.

    Set as ``engine._lightning`` by the component that drives the engine.

    Example:
        >>> link = LightningLink(None, pl.LightningModule())  # not fitting yet
        >>> link.optimizers()
        Traceback (most recent call last):
        ...
        RuntimeError: ... is not attached to a `Trainer`.
    """

    def __init__(self, trainer: Optional[pl.Trainer], module: pl.LightningModule) -> None:
        self.trainer = trainer
        self.module = module
        #: positional and keyword arguments Lightning passed to ``training_step`` after the batch
        self.step_args: tuple[tuple, dict] = ((), {})

    def optimizers(self) -> list[Any]:
        optimizers = self.module.optimizers()
        return list(optimizers) if isinstance(optimizers, (list, tuple)) else [optimizers]

    def manual_backward(self, loss: Any, *args: Any, **kwargs: Any) -> None:
        self.module.manual_backward(loss, *args, **kwargs)

    def log(self, name: str, value: Any, **kwargs: Any) -> None:
        # Lightning warns on every logger=True call when the run has no logger (Engine's default)
        kwargs.setdefault("logger", bool(self.trainer.loggers))
        self.module.log(name, value, **kwargs)


class BackpropHooks(pl.Callback):
    """Fires BackpropEvents on :meth:`backprop_engine` from Lightning's hooks.

    Subclasses say which engine gets them; None means none does (e.g. outside training).

    Example:
        >>> class Hooks(BackpropHooks):
        ...     def backprop_engine(self):
        ...         return None
        >>> isinstance(Hooks(), pl.Callback)
        True
    """

    def backprop_engine(self) -> Optional[Engine]:
        raise NotImplementedError

    def _fire(self, hook: str) -> None:
        engine = self.backprop_engine()
        if engine is not None:
            engine._fire_counted(BACKPROP_HOOK_TO_EVENT[hook])

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # The optimizers exist now; their step gets the OPTIM_STEP_COMPLETED event.
        # Lightning makes new wrapped optimizers for each fit, so each fit wraps once per callback.
        for optimizer in LightningLink(trainer, pl_module).optimizers():
            optimizer.step = self._after_step(optimizer.step)

    def _after_step(self, step: Any) -> Any:
        @functools.wraps(step)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            output = step(*args, **kwargs)
            self._fire("LightningOptimizer.step returned")
            return output

        return wrapped

    def on_before_backward(self, trainer: pl.Trainer, pl_module: pl.LightningModule, loss: Any) -> None:
        self._fire("on_before_backward")

    def on_after_backward(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._fire("on_after_backward")

    def on_before_optimizer_step(self, trainer: pl.Trainer, pl_module: pl.LightningModule, optimizer: Any) -> None:
        self._fire("on_before_optimizer_step")

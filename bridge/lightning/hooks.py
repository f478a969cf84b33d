"""Pieces shared by everything that lets Lightning drive an Engine.

- :class:`LightningLink`: what an engine reaches of the Lightning run that drives it
  (``engine.optimizers``, ``engine.manual_backward``, ``engine.log``).
- :class:`BackpropHooks`: a ``pl.Callback`` base that fires
  :class:`~bridge.engine.events.BackpropEvents` from Lightning's backward and optimizer
  hooks, for any LightningModule, automatic or manual optimization.
- :class:`StepCounter`: keeps Lightning's ``global_step`` moving for Ignite-style code.
- :func:`lightning_step_output`, :func:`is_scalar`: what Lightning accepts of Ignite's values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Optional

import pytorch_lightning as pl
import torch
from pytorch_lightning.trainer.states import RunningStage
from torch import Tensor

from bridge.lightning.hook_table import Hook, dispatch_hooks, dispatcher, hook
from bridge.lightning.module_dispatch import then_module

if TYPE_CHECKING:
    from pytorch_lightning.core.optimizer import LightningOptimizer

    from bridge.engine.engine import Engine

__all__ = ["BackpropHooks", "LightningLink", "StepCounter", "is_scalar", "lightning_step_output"]

_OPTIMIZER_STEP = hook("LightningOptimizer.step")


class LightningLink:
    """The Lightning run behind an engine (its Trainer and the LightningModule being fit),
    as the engine's :class:`~bridge.engine.runners.EngineDriver`.

    Lent to the engine (``engine._set_driver``) by the component that drives it.

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
        #: ``engine.manual_backward`` calls the module's own (called every step: no frame of ours between)
        self.manual_backward: Callable[..., None] = module.manual_backward

    def optimizers(self) -> list[LightningOptimizer]:
        optimizers = self.module.optimizers()
        return list(optimizers) if isinstance(optimizers, (list, tuple)) else [optimizers]

    def fix_optimizers(self) -> None:
        """The fit has set its optimizers up (``on_train_start``): for the rest of it :meth:`optimizers`
        returns a new list of the same ones without asking the module, and without a Python frame
        (``engine.optimizers`` is read every step; Lightning makes the wrapped optimizers once per fit).

        Example:
            >>> link = LightningLink(None, pl.LightningModule())
            >>> link.optimizers = lambda: ["sgd"]  # what the module would answer during a fit
            >>> link.fix_optimizers()
            >>> first, second = link.optimizers(), link.optimizers()
            >>> first == second == ["sgd"] and first is not second
            True
        """
        self.optimizers = self.optimizers().copy  # type: ignore[method-assign]

    def log(self, name: str, value: Any, **kwargs: Any) -> None:
        # Lightning warns on every logger=True call when the run has no logger (Engine's default)
        kwargs.setdefault("logger", self.trainer is not None and bool(self.trainer.loggers))
        self.module.log(name, value, **kwargs)


@dispatch_hooks("backprop", to="_fire")
class BackpropHooks(pl.Callback):
    """Fires the ``backprop`` rows' events of the hook table on :meth:`backprop_engine`.

    Subclasses say which engine gets them; None means none does (e.g. outside training).

    Example:
        >>> class Hooks(BackpropHooks):
        ...     def backprop_engine(self):
        ...         return None
        >>> isinstance(Hooks(), pl.Callback)
        True
    """

    # No Ignite event stands for it: not callable, so Lightning skips it (and its profiler
    # context) every iteration of automatic optimization.
    on_before_zero_grad = None  # type: ignore[assignment]

    def backprop_engine(self) -> Optional[Engine]:
        raise NotImplementedError

    def _fire(self, hook: Hook, *hook_args: object) -> None:
        engine = self.backprop_engine()
        if engine is not None:
            engine._fire_counted(hook.events[0])  # each backprop row stands for one event

    def counter(self, hook: Hook) -> Callable[..., None]:
        """For one fit: a callable of the hook's own arguments that fires ``hook``'s backprop event.

        Subclasses whose engine is known for the whole fit return a direct one (no look-up per call).

        Example:
            >>> from bridge.engine import Engine
            >>> class Hooks(BackpropHooks):
            ...     engine = Engine(lambda e, b: b)
            ...     def backprop_engine(self):
            ...         return self.engine
            >>> hooks = Hooks()
            >>> hooks.counter(hook("on_after_backward"))(torch.ones(1))  # called as Lightning calls the hook
            >>> hooks.engine.state.backward_completed
            1
        """
        return functools.partial(self._fire, hook)

    def module_hook(self, hook: Hook, trainer: pl.Trainer, pl_module: pl.LightningModule) -> Callable[..., Any]:
        """For one fit: what the LightningModule's ``hook`` becomes when this callback's is called from
        it (:mod:`bridge.lightning.module_dispatch`): this callback's ``hook``, then the module's own.

        Example:
            >>> class Hooks(BackpropHooks):
            ...     def backprop_engine(self):
            ...         return None  # e.g. outside training: the events go nowhere
            >>> call = Hooks().module_hook(hook("on_before_backward"), None, pl.LightningModule())
            >>> call(torch.ones(1)) is None
            True
        """
        if hook.loop == "backprop":
            own = self.counter(hook)
        else:
            own = functools.partial(dispatcher(self, hook.name), trainer, pl_module)
        return then_module(own, pl_module, hook.name)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # The optimizers exist now; their step gets the OPTIM_STEP_COMPLETED event.
        # Lightning makes new wrapped optimizers for each fit, so each fit wraps once per callback.
        wrapped = vars(self).setdefault("_wrapped_steps", [])
        for optimizer in LightningLink(trainer, pl_module).optimizers():
            wrapped.append((optimizer, vars(optimizer).get("step")))
            optimizer.step = _after_step(optimizer.step, self.counter(_OPTIMIZER_STEP))  # type: ignore[method-assign]

    def unwrap_steps(self) -> None:
        """Undo :meth:`on_train_start`'s wrappers when the fit ends: a wrapper and its optimizer
        refer to each other, a cycle that would keep the optimizer for the garbage collector."""
        for optimizer, previous in reversed(vars(self).pop("_wrapped_steps", [])):
            if previous is None:
                vars(optimizer).pop("step", None)
            else:
                optimizer.step = previous


def _after_step(step: Callable[..., Any], fire: Callable[..., None]) -> Callable[..., Any]:
    """A Lightning-wrapped optimizer's ``step``, then OPTIM_STEP_COMPLETED (Lightning has no hook there)."""

    @functools.wraps(step)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        output = step(*args, **kwargs)
        fire()
        return output

    return wrapped


_NOT_MAPPINGS = (float, int, str, tuple, list)


def lightning_step_output(output: Any) -> Any:
    """What a manual-optimization ``training_step`` may hand Lightning of an Ignite output.

    Lightning accepts a Tensor, a mapping (whose "loss" it detaches) or None; an Ignite
    output can be anything and stays available as ``engine.state.output``.

    Example:
        >>> lightning_step_output({"loss": 0.5}) is None, lightning_step_output({"loss": None}) is None
        (True, True)
        >>> lightning_step_output(torch.ones(1))
        tensor([1.])
    """
    if isinstance(output, Tensor):
        return output
    if output is None or isinstance(output, _NOT_MAPPINGS):
        return None  # the usual outputs, every step: no Mapping ABC check (a Python-level call)
    # Lightning detaches a mapping's "loss": only a tensor may stand there ({"loss": None} would crash it)
    if isinstance(output, Mapping) and ("loss" not in output or isinstance(output["loss"], Tensor)):
        return output
    return None


def is_scalar(value: Any) -> bool:
    """Whether ``LightningModule.log`` can take ``value``: a number or a one-element tensor.

    Example:
        >>> is_scalar(0.5), is_scalar(torch.tensor([2])), is_scalar(True), is_scalar([1])
        (True, True, False, False)
    """
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) or (isinstance(value, Tensor) and value.numel() == 1)


class StepCounter:
    """Keeps Lightning's ``global_step`` moving for Ignite-style code in manual optimization.

    Lightning counts only steps of its wrapped optimizers; Ignite-style code steps the raw
    torch optimizer, and ``global_step`` would stay 0 (``ModelCheckpoint``, ``max_steps`` and
    step-indexed logs would see no progress). So raw steps of the optimizers Lightning knows
    are counted through torch's step hooks, and when Lightning knows no optimizer each
    iteration counts as a step.

    Example:
        >>> counter = StepCounter()
        >>> counter.iteration_done()  # not started: counts nothing
    """

    def __init__(self) -> None:
        self._progress: Any = None
        #: whether each iteration counts as a step (Lightning knows no optimizer): callers on a hot
        #: path read it before calling :meth:`iteration_done`
        self.per_iteration = False
        self._handles: list[Any] = []

    def start(self, trainer: pl.Trainer) -> None:
        self.stop()
        progress = trainer.fit_loop.epoch_loop.manual_optimization.optim_step_progress

        state, training = trainer.state, RunningStage.TRAINING  # the member read once, not at every step

        def count(optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
            # inside LightningOptimizer.step Lightning has counted "ready" already: not twice
            if state.stage is training and progress.total.ready == progress.total.completed:
                self._count(progress)

        self._progress, self.per_iteration = progress, not trainer.optimizers
        self._handles = [optimizer.register_step_post_hook(count) for optimizer in trainer.optimizers]

    def iteration_done(self) -> None:
        if self.per_iteration:
            self._count(self._progress)

    def stop(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles, self._progress, self.per_iteration = [], None, False

    @staticmethod
    def _count(progress: Any) -> None:
        progress.increment_ready()
        progress.increment_completed()

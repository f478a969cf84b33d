"""The one table of Lightning hooks and the Ignite events they stand for, and dispatch through it.

Each :class:`Hook` row names a Lightning hook, the Lightning loop it belongs to, the
:class:`~bridge.engine.loop.Phase` of Ignite's run loop it stands for, and the events an
:class:`~bridge.lightning.EngineCallback` engine fires there. Code reads the table:

- the runner of ``Engine.run`` (:mod:`bridge.lightning.runner`) resumes the loop at each
  ``fit`` row's phase; the events are then the ones Ignite's loop fires there
  (:data:`bridge.engine.loop.EVENTS_AFTER`);
- ``EngineCallback`` fires each row's ``events`` on its ``.train``, ``.validation``,
  ``.test`` or ``.predict`` engine;
- both fire the ``backprop`` rows' events on the training engine.

:func:`dispatch_hooks` writes the Lightning callback methods of those classes from the
rows, so a new hook or loop is one row (and the docs' tables, :func:`markdown`, follow).

Example:
    >>> [hook.name for hook in hooks("fit", where="callback")][:3]
    ['on_train_start', 'on_train_epoch_start', 'on_train_batch_start']
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pytorch_lightning as pl

from bridge.engine.events import BackpropEvents, EventEnum, Events
from bridge.engine.loop import EVENTS_AFTER, Phase

__all__ = ["HOOKS", "HOOK_TO_PHASE", "Hook", "dispatch_hooks", "dispatcher", "hooks", "markdown"]

_E = Events
_B = BackpropEvents


@dataclass(frozen=True)
class Hook:
    """One row: a Lightning hook and what it stands for in Ignite's terms.

    Example:
        >>> row = HOOKS[0]
        >>> row.name, row.loop, row.phase.name, [event.name for event in row.events]
        ('on_train_start', 'fit', 'RUN_START', ['STARTED'])
    """

    #: Lightning's name of the hook
    name: str
    #: the Lightning loop: "fit", "validate", "test", "predict"; "backprop" for the
    #: backward/optimizer hooks (inside fit), "any" for hooks of every loop
    loop: str
    #: the point of Ignite's loop it stands for (None for the backprop and exception hooks)
    phase: Phase | None
    #: what the EngineCallback engine of ``loop`` fires there, in order
    events: tuple[EventEnum, ...]
    #: who Lightning calls: a "callback" hook, a "module" method, the train "dataloader", the "optimizer"
    where: str = "callback"


_BATCH_START = (_E.GET_BATCH_STARTED, _E.GET_BATCH_COMPLETED, _E.ITERATION_STARTED)

#: The table. Within a loop, rows are in Lightning's call order.
HOOKS: tuple[Hook, ...] = (
    Hook("on_train_start", "fit", Phase.RUN_START, (_E.STARTED,)),
    Hook("on_train_epoch_start", "fit", Phase.EPOCH_START, (_E.EPOCH_STARTED,)),
    # Engine.run only: the loop fetches each batch itself, from inside Lightning's fetch
    Hook("train_dataloader.__next__", "fit", Phase.BATCH, (), where="dataloader"),
    Hook("on_train_batch_start", "fit", Phase.ITERATION_START, _BATCH_START),
    Hook("training_step", "fit", Phase.STEP, (), where="module"),
    Hook("on_train_batch_end", "fit", Phase.ITERATION_END, (_E.ITERATION_COMPLETED,)),
    # EngineCallback: no EPOCH_COMPLETED for an epoch cut short by terminate()
    Hook("on_train_epoch_end", "fit", Phase.EPOCH_END, (_E.EPOCH_COMPLETED,)),
    # EngineCallback: TERMINATE first if the run was terminated or Lightning stopped it
    Hook("on_train_end", "fit", Phase.RUN_END, (_E.COMPLETED,)),
    Hook("on_validation_start", "validate", Phase.RUN_START, (_E.STARTED,)),
    Hook("on_validation_epoch_start", "validate", Phase.EPOCH_START, (_E.EPOCH_STARTED,)),
    Hook("on_validation_batch_start", "validate", Phase.ITERATION_START, _BATCH_START),
    Hook("on_validation_batch_end", "validate", Phase.ITERATION_END, (_E.ITERATION_COMPLETED,)),
    Hook("on_validation_epoch_end", "validate", Phase.EPOCH_END, (_E.EPOCH_COMPLETED,)),
    Hook("on_validation_end", "validate", Phase.RUN_END, (_E.COMPLETED,)),
    Hook("on_test_start", "test", Phase.RUN_START, (_E.STARTED,)),
    Hook("on_test_epoch_start", "test", Phase.EPOCH_START, (_E.EPOCH_STARTED,)),
    Hook("on_test_batch_start", "test", Phase.ITERATION_START, _BATCH_START),
    Hook("on_test_batch_end", "test", Phase.ITERATION_END, (_E.ITERATION_COMPLETED,)),
    Hook("on_test_epoch_end", "test", Phase.EPOCH_END, (_E.EPOCH_COMPLETED,)),
    Hook("on_test_end", "test", Phase.RUN_END, (_E.COMPLETED,)),
    Hook("on_predict_start", "predict", Phase.RUN_START, (_E.STARTED,)),
    Hook("on_predict_epoch_start", "predict", Phase.EPOCH_START, (_E.EPOCH_STARTED,)),
    Hook("on_predict_batch_start", "predict", Phase.ITERATION_START, _BATCH_START),
    Hook("on_predict_batch_end", "predict", Phase.ITERATION_END, (_E.ITERATION_COMPLETED,)),
    Hook("on_predict_epoch_end", "predict", Phase.EPOCH_END, (_E.EPOCH_COMPLETED,)),
    Hook("on_predict_end", "predict", Phase.RUN_END, (_E.COMPLETED,)),
    Hook("on_before_backward", "backprop", None, (_B.BACKWARD_STARTED,)),
    Hook("on_after_backward", "backprop", None, (_B.BACKWARD_COMPLETED,)),
    Hook("on_before_optimizer_step", "backprop", None, (_B.OPTIM_STEP_STARTED,)),
    # no Lightning hook: fired when the Lightning-wrapped optimizer's step returns
    Hook("LightningOptimizer.step", "backprop", None, (_B.OPTIM_STEP_COMPLETED,), where="optimizer"),
    # EngineCallback: only engines with EXCEPTION_RAISED handlers, innermost first; Lightning re-raises
    Hook("on_exception", "any", None, (_E.EXCEPTION_RAISED,)),
)


def hooks(*loops: str, where: str | None = None) -> tuple[Hook, ...]:
    """The rows of ``loops`` (all if none given), optionally only those Lightning calls on ``where``.

    Example:
        >>> [hook.name for hook in hooks("backprop", where="callback")]
        ['on_before_backward', 'on_after_backward', 'on_before_optimizer_step']
    """
    return tuple(h for h in HOOKS if (not loops or h.loop in loops) and (where is None or h.where == where))


def hook(name: str) -> Hook:
    """The row of the hook called ``name``.

    Example:
        >>> hook("on_test_end").phase
        <Phase.RUN_END: 7>
    """
    for row in HOOKS:
        if row.name == name:
            return row
    raise KeyError(f"no hook {name!r} in bridge.lightning.hook_table.HOOKS")


#: The fit loop's hooks -> the point of Ignite's run loop each resumes (a view of :data:`HOOKS`).
HOOK_TO_PHASE: dict[str, Phase] = {h.name: h.phase for h in hooks("fit") if h.phase is not None}

_C = TypeVar("_C", bound=type)
#: ``dispatch(hook, trainer, pl_module, *hook_args)``
Dispatch = Callable[..., None]


def _forwarder(row: Hook, dispatch: Callable[..., None]) -> Callable[..., None]:
    def forward(self: pl.Callback, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: object) -> None:
        dispatch(self, row, trainer, pl_module, *args)

    forward.__name__ = forward.__qualname__ = row.name
    forward.__doc__ = f"Lightning's ``{row.name}``: dispatched through the hook table ({row.loop})."
    forward._dispatch = (dispatch, row)  # type: ignore[attr-defined]
    return forward


def dispatcher(callback: pl.Callback, name: str) -> Callable[..., None]:
    """``callback``'s hook ``name`` as a callable of ``(trainer, pl_module, *args)``.

    For a hook :func:`dispatch_hooks` wrote, that is its dispatch method with the row bound
    (one call less on a hot path); otherwise the callback's own method.

    Example:
        >>> @dispatch_hooks("backprop", to="seen")
        ... class Trace(pl.Callback):
        ...     def seen(self, hook, trainer, pl_module, *args):
        ...         print(hook.name)
        >>> dispatcher(Trace(), "on_after_backward")(None, None)
        on_after_backward
    """
    method = getattr(type(callback), name)
    target = getattr(method, "_dispatch", None)
    if target is None:
        return getattr(callback, name)
    dispatch, row = target
    return functools.partial(dispatch, callback, row)


def dispatch_hooks(*loops: str, to: str) -> Callable[[_C], _C]:
    """Class decorator: each callback hook of ``loops`` calls ``self.<to>(hook, trainer, pl_module, *args)``.

    A hook the class defines itself is kept (it dispatches on its own).

    Example:
        >>> @dispatch_hooks("backprop", to="seen")
        ... class Trace(pl.Callback):
        ...     def seen(self, hook, trainer, pl_module, *args):
        ...         print(hook.name, [event.name for event in hook.events])
        >>> Trace().on_after_backward(None, None)
        on_after_backward ['BACKWARD_COMPLETED']
    """

    def decorate(cls: _C) -> _C:
        dispatch = getattr(cls, to)  # looked up once: the hot path calls it directly
        for row in hooks(*loops, where="callback"):
            if row.name not in vars(cls):
                setattr(cls, row.name, _forwarder(row, dispatch))
        return cls

    return decorate


def markdown(loop: str) -> str:
    """The rows of ``loop`` as a Markdown table: the docs' tables are this output (a test checks them).

    For ``fit`` the table has both columns: what ``Engine.run``'s loop fires and what
    ``EngineCallback.train`` fires.

    Example:
        >>> print(markdown("backprop").splitlines()[2])
        | `on_before_backward` | `BACKWARD_STARTED` |
    """

    def names(events: tuple[EventEnum, ...]) -> str:
        return ", ".join(f"`{e.name}`" for e in events) or "—"

    rows = hooks(loop)
    if loop == "fit":
        lines = ["| Lightning hook | `Engine.run`: Ignite's loop fires | `EngineCallback.train` fires |", "|---|---|---|"]
        for row in rows:
            run = "the process function" if row.phase is Phase.STEP else names(EVENTS_AFTER[row.phase]) if row.phase is not None else "—"
            lines.append(f"| `{row.name}` | {run} | {names(row.events)} |")
    else:
        lines = ["| Lightning hook | events fired |", "|---|---|"]
        lines += [f"| `{row.name}` | {names(row.events)} |" for row in rows]
    return "\n".join(lines) + "\n"


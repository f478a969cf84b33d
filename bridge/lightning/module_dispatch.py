"""The module's hooks dispatch for bridge's callback when it is a Trainer's only callback.

Lightning calls each per-iteration hook (``on_train_batch_start`` / ``_end``, the backward and
optimizer hooks) on every callback, each call through its profiler context, and then on the
LightningModule. When the run callback is alone, calling it first from the module's hook keeps
Lightning's order and saves one profiled hook call per hook and iteration (docs/design-notes.md).

Example:
    >>> trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False,
    ...                      enable_checkpointing=False, callbacks=[pl.Callback()])
    >>> alone(trainer.callbacks[0], trainer, pl.LightningModule()), alone(pl.Callback(), trainer, pl.LightningModule())
    (True, False)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytorch_lightning as pl
from pytorch_lightning.utilities.model_helpers import is_overridden

from bridge.engine.loop import Phase
from bridge.lightning.hook_table import hooks

if TYPE_CHECKING:
    from bridge.lightning.hooks import BackpropHooks

__all__ = ["alone", "dispatched_by_module", "then_module"]


# The callback hooks Lightning calls every iteration, on each callback and then on the module,
# every call through its profiler.
_PER_ITERATION = tuple(
    row for row in hooks("fit", "backprop", where="callback")
    if row.loop == "backprop" or row.phase in (Phase.ITERATION_START, Phase.ITERATION_END)
)  # fmt: skip


def alone(callback: pl.Callback, trainer: pl.Trainer, module: pl.LightningModule) -> bool:
    # configure_callbacks adds callbacks when fit starts: they could run between ours and the module's
    callbacks = trainer.callbacks  # type: ignore[attr-defined]  # set by Lightning's callback connector
    return callbacks == [callback] and not is_overridden("configure_callbacks", module)


@contextmanager
def dispatched_by_module(callback: BackpropHooks, trainer: pl.Trainer, module: pl.LightningModule) -> Iterator[None]:
    """For one run, the module's per-iteration hooks call ``callback``'s, and Lightning skips the callback's.

    When ``callback`` is the Trainer's only one, calling it first from the module's hook keeps
    Lightning's order (callbacks, then the module) and saves one profiled Lightning hook call per
    hook and iteration. Lightning skips a callback hook that is not callable: the callback's are
    set to None. Instance attributes, restored afterwards (the module's class is untouched).
    The callback says what each module hook becomes (:meth:`BackpropHooks.module_hook`).
    """
    shadowed = {row.name: module.__dict__.get(row.name) for row in _PER_ITERATION}
    for row in _PER_ITERATION:
        module.__dict__[row.name] = callback.module_hook(row, trainer, module)
        setattr(callback, row.name, None)
    try:
        yield
    finally:
        for name, previous in shadowed.items():
            delattr(callback, name)
            if previous is None:
                del module.__dict__[name]
            else:
                module.__dict__[name] = previous


def then_module(callback_hook: Callable[..., Any], module: pl.LightningModule, name: str) -> Callable[..., Any]:
    """``callback_hook``, then the module's own hook ``name``: one module hook standing for both.

    Lightning's own hooks do nothing: for a module that does not override ``name``,
    ``callback_hook`` alone stands for both.

    Example:
        >>> class Module(pl.LightningModule):
        ...     def on_after_backward(self):
        ...         print("module")
        >>> then_module(lambda: print("callback"), Module(), "on_after_backward")()
        callback
        module
        >>> hook = lambda: None
        >>> then_module(hook, pl.LightningModule(), "on_after_backward") is hook
        True
    """
    if name in module.__dict__ or getattr(type(module), name) is not getattr(pl.LightningModule, name):
        return _ThenModule(callback_hook, getattr(module, name))
    return callback_hook


class _ThenModule:
    """The callback's hook, then the module's own (:func:`then_module`).

    An object rather than a closure: under ``ddp_spawn`` Lightning pickles the module with it.
    """

    def __init__(self, callback_hook: Callable[..., Any], module_hook: Callable[..., Any]) -> None:
        functools.update_wrapper(self, module_hook)
        self.callback_hook, self.module_hook = callback_hook, module_hook

    def __call__(self, *args: Any) -> Any:
        self.callback_hook(*args)
        return self.module_hook(*args)

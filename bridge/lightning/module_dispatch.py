"""The module's hooks dispatch for bridge's callback when it is a Trainer's only callback.

Lightning calls each per-iteration hook (``on_train_batch_start`` / ``_end``, the backward and
optimizer hooks) on every callback, each call through its profiler context, and then on the
LightningModule. When the run callback is alone, calling it first from the module's hook keeps
Lightning's order and saves one profiled hook call per hook and iteration; the callback then
leaves the Trainer's callback list for the run, so Lightning does not even look its hooks up
(a ``getattr`` and a ``callable`` per hook and iteration): the module calls all of them
(docs/design-notes.md).

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
from bridge.lightning.hook_table import dispatcher, hooks

if TYPE_CHECKING:
    from bridge.lightning.hooks import BackpropHooks

__all__ = ["RUN_HOOKS", "alone", "dispatched_by_module", "then_module"]


# The callback hooks Lightning calls every iteration, on each callback and then on the module,
# every call through its profiler.
_PER_ITERATION = tuple(
    row for row in hooks("fit", "backprop", where="callback")
    if row.loop == "backprop" or row.phase in (Phase.ITERATION_START, Phase.ITERATION_END)
)  # fmt: skip

#: The other hooks a fit calls on callbacks first, then on the module, that bridge's callbacks
#: may have: the module calls them when it dispatches (the callback is out of Lightning's list).
RUN_HOOKS = ("setup", *(row.name for row in hooks("fit", where="callback") if row not in _PER_ITERATION))


def alone(callback: pl.Callback, trainer: pl.Trainer, module: pl.LightningModule) -> bool:
    # configure_callbacks adds callbacks when fit starts: they could run between ours and the module's
    callbacks = trainer.callbacks  # type: ignore[attr-defined]  # set by Lightning's callback connector
    return callbacks == [callback] and not is_overridden("configure_callbacks", module)


@contextmanager
def dispatched_by_module(callback: BackpropHooks, trainer: pl.Trainer, module: pl.LightningModule) -> Iterator[None]:
    """For one run, the module's hooks call ``callback``'s, and ``callback`` leaves the Trainer's callback list.

    When ``callback`` is the Trainer's only one, calling it first from the module's hook keeps
    Lightning's order (callbacks, then the module) for every hook the two share, and saves
    Lightning a profiled hook call and a look-up per hook and iteration. The callback says what
    each per-iteration module hook becomes (:meth:`BackpropHooks.module_hook`); the run's other
    hooks (:data:`RUN_HOOKS`) call the callback's, then the module's own. ``on_exception`` has no
    module hook: the caller handles what the callback's would (the run callback's is cleanup).
    Instance attributes, removed afterwards (the module's class is untouched), and the callback
    back in the list.

    Example:
        >>> from bridge.lightning.hooks import BackpropHooks
        >>> class Hooks(BackpropHooks):
        ...     def backprop_engine(self):
        ...         return None
        >>> trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False,
        ...                      enable_checkpointing=False, callbacks=[Hooks()])
        >>> module = pl.LightningModule()
        >>> with dispatched_by_module(trainer.callbacks[0], trainer, module):
        ...     trainer.callbacks, [name in vars(module) for name in ("setup", "on_train_batch_end", "on_after_backward")]
        ([], [True, True, True])
        >>> len(trainer.callbacks), "setup" in vars(module)
        (1, False)
    """
    callbacks = trainer.callbacks  # type: ignore[attr-defined]  # set by Lightning's callback connector
    shadowed = {name: module.__dict__.get(name) for name in (*(row.name for row in _PER_ITERATION), *RUN_HOOKS)}
    for row in _PER_ITERATION:
        module.__dict__[row.name] = callback.module_hook(row, trainer, module)
    for name in RUN_HOOKS:
        own = functools.partial(dispatcher(callback, name), trainer, module)
        module.__dict__[name] = then_module(own, module, name)
    callbacks.remove(callback)
    try:
        yield
    finally:
        callbacks.insert(0, callback)
        for name, previous in shadowed.items():
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

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # keywords: Lightning calls setup(stage=...)
        self.callback_hook(*args, **kwargs)
        return self.module_hook(*args, **kwargs)

"""What an Engine run on a ``pl.Trainer`` leaves behind, and when it is let go.

Ignite frees an Engine by reference counting alone once the user drops it (its issue
#3438), with its model, optimizers and data. A ``pl.Trainer`` is full of reference cycles
of its own (its loops and connectors point back at it), so whatever it holds waits for the
garbage collector. Two rules keep an Engine run from making that the engine's fate:

- at the end of a run, the Trainer's callback and module stop reaching the engine (the
  run driver lets go of it): an engine the user drops is freed at once, with its state and data;
- ``engine.lightning_trainer`` stays the run's Trainer while the engine lives; when the engine
  is freed, bridge's run module in that Trainer lets go of the model and optimizers it was
  given (:func:`let_go_with`), so they are freed with the user's last reference, not at the
  next collection.

Example:
    >>> import gc, weakref
    >>> import torch
    >>> from bridge.engine import Engine
    >>> model = torch.nn.Linear(1, 1)
    >>> engine = Engine(lambda e, b: None, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1))
    >>> _ = engine.run([1])
    >>> gc.disable()
    >>> alive = weakref.ref(model)
    >>> del engine, model
    >>> alive() is None
    True
    >>> gc.enable()
"""

from __future__ import annotations

import weakref

import pytorch_lightning as pl

from bridge.engine.engine import Engine

__all__ = ["let_go_with"]

# engine -> [trainer, module] of its last run; a finalizer per engine empties it
_LAST_RUN: weakref.WeakKeyDictionary[Engine, list[object]] = weakref.WeakKeyDictionary()


def let_go_with(engine: Engine, trainer: pl.Trainer, module: pl.LightningModule) -> None:
    """When ``engine`` is freed, ``module`` (bridge's run module in ``trainer``) lets go of its model and optimizers.

    Call it after each run: the last run's Trainer is the one ``engine.lightning_trainer`` names.
    """
    last = _LAST_RUN.get(engine)
    if last is None:
        last = _LAST_RUN[engine] = []
        weakref.finalize(engine, _let_go, last)  # holds `last`, which holds no engine
    last[:] = [trainer, module]


def _let_go(last: list[object]) -> None:
    if not last:
        return
    trainer, module = last
    assert isinstance(trainer, pl.Trainer) and isinstance(module, pl.LightningModule)
    module._modules.pop("model", None)
    vars(module).pop("_optimizers", None)
    strategy = trainer.strategy
    strategy.optimizers = []
    strategy._lightning_optimizers = []
    last.clear()

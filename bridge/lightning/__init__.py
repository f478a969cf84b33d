"""The one place that talks to PyTorch Lightning.

- :mod:`bridge.lightning.hook_table`: the one table of Lightning hooks and the Ignite
  phases and events they stand for; the callbacks below dispatch through it.
- :mod:`bridge.lightning.runner` runs ``Engine.run`` inside a ``pl.Trainer`` (the default
  runner); :mod:`bridge.lightning.fabric_runner` runs it over Lightning Fabric
  (``Engine(runner="fabric")``).
- :class:`EngineModule`: an Ignite process function as a LightningModule for a plain
  ``pl.Trainer``; :class:`EngineCallback`: Ignite engines over a plain Trainer's loops.
- :func:`create_lightning_trainer` / :func:`create_lightning_evaluator`: Engines whose
  step is a LightningModule's ``training_step`` / ``validation_step``.
- :class:`LightningLogger` (:mod:`bridge.lightning.loggers`): Ignite's logging handlers
  writing into a Lightning logger, beside Lightning's own values.

Example:
    >>> from bridge.lightning import create_lightning_trainer
    >>> callable(create_lightning_trainer)
    True
"""

from bridge.lightning.callback import EngineCallback
from bridge.lightning.engines import create_lightning_evaluator, create_lightning_trainer
from bridge.lightning.loggers import LightningLogger
from bridge.lightning.module import EngineModule

__all__ = [
    "EngineCallback",
    "EngineModule",
    "LightningLogger",
    "create_lightning_evaluator",
    "create_lightning_trainer",
]

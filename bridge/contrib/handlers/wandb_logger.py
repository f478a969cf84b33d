"""``ignite.contrib.handlers.wandb_logger``: moved to ``bridge.handlers.wandb_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.wandb_logger`.

As in Ignite, ``global_step_from_engine`` can be imported from it too,
outside ``__all__``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.wandb_logger import WandBLogger
    >>> import bridge.handlers.wandb_logger
    >>> WandBLogger is bridge.handlers.wandb_logger.WandBLogger
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/wandb_logger.py")

from bridge.handlers.utils import global_step_from_engine  # noqa: E402, F401  (Ignite's shim has it too)
from bridge.handlers.wandb_logger import (  # noqa: E402
    OptimizerParamsHandler,
    OutputHandler,
    WandBLogger,
)

__all__ = [
    "WandBLogger",
    "OutputHandler",
    "OptimizerParamsHandler",
]

"""``ignite.contrib.handlers.tensorboard_logger``: moved to ``bridge.handlers.tensorboard_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.tensorboard_logger`.

As in Ignite, ``global_step_from_engine`` can be imported from it too,
outside ``__all__``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.tensorboard_logger import TensorboardLogger
    >>> import bridge.handlers.tensorboard_logger
    >>> TensorboardLogger is bridge.handlers.tensorboard_logger.TensorboardLogger
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/tensorboard_logger.py")

from bridge.handlers.tensorboard_logger import (  # noqa: E402
    GradsHistHandler,
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    TensorboardLogger,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from bridge.handlers.utils import global_step_from_engine  # noqa: E402, F401  (Ignite's shim has it too)

__all__ = [
    "TensorboardLogger",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "WeightsHistHandler",
    "GradsScalarHandler",
    "GradsHistHandler",
]

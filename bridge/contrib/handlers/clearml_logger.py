"""``ignite.contrib.handlers.clearml_logger``: moved to ``bridge.handlers.clearml_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.clearml_logger`.

As in Ignite, ``global_step_from_engine`` can be imported from it too,
outside ``__all__``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.clearml_logger import ClearMLLogger
    >>> import bridge.handlers.clearml_logger
    >>> ClearMLLogger is bridge.handlers.clearml_logger.ClearMLLogger
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/clearml_logger.py")

from bridge.handlers.clearml_logger import (  # noqa: E402
    ClearMLLogger,
    ClearMLSaver,
    GradsHistHandler,
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    WeightsHistHandler,
    WeightsScalarHandler,
)
from bridge.handlers.utils import global_step_from_engine  # noqa: E402, F401  (Ignite's shim has it too)

__all__ = [
    "ClearMLLogger",
    "ClearMLSaver",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "WeightsHistHandler",
    "GradsScalarHandler",
    "GradsHistHandler",
]

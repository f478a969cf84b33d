"""``ignite.contrib.handlers.neptune_logger``: moved to ``bridge.handlers.neptune_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.neptune_logger`.

As in Ignite, ``_INTEGRATION_VERSION_KEY`` and ``global_step_from_engine`` can be imported from it too,
outside ``__all__``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.neptune_logger import NeptuneLogger
    >>> import bridge.handlers.neptune_logger
    >>> NeptuneLogger is bridge.handlers.neptune_logger.NeptuneLogger
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/neptune_logger.py")

from bridge.handlers.neptune_logger import (  # noqa: E402
    _INTEGRATION_VERSION_KEY,  # noqa: E402, F401
    GradsScalarHandler,
    NeptuneLogger,
    NeptuneSaver,
    OptimizerParamsHandler,
    OutputHandler,
    WeightsScalarHandler,
)
from bridge.handlers.utils import global_step_from_engine  # noqa: E402, F401  (Ignite's shim has it too)

__all__ = [
    "NeptuneLogger",
    "NeptuneSaver",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "GradsScalarHandler",
]

"""``ignite.contrib.handlers.visdom_logger``: moved to ``bridge.handlers.visdom_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.visdom_logger`.

As in Ignite, ``_DummyExecutor`` and ``global_step_from_engine`` can be imported from it too,
outside ``__all__``.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.visdom_logger import VisdomLogger
    >>> import bridge.handlers.visdom_logger
    >>> VisdomLogger is bridge.handlers.visdom_logger.VisdomLogger
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/visdom_logger.py")

from bridge.handlers.utils import global_step_from_engine  # noqa: E402, F401  (Ignite's shim has it too)
from bridge.handlers.visdom_logger import (  # noqa: E402
    GradsScalarHandler,
    OptimizerParamsHandler,
    OutputHandler,
    VisdomLogger,
    WeightsScalarHandler,
    _DummyExecutor,  # noqa: E402, F401
)

__all__ = [
    "VisdomLogger",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "GradsScalarHandler",
]

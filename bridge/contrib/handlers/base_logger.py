"""``ignite.contrib.handlers.base_logger``: moved to ``bridge.handlers.base_logger``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.base_logger`.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.base_logger import BaseLogger
    >>> import bridge.handlers.base_logger
    >>> BaseLogger is bridge.handlers.base_logger.BaseLogger
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/base_logger.py")

from bridge.handlers.base_logger import (  # noqa: E402
    BaseHandler,
    BaseLogger,
    BaseOptimizerParamsHandler,
    BaseOutputHandler,
    BaseWeightsHandler,
    BaseWeightsScalarHandler,
)

__all__ = [
    "BaseHandler",
    "BaseWeightsHandler",
    "BaseOptimizerParamsHandler",
    "BaseOutputHandler",
    "BaseWeightsScalarHandler",
    "BaseLogger",
]

"""``ignite.contrib.handlers.time_profilers``: moved to ``bridge.handlers.time_profilers``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); the names are the
objects of :mod:`bridge.handlers.time_profilers`.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.handlers.time_profilers import BasicTimeProfiler, HandlersTimeProfiler
    >>> import bridge.handlers.time_profilers
    >>> HandlersTimeProfiler is bridge.handlers.time_profilers.HandlersTimeProfiler
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/handlers/time_profilers.py")

from bridge.handlers.time_profilers import BasicTimeProfiler, HandlersTimeProfiler  # noqa: E402

__all__ = ["BasicTimeProfiler", "HandlersTimeProfiler"]

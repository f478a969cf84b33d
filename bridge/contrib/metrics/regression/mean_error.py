"""``ignite.contrib.metrics.regression.mean_error``: moved to ``bridge.metrics.regression.mean_error``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``MeanError`` is the
class of :mod:`bridge.metrics.regression.mean_error`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/mean_error.py")

from bridge.metrics.regression.mean_error import MeanError  # noqa: E402

__all__ = ["MeanError"]

"""``ignite.contrib.metrics.regression.median_absolute_percentage_error``: moved to ``bridge.metrics.regression.median_absolute_percentage_error``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``MedianAbsolutePercentageError`` is the
class of :mod:`bridge.metrics.regression.median_absolute_percentage_error`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/median_absolute_percentage_error.py")

from bridge.metrics.regression.median_absolute_percentage_error import MedianAbsolutePercentageError  # noqa: E402

__all__ = ["MedianAbsolutePercentageError"]

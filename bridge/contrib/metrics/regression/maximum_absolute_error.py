"""``ignite.contrib.metrics.regression.maximum_absolute_error``: moved to ``bridge.metrics.regression.maximum_absolute_error``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``MaximumAbsoluteError`` is the
class of :mod:`bridge.metrics.regression.maximum_absolute_error`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/maximum_absolute_error.py")

from bridge.metrics.regression.maximum_absolute_error import MaximumAbsoluteError  # noqa: E402

__all__ = ["MaximumAbsoluteError"]

"""``ignite.contrib.metrics.average_precision``: moved to ``bridge.metrics.average_precision``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``AveragePrecision`` is the
class of :mod:`bridge.metrics.average_precision`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "/bridge/metrics/average_precision.py")

from bridge.metrics.average_precision import AveragePrecision  # noqa: E402

__all__ = ["AveragePrecision"]

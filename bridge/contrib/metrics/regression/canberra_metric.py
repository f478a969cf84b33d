"""``ignite.contrib.metrics.regression.canberra_metric``: moved to ``bridge.metrics.regression.canberra_metric``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``CanberraMetric`` is the
class of :mod:`bridge.metrics.regression.canberra_metric`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/canberra_metric.py")

from bridge.metrics.regression.canberra_metric import CanberraMetric  # noqa: E402

__all__ = ["CanberraMetric"]

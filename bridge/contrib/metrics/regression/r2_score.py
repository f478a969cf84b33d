"""``ignite.contrib.metrics.regression.r2_score``: moved to ``bridge.metrics.regression.r2_score``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``R2Score`` is the
class of :mod:`bridge.metrics.regression.r2_score`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/r2_score.py")

from bridge.metrics.regression.r2_score import R2Score  # noqa: E402

__all__ = ["R2Score"]

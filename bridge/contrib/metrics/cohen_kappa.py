"""``ignite.contrib.metrics.cohen_kappa``: moved to ``bridge.metrics.cohen_kappa``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``CohenKappa`` is the
class of :mod:`bridge.metrics.cohen_kappa`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/cohen_kappa.py")

from bridge.metrics.cohen_kappa import CohenKappa  # noqa: E402

__all__ = ["CohenKappa"]

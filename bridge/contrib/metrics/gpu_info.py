"""``ignite.contrib.metrics.gpu_info``: moved to ``bridge.metrics.gpu_info``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``GpuInfo`` is the
class of :mod:`bridge.metrics.gpu_info`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/gpu_info.py")

from bridge.metrics.gpu_info import GpuInfo  # noqa: E402

__all__ = ["GpuInfo"]

"""``ignite.contrib.metrics.regression.wave_hedges_distance``: moved to ``bridge.metrics.regression.wave_hedges_distance``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``WaveHedgesDistance`` is the
class of :mod:`bridge.metrics.regression.wave_hedges_distance`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/wave_hedges_distance.py")

from bridge.metrics.regression.wave_hedges_distance import WaveHedgesDistance  # noqa: E402

__all__ = ["WaveHedgesDistance"]

"""``ignite.contrib.metrics.regression.manhattan_distance``: moved to ``bridge.metrics.regression.manhattan_distance``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``ManhattanDistance`` is the
class of :mod:`bridge.metrics.regression.manhattan_distance`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/manhattan_distance.py")

from bridge.metrics.regression.manhattan_distance import ManhattanDistance  # noqa: E402

__all__ = ["ManhattanDistance"]

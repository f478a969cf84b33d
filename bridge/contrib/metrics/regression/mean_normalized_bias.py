"""``ignite.contrib.metrics.regression.mean_normalized_bias``: moved to ``bridge.metrics.regression.mean_normalized_bias``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``MeanNormalizedBias`` is the
class of :mod:`bridge.metrics.regression.mean_normalized_bias`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/mean_normalized_bias.py")

from bridge.metrics.regression.mean_normalized_bias import MeanNormalizedBias  # noqa: E402

__all__ = ["MeanNormalizedBias"]

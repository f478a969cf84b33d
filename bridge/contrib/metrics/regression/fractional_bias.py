"""``ignite.contrib.metrics.regression.fractional_bias``: moved to ``bridge.metrics.regression.fractional_bias``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``FractionalBias`` is the
class of :mod:`bridge.metrics.regression.fractional_bias`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/regression/fractional_bias.py")

from bridge.metrics.regression.fractional_bias import FractionalBias  # noqa: E402

__all__ = ["FractionalBias"]

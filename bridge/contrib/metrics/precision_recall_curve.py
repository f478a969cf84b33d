"""``ignite.contrib.metrics.precision_recall_curve``: moved to ``bridge.metrics.precision_recall_curve``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``PrecisionRecallCurve`` and
``precision_recall_curve_compute_fn`` are those of :mod:`bridge.metrics.precision_recall_curve`.
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/precision_recall_curve.py")

from bridge.metrics.precision_recall_curve import PrecisionRecallCurve, precision_recall_curve_compute_fn  # noqa: E402

__all__ = ["PrecisionRecallCurve", "precision_recall_curve_compute_fn"]

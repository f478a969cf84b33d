"""``ignite.contrib.metrics.roc_auc``: moved to ``bridge.metrics.roc_auc``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``ROC_AUC`` and
``RocCurve`` are the classes of :mod:`bridge.metrics.roc_auc`.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.metrics.roc_auc import ROC_AUC
    >>> import bridge.metrics.roc_auc
    >>> ROC_AUC is bridge.metrics.roc_auc.ROC_AUC
    True
"""

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/roc_auc.py")

from bridge.metrics.roc_auc import ROC_AUC, RocCurve  # noqa: E402

__all__ = ["RocCurve", "ROC_AUC"]

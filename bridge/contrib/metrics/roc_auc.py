"""``ignite.contrib.metrics.roc_auc``: moved to ``bridge.metrics.roc_auc``, as in Ignite 0.5.5.

The first import warns with Ignite's ``DeprecationWarning`` (bridge's path in it); ``ROC_AUC`` is
the class of :mod:`bridge.metrics.roc_auc`. Ignite's ``RocCurve`` is not in bridge yet: importing
it raises an ``ImportError`` that says so (it is taken from ``bridge.metrics.roc_auc`` once there).

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     from bridge.contrib.metrics.roc_auc import ROC_AUC
    >>> import bridge.metrics.roc_auc
    >>> ROC_AUC is bridge.metrics.roc_auc.ROC_AUC
    True
"""

from typing import Any

from bridge.contrib._moved import warn_moved

warn_moved(__file__, "bridge/metrics/roc_auc.py")

from bridge.metrics.roc_auc import ROC_AUC  # noqa: E402


def __getattr__(name: str) -> Any:
    if name == "RocCurve":
        from bridge.contrib.metrics import _pending

        return _pending(name)
    raise AttributeError(f"module 'bridge.contrib.metrics.roc_auc' has no attribute '{name}'")


__all__ = ["ROC_AUC"]  # and "RocCurve" once bridge.metrics.roc_auc has it

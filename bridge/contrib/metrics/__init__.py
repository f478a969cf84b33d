"""``ignite.contrib.metrics``: Ignite 0.5.5's old home of some metrics, now in ``bridge.metrics``.

As Ignite's package, it gives the moved metrics and their ``bridge.metrics`` modules without a
warning; the ``bridge.contrib.metrics.roc_auc`` module warns, as Ignite's moved module does.

bridge.metrics has ``ROC_AUC``, ``GpuInfo`` and the ``regression`` metrics but not yet ``AveragePrecision``,
``CohenKappa``, ``PrecisionRecallCurve`` nor ``RocCurve``: asking for one raises an
``ImportError`` that says so and names the torchmetrics metric to wrap with
``bridge.metrics.TorchMetric`` meanwhile. Each is taken from ``bridge.metrics`` as soon as it is there.

Example:
    >>> from bridge.contrib.metrics import ROC_AUC
    >>> import bridge.metrics
    >>> ROC_AUC is bridge.metrics.ROC_AUC
    True
    >>> from bridge.contrib.metrics import CohenKappa  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ImportError: CohenKappa (ignite.metrics.cohen_kappa) is not implemented in bridge yet...
"""

import importlib
import importlib.util
from typing import Any

from bridge.contrib.metrics import regression
from bridge.metrics import gpu_info, roc_auc
from bridge.metrics.gpu_info import GpuInfo
from bridge.metrics.roc_auc import ROC_AUC

# Ignite's names here whose bridge.metrics counterpart may be missing: name -> (module, attribute, what to use)
_TM = "wrap torchmetrics.{} with bridge.metrics.TorchMetric"
_PENDING: dict[str, tuple[str, str, str]] = {
    "average_precision": ("average_precision", "", _TM.format("AveragePrecision")),
    "AveragePrecision": ("average_precision", "AveragePrecision", _TM.format("AveragePrecision")),
    "cohen_kappa": ("cohen_kappa", "", _TM.format("CohenKappa")),
    "CohenKappa": ("cohen_kappa", "CohenKappa", _TM.format("CohenKappa")),
    "precision_recall_curve": ("precision_recall_curve", "", _TM.format("PrecisionRecallCurve")),
    "PrecisionRecallCurve": ("precision_recall_curve", "PrecisionRecallCurve", _TM.format("PrecisionRecallCurve")),
    "RocCurve": ("roc_auc", "RocCurve", _TM.format("ROC")),
}


def _pending(name: str) -> Any:
    """The ``bridge.metrics`` object for Ignite's ``ignite.contrib.metrics.<name>``, or ImportError saying it is missing.

    Example:
        >>> _pending("CohenKappa").__name__
        'CohenKappa'

    """
    module, attribute, instead = _PENDING[name]
    full = f"bridge.metrics.{module}"
    if importlib.util.find_spec(full) is not None:
        found = importlib.import_module(full)
        if not attribute:
            return found
        if hasattr(found, attribute):
            return getattr(found, attribute)
    what = f"{name} (ignite.metrics.{module})" if attribute else f"ignite.metrics.{module}"
    raise ImportError(f"{what} is not implemented in bridge yet. Meanwhile {instead}", name="bridge.contrib.metrics")


def __getattr__(name: str) -> Any:
    if name in _PENDING:
        return _pending(name)
    raise AttributeError(f"module 'bridge.contrib.metrics' has no attribute '{name}'")


__all__ = ["GpuInfo", "ROC_AUC", "gpu_info", "regression", "roc_auc"]

"""``ignite.contrib.metrics``: Ignite 0.5.5's old home of some metrics, now in ``bridge.metrics``.

As Ignite's package, it gives the moved metrics and their ``bridge.metrics`` modules without a
warning; its submodules (``bridge.contrib.metrics.roc_auc``, ``.regression.r2_score``, ...) warn on
import, as Ignite's moved modules do.

Example:
    >>> from bridge.contrib.metrics import ROC_AUC, CohenKappa
    >>> import bridge.metrics
    >>> ROC_AUC is bridge.metrics.ROC_AUC, CohenKappa is bridge.metrics.CohenKappa
    (True, True)
"""

from bridge.contrib.metrics import regression
from bridge.metrics import average_precision, cohen_kappa, gpu_info, precision_recall_curve, roc_auc
from bridge.metrics.average_precision import AveragePrecision
from bridge.metrics.cohen_kappa import CohenKappa
from bridge.metrics.gpu_info import GpuInfo
from bridge.metrics.precision_recall_curve import PrecisionRecallCurve
from bridge.metrics.roc_auc import ROC_AUC, RocCurve

__all__ = [
    "AveragePrecision",
    "CohenKappa",
    "GpuInfo",
    "PrecisionRecallCurve",
    "ROC_AUC",
    "RocCurve",
    "average_precision",
    "cohen_kappa",
    "gpu_info",
    "precision_recall_curve",
    "regression",
    "roc_auc",
]

"""Ignite's metrics (``ignite.metrics``), computed with torchmetrics underneath.

Every metric follows Ignite's protocol (``reset`` / ``update`` / ``compute``, ``attach`` with a
usage, ``output_transform``) and is built on the public Engine API only, so it attaches to an
``Engine`` and to the engines of ``bridge.lightning.EngineCallback`` alike. ``TorchMetric``
makes any ``torchmetrics.Metric`` attachable the same way.

Implemented: ``Metric``, ``MetricUsage``, ``EpochWise``, ``BatchWise``, ``BatchFiltered``,
``RunningEpochWise``, ``RunningBatchWise``, ``SingleEpochRunningBatchWise``, ``MetricsLambda``,
``Accuracy``, ``Loss``, ``Precision``, ``Recall``, ``Fbeta``, ``ConfusionMatrix`` (with ``IoU``,
``mIoU``, ``DiceCoefficient``, ``JaccardIndex``; ``cmAccuracy``, ``cmPrecision``, ``cmRecall`` in
``bridge.metrics.confusion_matrix``, as in Ignite),
``TopKCategoricalAccuracy``, ``MeanSquaredError``, ``MeanAbsoluteError``,
``RootMeanSquaredError``, ``VariableAccumulation``, ``Average``, ``GeometricAverage``,
``RunningAverage``, ``EpochMetric``, ``ROC_AUC``, ``TorchMetric``. The other modules of
``ignite.metrics`` are not here yet: importing one through the alias says so and names the
torchmetrics metric to wrap with ``TorchMetric`` meanwhile (``bridge.alias.UNAVAILABLE``).

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> from bridge.metrics import Accuracy, Loss
    >>> evaluator = Engine(lambda e, batch: batch)
    >>> Accuracy().attach(evaluator, "accuracy")
    >>> Loss(torch.nn.functional.cross_entropy).attach(evaluator, "nll")
    >>> data = [(torch.tensor([[2.0, 0.0], [0.0, 2.0]]), torch.tensor([0, 0]))]
    >>> metrics = evaluator.run(data).metrics
    >>> metrics["accuracy"], round(metrics["nll"], 4)
    (0.5, 1.1269)
"""

from bridge.metrics.accumulation import Average, GeometricAverage, VariableAccumulation
from bridge.metrics.accuracy import Accuracy
from bridge.metrics.confusion_matrix import (
    ConfusionMatrix,
    DiceCoefficient,
    IoU,
    JaccardIndex,
    mIoU,
)
from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.fbeta import Fbeta
from bridge.metrics.loss import Loss
from bridge.metrics.mean_absolute_error import MeanAbsoluteError
from bridge.metrics.mean_squared_error import MeanSquaredError
from bridge.metrics.metric import (
    BatchFiltered,
    BatchWise,
    EpochWise,
    Metric,
    MetricUsage,
    RunningBatchWise,
    RunningEpochWise,
    SingleEpochRunningBatchWise,
)
from bridge.metrics.metrics_lambda import MetricsLambda
from bridge.metrics.precision import Precision
from bridge.metrics.recall import Recall
from bridge.metrics.roc_auc import ROC_AUC
from bridge.metrics.root_mean_squared_error import RootMeanSquaredError
from bridge.metrics.running_average import RunningAverage
from bridge.metrics.top_k_categorical_accuracy import TopKCategoricalAccuracy
from bridge.metrics.torch_metric import TorchMetric

__all__ = [
    "Metric",
    "MetricUsage",
    "EpochWise",
    "BatchWise",
    "BatchFiltered",
    "RunningEpochWise",
    "RunningBatchWise",
    "SingleEpochRunningBatchWise",
    "MetricsLambda",
    "Accuracy",
    "Loss",
    "Precision",
    "Recall",
    "Fbeta",
    "ConfusionMatrix",
    "IoU",
    "mIoU",
    "DiceCoefficient",
    "JaccardIndex",
    "TopKCategoricalAccuracy",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "RootMeanSquaredError",
    "VariableAccumulation",
    "Average",
    "GeometricAverage",
    "RunningAverage",
    "EpochMetric",
    "ROC_AUC",
    "TorchMetric",
]

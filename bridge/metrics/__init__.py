"""Ignite's metrics (``ignite.metrics``), computed with torchmetrics underneath where it has the same quantity.

Every metric follows Ignite's protocol (``reset`` / ``update`` / ``compute``, ``attach`` with a
usage, ``output_transform``) and is built on the public Engine API only, so it attaches to an
``Engine`` and to the engines of ``bridge.lightning.EngineCallback`` alike. ``TorchMetric``
makes any ``torchmetrics.Metric`` attachable the same way. Ignite 0.5.5's catalogue, name for
name (``__all__``); docs/metrics.md says which torchmetrics function computes each one and
where Ignite's definition is kept over torchmetrics'. Importing this package imports neither
torchmetrics nor scikit-learn: a metric imports what it computes with on first use.

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

import bridge.metrics.clustering as clustering
import bridge.metrics.fairness as fairness
import bridge.metrics.regression as regression
from bridge.metrics.accumulation import Average, GeometricAverage, VariableAccumulation
from bridge.metrics.accuracy import Accuracy
from bridge.metrics.average_precision import AveragePrecision
from bridge.metrics.classification_report import ClassificationReport
from bridge.metrics.cohen_kappa import CohenKappa
from bridge.metrics.confusion_matrix import (
    ConfusionMatrix,
    DiceCoefficient,
    IoU,
    JaccardIndex,
    mIoU,
)
from bridge.metrics.cosine_similarity import CosineSimilarity
from bridge.metrics.entropy import Entropy
from bridge.metrics.epoch_metric import EpochMetric
from bridge.metrics.fbeta import Fbeta
from bridge.metrics.frequency import Frequency
from bridge.metrics.gan.fid import FID
from bridge.metrics.gan.inception_score import InceptionScore
from bridge.metrics.gpu_info import GpuInfo
from bridge.metrics.hsic import HSIC
from bridge.metrics.js_divergence import JSDivergence
from bridge.metrics.kl_divergence import KLDivergence
from bridge.metrics.loss import Loss
from bridge.metrics.matthews_corrcoef import MatthewsCorrCoef
from bridge.metrics.maximum_mean_discrepancy import MaximumMeanDiscrepancy
from bridge.metrics.mean_absolute_error import MeanAbsoluteError
from bridge.metrics.mean_average_precision import MeanAveragePrecision
from bridge.metrics.mean_pairwise_distance import MeanPairwiseDistance
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
from bridge.metrics.metric_group import MetricGroup
from bridge.metrics.metrics_lambda import MetricsLambda
from bridge.metrics.multilabel_confusion_matrix import MultiLabelConfusionMatrix
from bridge.metrics.mutual_information import MutualInformation
from bridge.metrics.nlp import Bleu, CharacterErrorRate, Perplexity, Rouge, RougeL, RougeN
from bridge.metrics.precision import Precision
from bridge.metrics.precision_recall_curve import PrecisionRecallCurve
from bridge.metrics.psnr import PSNR
from bridge.metrics.rec_sys.hitrate import HitRate
from bridge.metrics.rec_sys.ndcg import NDCG
from bridge.metrics.recall import Recall
from bridge.metrics.roc_auc import ROC_AUC, RocCurve
from bridge.metrics.root_mean_squared_error import RootMeanSquaredError
from bridge.metrics.running_average import RunningAverage
from bridge.metrics.ssim import SSIM
from bridge.metrics.top_k_categorical_accuracy import TopKCategoricalAccuracy
from bridge.metrics.torch_metric import TorchMetric
from bridge.metrics.vision.object_detection_average_precision_recall import (
    CommonObjectDetectionMetrics,
    ObjectDetectionAvgPrecisionRecall,
    coco_tensor_list_to_dict_list,
)

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
    "MetricGroup",
    "TorchMetric",
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
    "ROC_AUC",
    "RocCurve",
    "AveragePrecision",
    "PrecisionRecallCurve",
    "CohenKappa",
    "MatthewsCorrCoef",
    "MultiLabelConfusionMatrix",
    "ClassificationReport",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "RootMeanSquaredError",
    "VariableAccumulation",
    "Average",
    "GeometricAverage",
    "RunningAverage",
    "EpochMetric",
    "CosineSimilarity",
    "Entropy",
    "KLDivergence",
    "JSDivergence",
    "MutualInformation",
    "HSIC",
    "MaximumMeanDiscrepancy",
    "MeanPairwiseDistance",
    "SSIM",
    "PSNR",
    "Bleu",
    "Rouge",
    "RougeN",
    "RougeL",
    "Perplexity",
    "CharacterErrorRate",
    "Frequency",
    "GpuInfo",
    "HitRate",
    "NDCG",
    "MeanAveragePrecision",
    "ObjectDetectionAvgPrecisionRecall",
    "CommonObjectDetectionMetrics",
    "coco_tensor_list_to_dict_list",
    "FID",
    "InceptionScore",
    "clustering",
    "fairness",
    "regression",
]

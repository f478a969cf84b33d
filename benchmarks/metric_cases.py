"""One catalogue of Ignite 0.5.5's metrics: how to build each one and what one engine output for it looks like.

``CASES`` holds a :class:`MetricCase` per metric, built the
same way from ``ignite.metrics`` or ``bridge.metrics`` (:func:`metrics_package`), so that the same
engine outputs can be fed to both. Every case takes an ``output_transform``: many metrics share one
dict engine output, each reading its own key. ``WITHOUT_CASE`` names the exported metrics left out, and why.

One file past 400 lines: one table, a row per metric with its input builder, read by the
benchmark and the tests alike.

Example:
    >>> import torch
    >>> case = next(c for c in CASES if c.name == "regression.R2Score")
    >>> pkg = metrics_package("bridge")
    >>> metric = case.build(pkg, lambda out: out["r2"])
    >>> metric.update(case.batch(torch.Generator().manual_seed(0), 8))
    >>> isinstance(metric.compute(), float)
    True
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

SUBPACKAGES = ("regression", "clustering", "fairness", "nlp", "gan", "rec_sys", "vision")

#: exported metrics without a case: name -> why
WITHOUT_CASE: dict[str, str] = {
    "GpuInfo": "needs a CUDA device",
    "Metric": "the abstract base class",
    "TorchMetric": "bridge's own wrapper of a torchmetrics.Metric: Ignite has no such class",
}


@dataclass(frozen=True)
class MetricCase:
    """One metric: its name (``Accuracy``, ``regression.R2Score``, ``fairness.SubgroupMetric``), its
    family, how to build it from a metrics package with an ``output_transform``, and one engine output.

    ``timed``: the value is a rate in wall-clock time (``Frequency``): compare its kind, not its value.

    Example:
        >>> case = MetricCase("Average", "accumulation", lambda pkg, ot: pkg.Average(output_transform=ot),
        ...                   lambda g, n: torch.rand(n, 3, generator=g))
        >>> case.build(metrics_package("bridge"), lambda o: o).__class__.__name__
        'Average'
    """

    name: str
    family: str
    build: Callable[[ModuleType, Callable], Any]
    batch: Callable[[torch.Generator, int], Any]
    timed: bool = False


def metrics_package(lib: str) -> ModuleType:
    """``ignite.metrics`` or ``bridge.metrics`` (``lib``: "ignite" | "bridge"), its subpackages imported.

    Example:
        >>> metrics_package("bridge").regression.R2Score.__name__
        'R2Score'
    """
    if lib not in ("ignite", "bridge"):
        raise ValueError(f"lib should be 'ignite' or 'bridge', got {lib!r}")
    with warnings.catch_warnings():  # Ignite's imports warn about torch.jit
        warnings.simplefilter("ignore", DeprecationWarning)
        pkg = importlib.import_module(f"{lib}.metrics")
        for sub in SUBPACKAGES:
            importlib.import_module(f"{lib}.metrics.{sub}")
    return pkg


def _box_area(boxes: torch.Tensor) -> torch.Tensor:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _box_inter_union(boxes1: torch.Tensor, boxes2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    area1, area2 = _box_area(boxes1), _box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = (rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, area1[:, None] + area2 - inter


@contextlib.contextmanager
def torchvision_stand_in() -> Iterator[None]:
    """While open, ``torchvision.ops.boxes`` (torchvision's ``box_area`` / ``_box_inter_union`` for float
    boxes) exists if torchvision is not installed: Ignite's object detection metrics import it when
    built and at every update (bridge's need no torchvision). Open it around Ignite's runs only: a
    library that looks for torchvision meanwhile finds a module without a spec and fails.

    Example:
        >>> with torchvision_stand_in():
        ...     from torchvision.ops.boxes import box_area
        ...     box_area(torch.tensor([[0.0, 0.0, 2.0, 3.0]]))
        tensor([6.])
    """
    if importlib.util.find_spec("torchvision") is not None:
        yield
        return
    tv, ops, boxes = (types.ModuleType(n) for n in ("torchvision", "torchvision.ops", "torchvision.ops.boxes"))
    boxes.box_area, boxes._box_inter_union = _box_area, _box_inter_union  # type: ignore[attr-defined]
    tv.ops, ops.boxes = ops, boxes  # type: ignore[attr-defined]
    modules = {"torchvision": tv, "torchvision.ops": ops, "torchvision.ops.boxes": boxes}
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


# ---------------------------------------------------------------- engine outputs
# Each takes (generator, batch_size) and returns one engine output in the form the metric's update takes.

NUM_CLASSES = 10
VOCAB = [f"w{i}" for i in range(24)]


def _ints(g: torch.Generator, high: int, *shape: int) -> torch.Tensor:
    return torch.randint(0, high, shape, generator=g)


def _multiclass(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """10-class logits and labels, the logits leaning towards the label (a trained-ish model)."""
    y = _ints(g, NUM_CLASSES, n)
    logits = torch.randn(n, NUM_CLASSES, generator=g) + 2.0 * F.one_hot(y, NUM_CLASSES)
    return logits, y


def _labels(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted and true labels of 5 classes, right two times in three."""
    y = _ints(g, 5, n)
    wrong = torch.rand(n, generator=g) < 1 / 3
    return torch.where(wrong, _ints(g, 5, n), y), y


def _binary(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores in [0, 1] and 0/1 targets, both classes in the batch (when it has two samples)."""
    y = _ints(g, 2, n)
    if n >= 2:
        y[0], y[1] = 0, 1
    return torch.sigmoid(torch.randn(n, generator=g) + 1.2 * y - 0.6), y


def _multilabel_scores(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    y = _ints(g, 2, n, 5)
    return torch.sigmoid(torch.randn(n, 5, generator=g) + 2.0 * y - 1.0), y


def _multilabel_labels(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    scores, y = _multilabel_scores(g, n)
    return (scores > 0.5).long(), y


def _segmentation(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """4-class logits over 16x16 pixels and the pixel labels."""
    y = _ints(g, 4, n, 16, 16)
    return torch.randn(n, 4, 16, 16, generator=g) + 1.5 * F.one_hot(y, 4).permute(0, 3, 1, 2), y


def _regression(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Positive targets and predictions near them (the relative and geometric metrics divide and take logs)."""
    y = torch.rand(n, generator=g) * 4 + 0.5
    return (y + 0.5 * torch.randn(n, generator=g)).abs() + 0.1, y


def _features(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, 16, generator=g)
    return x, x + 0.5 * torch.randn(n, 16, generator=g)


def _domains(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """8-d features of two domains, the second shifted by one in every feature."""
    return torch.randn(n, 8, generator=g), torch.randn(n, 8, generator=g) + 1.0


def _distributions(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """10-class logits of a model and of a reference (KL / JS), or with unused targets (entropies)."""
    x = torch.randn(n, NUM_CLASSES, generator=g)
    return x, x + torch.randn(n, NUM_CLASSES, generator=g)


def _images(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """32x32 RGB images in [0, 1] and noisy reconstructions of them."""
    y = torch.rand(n, 3, 32, 32, generator=g)
    return (0.8 * y + 0.2 * torch.rand(n, 3, 32, 32, generator=g)), y


def _sentence(g: torch.Generator) -> list[str]:
    return [VOCAB[int(i)] for i in _ints(g, len(VOCAB), int(_ints(g, 8, 1)) + 4)]


def _edit(g: torch.Generator, words: list[str]) -> list[str]:
    """``words`` with about one word in four replaced."""
    return [VOCAB[int(_ints(g, len(VOCAB), 1))] if float(torch.rand(1, generator=g)) < 0.25 else w for w in words]


def _corpus(g: torch.Generator, n: int) -> tuple[list[list[str]], list[list[list[str]]]]:
    """``n`` candidate sentences, each with two references."""
    refs = [[_sentence(g) for _ in range(2)] for _ in range(n)]
    return [_edit(g, r[0]) for r in refs], refs


def _strings(g: torch.Generator, n: int) -> tuple[list[str], list[str]]:
    """Transcriptions and their references (character error rate)."""
    refs = [" ".join(_sentence(g)) for _ in range(n)]
    return [" ".join(_edit(g, r.split())) for r in refs], refs


def _language_model(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits ``(n, vocab 32, 8 tokens)`` and the tokens."""
    return torch.randn(n, 32, 8, generator=g), _ints(g, 32, n, 8)


def _detections(g: torch.Generator, n: int) -> tuple[list[dict], list[dict]]:
    """``n`` images of 3 classes: a few ground-truth boxes each, detections that mostly jitter them."""
    y_pred, y = [], []
    for _ in range(n):
        num_gts, num_extra = int(_ints(g, 4, 1)) + 1, int(_ints(g, 3, 1))
        xy = torch.rand(num_gts, 2, generator=g) * 100
        gts = torch.cat([xy, xy + 8 + torch.rand(num_gts, 2, generator=g) * 60], dim=1)
        labels = _ints(g, 3, num_gts)
        extra_xy = torch.rand(num_extra, 2, generator=g) * 100
        extra = torch.cat([extra_xy, extra_xy + 8 + torch.rand(num_extra, 2, generator=g) * 60], dim=1)
        dets = torch.cat([gts + torch.randn(num_gts, 4, generator=g) * 4, extra])
        det_labels = torch.cat([labels, _ints(g, 3, num_extra)])
        scores = torch.rand(num_gts + num_extra, generator=g)
        y_pred.append({"bbox": dets, "scores": scores, "labels": det_labels})
        y.append({"bbox": gts, "labels": labels})
    return y_pred, y


class PooledFeatures(nn.Module):
    """A deterministic, parameter-free feature extractor for FID / InceptionScore: a ``(2, 1)`` average
    pool of each channel (6 features of an RGB image), as class probabilities if ``probabilities``.

    Example:
        >>> PooledFeatures()(torch.ones(2, 3, 16, 16)).shape
        torch.Size([2, 6])
    """

    num_features = 6

    def __init__(self, probabilities: bool = False) -> None:
        super().__init__()
        self.probabilities = probabilities

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = F.adaptive_avg_pool2d(x, (2, 1)).flatten(1)
        return torch.softmax(8.0 * features, dim=1) if self.probabilities else features


def _gan_images(g: torch.Generator, n: int) -> torch.Tensor:
    """16x16 RGB images whose channels differ in brightness from image to image."""
    return torch.rand(n, 3, 16, 16, generator=g) * torch.rand(n, 3, 1, 1, generator=g)


def _fake_and_real(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    return _gan_images(g, n), _gan_images(g, n)


def _recommendations(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Scores of 20 items for ``n`` users and the items' 0/1 relevance."""
    relevance = (torch.rand(n, 20, generator=g) < 0.2).float()
    return torch.randn(n, 20, generator=g) + relevance, relevance


def _clusters(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """8-d features around 3 centers, with their cluster labels (every cluster present from 3 samples)."""
    labels = torch.randperm(n, generator=g) % 3
    centers = torch.arange(3.0)[:, None] * 2.0 * torch.ones(3, 8)
    return centers[labels] + torch.randn(n, 8, generator=g), labels


def _groups(g: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """3-class logits, labels and the sample's group (0, 1 or 2)."""
    y = _ints(g, 3, n)
    return torch.randn(n, 3, generator=g) + 1.5 * F.one_hot(y, 3), y, _ints(g, 3, n)


def _scalar_loss(g: torch.Generator, n: int) -> torch.Tensor:
    """A batch's loss: one 0-d tensor."""
    return torch.rand((), generator=g) + 0.5


def _per_sample(g: torch.Generator, n: int) -> torch.Tensor:
    """Positive per-sample values ``(n, 3)``."""
    return torch.rand(n, 3, generator=g) + 0.1


def _count(g: torch.Generator, n: int) -> int:
    """The number of samples the batch processed (Frequency)."""
    return n


# ---------------------------------------------------------------- metric factories that need a name


def _sum_rows(acc: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return acc + x.sum(dim=0)


def _mean_absolute_error(y_pred: torch.Tensor, y: torch.Tensor) -> float:
    return float((y_pred - y).abs().mean())


def _f1(precision: torch.Tensor, recall: torch.Tensor) -> torch.Tensor:
    return 2 * precision * recall / (precision + recall + 1e-20)


def _cm(pkg: ModuleType, ot: Callable) -> Any:
    return pkg.ConfusionMatrix(num_classes=4, output_transform=ot)


def _regression_case(name: str) -> MetricCase:
    def build(pkg: ModuleType, ot: Callable) -> Any:
        return getattr(pkg.regression, name)(output_transform=ot)

    return MetricCase(f"regression.{name}", "regression", build, _regression)


REGRESSION = [
    "CanberraMetric", "FractionalAbsoluteError", "FractionalBias", "GeometricMeanAbsoluteError",
    "GeometricMeanRelativeAbsoluteError", "KendallRankCorrelation", "ManhattanDistance", "MaximumAbsoluteError",
    "MeanAbsoluteRelativeError", "MeanError", "MeanNormalizedBias", "MedianAbsoluteError",
    "MedianAbsolutePercentageError", "MedianRelativeAbsoluteError", "PearsonCorrelation", "R2Score",
    "SpearmanRankCorrelation", "WaveHedgesDistance",
]  # fmt: skip


def _clustering_case(name: str) -> MetricCase:
    def build(pkg: ModuleType, ot: Callable) -> Any:
        return getattr(pkg.clustering, name)(output_transform=ot)

    return MetricCase(f"clustering.{name}", "clustering", build, _clusters)


CASES: list[MetricCase] = [
    # classification
    MetricCase("Accuracy", "classification", lambda pkg, ot: pkg.Accuracy(output_transform=ot), _multiclass),
    MetricCase("Loss", "classification", lambda pkg, ot: pkg.Loss(F.cross_entropy, output_transform=ot), _multiclass),
    MetricCase("Precision", "classification", lambda pkg, ot: pkg.Precision(average="macro", output_transform=ot),
               _multiclass),
    MetricCase("Recall", "classification", lambda pkg, ot: pkg.Recall(average=False, output_transform=ot), _multiclass),
    MetricCase("Fbeta", "classification", lambda pkg, ot: pkg.Fbeta(2.0, output_transform=ot), _multiclass),
    MetricCase("ConfusionMatrix", "classification",
               lambda pkg, ot: pkg.ConfusionMatrix(NUM_CLASSES, output_transform=ot), _multiclass),
    MetricCase("IoU", "classification", lambda pkg, ot: pkg.IoU(_cm(pkg, ot)), _segmentation),
    MetricCase("mIoU", "classification", lambda pkg, ot: pkg.mIoU(_cm(pkg, ot)), _segmentation),
    MetricCase("DiceCoefficient", "classification", lambda pkg, ot: pkg.DiceCoefficient(_cm(pkg, ot)), _segmentation),
    MetricCase("JaccardIndex", "classification", lambda pkg, ot: pkg.JaccardIndex(_cm(pkg, ot)), _segmentation),
    MetricCase("TopKCategoricalAccuracy", "classification",
               lambda pkg, ot: pkg.TopKCategoricalAccuracy(k=5, output_transform=ot), _multiclass),
    MetricCase("CohenKappa", "classification",
               lambda pkg, ot: pkg.CohenKappa(weights="quadratic", output_transform=ot), _labels),
    MetricCase("MatthewsCorrCoef", "classification", lambda pkg, ot: pkg.MatthewsCorrCoef(output_transform=ot),
               _multiclass),
    MetricCase("MultiLabelConfusionMatrix", "classification",
               lambda pkg, ot: pkg.MultiLabelConfusionMatrix(5, output_transform=ot), _multilabel_labels),
    MetricCase("ClassificationReport", "classification",
               lambda pkg, ot: pkg.ClassificationReport(output_dict=True, output_transform=ot), _multiclass),
    # ranking
    MetricCase("ROC_AUC", "ranking", lambda pkg, ot: pkg.ROC_AUC(output_transform=ot), _binary),
    MetricCase("RocCurve", "ranking", lambda pkg, ot: pkg.RocCurve(output_transform=ot), _binary),
    MetricCase("AveragePrecision", "ranking", lambda pkg, ot: pkg.AveragePrecision(output_transform=ot),
               _multilabel_scores),
    MetricCase("PrecisionRecallCurve", "ranking", lambda pkg, ot: pkg.PrecisionRecallCurve(output_transform=ot),
               _binary),
    MetricCase("MeanAveragePrecision", "ranking", lambda pkg, ot: pkg.MeanAveragePrecision(output_transform=ot),
               _multiclass),
    # regression
    MetricCase("MeanSquaredError", "regression", lambda pkg, ot: pkg.MeanSquaredError(output_transform=ot),
               _regression),
    MetricCase("MeanAbsoluteError", "regression", lambda pkg, ot: pkg.MeanAbsoluteError(output_transform=ot),
               _regression),
    MetricCase("RootMeanSquaredError", "regression", lambda pkg, ot: pkg.RootMeanSquaredError(output_transform=ot),
               _regression),
    *(_regression_case(name) for name in REGRESSION),
    # distances between predictions and targets, or of distributions
    MetricCase("CosineSimilarity", "distances", lambda pkg, ot: pkg.CosineSimilarity(output_transform=ot), _features),
    MetricCase("Entropy", "distances", lambda pkg, ot: pkg.Entropy(output_transform=ot), _distributions),
    MetricCase("KLDivergence", "distances", lambda pkg, ot: pkg.KLDivergence(output_transform=ot), _distributions),
    MetricCase("JSDivergence", "distances", lambda pkg, ot: pkg.JSDivergence(output_transform=ot), _distributions),
    MetricCase("MutualInformation", "distances", lambda pkg, ot: pkg.MutualInformation(output_transform=ot),
               _distributions),
    MetricCase("HSIC", "distances", lambda pkg, ot: pkg.HSIC(output_transform=ot), _features),
    MetricCase("MaximumMeanDiscrepancy", "distances",
               lambda pkg, ot: pkg.MaximumMeanDiscrepancy(var=4.0, output_transform=ot), _domains),
    MetricCase("MeanPairwiseDistance", "distances", lambda pkg, ot: pkg.MeanPairwiseDistance(output_transform=ot),
               _features),
    # image
    MetricCase("SSIM", "image", lambda pkg, ot: pkg.SSIM(data_range=1.0, output_transform=ot), _images),
    MetricCase("PSNR", "image", lambda pkg, ot: pkg.PSNR(data_range=1.0, output_transform=ot), _images),
    # nlp (flattened result keys kept apart: Rouge-1/2, Rouge-4, Rouge-L)
    MetricCase("Bleu", "nlp", lambda pkg, ot: pkg.Bleu(ngram=4, smooth="smooth1", output_transform=ot), _corpus),
    MetricCase("Rouge", "nlp", lambda pkg, ot: pkg.Rouge(variants=[1, 2], output_transform=ot), _corpus),
    MetricCase("RougeN", "nlp", lambda pkg, ot: pkg.RougeN(ngram=4, output_transform=ot), _corpus),
    MetricCase("RougeL", "nlp", lambda pkg, ot: pkg.RougeL(output_transform=ot), _corpus),
    MetricCase("Perplexity", "nlp", lambda pkg, ot: pkg.Perplexity(output_transform=ot), _language_model),
    MetricCase("CharacterErrorRate", "nlp", lambda pkg, ot: pkg.CharacterErrorRate(output_transform=ot), _strings),
    # detection (Ignite's need torchvision: run them inside torchvision_stand_in())
    MetricCase("ObjectDetectionAvgPrecisionRecall", "detection",
               lambda pkg, ot: pkg.ObjectDetectionAvgPrecisionRecall(num_classes=3, output_transform=ot), _detections),
    MetricCase("CommonObjectDetectionMetrics", "detection",
               lambda pkg, ot: pkg.CommonObjectDetectionMetrics(num_classes=3, output_transform=ot), _detections),
    # gan
    MetricCase("FID", "gan", lambda pkg, ot: pkg.FID(num_features=PooledFeatures.num_features,
                                                    feature_extractor=PooledFeatures(), output_transform=ot),
               _fake_and_real),
    MetricCase("InceptionScore", "gan",
               lambda pkg, ot: pkg.InceptionScore(num_features=PooledFeatures.num_features,
                                                  feature_extractor=PooledFeatures(probabilities=True),
                                                  output_transform=ot),
               _gan_images),
    # rec_sys
    MetricCase("HitRate", "rec_sys", lambda pkg, ot: pkg.HitRate(top_k=[1, 5, 10], output_transform=ot),
               _recommendations),
    MetricCase("NDCG", "rec_sys", lambda pkg, ot: pkg.NDCG(top_k=[5, 10], output_transform=ot), _recommendations),
    # clustering
    *(_clustering_case(name) for name in ("SilhouetteScore", "DaviesBouldinScore", "CalinskiHarabaszScore")),
    # fairness
    MetricCase("fairness.SubgroupAccuracyDifference", "fairness",
               lambda pkg, ot: pkg.fairness.SubgroupAccuracyDifference(groups=[0, 1, 2], output_transform=ot),
               _groups),
    MetricCase("fairness.DemographicParityDifference", "fairness",
               lambda pkg, ot: pkg.fairness.DemographicParityDifference(groups=[0, 1, 2], output_transform=ot),
               _groups),
    MetricCase("fairness.SelectionRate", "fairness",
               lambda pkg, ot: pkg.fairness.SelectionRate(output_transform=lambda o: ot(o)[:2]), _groups),
    MetricCase("fairness.SubgroupMetric", "fairness",
               lambda pkg, ot: pkg.fairness.SubgroupMetric(pkg.Accuracy(), groups=[0, 1, 2], output_transform=ot),
               _groups),
    MetricCase("fairness.SubgroupDifference", "fairness",
               lambda pkg, ot: pkg.fairness.SubgroupDifference(pkg.Recall(average="macro"), groups=[0, 1, 2],
                                                               output_transform=ot),
               _groups),
    # accumulation
    MetricCase("VariableAccumulation", "accumulation",
               lambda pkg, ot: pkg.VariableAccumulation(_sum_rows, output_transform=ot), _per_sample),
    MetricCase("Average", "accumulation", lambda pkg, ot: pkg.Average(output_transform=ot), _per_sample),
    MetricCase("GeometricAverage", "accumulation", lambda pkg, ot: pkg.GeometricAverage(output_transform=ot),
               _per_sample),
    # of the engine output only: with a src metric, Ignite's RunningAverage refuses a dict engine output
    MetricCase("RunningAverage", "accumulation",
               lambda pkg, ot: pkg.RunningAverage(output_transform=ot, alpha=0.9), _scalar_loss),
    MetricCase("EpochMetric", "accumulation",
               lambda pkg, ot: pkg.EpochMetric(_mean_absolute_error, output_transform=ot), _regression),
    # misc
    MetricCase("Frequency", "misc", lambda pkg, ot: pkg.Frequency(output_transform=ot), _count, timed=True),
    MetricCase("MetricGroup", "misc",
               lambda pkg, ot: pkg.MetricGroup({"group/accuracy": pkg.Accuracy(),
                                                "group/top3": pkg.TopKCategoricalAccuracy(k=3)}, output_transform=ot),
               _multiclass),
    MetricCase("MetricsLambda", "misc",
               lambda pkg, ot: pkg.MetricsLambda(_f1, pkg.Precision(average=False, output_transform=ot),
                                                 pkg.Recall(average=False, output_transform=ot)),
               _multiclass),
]  # fmt: skip

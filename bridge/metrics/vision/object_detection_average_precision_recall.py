"""COCO-style detection AP/AR (``ignite.metrics.vision.object_detection_average_precision_recall``).

``ObjectDetectionAvgPrecisionRecall`` matches each image's detections to its ground truths as
pycocotools does (greedily, by decreasing score, per class and IoU threshold; crowd and out-of-range
ground truths are ignored: detections matching them count neither way), then averages the
101-point interpolated precision and the final recall over IoU thresholds and classes.
``CommonObjectDetectionMetrics`` gives COCO's twelve summary numbers at once.

Own code: torchmetrics' detection mAP needs pycocotools or faster_coco_eval, and Ignite's needs
torchvision for the box IoU; here the IoU and the matching need neither. The matching runs in numpy
on the CPU (it is sequential over detections); storage and the result live on ``device``.

Past 400 lines because it is Ignite's module of this path and one concept: the converter, the metric
and its COCO summary group share the box, matching and AP code below.

Example:
    >>> import torch
    >>> m = ObjectDetectionAvgPrecisionRecall(num_classes=2)
    >>> y_pred = [{"bbox": torch.tensor([[0.0, 0.0, 10.0, 10.0], [20.0, 20.0, 30.0, 30.0]]),
    ...            "scores": torch.tensor([0.9, 0.8]), "labels": torch.tensor([0, 1])}]
    >>> y = [{"bbox": torch.tensor([[0.0, 0.0, 10.0, 9.0], [50.0, 50.0, 60.0, 60.0]]), "labels": torch.tensor([0, 1])}]
    >>> m.update((y_pred, y))
    >>> m.compute()  # class 0 is found at IoU 0.9 (AP 0.9, AR 0.9), class 1 is missed
    (0.45, 0.45)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, cast

import numpy as np
import torch

from bridge.metrics.mean_average_precision import _cat_and_gather, _setup_thresholds
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.metrics.metric_group import MetricGroup
from bridge.utils import _identity

__all__ = ["coco_tensor_list_to_dict_list", "ObjectDetectionAvgPrecisionRecall", "CommonObjectDetectionMetrics"]

# COCO's object sizes (pixels^2): small < 32^2 <= medium < 96^2 <= large (bounds inclusive, as Ignite)
_AREA_RANGES = {"all": (0.0, 1e10), "small": (0.0, 1024.0), "medium": (1024.0, 9216.0), "large": (9216.0, 1e10)}
_NO_MATCH = -3.0  # below every IoU threshold, or another class
_IGNORED = -2.0  # added to ignored ground truths' IoUs, so a match prefers any non-ignored one


def coco_tensor_list_to_dict_list(
    output: tuple[
        list[torch.Tensor] | list[dict[str, torch.Tensor]],
        list[torch.Tensor] | list[dict[str, torch.Tensor]],
    ],
) -> tuple[list[dict[str, torch.Tensor]], list[dict[str, torch.Tensor]]]:
    """``(y_pred, y)`` as lists of dicts: per-image ``(N, 6)`` / ``(N, 5 or 6)`` tensors are split, dicts kept.

    A detection row is ``(x1, y1, x2, y2, confidence, class)`` -> keys ``bbox``, ``confidence``,
    ``class``; a ground-truth row ``(x1, y1, x2, y2, class[, iscrowd])`` -> ``bbox``, ``class``
    (and ``iscrowd``). The keys are Ignite's; :class:`ObjectDetectionAvgPrecisionRecall` reads
    ``confidence``/``class`` as ``scores``/``labels``, so this works as its ``output_transform``.

    Example:
        >>> import torch
        >>> y_pred, y = coco_tensor_list_to_dict_list(
        ...     ([torch.tensor([[0.0, 0.0, 4.0, 4.0, 0.9, 1.0]])], [torch.tensor([[0.0, 0.0, 4.0, 5.0, 1.0]])]))
        >>> sorted(y_pred[0]), y_pred[0]["confidence"], sorted(y[0])
        (['bbox', 'class', 'confidence'], tensor([0.9000]), ['bbox', 'class'])
    """
    y_pred, y = output
    if len(y_pred) > 0 and isinstance(y_pred[0], torch.Tensor):
        y_pred = [{"bbox": t[:, :4], "confidence": t[:, 4], "class": t[:, 5]} for t in y_pred]
    if len(y) > 0 and isinstance(y[0], torch.Tensor):
        if y[0].size(1) == 5:
            y = [{"bbox": t[:, :4], "class": t[:, 4]} for t in y]
        else:
            y = [{"bbox": t[:, :4], "class": t[:, 4], "iscrowd": t[:, 5]} for t in y]
    return cast(tuple[list[dict[str, torch.Tensor]], list[dict[str, torch.Tensor]]], (y_pred, y))


def _upcast(t: torch.Tensor) -> torch.Tensor:
    # as torchvision: box arithmetic in at least float32 / int32, so small dtypes do not overflow
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    return t if t.dtype in (torch.int32, torch.int64) else t.int()


def _box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas of ``(N, 4)`` ``(x1, y1, x2, y2)`` boxes."""
    boxes = _upcast(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _box_iou(pred_boxes: torch.Tensor, gt_boxes: torch.Tensor, gt_crowd: torch.Tensor) -> torch.Tensor:
    """``(P, G)`` IoUs; for a crowd ground truth, intersection over the detection's area (COCO). 0/0 -> 0.

    Example:
        >>> import torch
        >>> _box_iou(torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[1.0, 0.0, 3.0, 2.0]] * 2),
        ...          torch.tensor([False, True]))
        tensor([[0.3333, 0.5000]])
    """
    pred_area, gt_area = _box_area(pred_boxes), _box_area(gt_boxes)
    top_left = torch.max(pred_boxes[:, None, :2], gt_boxes[:, :2])
    bottom_right = torch.min(pred_boxes[:, None, 2:], gt_boxes[:, 2:])
    wh = _upcast(bottom_right - top_left).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    union = pred_area[:, None] + gt_area - inter
    union[:, gt_crowd] = pred_area.reshape(-1, 1)
    iou = inter / union
    iou[iou.isnan()] = 0
    return iou


def _in_area_range(boxes: torch.Tensor, area_range: str) -> torch.Tensor:
    low, high = _AREA_RANGES.get(area_range, _AREA_RANGES["all"])
    areas = _box_area(boxes)
    return (areas >= low) & (areas <= high)


def _match(
    ious: torch.Tensor,
    same_class: torch.Tensor,
    gt_ignore: torch.Tensor,
    gt_crowd: torch.Tensor,
    iou_thresholds: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """COCO's greedy matching of one image: detections (rows, by decreasing score within a class) to ground truths.

    Per IoU threshold, each detection takes the best still free ground truth of its class with an
    IoU at least the threshold (non-ignored ones first; the last on ties, as pycocotools); a matched
    non-crowd ground truth is no longer free. Returns ``(tp, unmatched)``, both ``(T, P)`` bool:
    matched to a non-ignored ground truth; matched to none.
    """
    values = ious.cpu().numpy()
    thresholds = iou_thresholds.cpu().numpy()
    crowd = gt_crowd.cpu().numpy()
    candidate = same_class.cpu().numpy()[..., None] & (values[..., None] >= thresholds)
    # IoU arithmetic in the IoUs' own dtype: ties between candidates break as in Ignite's torch code
    v = np.where(candidate, values[..., None], values.dtype.type(_NO_MATCH))
    v[:, gt_ignore.cpu().numpy()] += values.dtype.type(_IGNORED)
    num_preds, num_gts, num_thresholds = v.shape
    free = np.ones((num_gts, num_thresholds), dtype=bool)
    best = np.full((num_preds, num_thresholds), _NO_MATCH, dtype=v.dtype)
    columns = np.arange(num_thresholds)
    for i in np.flatnonzero(candidate.any(axis=(1, 2))):
        row = np.where(free, v[i], v.dtype.type(_NO_MATCH))
        gt = num_gts - 1 - row[::-1].argmax(axis=0)
        best[i] = row[gt, columns]
        taken = (best[i] > _NO_MATCH) & ~crowd[gt]
        free[gt[taken], columns[taken]] = False
    tp = torch.from_numpy(best.T >= 0)
    unmatched = torch.from_numpy(best.T <= _NO_MATCH)
    return tp, unmatched


def _coco_average_precision(recall: np.ndarray, precision: np.ndarray, rec_thresholds: np.ndarray) -> np.ndarray:
    """pycocotools' AP of ``(T, n)`` curves: the mean over recall thresholds of the best precision at or beyond."""
    envelope = np.maximum.accumulate(precision[:, ::-1], axis=-1)[:, ::-1]
    n = recall.shape[-1]
    at = np.zeros((recall.shape[0], len(rec_thresholds)), dtype=precision.dtype)
    for row in range(recall.shape[0]):
        index = np.searchsorted(recall[row], rec_thresholds)  # first recall >= threshold
        reached = index != n
        at[row, reached] = envelope[row, index[reached]]
    return at.sum(axis=-1) / len(rec_thresholds)


def _average_precisions_recalls(
    tp: torch.Tensor,
    fp: torch.Tensor,
    scores: torch.Tensor,
    labels: torch.Tensor,
    gt_count: torch.Tensor,
    rec_thresholds: torch.Tensor,
) -> torch.Tensor:
    """The functional core: ``(2, C, T)`` AP (``[0]``) and AR (``[1]``) per class and IoU threshold.

    ``tp``/``fp`` ``(T, D)``, ``scores``/``labels`` ``(D,)`` describe all the matched detections,
    ``gt_count`` ``(C,)`` the non-ignored ground truths per class. A class without ground truth gets
    ``-1``; one with ground truths but no detection ``0``. Computed in numpy on the CPU (a loop over
    classes of small sequential steps), returned on ``scores``' device.

    Example:
        >>> import torch
        >>> hits = torch.tensor([[1, 0]], dtype=torch.uint8)
        >>> _average_precisions_recalls(hits, 1 - hits, torch.tensor([0.9, 0.8]), torch.tensor([0, 0]),
        ...                             torch.tensor([2.0, 0.0]), torch.linspace(0, 1, 11))
        tensor([[[ 0.5455],
                 [-1.0000]],
        <BLANKLINE>
                [[ 0.5000],
                 [-1.0000]]])
    """
    dtype = scores.dtype
    num_classes, num_thresholds = gt_count.numel(), tp.shape[0]
    result = -np.ones((2, num_classes, num_thresholds), dtype=torch.empty(0, dtype=dtype).numpy().dtype)
    # by class, then decreasing score; ties keep their order (stable), as Ignite's per-class argsort
    by_score = torch.argsort(scores, descending=True, stable=True)
    order = by_score[torch.argsort(labels[by_score], stable=True)].cpu().numpy()
    per_class = torch.bincount(labels.long(), minlength=num_classes).tolist()
    starts = np.cumsum([0] + per_class).tolist()
    tp_np, fp_np = tp.cpu().numpy(), fp.cpu().numpy()
    counts = gt_count.cpu().numpy()
    thresholds = rec_thresholds.cpu().numpy()
    for cls in range(num_classes):
        if counts[cls] == 0:
            continue
        if per_class[cls] == 0:
            result[:, cls] = 0.0
            continue
        index = order[starts[cls] : starts[cls + 1]]
        tp_sum = tp_np[:, index].cumsum(axis=-1).astype(result.dtype)
        fp_sum = fp_np[:, index].cumsum(axis=-1).astype(result.dtype)
        recall = tp_sum / counts[cls]
        predicted = tp_sum + fp_sum
        precision = tp_sum / np.where(predicted == 0, 1, predicted)
        result[0, cls] = _coco_average_precision(recall, precision, thresholds)
        result[1, cls] = recall[:, -1]
    return torch.from_numpy(result).to(scores.device)


def _mean_over_found(values: torch.Tensor) -> float:
    return values[values > -1].mean().item()


class ObjectDetectionAvgPrecisionRecall(Metric):
    """COCO's mean average precision and recall of a detector: ``compute()`` is ``(AP, AR)``.

    ``update((y_pred, y))`` takes two same-length lists, one dict per image:

    - ``y_pred``: ``bbox`` ``(D, 4)`` as ``(x1, y1, x2, y2)``, ``scores`` ``(D,)``, ``labels`` ``(D,)``
      (``confidence``/``class`` are read as ``scores``/``labels``);
    - ``y``: ``bbox`` ``(G, 4)``, ``labels`` ``(G,)``, optionally ``iscrowd`` ``(G,)`` (bool).

    AP and AR are averaged over IoU thresholds and over the classes that have ground truths;
    ``(-1.0, -1.0)`` when no class has any.

    Args:
        iou_thresholds: IoU thresholds in [0, 1]; default COCO's ``0.5, 0.55, ..., 0.95``.
        rec_thresholds: recall thresholds in [0, 1]; default COCO's ``0, 0.01, ..., 1``.
        num_classes: number of categories (default 80, COCO's); detections of other labels are dropped.
        max_detections_per_image_per_class: the most confident detections kept per class and image.
        area_range: ``"all"``, ``"small"``, ``"medium"`` or ``"large"``: objects outside it are ignored.
        output_transform, device, skip_unrolling: as every metric;
            :func:`coco_tensor_list_to_dict_list` accepts per-image tensors.

    Example:
        >>> import torch
        >>> m = ObjectDetectionAvgPrecisionRecall(num_classes=1, iou_thresholds=[0.5])
        >>> y_pred = [{"bbox": torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0]]),
        ...            "scores": torch.tensor([0.6, 0.9]), "labels": torch.tensor([0, 0])}]
        >>> m.update((y_pred, [{"bbox": torch.tensor([[0.0, 0.0, 10.0, 10.0]]), "labels": torch.tensor([0])}]))
        >>> m.compute()  # the more confident box matches, the other is a false positive
        (1.0, 1.0)
    """

    _tps: list[torch.Tensor]
    _fps: list[torch.Tensor]
    _scores: list[torch.Tensor]
    _y_pred_labels: list[torch.Tensor]
    _y_true_count: torch.Tensor

    def __init__(
        self,
        iou_thresholds: Sequence[float] | torch.Tensor | None = None,
        rec_thresholds: Sequence[float] | torch.Tensor | None = None,
        num_classes: int = 80,
        max_detections_per_image_per_class: int = 100,
        area_range: Literal["small", "medium", "large", "all"] = "all",
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        self._num_classes = num_classes
        self._area_range = area_range
        self._max_detections_per_image_per_class = max_detections_per_image_per_class
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        rec = torch.linspace(0, 1, 101) if rec_thresholds is None else rec_thresholds
        iou = torch.linspace(0.5, 0.95, 10) if iou_thresholds is None else iou_thresholds
        self.rec_thresholds = _setup_thresholds(rec, "rec_thresholds", self._device, self._double_dtype)
        self._iou_thresholds = _setup_thresholds(iou, "iou_thresholds", self._device, self._double_dtype)

    @reinit__is_reduced
    def reset(self) -> None:
        self._tps = []
        self._fps = []
        self._scores = []
        self._y_pred_labels = []
        self._y_true_count = torch.zeros((self._num_classes,), device=self._device)

    @staticmethod
    def _check_matching_input(output: Sequence[list[dict[str, torch.Tensor]]]) -> None:
        y_pred, y = output
        if len(y_pred) != len(y):
            raise ValueError(f"y_pred and y should have the same number of samples, given {len(y_pred)} and {len(y)}.")
        if len(y_pred) == 0:
            raise ValueError("y_pred and y should contain at least one sample.")
        keys = y_pred[0].keys()
        if not ("bbox" in keys and ({"scores", "confidence"} & keys) and ({"labels", "class"} & keys)):
            raise ValueError(
                "y_pred sample dictionaries should have 'bbox', 'scores' (or 'confidence')"
                f" and 'labels' (or 'class') keys, given keys: {keys}"
            )
        keys = y[0].keys()
        if not ("bbox" in keys and ({"labels", "class"} & keys)):
            raise ValueError(
                "y sample dictionaries should have 'bbox', 'labels' (or 'class')"
                f" and optionally 'iscrowd' keys, given keys: {keys}"
            )

    def _keep_best(self, scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Indices of the kept detections: per class in ``range(num_classes)``, the most confident ones."""
        order = torch.argsort(scores, descending=True, stable=True)
        order = order[torch.argsort(labels[order], stable=True)]
        sorted_labels = labels[order]
        starts = torch.searchsorted(sorted_labels, sorted_labels, right=False)
        rank = torch.arange(len(order), device=order.device) - starts
        keep = (rank < self._max_detections_per_image_per_class) & (sorted_labels >= 0)
        keep &= sorted_labels < self._num_classes
        return order[keep]

    @reinit__is_reduced
    def update(self, output: Sequence[list[dict[str, torch.Tensor]]]) -> None:
        """Match one batch of images' detections to their ground truths (inputs as in the class docstring)."""
        self._check_matching_input(output)
        y_pred, y_true = output
        for pred, target in zip(y_pred, y_true):
            gt_labels = _labels(target).detach()
            gt_boxes = target["bbox"].detach()
            gt_crowd = (
                target["iscrowd"].detach().bool()
                if "iscrowd" in target
                else torch.zeros_like(gt_labels, dtype=torch.bool)
            )
            gt_ignore = ~_in_area_range(gt_boxes, self._area_range) | gt_crowd
            found = torch.bincount(gt_labels[~gt_ignore], minlength=self._num_classes)
            if found.numel() != self._num_classes:
                raise RuntimeError(
                    f"y labels should be class indices in [0, num_classes={self._num_classes}), "
                    f"got {gt_labels[~gt_ignore].max().item()}"
                )
            self._y_true_count += found.to(self._device)

            pred_labels = _labels(pred).detach()
            if not len(pred_labels):
                continue
            scores = (pred["scores"] if "scores" in pred else pred["confidence"]).detach()
            kept = self._keep_best(scores, pred_labels)
            pred_boxes, pred_labels = pred["bbox"].detach()[kept], pred_labels[kept]
            pred_in_range = _in_area_range(pred_boxes, self._area_range).cpu()
            if not len(gt_labels):
                tp = torch.zeros((len(self._iou_thresholds), len(kept)), dtype=torch.bool)
                unmatched = ~tp
            else:
                ious = _box_iou(pred_boxes, gt_boxes, gt_crowd)
                same_class = pred_labels.view(-1, 1) == gt_labels.view(1, -1)
                tp, unmatched = _match(ious, same_class, gt_ignore, gt_crowd, self._iou_thresholds)
            # an unmatched detection outside the area range is ignored, not a false positive
            self._tps.append(tp.to(device=self._device, dtype=torch.uint8))
            self._fps.append((unmatched & pred_in_range).to(device=self._device, dtype=torch.uint8))
            self._scores.append(scores[kept].to(self._device, dtype=self._double_dtype))
            self._y_pred_labels.append(pred_labels.to(device=self._device, dtype=torch.int))

    @sync_all_reduce("_y_true_count")
    def _compute(self) -> torch.Tensor:
        """``(2, num_classes, num_iou_thresholds)``: AP and AR of every class (``-1`` without ground truth)."""
        num_thresholds = (len(self._iou_thresholds),)
        labels = _cat_and_gather(self._y_pred_labels, (), torch.int, self._device)
        tp = _cat_and_gather(self._tps, num_thresholds, torch.uint8, self._device)
        fp = _cat_and_gather(self._fps, num_thresholds, torch.uint8, self._device)
        scores = _cat_and_gather(self._scores, (), self._double_dtype, self._device)
        return _average_precisions_recalls(tp, fp, scores, labels, self._y_true_count, self.rec_thresholds)

    def compute(self) -> tuple[float, float]:
        """``(AP, AR)`` averaged over IoU thresholds and classes with ground truths; ``(-1.0, -1.0)`` if none."""
        result = self._compute()
        if (result == -1).all():
            return -1.0, -1.0
        return _mean_over_found(result[0]), _mean_over_found(result[1])


def _labels(d: dict[str, torch.Tensor]) -> torch.Tensor:
    labels = d["labels"] if "labels" in d else d["class"]
    # coco_tensor_list_to_dict_list's classes come out of a float tensor
    return labels.long() if labels.is_floating_point() else labels


class CommonObjectDetectionMetrics(MetricGroup):
    """COCO's summary: ``AP@50..95``, ``AR-100``, ``AP@50``, ``AP@75``, ``AP-S/M/L``, ``AR-S/M/L``, ``AR-1``, ``AR-10``.

    A :class:`~bridge.metrics.metric_group.MetricGroup` of :class:`ObjectDetectionAvgPrecisionRecall`
    metrics (all areas with 100, 10 and 1 detections per class; small, medium and large areas).

    Example:
        >>> import torch
        >>> m = CommonObjectDetectionMetrics(num_classes=1)
        >>> box = torch.tensor([[0.0, 0.0, 40.0, 40.0]])
        >>> m.update(([{"bbox": box, "scores": torch.tensor([0.5]), "labels": torch.tensor([0])}],
        ...           [{"bbox": box, "labels": torch.tensor([0])}]))
        >>> result = m.compute()
        >>> result["AP@50..95"], result["AP-M"], result["AP-S"]
        (1.0, 1.0, -1.0)
    """

    _state_dict_all_req_keys = ("metrics", "ap_50_95")

    ap_50_95: ObjectDetectionAvgPrecisionRecall

    def __init__(
        self,
        num_classes: int = 80,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = True,
    ) -> None:
        def metric(**kwargs: int | str) -> ObjectDetectionAvgPrecisionRecall:
            return ObjectDetectionAvgPrecisionRecall(num_classes=num_classes, device=device, **kwargs)  # type: ignore[arg-type]

        self.ap_50_95 = metric()
        group: dict[str, Metric] = {
            "S": metric(area_range="small"),
            "M": metric(area_range="medium"),
            "L": metric(area_range="large"),
            "1": metric(max_detections_per_image_per_class=1),
            "10": metric(max_detections_per_image_per_class=10),
        }
        super().__init__(group, output_transform, skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        super().reset()
        self.ap_50_95.reset()

    def update(self, output: Sequence[list[dict[str, torch.Tensor]]]) -> None:
        super().update(output)
        self.ap_50_95.update(output)

    def compute(self) -> dict[str, float]:
        result = self.ap_50_95._compute()
        ap_50, ap_75 = result[0, :, 0], result[0, :, 5]
        if (ap_50 == -1).all():
            ap_50_95 = ar_100 = ap_at_50 = ap_at_75 = -1.0
        else:
            ap_at_50, ap_at_75 = _mean_over_found(ap_50), _mean_over_found(ap_75)
            ap_50_95, ar_100 = _mean_over_found(result[0]), _mean_over_found(result[1])
        others = super().compute()
        return {
            "AP@50..95": ap_50_95,
            "AR-100": ar_100,
            "AP@50": ap_at_50,
            "AP@75": ap_at_75,
            "AP-S": others["S"][0],
            "AR-S": others["S"][1],
            "AP-M": others["M"][0],
            "AR-M": others["M"][1],
            "AP-L": others["L"][0],
            "AR-L": others["L"][1],
            "AR-1": others["1"][1],
            "AR-10": others["10"][1],
        }

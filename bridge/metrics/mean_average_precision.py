"""``MeanAveragePrecision`` (``ignite.metrics.mean_average_precision``): mAP of classification scores.

Not a detection metric (that is ``bridge.metrics.vision.ObjectDetectionAvgPrecisionRecall``): the
average precision of each class's scores over all the samples, averaged over classes. Without
``rec_thresholds`` it is scikit-learn's ``average_precision_score`` (the step sum
``sum_k (R_k - R_{k-1}) P_k`` over the distinct scores); with ``rec_thresholds`` the precision at
the first distinct score reaching each recall threshold is summed, weighted by the threshold steps.

Own code rather than torchmetrics' ``multilabel_average_precision``: torchmetrics has no recall
thresholds, warns and gives ``nan``/``-0`` where a class has no positive sample (Ignite: ``0``), and
loops over classes; here one sort over all classes computes every class at once.

Example:
    >>> import torch
    >>> m = MeanAveragePrecision()
    >>> m.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> round(m.compute(), 4)
    0.8333
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Literal, cast

import torch

import bridge.distributed as idist
from bridge.metrics.accuracy import _BaseClassification
from bridge.metrics.metric import reinit__is_reduced
from bridge.utils import _identity

__all__ = ["MeanAveragePrecision"]

_CLASS_MEANS = ("micro", "macro", "weighted")


def _setup_thresholds(
    thresholds: Sequence[float] | torch.Tensor, name: str, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """Ignite's checks of a threshold argument (1-d, in [0, 1]); returns it sorted, as ``dtype`` on ``device``."""
    if isinstance(thresholds, Sequence):
        thresholds = torch.tensor(thresholds)
    if not isinstance(thresholds, torch.Tensor):
        raise TypeError(f"{name} should be a sequence of floats or a tensor, given {type(thresholds)}.")
    if thresholds.ndim != 1:
        raise ValueError(
            f"{name} should be a one-dimensional tensor or a sequence of floats"
            f", given a {thresholds.ndim}-dimensional tensor."
        )
    thresholds = thresholds.sort().values
    if thresholds.numel() == 0 or thresholds.min() < 0 or thresholds.max() > 1:
        raise ValueError(f"{name} values should be between 0 and 1, given {thresholds}")
    return thresholds.to(device, dtype=dtype)


def _cat_and_gather(
    tensors: list[torch.Tensor], leading_shape: tuple[int, ...], dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """Concatenate this process's ``tensors`` on their last dimension, then gather every process's.

    The tensors share ``leading_shape`` (all dimensions but the last); processes may hold different
    numbers of items, so the sizes are gathered first.
    """
    local = torch.cat(tensors, dim=-1) if tensors else torch.empty((*leading_shape, 0), dtype=dtype, device=device)
    if idist.get_world_size() == 1:
        return local
    sizes = cast(torch.Tensor, idist.all_gather(torch.tensor([local.shape[-1]], device=device))).tolist()
    shapes = [(*leading_shape, n) for n in sizes]
    return torch.cat(idist.all_gather_tensors_with_shapes(local, shapes), dim=-1)


def _average_precisions(
    y_true: torch.Tensor, y_pred: torch.Tensor, rec_thresholds: torch.Tensor | None = None
) -> torch.Tensor:
    """Average precision of each row: ``y_true`` ``(C, N)`` 0/1 labels, ``y_pred`` ``(C, N)`` scores -> ``(C,)``.

    Tied scores are one threshold (as scikit-learn). A row without a positive label gets ``0``.
    The result has ``y_pred``'s (floating) dtype.

    Example:
        >>> import torch
        >>> _average_precisions(torch.tensor([[0, 1, 1], [0, 0, 0]]), torch.tensor([[0.2, 0.9, 0.5], [0.1, 0.2, 0.3]]))
        tensor([1., 0.])
    """
    rows, n = y_pred.shape
    dtype = y_pred.dtype
    positives = y_true.sum(dim=-1)
    order = torch.argsort(y_pred, dim=-1, descending=True, stable=True)
    scores = y_pred.gather(-1, order)
    hits = y_true.gather(-1, order).to(dtype)
    tp = hits.cumsum(dim=-1)
    position = torch.arange(n, device=y_pred.device)
    precision = tp / (position + 1)
    # each position takes the values of the last position of its run of tied scores (one threshold)
    tie_end = torch.ones_like(scores, dtype=torch.bool)
    tie_end[:, :-1] = scores[:, 1:] != scores[:, :-1]
    tie_last = torch.where(tie_end, position, n).flip(-1).cummin(dim=-1).values.flip(-1)
    precision = precision.gather(-1, tie_last)
    count = positives.clamp(min=1).to(dtype).unsqueeze(-1)
    if rec_thresholds is None:
        # sum_k (R_k - R_{k-1}) P_k: each positive adds 1/count at the precision of its threshold
        ap = (hits * precision).sum(dim=-1) / count.squeeze(-1)
    else:
        recall = tp.gather(-1, tie_last) / count
        index = torch.searchsorted(recall, rec_thresholds.expand(rows, -1).contiguous())
        reached = index < n
        precision_at = precision.gather(-1, index.clamp(max=max(n - 1, 0))).where(reached, 0)
        widths = rec_thresholds.diff(prepend=rec_thresholds.new_zeros(1))
        ap = (precision_at * widths).sum(dim=-1)
    return ap.where(positives > 0, 0)


class MeanAveragePrecision(_BaseClassification):
    """Mean over classes of the average precision of the scores (Ignite's ``MeanAveragePrecision``).

    Inputs, as Ignite's ``Precision`` except that binary and multilabel ``y_pred`` are scores:

    - binary: ``y_pred`` ``(N, ...)`` (or ``(N, 1, ...)``) positive-class scores, ``y`` 0/1 ``(N, ...)``;
    - multiclass: ``y_pred`` ``(N, C, ...)`` float scores, ``y`` ``(N, ...)`` class indices (long);
    - multilabel (``is_multilabel=True``): ``y_pred`` ``(N, L, ...)`` scores, ``y`` 0/1 of the same shape.

    Args:
        rec_thresholds: recall thresholds in [0, 1] (any order); default: every distinct score.
        class_mean: ``"macro"`` (mean over classes), ``"weighted"`` (by the number of positives),
            ``"micro"`` (all classes' scores as one binary problem) or ``None`` (a ``(C,)`` tensor).
            Ignored for binary inputs, whose result is a float.
        is_multilabel: multilabel inputs.
        output_transform, device, skip_unrolling: as every metric.

    Example:
        >>> import torch
        >>> m = MeanAveragePrecision(class_mean=None)
        >>> scores = torch.tensor([[0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])
        >>> m.update((scores, torch.tensor([0, 1, 1, 2])))
        >>> m.compute()
        tensor([1.0000, 1.0000, 0.5000], dtype=torch.float64)
    """

    _y_pred: list[torch.Tensor]
    _y_true: list[torch.Tensor]

    def __init__(
        self,
        rec_thresholds: Sequence[float] | torch.Tensor | None = None,
        class_mean: Literal["micro", "macro", "weighted"] | None = "macro",
        is_multilabel: bool = False,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            output_transform=output_transform, is_multilabel=is_multilabel, device=device, skip_unrolling=skip_unrolling
        )
        self.rec_thresholds: torch.Tensor | None = None
        if rec_thresholds is not None:
            self.rec_thresholds = _setup_thresholds(rec_thresholds, "rec_thresholds", self._device, self._double_dtype)
        if class_mean is not None and class_mean not in _CLASS_MEANS:
            raise ValueError(f"Wrong `class_mean` parameter, given {class_mean}")
        self.class_mean = class_mean

    @reinit__is_reduced
    def reset(self) -> None:
        super().reset()
        self._y_pred = []
        self._y_true = []

    def _check_binary_multilabel_cases(self, output: Sequence[torch.Tensor]) -> None:
        # y_pred holds scores here: only y must be 0/1
        if not torch.equal(output[1], output[1] ** 2):
            raise ValueError("For binary cases, y must be comprised of 0's and 1's.")

    def _check_type(self, output: Sequence[torch.Tensor]) -> None:
        super()._check_type(output)
        y_pred, y = output
        if y_pred.dtype in (torch.int, torch.long):
            raise TypeError(f"`y_pred` should be a float tensor, given {y_pred.dtype}")
        if self._type == "multiclass" and y.dtype != torch.long:
            warnings.warn("`y` should be of dtype long when entry type is multiclass", RuntimeWarning)

    def _rows(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``y_pred`` as ``(C, N * ...)`` (one row per class or label); ``y`` likewise, or ``(N * ...)`` indices."""
        if self._type == "binary":
            return y_pred.reshape(1, -1), y.reshape(1, -1)
        num_classes = y_pred.size(1)
        rows = torch.transpose(y_pred, 1, 0).reshape(num_classes, -1)
        if self._type == "multilabel":
            return rows, torch.transpose(y, 1, 0).reshape(num_classes, -1)
        if y.numel() and y.max() + 1 > num_classes:
            raise ValueError(
                f"y_pred contains fewer classes than y. Number of classes in prediction is {num_classes}"
                f" and an element in y has invalid class = {y.max().item() + 1}."
            )
        if y.numel() and y.min() < 0:
            raise ValueError(f"y should hold class indices in [0, {num_classes}), got {y.min().item()}.")
        return rows, y.reshape(-1)

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        """Store one batch's scores and labels (inputs as in the class docstring)."""
        self._check_shape(output)
        self._check_type(output)
        y_pred, y = self._rows(output[0].detach(), output[1].detach())
        self._y_pred.append(y_pred.to(self._device, dtype=self._double_dtype))
        self._y_true.append(y.to(self._device, dtype=torch.long if self._type == "multiclass" else torch.uint8))

    def compute(self) -> torch.Tensor | float:
        """The mean average precision (a float for binary inputs, else a tensor; see ``class_mean``)."""
        if self._num_classes is None:
            raise RuntimeError("Metric could not be computed without any update method call")
        num_classes = self._num_classes
        multiclass = self._type == "multiclass"
        y_true = _cat_and_gather(
            self._y_true, () if multiclass else (num_classes,), torch.long if multiclass else torch.uint8, self._device
        )
        y_pred = _cat_and_gather(self._y_pred, (num_classes,), self._double_dtype, self._device)
        if y_pred.shape[-1] == 0:
            raise RuntimeError("MeanAveragePrecision could not be computed: the updates held no sample")
        if multiclass:
            y_true = (y_true.unsqueeze(0) == torch.arange(num_classes, device=y_true.device).unsqueeze(1)).to(
                torch.uint8
            )
        if self.class_mean == "micro":
            y_true, y_pred = y_true.reshape(1, -1), y_pred.reshape(1, -1)
        ap = _average_precisions(y_true, y_pred, self.rec_thresholds)
        if self._type == "binary":
            return ap.item()
        if self.class_mean is None:
            return ap
        if self.class_mean == "weighted":
            positives = y_true.sum(dim=-1)
            return torch.sum(positives * ap) / positives.sum()
        return ap.mean()

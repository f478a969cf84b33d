"""``ConfusionMatrix`` and the metrics derived from it (``ignite.metrics.confusion_matrix``).

The counts come from torchmetrics' ``multiclass_confusion_matrix``; rows are targets, columns
predictions, targets outside ``[0, num_classes)`` are ignored, as in Ignite.

Example:
    >>> import torch
    >>> cm = ConfusionMatrix(num_classes=2)
    >>> cm.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> cm.compute()
    tensor([[1, 1],
            [0, 1]])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.metrics.metrics_lambda import MetricsLambda
from bridge.utils import _identity

__all__ = ["ConfusionMatrix", "mIoU", "IoU", "DiceCoefficient", "cmAccuracy", "cmPrecision", "cmRecall", "JaccardIndex"]


class ConfusionMatrix(Metric):
    """Confusion matrix of multiclass scores ``(N, C, ...)`` against targets ``(N, ...)``.

    Args:
        num_classes: number of classes (> 1).
        average: None (counts), ``"samples"`` (divided by the number of samples), ``"recall"``
            (rows normalized) or ``"precision"`` (columns normalized).

    Example:
        >>> import torch
        >>> cm = ConfusionMatrix(num_classes=2, average="recall")
        >>> cm.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
        >>> cm.compute()
        tensor([[0.5000, 0.5000],
                [0.0000, 1.0000]])
    """

    _state_dict_all_req_keys = ("confusion_matrix", "_num_examples")

    def __init__(
        self,
        num_classes: int,
        average: str | None = None,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = True,
    ) -> None:
        if average is not None and average not in ("samples", "recall", "precision"):
            raise ValueError("Argument average can None or one of 'samples', 'recall', 'precision'")
        if num_classes <= 1:
            raise ValueError("Argument num_classes needs to be > 1")
        self.num_classes = num_classes
        self._num_examples = 0
        self.average = average
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self.confusion_matrix = torch.zeros(self.num_classes, self.num_classes, dtype=torch.int64, device=self._device)
        self._num_examples = 0

    def _check_shape(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        if y_pred.ndimension() < 2:
            raise ValueError(
                f"y_pred must have shape (batch_size, num_classes (currently set to {self.num_classes}), ...), "
                f"but given {y_pred.shape}"
            )
        if y_pred.shape[1] != self.num_classes:
            raise ValueError(f"y_pred does not have correct number of classes: {y_pred.shape[1]} vs {self.num_classes}")
        if not y.ndimension() + 1 == y_pred.ndimension():
            raise ValueError(
                f"y_pred must have shape (batch_size, num_classes (currently set to {self.num_classes}), ...) "
                f"and y must have shape of (batch_size, ...), but given {y.shape} vs {y_pred.shape}."
            )
        if tuple(y.shape) != (y_pred.shape[0],) + tuple(y_pred.shape[2:]):
            raise ValueError("y and y_pred must have compatible shapes.")

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        # torchmetrics is imported on first use, so `import bridge.metrics` stays light
        from torchmetrics.functional.classification import multiclass_confusion_matrix

        self._check_shape(output)
        y_pred, y = output[0].detach(), output[1].detach()
        if y.is_floating_point():  # Ignite's bincount refuses it too (NotImplementedError), with torch's words
            raise NotImplementedError(
                f"ConfusionMatrix: y should be an integer tensor of class indices, got dtype {y.dtype} "
                "(convert it with y.long() in output_transform)"
            )
        self._num_examples += y_pred.shape[0]
        y_pred = torch.argmax(y_pred, dim=1).flatten()
        y = y.flatten().long()
        keep = (y >= 0) & (y < self.num_classes)
        m = multiclass_confusion_matrix(y_pred[keep], y[keep], self.num_classes, validate_args=False)
        self.confusion_matrix += m.to(self.confusion_matrix)

    @sync_all_reduce("confusion_matrix", "_num_examples")
    def compute(self) -> torch.Tensor:
        if self._num_examples == 0:
            raise NotComputableError("Confusion matrix must have at least one example before it can be computed.")
        if self.average:
            self.confusion_matrix = self.confusion_matrix.float()
            if self.average == "samples":
                return self.confusion_matrix / self._num_examples
            return self.normalize(self.confusion_matrix, self.average)
        return self.confusion_matrix

    @staticmethod
    def normalize(matrix: torch.Tensor, average: str) -> torch.Tensor:
        """Normalize rows (``"recall"``) or columns (``"precision"``) of ``matrix``.

        Example:
            >>> import torch
            >>> ConfusionMatrix.normalize(torch.tensor([[1.0, 3.0], [0.0, 2.0]]), "recall")
            tensor([[0.2500, 0.7500],
                    [0.0000, 1.0000]])
        """
        if average == "recall":
            return matrix / (matrix.sum(dim=1).unsqueeze(1) + 1e-15)
        if average == "precision":
            return matrix / (matrix.sum(dim=0) + 1e-15)
        raise ValueError("Argument average should be one of 'samples', 'recall', 'precision'")


def _check_ignore_index(cm: ConfusionMatrix, ignore_index: int | None) -> None:
    if ignore_index is None:
        return
    if not (isinstance(ignore_index, numbers.Integral) and 0 <= ignore_index < cm.num_classes):
        raise ValueError(
            f"ignore_index should be integer and in the range of [0, {cm.num_classes}), but given {ignore_index}"
        )


def _drop_index(vector_metric: MetricsLambda, ignore_index: int | None, what: str) -> MetricsLambda:
    if ignore_index is None:
        return vector_metric

    def ignore_index_fn(vector: torch.Tensor) -> torch.Tensor:
        if ignore_index >= len(vector):
            raise ValueError(f"ignore_index {ignore_index} is larger than the length of {what} vector {len(vector)}")
        indices = [i for i in range(len(vector)) if i != ignore_index]
        return vector[indices]

    return MetricsLambda(ignore_index_fn, vector_metric)


def IoU(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Per-class intersection over union from a confusion matrix.

    Example:
        >>> import torch
        >>> cm = ConfusionMatrix(num_classes=2)
        >>> iou = IoU(cm)
        >>> iou.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
        >>> iou.compute()
        tensor([0.5000, 0.5000], dtype=torch.float64)
    """
    if not isinstance(cm, ConfusionMatrix):
        raise TypeError(f"Argument cm should be instance of ConfusionMatrix, but given {type(cm)}")
    if cm.average not in (None, "samples"):
        raise ValueError("ConfusionMatrix should have average attribute either None or 'samples'")
    _check_ignore_index(cm, ignore_index)
    cmd = cm.to(torch.double)
    iou = cmd.diag() / (cmd.sum(dim=1) + cmd.sum(dim=0) - cmd.diag() + 1e-15)
    return _drop_index(iou, ignore_index, "IoU")


def mIoU(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Mean IoU over classes.

    Example:
        >>> import torch
        >>> m = mIoU(ConfusionMatrix(num_classes=2))
        >>> m.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
        >>> m.compute()
        tensor(0.5000, dtype=torch.float64)
    """
    return IoU(cm=cm, ignore_index=ignore_index).mean()


def cmAccuracy(cm: ConfusionMatrix) -> MetricsLambda:
    """Accuracy from a confusion matrix.

    Example:
        >>> import torch
        >>> a = cmAccuracy(ConfusionMatrix(num_classes=2))
        >>> a.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])))
        >>> a.compute()
        tensor(0.5000, dtype=torch.float64)
    """
    cmd = cm.to(torch.double)
    return cmd.diag().sum() / (cmd.sum() + 1e-15)


def cmPrecision(cm: ConfusionMatrix, average: bool = True) -> MetricsLambda:
    """Precision (per class, or averaged) from a confusion matrix.

    Example:
        >>> import torch
        >>> p = cmPrecision(ConfusionMatrix(num_classes=2), average=False)
        >>> p.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])))
        >>> p.compute()
        tensor([1.0..., 0.0...], dtype=torch.float64)
    """
    cmd = cm.to(torch.double)
    precision = cmd.diag() / (cmd.sum(dim=0) + 1e-15)
    return precision.mean() if average else precision


def cmRecall(cm: ConfusionMatrix, average: bool = True) -> MetricsLambda:
    """Recall (per class, or averaged) from a confusion matrix.

    Example:
        >>> import torch
        >>> r = cmRecall(ConfusionMatrix(num_classes=2), average=False)
        >>> r.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])))
        >>> r.compute()
        tensor([0.5000, 0.0000], dtype=torch.float64)
    """
    cmd = cm.to(torch.double)
    recall = cmd.diag() / (cmd.sum(dim=1) + 1e-15)
    return recall.mean() if average else recall


def DiceCoefficient(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Per-class Dice coefficient from a confusion matrix.

    Example:
        >>> import torch
        >>> d = DiceCoefficient(ConfusionMatrix(num_classes=2))
        >>> d.update((torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0])))
        >>> d.compute()
        tensor([0.6667, 0.0000], dtype=torch.float64)
    """
    if not isinstance(cm, ConfusionMatrix):
        raise TypeError(f"Argument cm should be instance of ConfusionMatrix, but given {type(cm)}")
    _check_ignore_index(cm, ignore_index)
    cmd = cm.to(torch.double)
    dice = 2.0 * cmd.diag() / (cmd.sum(dim=1) + cmd.sum(dim=0) + 1e-15)
    return _drop_index(dice, ignore_index, "Dice")


def JaccardIndex(cm: ConfusionMatrix, ignore_index: int | None = None) -> MetricsLambda:
    """Same as :func:`IoU`.

    Example:
        >>> JaccardIndex(ConfusionMatrix(num_classes=3), ignore_index=0).__class__.__name__
        'MetricsLambda'
    """
    return IoU(cm, ignore_index)

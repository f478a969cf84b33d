"""``MultiLabelConfusionMatrix`` (``ignite.metrics.multilabel_confusion_matrix``), counted by torchmetrics.

One 2x2 matrix per label, ``[[tn, fp], [fn, tp]]``: torchmetrics' ``multilabel_confusion_matrix``
has Ignite's layout, so the running sum is of its counts.

Example:
    >>> import torch
    >>> cm = MultiLabelConfusionMatrix(num_classes=2)
    >>> cm.update((torch.tensor([[1, 0], [1, 1]]), torch.tensor([[1, 1], [0, 1]])))
    >>> cm.compute()
    tensor([[[0, 1],
             [0, 1]],
    <BLANKLINE>
            [[0, 0],
             [1, 1]]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["MultiLabelConfusionMatrix"]

_INTEGER_TYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


class MultiLabelConfusionMatrix(Metric):
    """Per-label confusion matrices ``(num_classes, 2, 2)`` of 0/1 predictions and targets ``(N, num_classes, ...)``.

    ``M[i, 0, 0]`` true negatives, ``M[i, 0, 1]`` false positives, ``M[i, 1, 0]`` false
    negatives and ``M[i, 1, 1]`` true positives of label ``i``; extra dimensions count as more
    samples. Both inputs are integer tensors (``uint8``, ``int8``, ``int16``, ``int32``, ``int64``).

    Args:
        num_classes: number of labels (> 1).
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the counts are kept.
        normalized: divide each label's matrix by its sum (float64).
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MultiLabelConfusionMatrix(num_classes=3, normalized=True).attach(engine, "mlcm")
        >>> y_pred = torch.tensor([[1, 1, 0], [1, 0, 1], [1, 0, 0], [1, 0, 1]])
        >>> y_true = torch.tensor([[0, 0, 1], [0, 0, 0], [0, 0, 0], [1, 0, 0]])
        >>> engine.run([(y_pred, y_true)]).metrics["mlcm"][:, 1, 1]
        tensor([0.2500, 0.0000, 0.0000], dtype=torch.float64)
    """

    _state_dict_all_req_keys = ("confusion_matrix", "_num_examples")

    def __init__(
        self,
        num_classes: int,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        normalized: bool = False,
        skip_unrolling: bool = False,
    ) -> None:
        if num_classes <= 1:
            raise ValueError("Argument num_classes needs to be > 1")
        self.num_classes = num_classes
        self._num_examples = 0
        self.normalized = normalized
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self.confusion_matrix = torch.zeros(self.num_classes, 2, 2, dtype=torch.int64, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        # torchmetrics is imported on first use, so `import bridge.metrics` stays light
        from torchmetrics.functional.classification import multilabel_confusion_matrix

        self._check_input(output)
        y_pred, y = output[0].detach(), output[1].detach()
        self._num_examples += y.shape[0]
        counts = multilabel_confusion_matrix(y_pred, y, self.num_classes, validate_args=False)
        self.confusion_matrix += counts.to(self.confusion_matrix)

    @sync_all_reduce("confusion_matrix", "_num_examples")
    def compute(self) -> torch.Tensor:
        if self._num_examples == 0:
            raise NotComputableError("Confusion matrix must have at least one example before it can be computed.")
        if self.normalized:
            conf = self.confusion_matrix.to(dtype=self._double_dtype)
            return conf / conf.sum(dim=(1, 2))[:, None, None]
        return self.confusion_matrix

    def _check_input(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        shape_hint = f"(batch_size, num_classes (currently set to {self.num_classes}), ...)"
        if y_pred.ndimension() < 2:
            raise ValueError(f"y_pred must at least have shape {shape_hint}")
        if y.ndimension() < 2:
            raise ValueError(f"y must at least have shape {shape_hint}")
        if y_pred.shape[0] != y.shape[0]:
            raise ValueError(f"y_pred and y have different batch size: {y_pred.shape[0]} vs {y.shape[0]}")
        if y_pred.shape[1] != self.num_classes:
            raise ValueError(f"y_pred does not have correct number of classes: {y_pred.shape[1]} vs {self.num_classes}")
        if y.shape[1] != self.num_classes:
            raise ValueError(f"y does not have correct number of classes: {y.shape[1]} vs {self.num_classes}")
        if y.shape != y_pred.shape:
            raise ValueError("y and y_pred shapes must match.")
        if y_pred.dtype not in _INTEGER_TYPES:
            raise ValueError(f"y_pred must be of any type: {_INTEGER_TYPES}")
        if y.dtype not in _INTEGER_TYPES:
            raise ValueError(f"y must be of any type: {_INTEGER_TYPES}")
        if not torch.equal(y_pred, y_pred**2):
            raise ValueError("y_pred must be a binary tensor")
        if not torch.equal(y, y**2):
            raise ValueError("y must be a binary tensor")

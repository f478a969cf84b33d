"""``SelectionRate`` and ``DemographicParityDifference`` (``ignite.metrics.fairness.demographic_parity``).

The selection rate is the share of samples predicted in each class (for binary 0/1 predictions:
the rates of 0 and of 1; multilabel: each label's rate of 1); demographic parity compares it
across subgroups ("statistical parity": 0 when every group is selected at the same rate).
Targets are checked as ``Accuracy`` checks them, but not used.

Example:
    >>> import torch
    >>> metric = DemographicParityDifference(groups=[0, 1])
    >>> y_pred = torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.9, 0.1]])
    >>> metric.update((y_pred, torch.tensor([1, 1, 0, 0]), torch.tensor([0, 0, 1, 1])))
    >>> metric.compute()
    1.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.accuracy import _BaseClassification
from bridge.metrics.fairness.base import SubgroupDifference
from bridge.metrics.metric import sync_all_reduce
from bridge.utils import _identity

__all__ = ["DemographicParityDifference", "SelectionRate", "selection_counts"]


def selection_counts(y_pred: torch.Tensor, kind: str, num_classes: int) -> tuple[torch.Tensor, int]:
    """``(positives per class, number of samples)`` of one batch of predictions, as ``SelectionRate`` counts them.

    ``kind``: ``"binary"`` (0/1 values: counts of 0 and of 1), ``"multiclass"`` (scores ``(N, C, ...)``:
    counts of each argmax) or ``"multilabel"`` (0/1 ``(N, C, ...)``: count of 1 per label).

    Example:
        >>> selection_counts(torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1]]), "multiclass", 2)
        (tensor([1., 2.]), 3)
    """
    if kind == "binary":
        return torch.bincount(y_pred.reshape(-1).long(), minlength=2).float(), y_pred.numel()
    if kind == "multiclass":
        predicted = torch.argmax(y_pred, dim=1).reshape(-1)
        return torch.bincount(predicted, minlength=num_classes).float(), predicted.numel()
    if kind == "multilabel":
        per_label = y_pred.movedim(1, -1).reshape(-1, num_classes)
        return per_label.sum(dim=0).float(), per_label.shape[0]
    raise ValueError(f"Unexpected type: {kind}")


class SelectionRate(_BaseClassification):
    """Rate of positive predictions per class: a tensor, one rate per class (per label for multilabel).

    Inputs as ``Accuracy``'s: binary ``y_pred`` of 0/1 (rates of 0 and of 1), multiclass scores
    ``(batch, C, ...)`` (rate of each argmax class), multilabel 0/1 ``(batch, C, ...)`` with
    ``is_multilabel=True``. ``y`` is checked but not used.

    Args:
        output_transform, is_multilabel, device, skip_unrolling: as ``Accuracy``'s.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> SelectionRate().attach(engine, "selection_rate")
        >>> y_pred = torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.9, 0.1]])
        >>> engine.run([(y_pred, torch.tensor([1, 1, 0, 0]))]).metrics["selection_rate"]
        tensor([0.5000, 0.5000])
    """

    _state_dict_all_req_keys = ("_num_positives", "_num_examples")

    def __init__(
        self,
        output_transform: Callable = _identity,
        is_multilabel: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            output_transform=output_transform, is_multilabel=is_multilabel, device=device, skip_unrolling=skip_unrolling
        )

    def reset(self) -> None:
        # 0-d until the first update tells the number of classes
        self._num_positives = torch.tensor(0.0, device=self._device)
        self._num_examples = 0
        super().reset()

    def update(self, output: Sequence[torch.Tensor]) -> None:
        self._check_shape(output)
        self._check_type(output)
        if self._type != "binary" and self._num_classes is None:
            raise RuntimeError(f"num_classes must be set for {self._type} data.")
        positives, total = selection_counts(output[0].detach(), str(self._type), int(self._num_classes or 0))
        positives = positives.to(self._device)
        self._num_positives = positives if self._num_positives.ndim == 0 else self._num_positives + positives
        self._num_examples += total

    @sync_all_reduce("_num_examples", "_num_positives")
    def compute(self) -> torch.Tensor:
        if self._num_examples == 0 or self._num_positives.ndim == 0:
            raise NotComputableError("SelectionRate must have at least one example before it can be computed.")
        return self._num_positives / self._num_examples


class DemographicParityDifference(SubgroupDifference):
    """Largest gap of ``SelectionRate`` between two subgroups (per class, then the largest).

    ``update((y_pred, y, group_labels))``: ``y_pred``/``y`` as ``SelectionRate`` takes them,
    ``group_labels`` ``(batch,)``.

    Args:
        groups: the group identifiers, values of ``group_labels``.
        is_multilabel: multilabel selection rates.
        output_transform: to ``(y_pred, y, group_labels)``.
        device: where the state lives.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> DemographicParityDifference(groups=[0, 1], is_multilabel=True).attach(engine, "parity_gap")
        >>> y_pred = torch.tensor([[1, 0], [1, 1], [0, 0], [1, 0]])
        >>> engine.run([(y_pred, torch.ones(4, 2), torch.tensor([0, 0, 1, 1]))]).metrics["parity_gap"]
        0.5
    """

    def __init__(
        self,
        groups: Sequence[int],
        is_multilabel: bool = False,
        output_transform: Callable = _identity,
        device: torch.device | str = torch.device("cpu"),
    ) -> None:
        rate = SelectionRate(is_multilabel=is_multilabel, device=device)
        super().__init__(base_metric=rate, groups=groups, output_transform=output_transform, device=device)

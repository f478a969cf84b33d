"""``SubgroupAccuracyDifference`` (``ignite.metrics.fairness.accuracy_difference``).

The largest accuracy gap between two subgroups ("overall accuracy equality" in the fairness
literature: 0 when every group gets the same accuracy).

Example:
    >>> import torch
    >>> metric = SubgroupAccuracyDifference(groups=[0, 1])
    >>> y_pred = torch.tensor([[0.9, 0.1], [0.1, 0.9], [0.8, 0.2], [0.2, 0.8]])
    >>> metric.update((y_pred, torch.tensor([0, 1, 1, 0]), torch.tensor([0, 0, 1, 1])))
    >>> metric.compute()
    1.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.metrics.accuracy import Accuracy
from bridge.metrics.fairness.base import SubgroupDifference
from bridge.utils import _identity

__all__ = ["SubgroupAccuracyDifference"]


class SubgroupAccuracyDifference(SubgroupDifference):
    """``max - min`` of the groups' ``Accuracy`` (binary, multiclass or, with ``is_multilabel``, multilabel).

    ``update((y_pred, y, group_labels))`` with ``y_pred``/``y`` as ``Accuracy`` takes them and
    ``group_labels`` ``(batch,)``; a dict with these keys works too.

    Args:
        groups: the group identifiers, values of ``group_labels``.
        is_multilabel: multilabel accuracy.
        output_transform: to ``(y_pred, y, group_labels)``.
        device: where the state lives.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> SubgroupAccuracyDifference(groups=[0, 1]).attach(engine, "acc_gap")
        >>> batch = {"y_pred": torch.tensor([1, 1, 0, 0]), "y": torch.tensor([1, 1, 1, 0]),
        ...          "group_labels": torch.tensor([0, 0, 1, 1])}
        >>> engine.run([batch]).metrics["acc_gap"]
        0.5
    """

    def __init__(
        self,
        groups: Sequence[int],
        is_multilabel: bool = False,
        output_transform: Callable = _identity,
        device: torch.device | str = torch.device("cpu"),
    ) -> None:
        accuracy = Accuracy(is_multilabel=is_multilabel, device=device)
        super().__init__(base_metric=accuracy, groups=groups, output_transform=output_transform, device=device)

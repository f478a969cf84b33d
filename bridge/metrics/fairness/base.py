"""The subgroup wrappers of Ignite's fairness metrics (``ignite.metrics.fairness.base``).

One copy of a base metric per group: each update splits the batch by ``group_labels`` and feeds
each group's rows to its copy. Each copy reduces across processes as its own metric does.

Example:
    >>> import torch
    >>> from bridge.metrics import Accuracy
    >>> per_group = SubgroupMetric(Accuracy(), groups=[2, 1])
    >>> y_pred, y = torch.tensor([1, 0, 1, 1]), torch.tensor([1, 0, 0, 0])
    >>> per_group.update((y_pred, y, torch.tensor([1, 1, 1, 0])))
    >>> per_group.compute()  # group 2 saw nothing: left out
    {1: 0.6666666666666666}
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced
from bridge.utils import _identity

__all__ = ["SubgroupMetric", "SubgroupDifference"]

_PER_GROUP_KEY = "_metrics"


class _SubgroupBase(Metric):
    """A copy of ``base_metric`` per group of ``groups``, each updated with its group's rows.

    ``update((y_pred, y, group_labels))``: ``group_labels`` ``(batch,)`` holds each row's group;
    rows of a group not in ``groups`` are ignored. ``state_dict`` adds each group's state under
    ``"_metrics"`` (keyed by ``str(group)``), as Ignite's.

    Example:
        >>> import torch
        >>> from bridge.metrics import Accuracy
        >>> m = SubgroupMetric(Accuracy(), groups=[0, 1])
        >>> m.update((torch.tensor([1, 1]), torch.tensor([1, 0]), torch.tensor([0, 1])))
        >>> other = SubgroupMetric(Accuracy(), groups=[0, 1]); other.load_state_dict(m.state_dict())
        >>> other.compute()
        {0: 1.0, 1: 0.0}
    """

    required_output_keys = ("y_pred", "y", "group_labels")

    def __init__(
        self,
        base_metric: Metric,
        groups: Sequence[Any],
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        self._base_metric = base_metric
        self._user_groups = list(groups)
        self._metrics: dict[Any, Metric] = {group: copy.deepcopy(base_metric) for group in self._user_groups}
        super().__init__(output_transform=output_transform, device=device)

    @reinit__is_reduced
    def reset(self) -> None:
        for metric in self._metrics.values():
            metric.reset()

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y, group_labels = output[0].detach(), output[1].detach(), output[2].detach()
        if not y_pred.shape[0] == y.shape[0] == group_labels.shape[0]:
            raise ValueError("y_pred, y, and group_labels must have the same batch size.")
        for group, metric in self._metrics.items():
            rows = group_labels == group
            if rows.any():
                metric.update((y_pred[rows], y[rows]))

    def _compute_groups(self) -> dict[Any, Any]:
        """Each group's value; a group whose metric is not computable (no rows yet) is left out."""
        results = {}
        for group, metric in self._metrics.items():
            try:
                results[group] = metric.compute()
            except NotComputableError:
                continue
        return results

    def state_dict(self) -> OrderedDict:
        state = super().state_dict()
        state[_PER_GROUP_KEY] = {str(group): metric.state_dict() for group, metric in self._metrics.items()}
        return state

    def load_state_dict(self, state_dict: Mapping) -> None:
        own = dict(state_dict)
        per_group = own.pop(_PER_GROUP_KEY)
        super().load_state_dict(own)
        by_name = {str(group): metric for group, metric in self._metrics.items()}
        for name, group_state in per_group.items():
            if name in by_name:  # a saved group this metric does not have is skipped, as in Ignite
                by_name[name].load_state_dict(group_state)


class SubgroupMetric(_SubgroupBase):
    """A base metric computed on each group: ``compute()`` is ``{group: value}``.

    Groups without any row yet are left out. Attached, the dict also lands in
    ``engine.state.metrics`` key by key (Ignite's default ``metrics_result_mode="both"``).

    Args:
        base_metric: the metric to compute per group (copied for each).
        groups: the group identifiers, values of ``group_labels``.
        output_transform: to ``(y_pred, y, group_labels)`` (or a dict with these keys).
        device: where the state lives.

    Example:
        >>> import torch
        >>> from bridge.metrics import MeanAbsoluteError
        >>> m = SubgroupMetric(MeanAbsoluteError(), groups=[0, 1])
        >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 4.0, 4.0]), torch.tensor([0, 1, 1])))
        >>> m.compute()
        {0: 0.0, 1: 1.5}
    """

    def compute(self) -> dict[Any, Any]:
        return self._compute_groups()


class SubgroupDifference(_SubgroupBase):
    """The largest gap of a base metric between two groups: ``max - min`` over the groups with rows.

    For tensor values (one per class), the gap is taken per class, then the largest one is returned.
    ``compute()`` raises ``NotComputableError`` with fewer than two groups seen.

    Args:
        base_metric: the metric to compute per group (copied for each).
        groups: the group identifiers, values of ``group_labels``.
        output_transform: to ``(y_pred, y, group_labels)`` (or a dict with these keys).
        device: where the state lives.

    Example:
        >>> import torch
        >>> from bridge.metrics import MeanAbsoluteError
        >>> m = SubgroupDifference(MeanAbsoluteError(), groups=[0, 1, 2])
        >>> m.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 4.0, 4.0]), torch.tensor([0, 1, 2])))
        >>> m.compute()
        2.0
    """

    def compute(self) -> float:
        results = self._compute_groups()
        if len(results) == 0:
            raise NotComputableError("Fairness metrics must have at least one example before it can be computed.")
        if len(results) < 2:
            raise NotComputableError("Fairness metrics require at least two unique subgroups to compute a disparity.")
        values = list(results.values())
        if all(isinstance(v, torch.Tensor) for v in values):
            stacked = torch.stack(values)
            return float((stacked.max(dim=0).values - stacked.min(dim=0).values).max().item())
        return float(max(values) - min(values))

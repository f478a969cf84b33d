"""Ignite's group-fairness metrics (``ignite.metrics.fairness``).

A metric is computed separately on each subgroup of the samples (``group_labels``, a third
element of the output) and the groups are compared: ``SubgroupMetric`` returns each group's
value, ``SubgroupDifference`` the largest gap between two groups (``max - min``, per class for
tensor values, then the largest); ``SubgroupAccuracyDifference`` (accuracy) and
``DemographicParityDifference`` (``SelectionRate``, the rate of positive predictions) are the
two Ignite ships.

Example:
    >>> import torch
    >>> from bridge.metrics.fairness import SubgroupAccuracyDifference
    >>> metric = SubgroupAccuracyDifference(groups=[0, 1])
    >>> y_pred = torch.tensor([[0.9, 0.1], [0.1, 0.9], [0.8, 0.2], [0.2, 0.8]])
    >>> metric.update((y_pred, torch.tensor([0, 1, 1, 0]), torch.tensor([0, 0, 1, 1])))
    >>> metric.compute()  # group 0: all right, group 1: all wrong
    1.0
"""

from bridge.metrics.fairness.accuracy_difference import SubgroupAccuracyDifference
from bridge.metrics.fairness.base import SubgroupDifference, SubgroupMetric
from bridge.metrics.fairness.demographic_parity import DemographicParityDifference, SelectionRate

__all__ = [
    "DemographicParityDifference",
    "SelectionRate",
    "SubgroupAccuracyDifference",
    "SubgroupDifference",
    "SubgroupMetric",
]

"""The base of Ignite's clustering metrics (``ignite.metrics.clustering._base``).

Example:
    >>> import torch
    >>> m = _ClusteringMetricBase(lambda features, labels: float(features.shape[0]))
    >>> m.update((torch.zeros(3, 2), torch.zeros(3)))
    >>> m.compute()
    3.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.epoch_metric import EpochMetric

__all__: list[str] = []


class _ClusteringMetricBase(EpochMetric):
    """An ``EpochMetric`` of ``(features, labels)``: features ``(N, D)``, labels ``(N,)``.

    Example:
        >>> import torch
        >>> m = _ClusteringMetricBase(lambda features, labels: labels.unique().numel())
        >>> m.update((torch.zeros(4, 2), torch.tensor([0, 1, 1, 2])))
        >>> m.compute()
        3
    """

    required_output_keys = ("features", "labels")

    def _check_shape(self, output: Sequence[torch.Tensor]) -> None:
        features, labels = output
        if features.ndimension() != 2:
            raise ValueError("Features should be of shape (batch_size, n_targets).")
        if labels.ndimension() != 1:
            raise ValueError("Labels should be of shape (batch_size, ).")

    def _check_type(self, output: Sequence[torch.Tensor]) -> None:
        features, labels = output
        if len(self._predictions) < 1:
            return
        stored_features, stored_labels = self._predictions[-1].dtype, self._targets[-1].dtype
        if stored_features != features.dtype:
            raise ValueError(
                f"Incoherent types between input features and stored features: {stored_features} vs {features.dtype}"
            )
        if stored_labels != labels.dtype:
            raise ValueError(
                f"Incoherent types between input labels and stored labels: {stored_labels} vs {labels.dtype}"
            )

    def compute(self) -> Any:
        if len(self._predictions) < 1 or len(self._targets) < 1:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        return super().compute()


def _undefined(features: torch.Tensor, labels: torch.Tensor) -> bool:
    """Whether a clustering score is undefined (NaN): fewer than 2 clusters, or one sample per cluster.

    Example:
        >>> _undefined(torch.zeros(3, 2), torch.tensor([0, 1, 2])), _undefined(torch.zeros(3, 2), torch.tensor([0, 1, 1]))
        (True, False)
    """
    n_clusters = torch.unique(labels.detach()).numel()
    return n_clusters < 2 or n_clusters >= labels.shape[0]


def _as_2d_float64(features: torch.Tensor) -> torch.Tensor:
    """Features as float64 ``(N, D)``: ``EpochMetric`` squeezes ``(N, 1)`` features to ``(N,)``.

    Example:
        >>> tuple(_as_2d_float64(torch.tensor([1, 2, 3])).shape)
        (3, 1)
    """
    features = features.detach().to(torch.float64)
    return features.unsqueeze(1) if features.ndim == 1 else features

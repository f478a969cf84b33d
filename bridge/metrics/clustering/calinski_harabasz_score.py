"""``CalinskiHarabaszScore`` (``ignite.metrics.clustering.calinski_harabasz_score``).

The ratio of between-cluster to within-cluster dispersion, each divided by its degrees of
freedom; higher is better. Computed by torchmetrics' ``calinski_harabasz_score`` on float64
features (Ignite calls scikit-learn's: same numbers).

Example:
    >>> import torch
    >>> metric = CalinskiHarabaszScore()
    >>> metric.update((torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]]), torch.tensor([0, 0, 1, 1])))
    >>> metric.compute()
    32.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from bridge.metrics.clustering._base import _as_2d_float64, _ClusteringMetricBase, _undefined
from bridge.utils import _identity

__all__ = ["CalinskiHarabaszScore"]


def _calinski_harabasz_score(features: torch.Tensor, labels: torch.Tensor) -> float:
    """The Calinski-Harabasz score, NaN when undefined (fewer than 2 clusters or one sample per cluster).

    Example:
        >>> _calinski_harabasz_score(torch.tensor([[0.0], [1.0], [5.0], [6.0]]), torch.tensor([0, 0, 1, 1]))
        50.0
    """
    # torchmetrics is imported on first use, so `import bridge.metrics` stays light
    from torchmetrics.functional.clustering import calinski_harabasz_score

    if _undefined(features, labels):
        return float("nan")
    return calinski_harabasz_score(_as_2d_float64(features), labels.detach()).item()


class CalinskiHarabaszScore(_ClusteringMetricBase):
    """Calinski-Harabasz score of the epoch's ``(features, labels)``: features ``(B, D)``, labels ``(B,)``.

    ``update`` takes ``(features, labels)`` or ``{"features": ..., "labels": ...}``; ``compute()`` is
    NaN when there are fewer than 2 clusters or as many clusters as samples.

    Args:
        output_transform, check_compute_fn, device, skip_unrolling: as ``EpochMetric``'s.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> CalinskiHarabaszScore().attach(engine, "ch")
        >>> data = [{"features": torch.tensor([[0.0], [1.0], [5.0], [6.0]]), "labels": torch.tensor([0, 0, 1, 1])}]
        >>> engine.run(data).metrics["ch"]
        50.0
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(_calinski_harabasz_score, output_transform, check_compute_fn, device, skip_unrolling)

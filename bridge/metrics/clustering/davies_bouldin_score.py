"""``DaviesBouldinScore`` (``ignite.metrics.clustering.davies_bouldin_score``).

The average, over clusters, of the worst ratio of within-cluster spread to between-centroid
distance; 0 is best. Computed by torchmetrics' ``davies_bouldin_score`` (Ignite calls
scikit-learn's): the same number up to float32 rounding, as torchmetrics keeps the centroids
and spreads in the default dtype.

Example:
    >>> import torch
    >>> metric = DaviesBouldinScore()
    >>> metric.update((torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]]), torch.tensor([0, 0, 1, 1])))
    >>> round(metric.compute(), 6)
    0.25
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from bridge.metrics.clustering._base import _as_2d_float64, _ClusteringMetricBase, _undefined
from bridge.utils import _identity

__all__ = ["DaviesBouldinScore"]


def _davies_bouldin_score(features: torch.Tensor, labels: torch.Tensor) -> float:
    """The Davies-Bouldin score, NaN when undefined (fewer than 2 clusters or one sample per cluster).

    Example:
        >>> round(_davies_bouldin_score(torch.tensor([[0.0], [1.0], [5.0], [6.0]]), torch.tensor([0, 0, 1, 1])), 6)
        0.2
    """
    # torchmetrics is imported on first use, so `import bridge.metrics` stays light
    from torchmetrics.functional.clustering import davies_bouldin_score

    if _undefined(features, labels):
        return float("nan")
    return davies_bouldin_score(_as_2d_float64(features), labels.detach()).item()


class DaviesBouldinScore(_ClusteringMetricBase):
    """Davies-Bouldin score of the epoch's ``(features, labels)``: features ``(B, D)``, labels ``(B,)``.

    ``update`` takes ``(features, labels)`` or ``{"features": ..., "labels": ...}``; ``compute()`` is
    NaN when there are fewer than 2 clusters or as many clusters as samples.

    Args:
        output_transform, check_compute_fn, device, skip_unrolling: as ``EpochMetric``'s.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> DaviesBouldinScore().attach(engine, "db")
        >>> data = [{"features": torch.tensor([[0.0], [1.0], [5.0], [6.0]]), "labels": torch.tensor([0, 0, 1, 1])}]
        >>> round(engine.run(data).metrics["db"], 6)
        0.2
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(_davies_bouldin_score, output_transform, check_compute_fn, device, skip_unrolling)

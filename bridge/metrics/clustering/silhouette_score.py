"""``SilhouetteScore`` (``ignite.metrics.clustering.silhouette_score``).

For each sample, ``s = (b - a) / max(a, b)`` with ``a`` its mean distance to the other samples
of its cluster and ``b`` its mean distance to the samples of the nearest other cluster (``s = 0``
for a sample alone in its cluster); the score is the mean of ``s``, in [-1, 1], higher is better.
torchmetrics has no silhouette score: :func:`silhouette_score` computes it in torch (float64,
distances by blocks of rows so memory stays ``O(block * N)``), with scikit-learn's definition,
its ``metric`` names, ``sample_size`` / ``random_state`` sampling and errors, so
``silhouette_kwargs`` mean what they mean to Ignite's (which calls scikit-learn).

Example:
    >>> import torch
    >>> metric = SilhouetteScore()
    >>> metric.update((torch.tensor([[0.0], [1.0], [5.0], [6.0]]), torch.tensor([0, 0, 1, 1])))
    >>> round(metric.compute(), 6)
    0.79798
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import torch

from bridge.metrics.clustering._base import _as_2d_float64, _ClusteringMetricBase, _undefined
from bridge.utils import _identity

__all__ = ["SilhouetteScore", "silhouette_score"]

# scikit-learn's metric name -> torch.cdist's p
_MINKOWSKI = {
    "euclidean": 2.0,
    "l2": 2.0,
    "sqeuclidean": 2.0,
    "manhattan": 1.0,
    "cityblock": 1.0,
    "l1": 1.0,
    "chebyshev": float("inf"),
    "minkowski": 2.0,
}
_METRICS = (*_MINKOWSKI, "cosine", "precomputed")
# keywords scikit-learn's silhouette_score takes besides the distance's own (``p`` of "minkowski")
_SKLEARN_KEYWORDS = ("metric", "sample_size", "random_state", "n_jobs", "working_memory")
# about 64 MiB of float64 distances per block of rows
_BLOCK_ELEMENTS = 2**23


def _check_silhouette_kwargs(kwargs: dict[str, Any]) -> None:
    """Refuse, at construction, what :func:`silhouette_score` cannot honour (scikit-learn would at compute).

    Example:
        >>> _check_silhouette_kwargs({"metric": "cosine", "sample_size": 100, "random_state": 0})
        >>> _check_silhouette_kwargs({"metric": "hamming"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: silhouette_kwargs: metric 'hamming' is not supported...
    """
    metric = kwargs.get("metric", "euclidean")
    if not (callable(metric) or metric in _METRICS):
        raise ValueError(
            f"silhouette_kwargs: metric {metric!r} is not supported, use a callable or one of {list(_METRICS)}"
        )
    extra = set(kwargs) - set(_SKLEARN_KEYWORDS)
    if metric == "minkowski":
        extra -= {"p"}
    if extra and not callable(metric):  # a callable metric gets the extra keywords, as in scikit-learn
        raise TypeError(f"silhouette_kwargs: unexpected keyword(s) {sorted(extra)} for metric {metric!r}")
    sample_size = kwargs.get("sample_size")
    if sample_size is not None and (
        isinstance(sample_size, bool) or not isinstance(sample_size, numbers.Integral) or sample_size < 1
    ):
        raise ValueError(f"silhouette_kwargs: sample_size must be an int >= 1 or None, got {sample_size!r}")


def _distances(rows: torch.Tensor, data: torch.Tensor, metric: Any, start: int, kwargs: dict[str, Any]) -> torch.Tensor:
    """Distances from ``rows`` (``data[start:start + len(rows)]``) to every row of ``data``."""
    if metric == "precomputed":
        return rows
    if callable(metric):
        # as scikit-learn: the callable gets two 1-d numpy rows
        left, right = rows.cpu().numpy(), data.cpu().numpy()
        values = [[float(metric(a, b, **kwargs)) for b in right] for a in left]
        return torch.tensor(values, dtype=torch.float64, device=rows.device).reshape(len(left), len(right))
    if metric == "cosine":
        similarity = torch.nn.functional.normalize(rows, dim=1) @ torch.nn.functional.normalize(data, dim=1).T
        return (1.0 - similarity).clamp_(0.0, 2.0)
    p = float(kwargs.get("p", 2.0)) if metric == "minkowski" else _MINKOWSKI[metric]
    block = torch.cdist(rows, data, p=p)
    if metric == "sqeuclidean":
        block = block.square_()
    # a sample's distance to itself is 0 (the matrix-product form of cdist leaves rounding there)
    index = torch.arange(len(rows), device=rows.device)
    block[index, index + start] = 0.0
    return block


def _check_precomputed(distances: torch.Tensor) -> None:
    if distances.shape[0] != distances.shape[1]:
        raise ValueError(
            f"Precomputed metric requires shape (n_queries, n_indexed). "
            f"Got {tuple(distances.shape)} for {distances.shape[0]} indexed."
        )
    tolerance = torch.finfo(distances.dtype).eps * 100 if distances.is_floating_point() else 0
    if bool((distances.diagonal().abs() > tolerance).any()):
        raise ValueError(
            "The precomputed distance matrix contains non-zero elements on the diagonal. Use np.fill_diagonal(X, 0)."
        )
    if bool((distances < 0).any()):
        raise ValueError("Precomputed distances need to have non-negative values.")


def silhouette_score(
    features: torch.Tensor,
    labels: torch.Tensor,
    metric: str | Callable = "euclidean",
    sample_size: int | None = None,
    random_state: Any = None,
    **kwargs: Any,
) -> float:
    """Mean silhouette coefficient of ``features`` ``(N, D)`` (or distances ``(N, N)``, ``metric="precomputed"``).

    Arguments as scikit-learn's ``silhouette_score``: ``metric`` one of ``"euclidean"``/``"l2"``,
    ``"sqeuclidean"``, ``"manhattan"``/``"cityblock"``/``"l1"``, ``"chebyshev"``, ``"minkowski"``
    (with ``p``), ``"cosine"``, ``"precomputed"`` or a callable of two numpy rows;
    ``sample_size`` samples drawn with numpy's ``RandomState`` as scikit-learn does
    (``random_state``: None, an int or a ``RandomState``). Raises ``ValueError`` unless
    ``2 <= number of clusters <= N - 1``.

    Example:
        >>> x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
        >>> round(silhouette_score(x, torch.tensor([0, 0, 1, 1]), metric="manhattan"), 6)
        0.777778
    """
    features = features.detach()
    labels = labels.detach()
    if sample_size is not None:
        import numpy as np

        if random_state is None or isinstance(random_state, numbers.Integral):
            # scikit-learn's check_random_state: numpy's global generator, or a RandomState seeded with the int
            random_state = np.random.mtrand._rand if random_state is None else np.random.RandomState(int(random_state))
        chosen = torch.as_tensor(random_state.permutation(features.shape[0])[:sample_size], device=features.device)
        if metric == "precomputed":
            features = features[chosen][:, chosen]
        else:
            features = features[chosen]
        labels = labels[chosen]
    _, codes = torch.unique(labels, return_inverse=True)
    n_samples, n_clusters = codes.shape[0], int(codes.max()) + 1 if codes.numel() else 0
    if not 1 < n_clusters < n_samples:
        raise ValueError(f"Number of labels is {n_clusters}. Valid values are 2 to n_samples - 1 (inclusive)")
    if metric == "precomputed":
        _check_precomputed(features)
    data = _as_2d_float64(features)

    members = torch.nn.functional.one_hot(codes, n_clusters).to(torch.float64)
    sizes = members.sum(dim=0)
    within, nearest = torch.empty(n_samples, dtype=torch.float64), torch.empty(n_samples, dtype=torch.float64)
    within, nearest = within.to(data.device), nearest.to(data.device)
    step = max(1, _BLOCK_ELEMENTS // n_samples)
    for start in range(0, n_samples, step):
        stop = min(start + step, n_samples)
        # summed distances from each row of the block to each cluster
        per_cluster = _distances(data[start:stop], data, metric, start, kwargs) @ members
        own = codes[start:stop].unsqueeze(1)
        within[start:stop] = per_cluster.gather(1, own).squeeze(1)
        nearest[start:stop] = (per_cluster.scatter(1, own, float("inf")) / sizes).min(dim=1).values
    within = within / (sizes - 1)[codes]  # 0 / 0 for a sample alone in its cluster: NaN, then 0 below
    coefficients = (nearest - within) / torch.maximum(within, nearest)
    return torch.nan_to_num(coefficients).mean().item()


class SilhouetteScore(_ClusteringMetricBase):
    """Silhouette score of the epoch's ``(features, labels)``: features ``(B, D)``, labels ``(B,)``.

    ``update`` takes ``(features, labels)`` or ``{"features": ..., "labels": ...}``; ``compute()`` is
    NaN when there are fewer than 2 clusters or as many clusters as samples.

    Args:
        output_transform, check_compute_fn, device, skip_unrolling: as ``EpochMetric``'s.
        silhouette_kwargs: scikit-learn ``silhouette_score``'s keywords (``metric``, ``sample_size``,
            ``random_state``, ``p`` for ``"minkowski"``), see :func:`silhouette_score`; one it
            cannot honour raises at construction.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> SilhouetteScore(silhouette_kwargs={"metric": "sqeuclidean"}).attach(engine, "silhouette")
        >>> data = [{"features": torch.tensor([[0.0], [1.0], [5.0], [6.0]]), "labels": torch.tensor([0, 0, 1, 1])}]
        >>> round(engine.run(data).metrics["silhouette"], 6)
        0.959216
    """

    def __init__(
        self,
        output_transform: Callable[..., Any] = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
        silhouette_kwargs: dict | None = None,
    ) -> None:
        self._silhouette_kwargs = {} if silhouette_kwargs is None else silhouette_kwargs
        _check_silhouette_kwargs(self._silhouette_kwargs)
        super().__init__(self._silhouette_score, output_transform, check_compute_fn, device, skip_unrolling)

    def _silhouette_score(self, features: torch.Tensor, labels: torch.Tensor) -> float:
        if _undefined(features, labels):
            return float("nan")
        return silhouette_score(features, labels, **self._silhouette_kwargs)

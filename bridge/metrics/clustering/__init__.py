"""Ignite's clustering metrics (``ignite.metrics.clustering``), computed with torch, without scikit-learn.

Each keeps the epoch's ``(features, labels)`` (an ``EpochMetric``) and scores the clustering at
``compute()``: ``SilhouetteScore`` (higher is better, in [-1, 1]), ``DaviesBouldinScore`` (lower is
better, >= 0), ``CalinskiHarabaszScore`` (higher is better). Ignite calls scikit-learn; here the
Davies-Bouldin and Calinski-Harabasz scores are torchmetrics' functionals and the silhouette score
(which torchmetrics does not have) is computed in torch, with scikit-learn's definition and numbers.

Example:
    >>> import torch
    >>> from bridge.metrics.clustering import CalinskiHarabaszScore, DaviesBouldinScore, SilhouetteScore
    >>> features = torch.tensor([[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]])
    >>> labels = torch.tensor([0, 0, 1, 1])
    >>> scores = [SilhouetteScore(), DaviesBouldinScore(), CalinskiHarabaszScore()]
    >>> for s in scores:
    ...     s.update((features, labels))
    >>> [round(s.compute(), 4) for s in scores]
    [0.7538, 0.25, 32.0]
"""

from bridge.metrics.clustering.calinski_harabasz_score import CalinskiHarabaszScore
from bridge.metrics.clustering.davies_bouldin_score import DaviesBouldinScore
from bridge.metrics.clustering.silhouette_score import SilhouetteScore

__all__ = ["CalinskiHarabaszScore", "DaviesBouldinScore", "SilhouetteScore"]

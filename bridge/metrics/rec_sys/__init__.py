"""Ignite's recommender-system metrics (``ignite.metrics.rec_sys``): ``HitRate`` and ``NDCG`` at k.

Both take ``(y_pred, y)`` of shape ``(users, items)``: a score per item for each user and the
items' relevance, and return one value per ``k`` in ``top_k`` (sorted), averaged over users.
torchmetrics' retrieval metrics compute per query from flat ``(preds, target, indexes)``, with
other conventions for ties and graded relevance: these are computed here, vectorized over users.

Example:
    >>> import torch
    >>> from bridge.metrics.rec_sys import HitRate, NDCG
    >>> y_pred = torch.tensor([[4.0, 2.0, 3.0, 1.0]])
    >>> y = torch.tensor([[0.0, 1.0, 0.0, 1.0]])
    >>> hr, ndcg = HitRate(top_k=[1, 2, 3]), NDCG(top_k=[2, 4])
    >>> hr.update((y_pred, y)); ndcg.update((y_pred, y))
    >>> hr.compute(), [round(v, 4) for v in ndcg.compute()]
    ([0.0, 0.0, 1.0], [0.0, 0.5706])
"""

from bridge.metrics.rec_sys.hitrate import HitRate
from bridge.metrics.rec_sys.ndcg import NDCG

__all__ = ["HitRate", "NDCG"]

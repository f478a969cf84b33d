"""``Recall`` (``ignite.metrics.recall``), counted by bridge.metrics._stat_scores.

Example:
    >>> import torch
    >>> r = Recall(average="macro")
    >>> r.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> r.compute()
    0.75
"""

from __future__ import annotations

from bridge.metrics.precision import _BasePrecisionRecall

__all__ = ["Recall"]


class Recall(_BasePrecisionRecall):
    """Recall ``tp / (tp + fn)`` with Ignite's inputs and averaging (same options as ``Precision``).

    Example:
        >>> import torch
        >>> r = Recall(average=False)
        >>> r.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
        >>> r.compute()
        tensor([0.5000, 1.0000], dtype=torch.float64)
    """

    _recall = True

"""The counting core of ``Accuracy``, ``Precision`` and ``Recall``: correct predictions, and per-class
(or per-sample) true positives, predicted positives and actual positives.

Own code rather than torchmetrics' ``*_stat_scores``: those validate, format and stack five statistics
per call, which measured 2-4x Ignite's whole update on an epoch of 64-sample batches (docs/benchmarks.md);
these counts are the same integers from one ``argmax`` and three ``bincount``/``sum`` calls.

Example:
    >>> import torch
    >>> y_pred, y = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])
    >>> correct_count(y_pred, y, "multiclass").item()
    2
    >>> [t.tolist() for t in positive_counts(y_pred, y, "multiclass", 2)]
    [[1, 1], [1, 2], [2, 1]]
"""

from __future__ import annotations

import torch

__all__ = ["correct_count", "labels_last", "positive_counts"]


def labels_last(t: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(N, C, ...)`` -> ``(N * ..., C)``: one row per sample (and position), as Ignite flattens multilabel.

    Example:
        >>> labels_last(torch.zeros(2, 3, 4), 3).shape
        torch.Size([8, 3])
    """
    return torch.transpose(t, 1, t.ndimension() - 1).reshape(-1, num_classes)


def correct_count(y_pred: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """How many predictions are right, for inputs Ignite's checks already typed as ``kind``.

    ``multiclass``: argmax over dim 1 equals the target (a target out of range simply misses);
    ``binary``: 0/1 values equal; ``multilabel``: rows (samples, positions) whose labels all equal.

    Example:
        >>> correct_count(torch.tensor([[1, 0], [1, 1]]), torch.tensor([[1, 0], [0, 1]]), "multilabel").item()
        1
    """
    if kind == "multiclass":
        return (y_pred.argmax(dim=1) == y).sum()
    if kind == "binary":
        return (y_pred.reshape(-1) == y.reshape(-1)).sum()
    num_labels = y_pred.shape[1]
    equal = labels_last(y_pred, num_labels) == labels_last(y, num_labels)
    return equal.all(dim=1).sum()


def positive_counts(
    y_pred: torch.Tensor, y: torch.Tensor, kind: str, num_classes: int, per_sample: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(true positives, predicted positives, actual positives)`` per class, as int64 tensors.

    ``binary`` with ``num_classes == 1``: 0-d counts of the positive class; ``binary`` with 2 classes
    counts both (Ignite's one-hot view when averaging); ``multilabel`` with ``per_sample``: counts per row.

    Example:
        >>> y_pred, y = torch.tensor([[1, 0, 1], [0, 1, 1]]), torch.tensor([[1, 0, 0], [0, 0, 1]])
        >>> [t.tolist() for t in positive_counts(y_pred, y, "multilabel", 3, per_sample=True)]
        [[1, 1], [2, 2], [1, 1]]
    """
    if kind == "binary" and num_classes == 1:
        p, t = y_pred.reshape(-1).long(), y.reshape(-1).long()
        return (p * t).sum(), p.sum(), t.sum()
    if kind == "multilabel":
        p, t = labels_last(y_pred, num_classes).long(), labels_last(y, num_classes).long()
        dim = 1 if per_sample else 0
        return (p * t).sum(dim=dim), p.sum(dim=dim), t.sum(dim=dim)
    p = (y_pred.argmax(dim=1) if kind == "multiclass" else y_pred.long()).reshape(-1)
    t = y.reshape(-1).long()
    hits = t[p == t]
    return (
        torch.bincount(hits, minlength=num_classes),
        torch.bincount(p, minlength=num_classes),
        torch.bincount(t, minlength=num_classes),
    )

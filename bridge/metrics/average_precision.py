"""``AveragePrecision`` (``ignite.metrics.average_precision``), computed by torchmetrics instead of scikit-learn.

The values are ``sklearn.metrics.average_precision_score``'s (Ignite's), with its input
conventions: binary, multilabel (macro mean over the labels) and multiclass targets (one
column of scores per class present, macro mean of one-vs-rest).

Example:
    >>> import torch
    >>> ap = AveragePrecision()
    >>> ap.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> round(ap.compute(), 4)
    0.8333
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics._ranking import (
    average_precision_from_counts,
    binary_clf_counts,
    check_lengths,
    check_same_shape,
    check_scores_1d,
    target_type,
)
from bridge.metrics.epoch_metric import EpochMetric
from bridge.utils import _identity

__all__ = ["AveragePrecision", "average_precision_compute_fn"]


def average_precision_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> float:
    """``sklearn.metrics.average_precision_score(y_targets, y_preds)``, without scikit-learn.

    - binary targets ``(N,)`` (the positive label is 1; two labels must include it), scores ``(N,)``;
    - multilabel 0/1 targets ``(N, T)``, scores ``(N, T)``: mean of the labels' values;
    - multiclass targets ``(N,)``, scores ``(N, K)`` for the ``K`` classes present (sorted): mean of
      the one-vs-rest values.

    A label without positive targets scores 0.0 (sklearn warns).

    Example:
        >>> import torch
        >>> scores = torch.tensor([[0.79, 0.21], [0.30, 0.70], [0.46, 0.54], [0.16, 0.84]])
        >>> round(average_precision_compute_fn(scores, torch.tensor([[1, 1], [1, 1], [0, 1], [0, 1]])), 4)
        0.9167
    """
    kind = target_type(y_targets)
    if kind == "binary":
        present = torch.unique(y_targets).tolist()
        if len(present) == 2 and 1 not in present:
            raise ValueError(f"pos_label=1 is not a valid label. It should be one of {present}")
        check_lengths(y_preds, y_targets)
        check_scores_1d(y_preds)
        return average_precision_from_counts(*binary_clf_counts(y_preds, y_targets == 1)[:2])
    if kind == "multiclass":
        classes = torch.unique(y_targets)
        if tuple(y_preds.shape) != (len(y_targets), len(classes)):
            raise ValueError(
                "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains multiple classes. "
                f"Got `y_score.shape={tuple(y_preds.shape)}`."
            )
        positives = y_targets.unsqueeze(1) == classes.unsqueeze(0)
    elif kind == "multilabel-indicator":
        check_same_shape(y_preds, y_targets)
        positives = y_targets == 1
    else:
        raise ValueError(f"{kind} format is not supported")
    if y_preds.is_floating_point() and not bool(torch.isfinite(y_preds).all()):
        raise ValueError("Input y_pred contains NaN or infinity.")
    values = [
        average_precision_from_counts(*binary_clf_counts(y_preds[:, j], positives[:, j])[:2])
        for j in range(positives.shape[1])
    ]
    return sum(values) / len(values)


class AveragePrecision(EpochMetric):
    """Average precision of all the epoch's scores and targets (Ignite's ``AveragePrecision``).

    Scores may be probabilities or any confidence values (only their order matters). Binary
    ``(N,)``, multilabel ``(N, T)`` (macro mean) or multiclass (targets ``(N,)``, scores
    ``(N, C)``, macro mean of one-vs-rest) inputs, as ``sklearn.metrics.average_precision_score``.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: run the computation on the first batch and warn if it fails.
        device: where the predictions and targets are stored.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> AveragePrecision().attach(engine, "ap")
        >>> y_pred = torch.tensor([[0.79, 0.21], [0.30, 0.70], [0.46, 0.54], [0.16, 0.84]])
        >>> y_true = torch.tensor([[1, 1], [1, 1], [0, 1], [0, 1]])
        >>> round(engine.run([(y_pred, y_true)]).metrics["ap"], 4)
        0.9167
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            average_precision_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )

"""``ROC_AUC`` and ``RocCurve`` (``ignite.metrics.roc_auc``), computed by torchmetrics instead of scikit-learn.

The values are scikit-learn's (Ignite's): ``roc_auc_score`` and ``roc_curve`` (collinear points
dropped, the curve starting at ``(0, 0)`` with threshold ``inf``).

Example:
    >>> import torch
    >>> auc = ROC_AUC()
    >>> auc.update((torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1])))
    >>> auc.compute()
    0.75
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

from bridge.metrics._ranking import (
    _Curve,
    binary_clf_counts,
    binary_positives,
    check_lengths,
    check_same_shape,
    check_scores_1d,
    curve_once,
    roc_from_counts,
    target_type,
)
from bridge.metrics.epoch_metric import EpochMetric
from bridge.utils import _identity

__all__ = ["roc_auc_compute_fn", "roc_auc_curve_compute_fn", "ROC_AUC", "RocCurve"]


_ONE_CLASS = "Only one class is present in y_true. ROC AUC score is not defined in that case."


def _binary_auc(scores: torch.Tensor, y: torch.Tensor, positives: torch.Tensor | None = None) -> float:
    """Trapezoidal area under sklearn's ROC curve; ``nan`` (with a warning) unless ``y`` holds two classes."""
    labels = torch.unique(y)
    if labels.numel() != 2:
        warnings.warn(_ONE_CLASS, UserWarning)
        return float("nan")
    check_lengths(scores, y)
    check_scores_1d(scores)
    fpr, tpr, _ = roc_from_counts(*binary_clf_counts(scores, y == labels[1] if positives is None else positives))
    return torch.trapezoid(tpr, fpr).item()


def roc_auc_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> float:
    """``sklearn.metrics.roc_auc_score(y_targets, y_preds)``, without scikit-learn.

    - binary targets ``(N,)`` (the larger of the two labels is positive), scores ``(N,)``;
    - multilabel targets ``(N, T)``, scores ``(N, T)``: mean of the labels' values.

    A target (column) holding one class only makes the result ``nan``, with a warning, as
    scikit-learn (>= 1.6) does. Multiclass targets are refused, as sklearn does by default.

    Example:
        >>> import torch
        >>> scores = torch.tensor([[2.0, 0.1], [-1.0, 0.9], [3.0, 0.5]])
        >>> roc_auc_compute_fn(scores, torch.tensor([[1, 0], [0, 1], [1, 1]]))
        1.0
    """
    kind = target_type(y_targets)
    if y_preds.is_floating_point() and not bool(torch.isfinite(y_preds).all()):
        raise ValueError("Input y_pred contains NaN or infinity.")
    if kind == "multiclass" or (kind == "binary" and y_preds.ndim == 2 and y_preds.shape[1] > 2):
        raise ValueError("multi_class must be in ('ovo', 'ovr')")
    if kind == "binary":
        return _binary_auc(y_preds, y_targets)
    if kind != "multilabel-indicator":
        raise ValueError(f"{kind} format is not supported")
    check_same_shape(y_preds, y_targets)
    values = []
    for j in range(y_targets.shape[1]):
        column = y_targets[:, j]
        # a label column of two values must be {0, 1} or {-1, 1} (sklearn's pos_label=None check)
        positives = binary_positives(column) if torch.unique(column).numel() == 2 else None
        values.append(_binary_auc(y_preds[:, j], column, positives))
    return sum(values) / len(values)


def roc_auc_curve_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> _Curve:
    """``sklearn.metrics.roc_curve(y_targets, y_preds)`` as float64 tensors, without scikit-learn.

    Binary targets ``(N,)`` in ``{0, 1}`` or ``{-1, 1}``, scores ``(N,)``. Returns ``(fpr, tpr,
    thresholds)``: thresholds decrease from ``inf``; points collinear with their neighbours are
    dropped; a rate is ``nan`` (with a warning) when its class is missing.

    Example:
        >>> import torch
        >>> fpr, tpr, thresholds = roc_auc_curve_compute_fn(torch.tensor([1, 2, 3, 4]), torch.tensor([0, 0, 1, 0]))
        >>> [round(v, 3) for v in fpr.tolist()], tpr.tolist(), thresholds.tolist()
        ([0.0, 0.333, 0.333, 1.0], [0.0, 0.0, 1.0, 1.0], [inf, 4.0, 3.0, 1.0])
    """
    positives = binary_positives(y_targets)
    check_lengths(y_preds, y_targets)
    check_scores_1d(y_preds)
    return roc_from_counts(*binary_clf_counts(y_preds, positives))


class ROC_AUC(EpochMetric):
    """Area under the ROC curve of all the epoch's scores and 0/1 targets (Ignite's ``ROC_AUC``).

    Scores may be probabilities or logits (only their order matters). Binary ``(N,)`` or
    multilabel ``(N, T)`` inputs; multilabel values are macro-averaged.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> ROC_AUC().attach(engine, "auc")
        >>> data = [(torch.tensor([0.9, 0.2]), torch.tensor([1, 0])), (torch.tensor([0.3, 0.6]), torch.tensor([1, 0]))]
        >>> engine.run(data).metrics["auc"]
        0.75
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            roc_auc_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )


class RocCurve(EpochMetric):
    """The ROC curve of all the epoch's binary scores and targets (Ignite's ``RocCurve``).

    ``compute()`` returns ``(fpr, tpr, thresholds)``, float64 tensors on the device of the
    predictions, as ``sklearn.metrics.roc_curve`` (see :func:`roc_auc_curve_compute_fn`).

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: run the computation on the first batch and warn if it fails.
        device: where the predictions and targets are stored.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> RocCurve().attach(engine, "roc")
        >>> data = [(torch.tensor([0.0474, 0.5987, 0.7109, 0.9997]), torch.tensor([0, 0, 1, 0]))]
        >>> fpr, tpr, thresholds = engine.run(data).metrics["roc"]
        >>> [round(v, 3) for v in fpr.tolist()], tpr.tolist(), [round(v, 3) for v in thresholds.tolist()]
        ([0.0, 0.333, 0.333, 1.0], [0.0, 0.0, 1.0, 1.0], [inf, 1.0, 0.711, 0.047])
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            roc_auc_curve_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    def compute(self) -> _Curve:
        return curve_once(self)

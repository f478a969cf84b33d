"""``PrecisionRecallCurve`` (``ignite.metrics.precision_recall_curve``), computed by torchmetrics.

The curve is ``sklearn.metrics.precision_recall_curve``'s (Ignite's): every distinct score is a
threshold (increasing), and precision and recall end with the point ``(1, 0)``.

Example:
    >>> import torch
    >>> curve = PrecisionRecallCurve()
    >>> curve.update((torch.tensor([0.125, 0.5, 0.75, 1.0]), torch.tensor([0, 0, 1, 1])))
    >>> precision, recall, thresholds = curve.compute()
    >>> [round(p, 4) for p in precision.tolist()], recall.tolist(), thresholds.tolist()
    ([0.5, 0.6667, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.5, 0.0], [0.125, 0.5, 0.75, 1.0])
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics._ranking import (
    _Curve,
    binary_clf_counts,
    binary_positives,
    check_lengths,
    check_scores_1d,
    curve_once,
    precision_recall_from_counts,
)
from bridge.metrics.epoch_metric import EpochMetric
from bridge.utils import _identity

__all__ = ["PrecisionRecallCurve", "precision_recall_curve_compute_fn"]



def precision_recall_curve_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> _Curve:
    """``sklearn.metrics.precision_recall_curve(y_targets, y_preds)`` as float64 tensors, without scikit-learn.

    Binary targets ``(N,)`` in ``{0, 1}`` or ``{-1, 1}``, scores ``(N,)``. Returns
    ``(precision, recall, thresholds)``.

    Example:
        >>> import torch
        >>> p, r, t = precision_recall_curve_compute_fn(torch.tensor([3, 1, 2, 2]), torch.tensor([0, 1, 1, 0]))
        >>> [round(v, 4) for v in p.tolist()], r.tolist(), t.tolist()
        ([0.5, 0.3333, 0.0, 1.0], [1.0, 0.5, 0.0, 0.0], [1.0, 2.0, 3.0])
    """
    positives = binary_positives(y_targets)
    check_lengths(y_preds, y_targets)
    check_scores_1d(y_preds)
    return precision_recall_from_counts(*binary_clf_counts(y_preds, positives))


class PrecisionRecallCurve(EpochMetric):
    """Precision-recall pairs at every threshold, for all the epoch's binary scores and targets.

    ``compute()`` returns ``(precision, recall, thresholds)``, float64 tensors on the device of
    the predictions (Ignite's ``PrecisionRecallCurve``, i.e. ``sklearn.metrics.precision_recall_curve``).

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: run the computation on the first batch and warn if it fails.
        device: where the predictions and targets are stored.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> PrecisionRecallCurve().attach(engine, "pr")
        >>> data = [(torch.tensor([0.0474, 0.5987, 0.7109, 0.9997]), torch.tensor([0, 0, 1, 1]))]
        >>> precision, recall, thresholds = engine.run(data).metrics["pr"]
        >>> [round(p, 4) for p in precision.tolist()], recall.tolist()
        ([0.5, 0.6667, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.5, 0.0])
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            precision_recall_curve_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )

    def compute(self) -> _Curve:
        return curve_once(self)

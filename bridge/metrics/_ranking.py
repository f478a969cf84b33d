"""scikit-learn's conventions for binary ranking curves, over torchmetrics' curve (shared by the ranking metrics).

Ignite's ``AveragePrecision``, ``PrecisionRecallCurve``, ``RocCurve`` and ``ROC_AUC`` return
what ``sklearn.metrics`` returns. bridge computes the curve with torchmetrics and converts it to
sklearn's layout here, in one place: which targets are accepted (``type_of_target`` and the
positive label), the thresholds (every distinct score; ``inf`` first on the ROC curve), the
points ``roc_curve`` drops (``drop_intermediate``), the last ``(precision=1, recall=0)`` point of
the precision-recall curve, and the rates set when a class is missing (``nan`` for ROC, a recall
of one for precision-recall), with sklearn's warnings. ``gather_and_compute_curve`` is the
``compute`` of the curve metrics (rank 0 computes, the three tensors are broadcast).

Example:
    >>> import torch
    >>> scores, targets = torch.tensor([0.125, 0.5, 0.375, 0.75]), torch.tensor([0, 0, 1, 1])
    >>> fps, tps, thresholds = binary_clf_counts(scores, targets == 1)
    >>> fps.tolist(), tps.tolist(), thresholds.tolist()
    ([0.0, 1.0, 1.0, 2.0], [1.0, 1.0, 2.0, 2.0], [0.75, 0.5, 0.375, 0.125])
    >>> fpr, tpr, thresholds = roc_from_counts(fps, tps, thresholds)
    >>> fpr.tolist(), tpr.tolist(), thresholds.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0], [inf, 0.75, 0.5, 0.375, 0.125])
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, cast

import torch

import bridge.distributed as idist

if TYPE_CHECKING:
    from bridge.metrics.epoch_metric import EpochMetric

__all__ = [
    "target_type",
    "check_lengths",
    "check_same_shape",
    "binary_positives",
    "check_scores_1d",
    "binary_clf_counts",
    "roc_from_counts",
    "precision_recall_from_counts",
    "average_precision_from_counts",
    "gather_and_compute_curve",
    "curve_once",
]

_Curve = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def _is_integral(y: torch.Tensor) -> bool:
    return not y.is_floating_point() or bool(torch.all(y == y.round()))


def target_type(y: torch.Tensor, name: str = "y_true") -> str:
    """sklearn's ``type_of_target`` for a 1-d or 2-d tensor of labels.

    ``"binary"`` (at most two values), ``"multiclass"``, ``"continuous"`` (non-integral floats),
    ``"multilabel-indicator"`` (2-d, more than one column, at most two integral values),
    ``"multiclass-multioutput"`` or ``"continuous-multioutput"``.

    Example:
        >>> import torch
        >>> target_type(torch.tensor([0, 2, 1])), target_type(torch.tensor([[0, 1], [1, 1]]))
        ('multiclass', 'multilabel-indicator')
    """
    if y.numel() == 0:
        raise ValueError(
            "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 sample is required."
        )
    if y.is_floating_point() and not bool(torch.isfinite(y).all()):
        raise ValueError(f"Input {name} contains NaN or infinity.")
    multioutput = y.ndim == 2 and y.shape[1] > 1
    if not _is_integral(y):
        return "continuous-multioutput" if multioutput else "continuous"
    n_values = torch.unique(y).numel()
    if multioutput:
        return "multilabel-indicator" if n_values < 3 else "multiclass-multioutput"
    return "multiclass" if n_values > 2 else "binary"


def check_lengths(y_pred: torch.Tensor, y: torch.Tensor) -> None:
    """sklearn's ``check_consistent_length``: as many predictions as targets.

    Example:
        >>> import torch
        >>> check_lengths(torch.rand(3), torch.zeros(2))
        Traceback (most recent call last):
        ...
        ValueError: Found input variables with inconsistent numbers of samples: [2, 3]
    """
    if len(y_pred) != len(y):
        raise ValueError(f"Found input variables with inconsistent numbers of samples: {[len(y), len(y_pred)]}")


def check_same_shape(y_pred: torch.Tensor, y: torch.Tensor) -> None:
    """Multilabel scores and targets: one score per label, ``(N, T)`` both.

    sklearn computes on the first columns, or fails with an IndexError, when the score columns
    are fewer or more than the labels; this says what is wrong instead.

    Example:
        >>> import torch
        >>> check_same_shape(torch.rand(4, 3), torch.zeros(4, 2))
        Traceback (most recent call last):
        ...
        ValueError: For multilabel targets y_pred and y must have the same shape ..., got (4, 3) and (4, 2).
    """
    check_lengths(y_pred, y)
    if y_pred.shape != y.shape:
        raise ValueError(
            "For multilabel targets y_pred and y must have the same shape (batch_size, num_labels), "
            f"got {tuple(y_pred.shape)} and {tuple(y.shape)}."
        )


def binary_positives(y: torch.Tensor) -> torch.Tensor:
    """The positive targets (``y == 1``) of a curve's binary target, checked as sklearn does without ``pos_label``.

    The values must be one of ``{0, 1}``, ``{-1, 1}``, ``{0}``, ``{-1}``, ``{1}``.

    Example:
        >>> import torch
        >>> binary_positives(torch.tensor([-1, 1, 1])).tolist()
        [False, True, True]
    """
    kind = target_type(y)
    if kind != "binary":
        raise ValueError(f"{kind} format is not supported")
    classes = torch.unique(y).tolist()
    if classes not in ([0, 1], [-1, 1], [0], [-1], [1]):
        values = ", ".join(str(int(c)) for c in classes)
        raise ValueError(
            f"y_true takes value in {{{values}}} and pos_label is not specified: either make y_true take value "
            "in {0, 1} or {-1, 1} or pass pos_label explicitly."
        )
    return y == 1


def check_scores_1d(y_pred: torch.Tensor) -> None:
    """Scores of a binary curve: one finite score per sample.

    Example:
        >>> import torch
        >>> check_scores_1d(torch.rand(4, 2))
        Traceback (most recent call last):
        ...
        ValueError: y should be a 1d array, got an array of shape (4, 2) instead.
    """
    if y_pred.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {tuple(y_pred.shape)} instead.")
    if y_pred.is_floating_point() and not bool(torch.isfinite(y_pred).all()):
        raise ValueError("Input y_pred contains NaN or infinity.")


def binary_clf_counts(scores: torch.Tensor, positives: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """False and true positives (float64) at each distinct score as threshold, highest first, and those scores.

    torchmetrics' ``binary_roc`` computes the curve. It is given dense ranks in ``(0, 1]``
    instead of the scores: the same order and ties, and torchmetrics then never applies its
    sigmoid to logits (which could merge distinct large scores into one threshold). Its rates
    are float32; they are turned back into exact counts (rounding is exact below 2**23 samples
    of a class), so everything derived from them is computed in float64 as sklearn does.

    Example:
        >>> import torch
        >>> fps, tps, thresholds = binary_clf_counts(torch.tensor([30.0, -2.0, 30.0]), torch.tensor([1, 0, 0]))
        >>> fps.tolist(), tps.tolist(), thresholds.tolist()
        ([1.0, 2.0], [1.0, 1.0], [30.0, -2.0])
    """
    from torchmetrics.functional.classification import binary_roc

    values, inverse = torch.unique(scores, return_inverse=True)
    ranks = (inverse + 1).double() / values.numel()
    with warnings.catch_warnings():
        # torchmetrics warns when a class is missing; sklearn's conventions for that case are applied by the callers
        warnings.simplefilter("ignore")
        fpr, tpr, _ = binary_roc(ranks, positives.long(), validate_args=False)
    n_pos = int(positives.sum())
    n_neg = positives.numel() - n_pos
    # the first point is torchmetrics' (0, 0) start, added back by roc_from_counts
    fps = (fpr[1:].double() * n_neg).round()
    tps = (tpr[1:].double() * n_pos).round()
    return fps, tps, values.flip(0).double()


def roc_from_counts(
    fps: torch.Tensor, tps: torch.Tensor, thresholds: torch.Tensor, drop_intermediate: bool = True
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """sklearn's ``roc_curve`` from :func:`binary_clf_counts`: ``(fpr, tpr, thresholds)``.

    Collinear points are dropped (``drop_intermediate``), the curve starts at ``(0, 0)`` with
    threshold ``inf``, and a rate whose class is missing is ``nan`` (with a warning).

    Example:
        >>> import torch
        >>> counts = binary_clf_counts(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> fpr, tpr, thr = roc_from_counts(*counts)
        >>> fpr.tolist(), tpr.tolist(), thr[0].item()
        ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0], inf)
    """
    if drop_intermediate and fps.numel() > 2:
        corner = (torch.diff(fps, n=2) != 0) | (torch.diff(tps, n=2) != 0)
        end = torch.ones(1, dtype=torch.bool, device=fps.device)
        keep = torch.cat([end, corner, end])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    zero = torch.zeros(1, dtype=fps.dtype, device=fps.device)
    fps, tps = torch.cat([zero, fps]), torch.cat([zero, tps])
    thresholds = torch.cat(
        [torch.full((1,), float("inf"), dtype=thresholds.dtype, device=thresholds.device), thresholds]
    )
    rates = []
    for counts, what in ((fps, "negative"), (tps, "positive")):
        if counts[-1] <= 0:
            warnings.warn(f"No {what} samples in y_true, {'false' if what == 'negative' else 'true'} positive value "
                          "should be meaningless", UserWarning)  # fmt: skip
            rates.append(torch.full_like(counts, float("nan")))
        else:
            rates.append(counts / counts[-1])
    return rates[0], rates[1], thresholds


def precision_recall_from_counts(
    fps: torch.Tensor, tps: torch.Tensor, thresholds: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """sklearn's ``precision_recall_curve`` from :func:`binary_clf_counts`: ``(precision, recall, thresholds)``.

    Thresholds increase; precision and recall have one more point, ``(1, 0)``. Without positive
    targets the recall is one at every threshold (with a warning).

    Example:
        >>> import torch
        >>> counts = binary_clf_counts(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> p, r, t = precision_recall_from_counts(*counts)
        >>> [round(v, 4) for v in p.tolist()], r.tolist()
        ([0.5, 0.6667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0])
    """
    precision = tps / (tps + fps)
    if tps[-1] == 0:
        warnings.warn("No positive class found in y_true, recall is set to one for all thresholds.", UserWarning)
        recall = torch.ones_like(tps)
    else:
        recall = tps / tps[-1]
    one = torch.ones(1, dtype=precision.dtype, device=precision.device)
    return torch.cat([precision.flip(0), one]), torch.cat([recall.flip(0), one - 1]), thresholds.flip(0)


def average_precision_from_counts(fps: torch.Tensor, tps: torch.Tensor) -> float:
    """sklearn's uninterpolated average precision ``-sum(diff(recall) * precision[:-1])`` (0.0 without positives).

    Example:
        >>> import torch
        >>> fps, tps, _ = binary_clf_counts(torch.tensor([0.1, 0.4, 0.35, 0.8]), torch.tensor([0, 0, 1, 1]))
        >>> round(average_precision_from_counts(fps, tps), 4)
        0.8333
    """
    precision, recall, _ = precision_recall_from_counts(fps, tps, fps)
    return max(0.0, -torch.sum(torch.diff(recall) * precision[:-1]).item())


def gather_and_compute_curve(metric: EpochMetric) -> _Curve:
    """``compute`` of a curve metric: its ``compute_fn`` on all ranks' predictions, run on rank 0.

    The three tensors come back as ``metric``'s float64 on the predictions' device, each
    broadcast to the other ranks.

    Example:
        >>> import torch
        >>> from bridge.metrics.roc_auc import RocCurve
        >>> m = RocCurve()
        >>> m.update((torch.tensor([0.25, 0.75]), torch.tensor([0, 1])))
        >>> [t.tolist() for t in gather_and_compute_curve(m)]
        [[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [inf, 0.75, 0.25]]
    """
    preds = torch.cat(metric._predictions, dim=0)
    targets = torch.cat(metric._targets, dim=0)
    ws = idist.get_world_size()
    if ws > 1:
        preds, targets = idist.all_gather(preds), idist.all_gather(targets)
    curve: list[torch.Tensor | None] = [None, None, None]
    if idist.get_rank() == 0:
        computed = cast(_Curve, metric.compute_fn(preds, targets))
        curve = [t.to(device=preds.device, dtype=metric._double_dtype) for t in computed]
    if ws > 1:
        curve = [cast(torch.Tensor, idist.broadcast(t, src=0, safe_mode=True)) for t in curve]
    return cast(_Curve, tuple(curve))


def curve_once(metric: EpochMetric) -> _Curve:
    """``compute`` of ``RocCurve`` / ``PrecisionRecallCurve``: :func:`gather_and_compute_curve` once per epoch.

    The result is kept until the next ``update`` or ``reset``; before any update it is an error.

    Example:
        >>> from bridge.metrics.roc_auc import RocCurve
        >>> curve_once(RocCurve())
        Traceback (most recent call last):
        ...
        bridge.exceptions.NotComputableError: RocCurve must have at least one example before it can be computed.
    """
    from bridge.exceptions import NotComputableError

    if len(metric._predictions) < 1 or len(metric._targets) < 1:
        raise NotComputableError(f"{type(metric).__name__} must have at least one example before it can be computed.")
    if metric._result is None:
        metric._result = gather_and_compute_curve(metric)
    return cast(_Curve, metric._result)

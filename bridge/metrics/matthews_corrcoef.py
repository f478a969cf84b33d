"""``MatthewsCorrCoef`` (``ignite.metrics.matthews_corrcoef``): the Matthews correlation coefficient.

The values are ``sklearn.metrics.matthews_corrcoef``'s (Ignite's): any label values (e.g.
``-1``/``+1``), and 0.0 where the coefficient is undefined (a constant prediction or target),
where torchmetrics' ``matthews_corrcoef`` gives 1.0 for a perfect constant prediction. So the
confusion matrix is torchmetrics' and the reduction is :func:`mcc_from_confusion`.

Example:
    >>> import torch
    >>> mcc = MatthewsCorrCoef()
    >>> mcc.update((torch.tensor([1, 1, 1, -1]), torch.tensor([1, -1, 1, 1])))
    >>> round(mcc.compute(), 4)
    -0.3333
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics._ranking import check_lengths, target_type
from bridge.metrics.epoch_metric import EpochMetric
from bridge.utils import _identity

__all__ = ["MatthewsCorrCoef", "matthews_corrcoef_compute_fn", "mcc_from_confusion"]


def mcc_from_confusion(confusion: torch.Tensor) -> float:
    """Matthews correlation coefficient of a ``(K, K)`` confusion matrix (rows: targets), in float64.

    ``(c * s - t . p) / sqrt((s^2 - p . p) (s^2 - t . t))`` with ``c`` the correct predictions,
    ``s`` the samples, ``t``/``p`` the per-class target/prediction counts; 0.0 when undefined.

    Example:
        >>> import torch
        >>> round(mcc_from_confusion(torch.tensor([[1, 1], [2, 4]])), 4)
        0.1491
        >>> mcc_from_confusion(torch.tensor([[0, 0], [0, 5]]))
        0.0
    """
    c = confusion.double()
    t_sum, p_sum = c.sum(dim=1), c.sum(dim=0)
    n = p_sum.sum()
    cov_ytyp = torch.trace(c) * n - t_sum @ p_sum
    cov_ypyp_ytyt = (n**2 - p_sum @ p_sum) * (n**2 - t_sum @ t_sum)
    if cov_ypyp_ytyt == 0:
        return 0.0
    return (cov_ytyp / torch.sqrt(cov_ypyp_ytyt)).item()


def matthews_corrcoef_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> float:
    """``sklearn.metrics.matthews_corrcoef`` of labels ``(N,)``, or of the argmax of scores ``(N, C)``.

    Scores ``(N, C)`` with one-hot targets ``(N, C)`` compare both argmaxes. Labels are any
    integral values; the classes are those present in either tensor.

    Example:
        >>> import torch
        >>> scores = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]])
        >>> round(matthews_corrcoef_compute_fn(scores, torch.tensor([0, 1, 0, 0])), 4)
        0.5774
    """
    from torchmetrics.functional.classification import multiclass_confusion_matrix

    if y_preds.ndim == 2:
        y_preds = torch.argmax(y_preds, dim=1)
        if y_targets.ndim == 2:
            y_targets = torch.argmax(y_targets, dim=1)
    elif y_targets.ndim == 2:
        raise ValueError(
            "Incoherent types between input y_pred and stored predictions: y_pred is 1D while y_target is 2D"
        )
    check_lengths(y_preds, y_targets)
    kind_true, kind_pred = target_type(y_targets), target_type(y_preds, "y_pred")
    kinds = {kind_true, kind_pred}
    if kinds == {"binary", "multiclass"}:
        kinds = {"multiclass"}
    if len(kinds) > 1:
        raise ValueError(f"Classification metrics can't handle a mix of {kind_true} and {kind_pred} targets")
    kind = kinds.pop()
    if kind not in ("binary", "multiclass"):
        raise ValueError(f"{kind} is not supported")
    # the classes are the values present in either tensor, numbered in sorted order
    labels, codes = torch.unique(torch.cat([y_targets.double(), y_preds.double()]), return_inverse=True)
    n = len(y_targets)
    confusion = multiclass_confusion_matrix(codes[n:], codes[:n], max(len(labels), 2), validate_args=False)
    return mcc_from_confusion(confusion)


class MatthewsCorrCoef(EpochMetric):
    """Matthews correlation coefficient of all the epoch's predictions (Ignite's ``MatthewsCorrCoef``).

    Predictions are labels ``(N,)`` or scores ``(N, C)`` (their argmax); targets are labels
    ``(N,)`` or, with scores, one-hot ``(N, C)`` (their argmax). Binary and multiclass.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``.
        check_compute_fn: run the computation on the first batch and warn if it fails.
        device: where the predictions and targets are stored.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MatthewsCorrCoef().attach(engine, "mcc")
        >>> data = [(torch.tensor([0, 2, 1, 2]), torch.tensor([0, 2, 2, 2])), (torch.tensor([1]), torch.tensor([1]))]
        >>> round(engine.run(data).metrics["mcc"], 4)
        0.735
    """

    def __init__(
        self,
        output_transform: Callable = _identity,
        check_compute_fn: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(
            matthews_corrcoef_compute_fn,
            output_transform=output_transform,
            check_compute_fn=check_compute_fn,
            device=device,
            skip_unrolling=skip_unrolling,
        )

"""``ROC_AUC`` (``ignite.metrics.roc_auc``), computed by torchmetrics instead of scikit-learn.

Not implemented yet: ``roc_auc_curve_compute_fn`` and ``RocCurve``.

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

from bridge.metrics.epoch_metric import EpochMetric
from bridge.utils import _identity

__all__ = ["roc_auc_compute_fn", "ROC_AUC"]

_ONE_CLASS = "Only one class is present in y_true. ROC AUC score is not defined in that case."


def roc_auc_compute_fn(y_preds: torch.Tensor, y_targets: torch.Tensor) -> float:
    """``sklearn.metrics.roc_auc_score`` for 0/1 targets ``(N,)`` (binary) or ``(N, T)`` (multilabel, macro).

    A target column holding one class only makes the result ``nan``, with a warning, as
    scikit-learn (>= 1.6) does.

    Example:
        >>> import torch
        >>> scores = torch.tensor([[2.0, 0.1], [-1.0, 0.9], [3.0, 0.5]])
        >>> roc_auc_compute_fn(scores, torch.tensor([[1, 0], [0, 1], [1, 1]]))
        1.0
    """
    from torchmetrics.functional.classification import binary_auroc, multilabel_auroc

    y_true = y_targets.long()
    columns = y_true.reshape(len(y_true), -1)
    if any(torch.unique(columns[:, j]).numel() < 2 for j in range(columns.shape[1])):
        warnings.warn(_ONE_CLASS, UserWarning)
        return float("nan")
    # Dense ranks in (0, 1]: the same order and ties as the scores, so torchmetrics never applies its
    # sigmoid to logits (which could saturate distinct scores into ties) and the AUC is unchanged.
    _, inverse = torch.unique(y_preds, return_inverse=True)
    ranks = (inverse + 1).double() / (int(inverse.max()) + 1)
    if y_true.ndim == 1:
        return binary_auroc(ranks, y_true, validate_args=False).item()
    return multilabel_auroc(ranks, y_true, y_true.shape[1], average="macro", validate_args=False).item()


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

"""``Precision`` (``ignite.metrics.precision``), counted by bridge.metrics._stat_scores.

Example:
    >>> import torch
    >>> p = Precision(average="macro")
    >>> p.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> p.compute()
    0.75
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import cast

import torch

import bridge.distributed as idist
from bridge.exceptions import NotComputableError
from bridge.metrics._stat_scores import positive_counts
from bridge.metrics.accuracy import _BaseClassification
from bridge.metrics.metric import reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["Precision"]


class _BasePrecisionRecall(_BaseClassification):
    """Shared state and ``compute`` of Precision and Recall; subclasses pick the denominator.

    The per-batch counts are ``(tp, predicted positives, actual positives)``:
    precision's denominator is the predicted positives, recall's the actual ones.
    """

    _state_dict_all_req_keys = ("_numerator", "_denominator", "_weight", "_updated")
    _recall = False

    def __init__(
        self,
        output_transform: Callable = _identity,
        average: bool | str | None = False,
        is_multilabel: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        if not (average is None or isinstance(average, bool) or average in ["macro", "micro", "weighted", "samples"]):
            raise ValueError(
                "Argument average should be None or a boolean or one of values"
                " 'macro', 'micro', 'weighted' and 'samples'."
            )
        self._average: bool | str | None = "macro" if average is True else average
        self.eps = 1e-20
        self._updated = False
        super().__init__(output_transform, is_multilabel=is_multilabel, device=device, skip_unrolling=skip_unrolling)

    def _check_type(self, output: Sequence[torch.Tensor]) -> None:
        super()._check_type(output)
        if self._type in ["binary", "multiclass"] and self._average == "samples":
            raise ValueError("Argument average='samples' is incompatible with binary and multiclass input data.")
        y_pred, y = output
        if self._type == "multiclass" and y.dtype != torch.long:
            warnings.warn("`y` should be of dtype long when entry type is multiclass", RuntimeWarning)
        not_long = y.dtype != torch.long or y_pred.dtype != torch.long
        if self._type == "binary" and self._average is not False and not_long:
            warnings.warn(
                "`y` and `y_pred` should be of dtype long when entry type is binary and average!=False", RuntimeWarning
            )

    def _counts(self, output: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per-class ``(tp, predicted positives, actual positives)``; per sample for average='samples'."""
        y_pred, y = output[0].detach(), output[1].detach()
        kind = cast(str, self._type)
        if kind == "multiclass":
            num_classes = y_pred.size(1)
            if y.max() + 1 > num_classes:
                raise ValueError(
                    f"y_pred contains fewer classes than y. Number of classes in the prediction is {num_classes} "
                    f"and an element in y has invalid class = {y.max().item() + 1}."
                )
        elif kind == "binary":
            # binary with averaging is a 2-class problem, as Ignite's one-hot encoding makes it
            num_classes = 1 if self._average is False else 2
        else:
            num_classes = y_pred.size(1)
        return positive_counts(y_pred, y, kind, num_classes, per_sample=self._average == "samples")

    @reinit__is_reduced
    def reset(self) -> None:
        self._numerator: int | torch.Tensor = 0
        self._denominator: int | torch.Tensor = 0
        self._weight: int | torch.Tensor = 0
        self._updated = False
        super().reset()

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        self._check_shape(output)
        self._check_type(output)
        tp, predicted, actual = (t.to(dtype=self._double_dtype, device=self._device) for t in self._counts(output))
        positives = actual if self._recall else predicted
        if self._average == "samples":
            self._numerator += torch.sum(tp / (positives + self.eps))
            self._denominator += tp.shape[0]
        elif self._average == "micro":
            self._numerator += tp.sum()
            self._denominator += positives.sum()
        else:
            self._numerator += tp
            self._denominator += positives
            if self._average == "weighted":
                self._weight += actual  # support of each class
        self._updated = True

    @sync_all_reduce("_numerator", "_denominator")
    def compute(self) -> torch.Tensor | float:
        if not self._updated:
            raise NotComputableError(
                f"{self.__class__.__name__} must have at least one example before it can be computed."
            )
        fraction = self._numerator / (self._denominator + (self.eps if self._average != "samples" else 0))
        if self._average == "weighted":
            weight = idist.all_reduce(cast(torch.Tensor, self._weight).clone())
            sum_of_weights = cast(torch.Tensor, weight).sum() + self.eps
            return (cast(torch.Tensor, fraction) @ weight / sum_of_weights).item()
        if self._average in ("micro", "samples"):
            return cast(torch.Tensor, fraction).item()
        if self._average == "macro":
            return cast(torch.Tensor, fraction).mean().item()
        return fraction


class Precision(_BasePrecisionRecall):
    """Precision ``tp / (tp + fp)`` with Ignite's inputs and averaging.

    ``average``: ``False``/``None`` per-class tensor (a 0-d tensor for binary), ``True``/``"macro"``
    mean over classes, ``"micro"``, ``"weighted"`` (by class support), ``"samples"`` (multilabel only).

    Example:
        >>> import torch
        >>> p = Precision(average=False)
        >>> p.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
        >>> p.compute()
        tensor([1.0000, 0.5000], dtype=torch.float64)
    """

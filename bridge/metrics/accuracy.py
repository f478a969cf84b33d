"""``Accuracy`` (``ignite.metrics.accuracy``), counted by bridge.metrics._stat_scores.

Example:
    >>> import torch
    >>> acc = Accuracy()
    >>> acc.update((torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), torch.tensor([1, 0, 0])))
    >>> round(acc.compute(), 4)
    0.6667
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import cast

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics._stat_scores import correct_count
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["Accuracy"]


class _BaseClassification(Metric):
    """Ignite's input checks and binary / multiclass / multilabel inference, shared by the classifiers."""

    def __init__(
        self,
        output_transform: Callable = _identity,
        is_multilabel: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        self._is_multilabel = is_multilabel
        self._type: str | None = None
        self._num_classes: int | None = None
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    def reset(self) -> None:
        self._type = None
        self._num_classes = None

    def _check_shape(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output
        if not (y.ndimension() == y_pred.ndimension() or y.ndimension() + 1 == y_pred.ndimension()):
            raise ValueError(
                "y must have shape of (batch_size, ...) and y_pred must have "
                "shape of (batch_size, num_categories, ...) or (batch_size, ...), "
                f"but given {y.shape} vs {y_pred.shape}."
            )
        y_pred_shape: tuple[int, ...] = tuple(y_pred.shape)
        if y.ndimension() + 1 == y_pred.ndimension():
            y_pred_shape = (y_pred_shape[0],) + y_pred_shape[2:]
        if not tuple(y.shape) == y_pred_shape:
            raise ValueError("y and y_pred must have compatible shapes.")
        if self._is_multilabel and not (y.shape == y_pred.shape and y.ndimension() > 1 and y.shape[1] > 1):
            raise ValueError(
                "y and y_pred must have same shape of (batch_size, num_categories, ...) and num_categories > 1."
            )

    def _check_binary_multilabel_cases(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output
        if not torch.equal(y, y**2):
            raise ValueError("For binary cases, y must be comprised of 0's and 1's.")
        if not torch.equal(y_pred, y_pred**2):
            raise ValueError("For binary cases, y_pred must be comprised of 0's and 1's.")

    def _check_type(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output
        if y.ndimension() + 1 == y_pred.ndimension():
            num_classes = y_pred.shape[1]
            if num_classes == 1:
                update_type = "binary"
                self._check_binary_multilabel_cases((y_pred, y))
            else:
                update_type = "multiclass"
        elif y.ndimension() == y_pred.ndimension():
            self._check_binary_multilabel_cases((y_pred, y))
            if self._is_multilabel:
                update_type = "multilabel"
                num_classes = y_pred.shape[1]
            else:
                update_type = "binary"
                num_classes = 1
        else:
            raise RuntimeError(
                f"Invalid shapes of y (shape={y.shape}) and y_pred (shape={y_pred.shape}), check documentation."
                " for expected shapes of y and y_pred."
            )
        if self._type is None:
            self._type = update_type
            self._num_classes = num_classes
        else:
            if self._type != update_type:
                raise RuntimeError(f"Input data type has changed from {self._type} to {update_type}.")
            if self._num_classes != num_classes:
                raise ValueError(f"Input data number of classes has changed from {self._num_classes} to {num_classes}")

    @staticmethod
    def get_sequence_transform(
        ignore_index: int | Iterable[int] | None = None, output_transform: Callable = _identity
    ) -> Callable:
        """An output_transform flattening sequences ``(N, S, C)`` / ``(N, S)`` to ``(N*S, C)`` / ``(N*S,)``.

        Positions whose target is in ``ignore_index`` are dropped.

        Example:
            >>> import torch
            >>> t = Accuracy.get_sequence_transform(ignore_index=-1)
            >>> y_pred, y = t((torch.rand(2, 3, 4), torch.tensor([[0, 1, -1], [2, -1, -1]])))
            >>> tuple(y_pred.shape), y.tolist()
            ((3, 4), [0, 1, 2])
        """

        def wrapper(output: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
            y_pred, y = output_transform(output)
            if y_pred.ndimension() != 3 or y.ndimension() != 2:
                raise ValueError(
                    "Expected y_pred to be 3D (N, S, C) and y to be 2D (N, S), "
                    f"but got y_pred={y_pred.ndimension()}D and y={y.ndimension()}D."
                )
            if y_pred.shape[:2] != y.shape:
                raise ValueError(
                    f"y_pred and y have incompatible shapes: y_pred={y_pred.shape} "
                    f"(expected first two dims to match y={y.shape})."
                )
            y_pred = y_pred.reshape(-1, y_pred.size(-1))
            y = y.reshape(-1)
            if ignore_index is not None:
                if isinstance(ignore_index, Iterable):
                    mask = torch.ones_like(y, dtype=torch.bool)
                    for idx in ignore_index:
                        mask &= y != idx
                else:
                    mask = y != ignore_index
                y_pred, y = y_pred[mask], y[mask]
            return y_pred, y

        return wrapper


class Accuracy(_BaseClassification):
    """Fraction of correct predictions, with Ignite's input conventions.

    - binary: ``y_pred`` and ``y`` of shape ``(N, ...)`` with 0/1 values (or ``y_pred`` ``(N, 1, ...)``);
    - multiclass: ``y_pred`` ``(N, C, ...)`` scores, ``y`` ``(N, ...)`` class indices;
    - multilabel (``is_multilabel=True``): both ``(N, C, ...)`` of 0/1; a sample counts when all labels match.

    Example:
        >>> import torch
        >>> acc = Accuracy(is_multilabel=True)
        >>> acc.update((torch.tensor([[1, 0, 1], [0, 1, 1]]), torch.tensor([[1, 0, 1], [0, 0, 1]])))
        >>> acc.compute()
        0.5
    """

    _state_dict_all_req_keys = ("_num_correct", "_num_examples")

    def __init__(
        self,
        output_transform: Callable = _identity,
        is_multilabel: bool = False,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, is_multilabel=is_multilabel, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._num_correct = torch.tensor(0, device=self._device)
        self._num_examples = 0
        super().reset()

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        self._check_shape(output)
        self._check_type(output)
        y_pred, y = output[0].detach(), output[1].detach()
        kind = cast(str, self._type)
        # a target outside the classes counts as a miss, as in Ignite (a "void" label such as 255 in
        # segmentation lowers the accuracy there too); refusing it would break scripts that run on Ignite
        self._num_correct += correct_count(y_pred, y, kind).to(self._device)
        # multilabel counts rows (samples and positions), the others every element
        self._num_examples += y.numel() // y.shape[1] if kind == "multilabel" else y.numel()

    @sync_all_reduce("_num_examples", "_num_correct")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("Accuracy must have at least one example before it can be computed.")
        return self._num_correct.item() / self._num_examples

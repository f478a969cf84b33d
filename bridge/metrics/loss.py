"""``Loss`` (``ignite.metrics.loss``): the sample-weighted average of a loss function.

Example:
    >>> import torch
    >>> loss = Loss(torch.nn.functional.mse_loss)
    >>> loss.update((torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0])))
    >>> loss.compute()
    2.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["Loss"]


class Loss(Metric):
    """Average of ``loss_fn(y_pred, y, **criterion_kwargs)`` weighted by ``batch_size(y)``.

    ``loss_fn`` must return the batch's average loss (a 0-d tensor). The output may be
    ``(y_pred, y)`` or ``(y_pred, y, criterion_kwargs)``; a dict output needs the keys
    ``y_pred``, ``y`` and ``criterion_kwargs``.

    Example:
        >>> import torch
        >>> loss = Loss(torch.nn.functional.cross_entropy)
        >>> loss.update((torch.tensor([[10.0, 0.0]]), torch.tensor([0]), {"reduction": "mean"}))
        >>> round(loss.compute(), 4)
        0.0
    """

    required_output_keys = ("y_pred", "y", "criterion_kwargs")
    _state_dict_all_req_keys = ("_sum", "_num_examples")

    def __init__(
        self,
        loss_fn: Callable,
        output_transform: Callable = _identity,
        batch_size: Callable = len,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)
        self._loss_fn = loss_fn
        self._batch_size = batch_size

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum = torch.tensor(0.0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Any) -> None:
        if len(output) == 2:
            y_pred, y = output
            kwargs: dict = {}
        else:
            y_pred, y, kwargs = output
        average_loss = self._loss_fn(y_pred, y, **kwargs).detach()
        if len(average_loss.shape) != 0:
            raise ValueError("loss_fn did not return the average loss.")
        n = self._batch_size(y)
        self._sum += average_loss.to(self._device) * n
        self._num_examples += n

    @sync_all_reduce("_sum", "_num_examples")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("Loss must have at least one example before it can be computed.")
        return self._sum.item() / self._num_examples

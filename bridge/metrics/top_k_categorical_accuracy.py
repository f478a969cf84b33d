"""``TopKCategoricalAccuracy`` (``ignite.metrics.top_k_categorical_accuracy``).

Example:
    >>> import torch
    >>> m = TopKCategoricalAccuracy(k=2)
    >>> m.update((torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]), torch.tensor([1, 0])))
    >>> m.compute()
    0.5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["TopKCategoricalAccuracy"]


class TopKCategoricalAccuracy(Metric):
    """Fraction of samples whose target is among the ``k`` highest scores of ``y_pred`` ``(N, C)``.

    Example:
        >>> import torch
        >>> m = TopKCategoricalAccuracy(k=1)
        >>> m.update((torch.tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]), torch.tensor([0, 2])))
        >>> m.compute()
        1.0
    """

    _state_dict_all_req_keys = ("_num_correct", "_num_examples")

    def __init__(
        self,
        k: int = 5,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)
        self._k = k

    @reinit__is_reduced
    def reset(self) -> None:
        self._num_correct = torch.tensor(0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        # Ignite's definition: a hit when y is among torch.topk's k indices (ties as torch.topk breaks them).
        top_indices = torch.topk(y_pred, self._k, dim=1)[1]
        correct = torch.sum(torch.eq(top_indices, y.view(-1, 1).expand(-1, self._k)), dim=1)
        self._num_correct += torch.sum(correct).to(self._device)
        self._num_examples += correct.shape[0]

    @sync_all_reduce("_num_correct", "_num_examples")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError(
                "TopKCategoricalAccuracy must have at least one example before it can be computed."
            )
        return self._num_correct.item() / self._num_examples

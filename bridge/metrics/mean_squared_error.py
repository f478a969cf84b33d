"""``MeanSquaredError`` (``ignite.metrics.mean_squared_error``).

As in Ignite, the sum of squared errors is divided by the number of samples (``y.shape[0]``),
not by the number of elements.

Example:
    >>> import torch
    >>> mse = MeanSquaredError()
    >>> mse.update((torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 5.0])))
    >>> round(mse.compute(), 4)
    1.3333
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce


def _floating(t: torch.Tensor) -> torch.Tensor:
    return t if t.is_floating_point() else t.float()


__all__ = ["MeanSquaredError"]


class MeanSquaredError(Metric):
    """Sum of squared errors over all updates / number of samples.

    Example:
        >>> import torch
        >>> mse = MeanSquaredError()
        >>> mse.update((torch.tensor([[1.0, 1.0]]), torch.tensor([[0.0, 0.0]])))
        >>> mse.compute()  # per sample, not per element
        2.0
    """

    _state_dict_all_req_keys = ("_sum_of_squared_errors", "_num_examples")

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_squared_errors = torch.tensor(0.0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        if y.numel() != y_pred.numel():  # Ignite's view_as error says only "shape '[4, 3]' is invalid ..."
            raise RuntimeError(
                f"MeanSquaredError: y_pred and y should have the same number of elements, "
                f"got shapes {tuple(y_pred.shape)} and {tuple(y.shape)}"
            )
        preds, target = _floating(y_pred), _floating(y.view_as(y_pred))
        sse = torch.sum((preds - target) ** 2)
        self._sum_of_squared_errors += sse.to(self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce("_sum_of_squared_errors", "_num_examples")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("MeanSquaredError must have at least one example before it can be computed.")
        return self._sum_of_squared_errors.item() / self._num_examples

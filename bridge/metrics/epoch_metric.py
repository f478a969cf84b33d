"""``EpochMetric`` (``ignite.metrics.epoch_metric``): a function of all the epoch's predictions.

Example:
    >>> import torch
    >>> m = EpochMetric(lambda p, y: (p.round() == y).float().mean().item())
    >>> m.update((torch.tensor([0.2, 0.9]), torch.tensor([0, 1])))
    >>> m.update((torch.tensor([0.7]), torch.tensor([0])))
    >>> round(m.compute(), 4)
    0.6667
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch

import bridge.distributed as idist
from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced
from bridge.utils import _identity

__all__ = ["EpochMetric", "EpochMetricWarning"]


class EpochMetricWarning(UserWarning):
    """Warned when ``compute_fn`` fails on the first batch (``check_compute_fn=True``).

    Example:
        >>> issubclass(EpochMetricWarning, UserWarning)
        True
    """


class EpochMetric(Metric):
    """Stores predictions ``(N,)``/``(N, T)`` and targets, then returns ``compute_fn(all_preds, all_targets)``.

    ``(N, 1)`` inputs are squeezed to ``(N,)``. With ``check_compute_fn``, ``compute_fn`` is tried
    on the first batch and a failure is warned (``EpochMetricWarning``).

    Example:
        >>> import torch
        >>> from torchmetrics.functional.classification import binary_auroc
        >>> auc = EpochMetric(lambda p, y: binary_auroc(p, y).item())
        >>> auc.update((torch.tensor([0.1, 0.8, 0.4, 0.9]), torch.tensor([0, 1, 0, 1])))
        >>> auc.compute()
        1.0
    """

    _state_dict_all_req_keys = ("_predictions", "_targets")

    def __init__(
        self,
        compute_fn: Callable[[torch.Tensor, torch.Tensor], Any],
        output_transform: Callable = _identity,
        check_compute_fn: bool = True,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        if not callable(compute_fn):
            raise TypeError("Argument compute_fn should be callable.")
        self.compute_fn = compute_fn
        self._check_compute_fn = check_compute_fn
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._predictions: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []
        self._result: Any = None

    def _check_shape(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        y_pred, y = output
        if y_pred.ndimension() not in (1, 2):
            raise ValueError("Predictions should be of shape (batch_size, n_targets) or (batch_size, ).")
        if y.ndimension() not in (1, 2):
            raise ValueError("Targets should be of shape (batch_size, n_targets) or (batch_size, ).")

    def _check_type(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        y_pred, y = output
        if len(self._predictions) < 1:
            return
        dtype_preds = self._predictions[-1].dtype
        if dtype_preds != y_pred.dtype:
            raise ValueError(
                f"Incoherent types between input y_pred and stored predictions: {dtype_preds} vs {y_pred.dtype}"
            )
        dtype_targets = self._targets[-1].dtype
        if dtype_targets != y.dtype:
            raise ValueError(f"Incoherent types between input y and stored targets: {dtype_targets} vs {y.dtype}")

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        self._check_shape(output)
        y_pred, y = output[0].detach(), output[1].detach()
        if y_pred.ndimension() == 2 and y_pred.shape[1] == 1:
            y_pred = y_pred.squeeze(dim=-1)
        if y.ndimension() == 2 and y.shape[1] == 1:
            y = y.squeeze(dim=-1)
        y_pred = y_pred.clone().to(self._device)
        y = y.clone().to(self._device)
        self._check_type((y_pred, y))
        self._predictions.append(y_pred)
        self._targets.append(y)
        if len(self._predictions) == 1 and self._check_compute_fn:
            try:
                self.compute_fn(self._predictions[0], self._targets[0])
            except Exception as e:
                warnings.warn(f"Probably, there can be a problem with `compute_fn`:\n {e}.", EpochMetricWarning)

    def compute(self) -> Any:
        if len(self._predictions) < 1 or len(self._targets) < 1:
            raise NotComputableError(f"{type(self).__name__} must have at least one example before it can be computed.")
        if self._result is None:
            preds = torch.cat(self._predictions, dim=0)
            targets = torch.cat(self._targets, dim=0)
            ws = idist.get_world_size()
            if ws > 1:
                preds, targets = idist.all_gather(preds), idist.all_gather(targets)
            self._result = 0.0
            if idist.get_rank() == 0:
                self._result = self.compute_fn(preds, targets)
            if ws > 1:
                self._result = idist.broadcast(self._result, src=0)
        return self._result

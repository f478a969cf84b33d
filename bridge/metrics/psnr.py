"""``PSNR`` (``ignite.metrics.psnr``): peak signal-to-noise ratio, averaged over samples.

Each sample's PSNR is ``10 * log10(data_range**2 / (mse + 1e-10))`` with ``mse`` its mean squared
error over all but the first dimension (in float64); the metric is the mean over samples. The
``1e-10`` guard is Ignite's: identical images give ``100 + 20 * log10(data_range)``, where
torchmetrics' PSNR (no guard) gives ``inf`` — which is why the quantity is computed here.

Example:
    >>> import torch
    >>> psnr = PSNR(data_range=1.0)
    >>> target = torch.full((2, 1, 4, 4), 0.5)
    >>> psnr.update((target + 0.1, target))
    >>> round(psnr.compute(), 4)
    20.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["PSNR"]


def _psnr_per_sample(
    y_pred: torch.Tensor, y: torch.Tensor, data_range: float, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """PSNR of each sample of a batch, in ``dtype``: ``(B, ...)`` -> ``(B,)``.

    A 1-d batch has no per-sample dimensions: it gives one PSNR over the whole batch (Ignite's reading).

    Example:
        >>> import torch
        >>> per_sample = _psnr_per_sample(torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[0.1, 0.1], [1.0, 1.0]]), 1.0)
        >>> [round(v, 4) for v in per_sample.tolist()]
        [20.0, 100.0]
    """
    dims = tuple(range(1, y.ndim)) or None
    mse = torch.mean((y_pred.to(dtype) - y.to(dtype)) ** 2, dim=dims)
    return 10.0 * torch.log10(data_range**2 / (mse + 1e-10))


class PSNR(Metric):
    """Peak signal-to-noise ratio: the mean over samples of each sample's PSNR.

    ``update`` takes ``(y_pred, y)`` of the same dtype and shape ``(B, ...)``. For YCbCr images,
    an ``output_transform`` picking the Y channel gives the usual luma PSNR.

    Args:
        data_range: the distance between the smallest and largest possible value (e.g. ``1.0``, ``255``).
        output_transform, device, skip_unrolling: as for every metric.

    Example:
        >>> import torch
        >>> psnr = PSNR(data_range=255)
        >>> y = torch.tensor([[[10, 20], [30, 40]]], dtype=torch.uint8)
        >>> psnr.update((y, y + 5))
        >>> round(psnr.compute(), 4)
        34.1514
    """

    _state_dict_all_req_keys = ("_sum_of_batchwise_psnr", "_num_examples")

    def __init__(
        self,
        data_range: int | float,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.data_range = data_range

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_batchwise_psnr = torch.tensor(0.0, dtype=self._double_dtype, device=self._device)
        self._num_examples = 0

    def _check_shape_dtype(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output
        if y_pred.dtype != y.dtype:
            raise TypeError(
                f"Expected y_pred and y to have the same data type. Got y_pred: {y_pred.dtype} and y: {y.dtype}."
            )
        if y_pred.shape != y.shape:
            raise ValueError(
                f"Expected y_pred and y to have the same shape. Got y_pred: {y_pred.shape} and y: {y.shape}."
            )

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        self._check_shape_dtype(output)
        y_pred, y = output[0].detach(), output[1].detach()
        per_sample = _psnr_per_sample(y_pred, y, self.data_range, dtype=self._double_dtype)
        self._sum_of_batchwise_psnr += per_sample.sum().to(device=self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce("_sum_of_batchwise_psnr", "_num_examples")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("PSNR must have at least one example before it can be computed.")
        return (self._sum_of_batchwise_psnr / self._num_examples).item()

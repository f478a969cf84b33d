"""``SSIM`` (``ignite.metrics.ssim``): structural similarity, averaged per image then over images.

The quantity is computed here, not by torchmetrics, because torchmetrics' SSIM is a different
definition in three places: it sizes the gaussian window from ``sigma`` alone (Ignite uses
``kernel_size``), its uniform window is a box over the whole kernel (Ignite's weighs at most the
5 central taps, 0.2 each), and it clamps negative variance estimates to 0 (Ignite does not).
Ignite's definition wins, so the core below follows it: reflect-pad each image by half the
kernel, filter the five moments (x, y, x², y², xy) in one grouped convolution, form the SSIM map
and average it over every dimension but the batch.

Example:
    >>> import torch
    >>> preds = torch.linspace(0.0, 1.0, 2 * 3 * 16 * 16).reshape(2, 3, 16, 16)
    >>> ssim = SSIM(data_range=1.0)
    >>> ssim.update((preds, preds * 0.75))
    >>> round(ssim.compute(), 4)
    0.9503
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["SSIM"]


def _gaussian_1d(kernel_size: int, sigma: float, device: torch.device | None = None) -> torch.Tensor:
    """Normalised gaussian taps centred on the middle of ``kernel_size`` samples.

    Example:
        >>> [round(v, 4) for v in _gaussian_1d(3, 1.0).tolist()]
        [0.2741, 0.4519, 0.2741]
    """
    half = (kernel_size - 1) / 2
    x = torch.linspace(-half, half, steps=kernel_size, device=device)
    taps = torch.exp(-0.5 * (x / sigma) ** 2)
    return taps / taps.sum()


def _uniform_1d(kernel_size: int, device: torch.device | None = None) -> torch.Tensor:
    """Ignite's "uniform" taps: 1/5 on (at most) the 5 central samples, 0 elsewhere.

    Not normalised when ``kernel_size < 5`` (3 taps sum to 0.6): Ignite's definition, kept.

    Example:
        >>> [round(v, 2) for v in _uniform_1d(7).tolist()]
        [0.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.0]
        >>> [round(v, 2) for v in _uniform_1d(3).tolist()]
        [0.2, 0.2, 0.2]
    """
    taps = torch.zeros(kernel_size, device=device)
    centre = kernel_size // 2
    taps[max(centre - 2, 0) : min(centre + 3, kernel_size)] = 0.2
    return taps


def _ssim_kernel(
    kernel_size: Sequence[int], sigma: Sequence[float], gaussian: bool, device: torch.device | None = None
) -> torch.Tensor:
    """The separable 2D or 3D window: the outer product of one 1D kernel per axis.

    Example:
        >>> _ssim_kernel([3, 5], [1.0, 1.0], gaussian=True).shape
        torch.Size([3, 5])
        >>> round(_ssim_kernel([11, 11, 11], [1.5, 1.5, 1.5], gaussian=True).sum().item(), 4)
        1.0
    """
    if gaussian:
        axes = [_gaussian_1d(k, s, device) for k, s in zip(kernel_size, sigma)]
    else:
        axes = [_uniform_1d(k, device) for k in kernel_size]
    if len(axes) == 2:
        return axes[0][:, None] * axes[1][None, :]
    return axes[0][:, None, None] * axes[1][None, :, None] * axes[2][None, None, :]


def _ssim_per_image(
    y_pred: torch.Tensor,
    y: torch.Tensor,
    kernel: torch.Tensor,
    padding: Sequence[int],
    c1: float,
    c2: float,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """Mean SSIM of each image (in ``dtype``): ``(B, C, *spatial)`` floats -> ``(B,)``.

    ``kernel`` is ``(C, 1, *window)`` (one window per channel, a grouped convolution);
    ``padding`` is ``F.pad``'s list, last dimension first, applied with reflection.

    Example:
        >>> import torch
        >>> x = torch.linspace(0, 1, 64).reshape(1, 1, 8, 8)
        >>> k = _ssim_kernel([3, 3], [1.5, 1.5], gaussian=True).expand(1, 1, 3, 3)
        >>> _ssim_per_image(x, x, k, [1, 1, 1, 1], c1=1e-4, c2=9e-4)
        tensor([1.], dtype=torch.float64)
    """
    channels, batch = y_pred.size(1), y_pred.size(0)
    y_pred = F.pad(y_pred, list(padding), mode="reflect")
    y = F.pad(y, list(padding), mode="reflect")
    conv = F.conv3d if kernel.ndim == 5 else F.conv2d
    moments = conv(torch.cat([y_pred, y, y_pred * y_pred, y * y, y_pred * y]), kernel, groups=channels)
    mu_p, mu_t, e_pp, e_tt, e_pt = moments.split(batch)
    mu_pp, mu_tt, mu_pt = mu_p * mu_p, mu_t * mu_t, mu_p * mu_t
    var_p, var_t, cov = e_pp - mu_pp, e_tt - mu_tt, e_pt - mu_pt
    ssim_map = ((2 * mu_pt + c1) * (2 * cov + c2)) / ((mu_pp + mu_tt + c1) * (var_p + var_t + c2))
    return torch.mean(ssim_map, dim=list(range(1, ssim_map.ndim)), dtype=dtype)


def _per_axis(value: object, ndims: int, name: str, kind: type, kind_name: str) -> list:
    if isinstance(value, kind):
        return [value] * ndims
    if isinstance(value, Sequence):
        if len(value) != ndims:
            raise ValueError(f"Expected {name} to have length of {ndims}. Got {len(value)}.")
        return list(value)
    raise ValueError(f"Argument {name} should be either {kind_name} or a sequence of {kind_name} of length {ndims}.")


class SSIM(Metric):
    """Structural Similarity Index Measure, the mean over images of each image's mean SSIM map.

    ``update`` takes ``(y_pred, y)`` of the same dtype and shape ``(B, C, H, W)`` (``ndims=2``) or
    ``(B, C, D, H, W)`` (``ndims=3``); integer images are compared as floats.

    Args:
        data_range: the range of the images (e.g. ``1.0`` or ``255``); sets ``c1 = (k1 * data_range)**2``
            and ``c2 = (k2 * data_range)**2``.
        kernel_size: odd positive window size, one for all axes or one per axis.
        sigma: positive standard deviation of the gaussian window (a float or one per axis).
        k1, k2: SSIM's stabilising constants.
        gaussian: gaussian window (default) or Ignite's uniform one.
        output_transform, device, skip_unrolling: as for every metric.
        ndims: 2 for images, 3 for volumes.

    Example:
        >>> import torch
        >>> volume = torch.linspace(0.0, 1.0, 1 * 1 * 8 * 8 * 8).reshape(1, 1, 8, 8, 8)
        >>> ssim = SSIM(data_range=1.0, kernel_size=3, ndims=3, gaussian=False)
        >>> ssim.update((volume, volume))
        >>> ssim.compute()
        1.0
    """

    _state_dict_all_req_keys = ("_sum_of_ssim", "_num_examples", "_kernel")

    def __init__(
        self,
        data_range: int | float,
        kernel_size: int | Sequence[int] = 11,
        sigma: float | Sequence[float] = 1.5,
        k1: float = 0.01,
        k2: float = 0.03,
        gaussian: bool = True,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
        ndims: int = 2,
    ) -> None:
        if ndims not in (2, 3):
            raise ValueError(f"Expected ndims to be 2 or 3. Got {ndims}.")
        self.kernel_size: Sequence[int] = _per_axis(kernel_size, ndims, "kernel_size", int, "int")
        self.sigma: Sequence[float] = _per_axis(sigma, ndims, "sigma", float, "float")
        if any(k % 2 == 0 or k <= 0 for k in self.kernel_size):
            raise ValueError(f"Expected kernel_size to have odd positive number. Got {kernel_size}.")
        if any(s <= 0 for s in self.sigma):
            raise ValueError(f"Expected sigma to have positive number. Got {sigma}.")

        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self.gaussian = gaussian
        self.data_range = data_range
        self.c1 = (k1 * data_range) ** 2
        self.c2 = (k2 * data_range) ** 2
        self.ndims = ndims
        self.pad_h = (self.kernel_size[0] - 1) // 2
        self.pad_w = (self.kernel_size[1] - 1) // 2
        self.pad_d: int | None = (self.kernel_size[2] - 1) // 2 if ndims == 3 else None
        self._kernel_nd = _ssim_kernel(self.kernel_size, self.sigma, gaussian, device=self._device)
        # the window expanded to the channels seen, moved to the inputs' device and dtype (cached)
        self._kernel: torch.Tensor | None = None

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_ssim = torch.tensor(0.0, dtype=self._double_dtype, device=self._device)
        self._num_examples = 0

    def _check_type_and_shape(self, y_pred: torch.Tensor, y: torch.Tensor) -> None:
        if y_pred.dtype != y.dtype:
            raise TypeError(
                f"Expected y_pred and y to have the same data type. Got y_pred: {y_pred.dtype} and y: {y.dtype}."
            )
        if y_pred.shape != y.shape:
            raise ValueError(
                f"Expected y_pred and y to have the same shape. Got y_pred: {y_pred.shape} and y: {y.shape}."
            )
        if y_pred.ndim != self.ndims + 2:  # batch and channel dimensions come first
            raise ValueError(
                "Expected y_pred and y to have BxCxHxW or BxCxDxHxW shape. "
                f"Got y_pred: {y_pred.shape} and y: {y.shape}."
            )

    def _window_for(self, y_pred: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        channels = y_pred.size(1)
        if self._kernel is None or self._kernel.shape[0] != channels:
            self._kernel = self._kernel_nd.expand(channels, 1, *([-1] * self.ndims))
        if y_pred.device != self._kernel.device:
            if self._kernel.device == torch.device("cpu"):
                self._kernel = self._kernel.to(device=y_pred.device)
            elif y_pred.device == torch.device("cpu"):
                warnings.warn(
                    "y_pred tensor is on cpu device but previous computation was on another device: "
                    f"{self._kernel.device}. To avoid having a performance hit, please ensure that all "
                    "y and y_pred tensors are on the same device.",
                )
                y_pred, y = y_pred.to(device=self._kernel.device), y.to(device=self._kernel.device)
        if self._kernel.dtype != y_pred.dtype:
            self._kernel = self._kernel.to(dtype=y_pred.dtype)
        return self._kernel, y_pred, y

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        self._check_type_and_shape(y_pred, y)
        if not y_pred.is_floating_point():
            y_pred, y = y_pred.float(), y.float()
        kernel, y_pred, y = self._window_for(y_pred, y)
        # F.pad lists the last dimension first; Ignite pads W by the 2nd size, H by the 1st, D by the 3rd
        padding = [self.pad_w, self.pad_w, self.pad_h, self.pad_h]
        if self.pad_d is not None:
            padding += [self.pad_d, self.pad_d]
        # MPS has no float64, whatever the metric's device
        dtype = torch.float32 if y_pred.device.type == "mps" else self._double_dtype
        per_image = _ssim_per_image(y_pred, y, kernel, padding, self.c1, self.c2, dtype=dtype)
        self._sum_of_ssim += per_image.sum().to(device=self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce("_sum_of_ssim", "_num_examples")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("SSIM must have at least one example before it can be computed.")
        return (self._sum_of_ssim / self._num_examples).item()

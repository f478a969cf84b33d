"""The feature extractor of the GAN metrics (``ignite.metrics.gan.utils``).

``InceptionModel`` is torchvision's ImageNet Inception-v3 (imported and loaded when built: it needs
``torchvision`` and, once, a download of its weights). ``_BaseInceptionMetric`` checks a
``feature_extractor`` / ``num_features`` pair and turns a batch into float64 features.

Example:
    >>> import torch
    >>> from bridge.metrics.gan import FID
    >>> fid = FID(num_features=2, feature_extractor=torch.nn.Identity())
    >>> fid._extract_features(torch.tensor([[1.0, 2.0]]))
    tensor([[1., 2.]], dtype=torch.float64)
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics.metric import Metric
from bridge.utils import _identity

__all__ = ["InceptionModel"]

_WEIGHTS_MISSING = (
    "The default feature extractor of this metric is torchvision's Inception-v3 with its ImageNet weights, "
    "and they could not be loaded (they are downloaded to the torch hub cache on first use: is this machine "
    "offline? Copy the file into $TORCH_HOME/hub/checkpoints/). Or pass feature_extractor=<a torch.nn.Module> "
    "and num_features=<its output size> to use another model."
)


class InceptionModel(torch.nn.Module):
    """torchvision's Inception-v3 pre-trained on ImageNet, in eval mode, without gradients.

    Args:
        return_features: return the 2048 features of the last pooling layer instead of the
            1000 class probabilities (softmax of the logits).
        device: where the model runs; inputs are moved there.

    Raises ``ModuleNotFoundError`` without torchvision, and ``OSError`` (with what to do) when the
    weights cannot be downloaded.

    Example:
        >>> import sys, types, torch
        >>> class TinyInception(torch.nn.Module):  # stands in for torchvision's (a 100 MB download)
        ...     def __init__(self, **kwargs):
        ...         super().__init__()
        ...         self.fc = torch.nn.Linear(3, 4)
        ...     def forward(self, x):
        ...         return self.fc(x.mean(dim=(2, 3)))
        >>> weights = types.SimpleNamespace(DEFAULT="IMAGENET1K_V1")
        >>> models = types.SimpleNamespace(inception_v3=TinyInception, Inception_V3_Weights=weights)
        >>> saved = sys.modules.get("torchvision")
        >>> sys.modules["torchvision"] = types.SimpleNamespace(models=models)
        >>> probabilities = InceptionModel(return_features=False)(torch.rand(2, 3, 8, 8))
        >>> features = InceptionModel(return_features=True)(torch.rand(2, 3, 8, 8))
        >>> del sys.modules["torchvision"]
        >>> if saved is not None:
        ...     sys.modules["torchvision"] = saved
        >>> probabilities.shape, torch.allclose(probabilities.sum(dim=1), torch.ones(2)), features.shape
        (torch.Size([2, 4]), True, torch.Size([2, 3]))
    """

    def __init__(self, return_features: bool, device: str | torch.device = "cpu") -> None:
        try:
            from torchvision import models
        except ImportError:
            raise ModuleNotFoundError("This module requires torchvision to be installed.") from None
        super().__init__()
        self._device = device
        weights = getattr(models, "Inception_V3_Weights", None)
        # torchvision < 0.13 names the ImageNet weights `pretrained=True`
        kwargs = {"weights": weights.DEFAULT} if weights is not None else {"pretrained": True}
        try:
            model = models.inception_v3(**kwargs)
        except OSError as e:  # urllib's URLError and socket errors are OSErrors
            raise OSError(_WEIGHTS_MISSING) from e
        self.model = model.to(self._device)
        if return_features:
            self.model.fc = torch.nn.Identity()
        else:
            self.model.fc = torch.nn.Sequential(self.model.fc, torch.nn.Softmax(dim=1))
        self.model.eval()

    @torch.no_grad()
    def forward(self, data: torch.Tensor) -> torch.Tensor:
        """Features or probabilities of ``(N, 3, H, W)`` images (299 x 299 for the real model)."""
        if data.dim() != 4:
            raise ValueError(f"Inputs should be a tensor of dim 4, got {data.dim()}")
        if data.shape[1] != 3:
            raise ValueError(f"Inputs should be a tensor with 3 channels, got {data.shape}")
        if data.device != torch.device(self._device):
            data = data.to(self._device)
        return self.model(data)


class _BaseInceptionMetric(Metric):
    """A metric over the ``(N, num_features)`` outputs of ``feature_extractor`` (the identity if None)."""

    def __init__(
        self,
        num_features: int | None,
        feature_extractor: torch.nn.Module | None,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        if num_features is None:
            raise ValueError("Argument num_features must be provided, if feature_extractor is specified.")
        if feature_extractor is None:
            feature_extractor = torch.nn.Identity()
        if num_features <= 0:
            raise ValueError(f"Argument num_features must be greater to zero, got: {num_features}")
        if not isinstance(feature_extractor, torch.nn.Module):
            raise TypeError(
                f"Argument feature_extractor must be of type torch.nn.Module, got {type(feature_extractor)}"
            )
        self._num_features = num_features
        self._feature_extractor = feature_extractor.to(device)
        super().__init__(output_transform=output_transform, device=device)

    def _check_feature_shapes(self, samples: torch.Tensor) -> None:
        if samples.dim() != 2:
            raise ValueError(f"feature_extractor output must be a tensor of dim 2, got: {samples.dim()}")
        if samples.shape[0] == 0:
            raise ValueError(f"Batch size should be greater than one, got: {samples.shape[0]}")
        if samples.shape[1] != self._num_features:
            raise ValueError(
                f"num_features returned by feature_extractor should be {self._num_features}, got: {samples.shape[1]}"
            )

    def _extract_features(self, inputs: torch.Tensor) -> torch.Tensor:
        inputs = inputs.detach()
        if inputs.device != self._device:
            inputs = inputs.to(self._device)
        with torch.no_grad():
            outputs = self._feature_extractor(inputs).to(self._device, dtype=self._double_dtype)
        self._check_feature_shapes(outputs)
        return outputs

"""Ignite's GAN metrics (``ignite.metrics.gan``): ``FID`` and ``InceptionScore``.

Both run a feature extractor on each batch: by default torchvision's ImageNet Inception-v3
(torchvision and a download of its weights needed), or any ``feature_extractor`` module with its
``num_features``.

Example:
    >>> import torch
    >>> from bridge.metrics.gan import InceptionScore
    >>> metric = InceptionScore(num_features=3, feature_extractor=torch.nn.Softmax(dim=1))
    >>> metric.update(torch.tensor([[9.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 9.0]]))
    >>> round(metric.compute(), 3)
    2.993
"""

from bridge.metrics.gan.fid import FID
from bridge.metrics.gan.inception_score import InceptionScore

__all__ = ["InceptionScore", "FID"]

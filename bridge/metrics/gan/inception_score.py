"""``InceptionScore`` (``ignite.metrics.gan.inception_score``).

``IS = exp(mean_i KL(p(y|x_i) || p(y)))`` over the class probabilities of every example,
accumulated as float64 sums (of the probabilities and of ``p log p``) so the score is exact over
any batching and reduces across processes by a sum. Own code: torchmetrics' ``InceptionScore``
needs torch-fidelity and reports a mean and a standard deviation over splits.

Example:
    >>> import torch
    >>> metric = InceptionScore(num_features=2, feature_extractor=torch.nn.Identity())
    >>> metric.update(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))  # confident and diverse: IS = 2 classes
    >>> round(metric.compute(), 6)
    2.0
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.gan.utils import InceptionModel, _BaseInceptionMetric
from bridge.metrics.metric import reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["InceptionScore"]


class InceptionScore(_BaseInceptionMetric):
    """Inception Score of generated images (Ignite's ``InceptionScore``): ``update(y_pred)`` takes a batch.

    Args:
        num_features: number of classes. With neither argument: 1000 and torchvision's ImageNet
            Inception-v3 (:class:`~bridge.metrics.gan.utils.InceptionModel`).
        feature_extractor: a ``torch.nn.Module`` mapping a batch to ``(N, num_features)`` class
            probabilities; the identity if only ``num_features`` is given. Moved to ``device``.
        output_transform, device: as every metric.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> evaluator = Engine(lambda e, batch: batch)
        >>> InceptionScore(num_features=4, feature_extractor=torch.nn.Softmax(dim=1)).attach(evaluator, "is")
        >>> evaluator.run([torch.zeros(10, 4)]).metrics["is"]  # every image the same: the lowest score
        1.0
    """

    _state_dict_all_req_keys = ("_num_examples", "_prob_total", "_total_kl_d")

    def __init__(
        self,
        num_features: int | None = None,
        feature_extractor: torch.nn.Module | None = None,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        if num_features is None and feature_extractor is None:
            num_features = 1000
            feature_extractor = InceptionModel(return_features=False, device=device)
        self._eps = 1e-16
        super().__init__(
            num_features=num_features,
            feature_extractor=feature_extractor,
            output_transform=output_transform,
            device=device,
        )

    @reinit__is_reduced
    def reset(self) -> None:
        self._num_examples = 0
        self._prob_total = torch.zeros(self._num_features, dtype=self._double_dtype, device=self._device)
        self._total_kl_d = torch.zeros(self._num_features, dtype=self._double_dtype, device=self._device)

    @reinit__is_reduced
    def update(self, output: torch.Tensor) -> None:
        """Add a batch's probabilities ``p`` and ``p log p`` to the sums."""
        probabilities = self._extract_features(output)
        log_prob = torch.log(probabilities + self._eps)
        self._num_examples += probabilities.shape[0]
        self._prob_total += probabilities.sum(dim=0)
        self._total_kl_d += (probabilities * log_prob).sum(dim=0)

    @sync_all_reduce("_num_examples", "_prob_total", "_total_kl_d")
    def compute(self) -> float:
        """``exp`` of the mean KL divergence between each example's probabilities and their mean."""
        if self._num_examples == 0:
            raise NotComputableError("InceptionScore must have at least one example before it can be computed.")
        mean_probs = self._prob_total / self._num_examples
        excess_entropy = self._prob_total * torch.log(mean_probs + self._eps)
        avg_kl_d = torch.sum(self._total_kl_d - excess_entropy) / self._num_examples
        return torch.exp(avg_kl_d).item()

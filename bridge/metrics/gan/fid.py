"""``FID`` (``ignite.metrics.gan.fid``): Fréchet distance between two sets of features.

``FID = |mu_1 - mu_2|^2 + Tr(S_1) + Tr(S_2) - 2 Tr(sqrt(S_1 S_2))`` over the means and covariances
of the features of the first (``y_pred``, generated) and second (``y``, real) inputs. The matrix
square root is scipy's ``sqrtm``, as Ignite 0.5.5's (same numbers, same errors on a complex root);
the features' sums and sums of outer products are accumulated in float64, one matrix product per
batch. torchmetrics' FID is not used: it needs torch-fidelity's Inception weights and takes the
root from eigenvalues (slightly different numbers on near-singular covariances).

Example:
    >>> import torch
    >>> fid = FID(num_features=2, feature_extractor=torch.nn.Identity())
    >>> a = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    >>> fid.update((a, a + 1.0))  # same covariance, means 1 apart in both coordinates
    >>> round(fid.compute(), 6)
    2.0
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.gan.utils import InceptionModel, _BaseInceptionMetric
from bridge.metrics.metric import reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["FID"]


def fid_score(
    mu1: torch.Tensor, mu2: torch.Tensor, sigma1: torch.Tensor, sigma2: torch.Tensor, eps: float = 1e-6
) -> float:
    """Fréchet distance between the Gaussians ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``.

    A square root with a non-negligible imaginary diagonal raises ``ValueError``; a non-finite one
    falls back to ``sum(sqrt(diag(sigma1) * diag(sigma2)))`` (Ignite's, with its ``eps`` algebra).

    Example:
        >>> import torch
        >>> fid_score(torch.zeros(2), torch.tensor([3.0, 4.0]), torch.eye(2), 4 * torch.eye(2))
        27.0
    """
    import numpy as np
    import scipy.linalg

    mu1, mu2 = mu1.detach().cpu(), mu2.detach().cpu()
    sigma1, sigma2 = sigma1.detach().cpu(), sigma2.detach().cpu()
    diff = mu1 - mu2
    # the product may be nearly singular: its root may carry a tiny imaginary part, dropped below
    covmean = scipy.linalg.sqrtm(sigma1.mm(sigma2).numpy())
    if np.iscomplexobj(covmean):
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"Imaginary component {np.max(np.abs(covmean.imag))}")
        covmean = covmean.real
    tr_covmean = np.trace(covmean)
    if not np.isfinite(covmean).all():
        tr_covmean = np.sum(np.sqrt(((np.diag(sigma1) * eps) * (np.diag(sigma2) * eps)) / (eps * eps)))
    return float(diff.dot(diff).item() + torch.trace(sigma1) + torch.trace(sigma2) - 2 * tr_covmean)


class FID(_BaseInceptionMetric):
    """Fréchet Inception Distance between the features of ``y_pred`` and ``y`` batches (Ignite's ``FID``).

    ``update((y_pred, y))`` takes two batches of the same size; each goes through ``feature_extractor``.

    Args:
        num_features: size of the features. With neither argument: 1000 and torchvision's
            ImageNet Inception-v3 (:class:`~bridge.metrics.gan.utils.InceptionModel`, its class probabilities).
        feature_extractor: a ``torch.nn.Module`` mapping a batch to ``(N, num_features)``; the
            identity if only ``num_features`` is given. Moved to ``device``.
        output_transform, device: as every metric.

    Needs scipy (the matrix square root). ``compute()`` needs two examples at least.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> evaluator = Engine(lambda e, batch: batch)
        >>> FID(num_features=1, feature_extractor=torch.nn.Linear(4, 1)).attach(evaluator, "fid")
        >>> evaluator.run([(torch.ones(10, 4), torch.ones(10, 4))]).metrics["fid"]
        0.0
    """

    _state_dict_all_req_keys = ("_num_examples", "_train_total", "_test_total", "_train_sigma", "_test_sigma")

    def __init__(
        self,
        num_features: int | None = None,
        feature_extractor: torch.nn.Module | None = None,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        for package in ("numpy", "scipy"):
            if importlib.util.find_spec(package) is None:
                raise ModuleNotFoundError(f"This module requires {package} to be installed.")
        if num_features is None and feature_extractor is None:
            num_features = 1000
            feature_extractor = InceptionModel(return_features=False, device=device)
        self._eps = 1e-6
        super().__init__(
            num_features=num_features,
            feature_extractor=feature_extractor,
            output_transform=output_transform,
            device=device,
        )

    @reinit__is_reduced
    def reset(self) -> None:
        shape = (self._num_features,)
        self._train_sigma = torch.zeros(shape * 2, dtype=self._double_dtype, device=self._device)
        self._train_total = torch.zeros(shape, dtype=self._double_dtype, device=self._device)
        self._test_sigma = torch.zeros(shape * 2, dtype=self._double_dtype, device=self._device)
        self._test_total = torch.zeros(shape, dtype=self._double_dtype, device=self._device)
        self._num_examples: int = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        """Add the features of a ``(y_pred, y)`` pair of batches to the sums."""
        train, test = output
        train_features = self._extract_features(train)
        test_features = self._extract_features(test)
        if train_features.shape != test_features.shape:
            raise ValueError(
                "Number of Training Features and Testing Features should be equal "
                f"({train_features.shape} != {test_features.shape})"
            )
        self._train_total += train_features.sum(dim=0)
        self._train_sigma += train_features.T @ train_features
        self._test_total += test_features.sum(dim=0)
        self._test_sigma += test_features.T @ test_features
        self._num_examples += train_features.shape[0]

    def _covariance(self, sigma: torch.Tensor, total: torch.Tensor) -> torch.Tensor:
        # unbiased covariance from the sum of outer products and the sum
        return (sigma - torch.outer(total, total) / self._num_examples) / (self._num_examples - 1)

    @sync_all_reduce("_num_examples", "_train_total", "_test_total", "_train_sigma", "_test_sigma")
    def compute(self) -> float:
        """The FID of all the examples so far (a warning if it is not finite)."""
        if self._num_examples < 2:
            raise NotComputableError(
                f"FID must have at least two examples before it can be computed, got {self._num_examples}."
            )
        fid = fid_score(
            mu1=self._train_total / self._num_examples,
            mu2=self._test_total / self._num_examples,
            sigma1=self._covariance(self._train_sigma, self._train_total),
            sigma2=self._covariance(self._test_sigma, self._test_total),
            eps=self._eps,
        )
        if not torch.isfinite(torch.tensor(fid)):
            warnings.warn("The product of covariance of train and test features is out of bounds.")
        return fid

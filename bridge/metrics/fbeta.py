"""``Fbeta`` (``ignite.metrics.fbeta``): a ``MetricsLambda`` over ``Precision`` and ``Recall``.

Example:
    >>> import torch
    >>> f1 = Fbeta(beta=1.0)
    >>> f1.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
    >>> round(f1.compute(), 4)
    0.6667
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from bridge.metrics.metrics_lambda import MetricsLambda
from bridge.metrics.precision import Precision
from bridge.metrics.recall import Recall
from bridge.utils import _identity

__all__ = ["Fbeta"]


def Fbeta(
    beta: float,
    average: bool = True,
    precision: Precision | None = None,
    recall: Recall | None = None,
    output_transform: Callable | None = None,
    device: str | torch.device | None = None,
) -> MetricsLambda:
    """F-beta score ``(1 + beta^2) * P * R / (beta^2 * P + R)`` per class, averaged if ``average``.

    ``precision`` / ``recall`` may be given (with ``average=False``); then ``output_transform`` and
    ``device`` must be None.

    Example:
        >>> import torch
        >>> f = Fbeta(beta=2.0, average=False)
        >>> f.update((torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]), torch.tensor([0, 1, 0])))
        >>> f.compute()
        tensor([0.5556, 0.8333], dtype=torch.float64)
    """
    if not beta > 0:
        raise ValueError(f"Beta should be a positive integer, but given {beta}")
    for given, what in ((precision, "precision"), (recall, "recall")):
        if given is not None:
            if output_transform is not None:
                raise ValueError(f"If {what} argument is provided, output_transform should be None")
            if device is not None:
                raise ValueError(f"If {what} argument is provided, device should be None")
    if precision is None and recall is None and device is None:
        device = torch.device("cpu")
    transform = _identity if output_transform is None else output_transform
    if precision is None:
        p_device = recall._device if recall else device
        precision = Precision(transform, average=False, device=p_device)  # type: ignore[arg-type]
    elif precision._average:
        raise ValueError("Input precision metric should have average=False")
    if recall is None:
        recall = Recall(transform, average=False, device=precision._device)
    elif recall._average:
        raise ValueError("Input recall metric should have average=False")
    fbeta = (1.0 + beta**2) * precision * recall / (beta**2 * precision + recall + 1e-15)
    if average:
        fbeta = fbeta.mean().item()
    return fbeta

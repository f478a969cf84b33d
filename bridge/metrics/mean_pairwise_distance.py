"""``MeanPairwiseDistance`` (``ignite.metrics.mean_pairwise_distance``): mean p-norm distance of samples.

Each sample's distance is :func:`torch.nn.functional.pairwise_distance`, ``|y_pred_i - y_i + eps|_p``
over the last dimension; the metric is the sum of the distances over the number of samples
(``y.shape[0]``), as in Ignite: a ``(B, N, D)`` input sums its ``N`` distances per sample.
torchmetrics' pairwise distances are all-pairs matrices, another quantity, so they are not used.

Ignite's class drops its ``skip_unrolling`` argument; here it is honoured.

Example:
    >>> import torch
    >>> metric = MeanPairwiseDistance(eps=0.0)
    >>> metric.update((torch.tensor([[3.0, 4.0], [1.0, 1.0]]), torch.tensor([[0.0, 0.0], [1.0, 1.0]])))
    >>> metric.compute()  # (5 + 0) / 2
    2.5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["MeanPairwiseDistance"]

_STATE = ("_sum_of_distances", "_num_examples")  # both summed over processes


class MeanPairwiseDistance(Metric):
    """Mean over samples of the ``p``-norm of ``y_pred - y + eps``.

    Args:
        p: the norm's degree.
        eps: added to the difference, so that the norm's gradient is defined at 0.
        output_transform: maps the engine's output to ``(y_pred, y)``.
        device: where the sums are accumulated.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MeanPairwiseDistance(p=4).attach(engine, "mpd")
        >>> preds = torch.tensor([[1, 2, 4, 1], [2, 3, 1, 5], [1, 3, 5, 1], [1, 5, 1, 11]])
        >>> round(engine.run([(preds, preds * 0.75)]).metrics["mpd"], 4)
        1.5955
    """

    _state_dict_all_req_keys = _STATE

    def __init__(
        self,
        p: int = 2,
        eps: float = 1e-6,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)
        self._p = p
        self._eps = eps

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_distances = torch.tensor(0.0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = output[0].detach(), output[1].detach()
        distances = F.pairwise_distance(y_pred, y, p=self._p, eps=self._eps)
        self._sum_of_distances += distances.sum().to(self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce(*_STATE)
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("MeanPairwiseDistance must have at least one example before it can be computed.")
        return self._sum_of_distances.item() / self._num_examples

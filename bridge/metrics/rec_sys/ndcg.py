"""``NDCG`` (``ignite.metrics.rec_sys.ndcg``): normalized discounted cumulative gain at k.

``DCG@k = sum_{i<=k} gain(rel_i) / log2(i + 1)`` over the items ranked by score (ties keep item
order), divided by the DCG of the ideal ranking; gain is ``2**rel - 1`` (``"exp_rank"``) or
``rel`` (``"linear_rank"``), and labels below ``relevance_threshold`` count as 0. This is
Ignite's definition; torchmetrics' ``retrieval_normalized_dcg`` uses linear gains only and
averages over tied scores, so it is not used.

Example:
    >>> import torch
    >>> ndcg = NDCG(top_k=[1, 2, 3, 4])
    >>> y_pred = torch.tensor([[4.0, 2.0, 3.0, 1.0], [1.0, 2.0, 3.0, 4.0]])
    >>> y = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    >>> ndcg.update((y_pred, y))
    >>> [round(v, 4) for v in ndcg.compute()]
    [0.0, 0.3869, 0.3869, 0.6509]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.metrics.rec_sys.hitrate import _as_users, _check_top_k
from bridge.utils import _identity

__all__ = ["NDCG", "ndcg_sum"]

_GAINS = ("exp_rank", "linear_rank")


def _cumulative_dcg(relevance: torch.Tensor, gain_function: str) -> torch.Tensor:
    """DCG@1..width of rows of relevance already in ranked order (``(users, width)``)."""
    positions = torch.arange(1, relevance.shape[1] + 1, dtype=torch.float32, device=relevance.device)
    gains = torch.pow(2.0, relevance) - 1 if gain_function == "exp_rank" else relevance
    return (gains * (1.0 / torch.log2(positions + 1))).cumsum(dim=-1)


def ndcg_sum(
    y_pred: torch.Tensor,
    y: torch.Tensor,
    top_k: Sequence[int],
    relevance_threshold: float = 1.0,
    gain_function: str = "exp_rank",
) -> torch.Tensor:
    """Per ``k`` of ``top_k`` (sorted), the sum over rows of NDCG@k (0 for a row whose ideal DCG is not positive).

    ``y_pred`` and ``y`` are ``(users, items)``: scores and relevance labels.

    Example:
        >>> y_pred = torch.tensor([[0.9, 0.5, 0.1], [0.2, 0.3, 0.8]])
        >>> y = torch.tensor([[0.0, 0.0, 2.0], [0.0, 1.0, 0.0]])
        >>> [round(v, 4) for v in ndcg_sum(y_pred, y, [1, 3]).tolist()]
        [0.0, 1.1309]
    """
    relevance = torch.where(y >= relevance_threshold, y, 0)
    max_k = top_k[-1]
    order = torch.argsort(y_pred, dim=-1, descending=True, stable=True)[:, :max_k]
    ranked = torch.gather(relevance, dim=-1, index=order)
    ideal = torch.sort(relevance, dim=-1, descending=True, stable=True).values[:, :max_k]
    width = ranked.shape[1]
    if width == 0:  # no items: every DCG is 0
        return torch.zeros(len(top_k), device=y.device)
    columns = [min(k, width) - 1 for k in top_k]
    dcg = _cumulative_dcg(ranked, gain_function)[:, columns]
    idcg = _cumulative_dcg(ideal, gain_function)[:, columns]
    return torch.where(idcg > 0, dcg / idcg, torch.zeros_like(dcg)).sum(dim=0)


class NDCG(Metric):
    """NDCG@k for each ``k`` in ``top_k``, averaged over users.

    Args:
        top_k: a list of positive ints; the result lists one NDCG per ``k``, sorted.
        ignore_zero_hits: users without any label ``>= relevance_threshold`` are left out (default);
            with False they count with NDCG 0.
        relevance_threshold: labels below it count as not relevant (0).
        gain_function: ``"exp_rank"`` (``2**rel - 1``, default) or ``"linear_rank"`` (``rel``).
        output_transform, device, skip_unrolling: as every metric.

    ``update((y_pred, y))`` takes scores and (binary or graded) relevance of shape ``(batch, num_items)``.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> NDCG(top_k=[2, 4], gain_function="linear_rank").attach(engine, "ndcg")
        >>> data = [(torch.tensor([[4.0, 2.0, 3.0, 1.0]]), torch.tensor([[0.0, 3.0, 1.0, 0.0]]))]
        >>> [round(v, 4) for v in engine.run(data).metrics["ndcg"]]
        [0.1738, 0.5869]
    """

    required_output_keys = ("y_pred", "y")
    _state_dict_all_req_keys = ("_sum_ndcg_per_k", "_num_examples")

    def __init__(
        self,
        top_k: list[int],
        ignore_zero_hits: bool = True,
        relevance_threshold: float = 1.0,
        gain_function: str = "exp_rank",
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        self.top_k = _check_top_k(top_k)
        if gain_function not in _GAINS:
            raise ValueError(f"gain_function must be either 'exp_rank' or 'linear_rank', but given {gain_function}")
        self.ignore_zero_hits = ignore_zero_hits
        self.relevance_threshold = relevance_threshold
        self.gain_function = gain_function
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_ndcg_per_k = torch.zeros(len(self.top_k), device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = _as_users(output)
        if self.ignore_zero_hits:
            users = torch.any(y >= self.relevance_threshold, dim=-1)
            y_pred, y = y_pred[users], y[users]
        if y.shape[0] == 0:
            return
        total = ndcg_sum(y_pred, y, self.top_k, self.relevance_threshold, self.gain_function)
        self._sum_ndcg_per_k += total.to(self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce("_sum_ndcg_per_k", "_num_examples")
    def compute(self) -> list[float]:
        if self._num_examples == 0:
            raise NotComputableError("NDCG must have at least one example.")
        return (self._sum_ndcg_per_k / self._num_examples).tolist()

"""``HitRate`` (``ignite.metrics.rec_sys.hitrate``): share of users with a relevant item in their top k.

Example:
    >>> import torch
    >>> hr = HitRate(top_k=[1, 2, 3, 4])
    >>> y_pred = torch.tensor([[4.0, 2.0, 3.0, 1.0], [1.0, 2.0, 3.0, 4.0]])
    >>> y = torch.tensor([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    >>> hr.update((y_pred, y))
    >>> hr.compute()  # the second user has no relevant item: ignored
    [0.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["HitRate", "hit_rate_hits"]


def _check_top_k(top_k: Sequence[int]) -> list[int]:
    """``top_k`` sorted, after Ignite's checks (and a clear TypeError for a non-integer ``k``).

    Example:
        >>> _check_top_k([5, 1, 3])
        [1, 3, 5]
    """
    try:
        ks = [operator.index(k) for k in top_k]
    except TypeError:
        raise TypeError(f"top_k must be a list of positive integers, but given {top_k}") from None
    if len(ks) == 0:
        raise ValueError("top_k must have at least one positive value")
    if any(k <= 0 for k in ks):
        raise ValueError(f"top_k must be list of positive integers only, but given {top_k}")
    return sorted(ks)


def _as_users(output: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """``(y_pred, y)`` as ``(users, items)``: leading dimensions are users, as Ignite's masking makes them.

    Example:
        >>> y_pred, y = _as_users((torch.zeros(2, 3, 4), torch.ones(2, 3, 4)))
        >>> tuple(y_pred.shape), tuple(y.shape)
        ((6, 4), (6, 4))
    """
    if len(output) != 2:
        raise ValueError(f"output should be in format `(y_pred,y)` but got tuple of {len(output)} tensors.")
    y_pred, y = output[0].detach(), output[1].detach()
    if y_pred.shape != y.shape:
        raise ValueError(f"y_pred and y must be in the same shape, got {y_pred.shape} != {y.shape}.")
    if y_pred.ndim == 0:
        raise ValueError("y_pred and y must be of shape (batch, num_items), got 0-d tensors.")
    num_items = y_pred.shape[-1]
    return y_pred.reshape(-1, num_items), y.reshape(-1, num_items)


def hit_rate_hits(y_pred: torch.Tensor, y: torch.Tensor, top_k: Sequence[int]) -> torch.Tensor:
    """Per ``k`` of ``top_k`` (sorted), the number of rows with a relevant item (``y > 0``) in their top k.

    The top k are ``torch.topk``'s k highest scores of ``y_pred`` (``(users, items)``), as Ignite's.

    Example:
        >>> y_pred = torch.tensor([[0.9, 0.5, 0.1], [0.2, 0.3, 0.8]])
        >>> y = torch.tensor([[0, 0, 1], [0, 1, 0]])
        >>> hit_rate_hits(y_pred, y, [1, 2, 3])
        tensor([0, 1, 2])
    """
    max_k = top_k[-1]
    if max_k > y_pred.shape[-1]:
        raise RuntimeError(f"top_k={max_k} is larger than the number of items ({y_pred.shape[-1]}).")
    relevant_ranked = torch.gather(y, dim=-1, index=torch.topk(y_pred, k=max_k, dim=-1).indices) > 0
    # 0-based rank of each user's first relevant item, max_k when none is in the top max_k
    first_hit = torch.where(relevant_ranked.any(dim=-1), relevant_ranked.int().argmax(dim=-1), max_k)
    ks = torch.tensor(top_k, device=first_hit.device)
    return (first_hit.unsqueeze(0) < ks.unsqueeze(1)).sum(dim=1)


class HitRate(Metric):
    """HitRate@k for each ``k`` in ``top_k``: the share of users whose k best-scored items hold a relevant one.

    Args:
        top_k: a positive int or a list of them; the result lists one rate per ``k``, sorted.
        ignore_zero_hits: users without any relevant item (``y`` all 0) are left out (default);
            with False they count as misses.
        output_transform, device, skip_unrolling: as every metric.

    ``update((y_pred, y))`` takes scores and 0/1 relevance of shape ``(batch, num_items)`` (leading
    dimensions beyond the first are users too). ``compute()`` raises ``NotComputableError`` before
    any counted user.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> HitRate(top_k=2).attach(engine, "hr@2")
        >>> data = [(torch.tensor([[4.0, 2.0, 3.0, 1.0]]), torch.tensor([[0.0, 0.0, 1.0, 0.0]]))]
        >>> engine.run(data).metrics["hr@2"]
        [1.0]
    """

    required_output_keys = ("y_pred", "y")
    _state_dict_all_req_keys = ("_hits_per_k", "_num_examples")

    def __init__(
        self,
        top_k: list[int] | int = 1,
        ignore_zero_hits: bool = True,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        if not isinstance(top_k, (int, list)):
            raise ValueError("top_k must be either int or a list[int]")
        self.top_k = _check_top_k([top_k] if isinstance(top_k, int) else top_k)
        self.ignore_zero_hits = ignore_zero_hits
        super().__init__(output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._hits_per_k = torch.zeros(len(self.top_k), device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        y_pred, y = _as_users(output)
        if self.ignore_zero_hits:
            users = torch.any(y > 0, dim=-1)
            y_pred, y = y_pred[users], y[users]
        if y.shape[0] == 0:
            return
        self._hits_per_k += hit_rate_hits(y_pred, y, self.top_k).to(self._device)
        self._num_examples += y.shape[0]

    @sync_all_reduce("_hits_per_k", "_num_examples")
    def compute(self) -> list[float]:
        if self._num_examples == 0:
            raise NotComputableError("HitRate must have at least one example.")
        return (self._hits_per_k / self._num_examples).tolist()

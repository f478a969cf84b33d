"""``Perplexity`` (``ignite.metrics.nlp.perplexity``): ``exp`` of the mean token negative log-likelihood.

Token-weighted: the summed NLL and the token count are pooled over all batches, so long and short
sequences weigh by their tokens, not by batch. Targets equal to ``ignore_index`` count nowhere.

The NLL is ``torch.nn.functional.cross_entropy`` (log-softmax), not torchmetrics' perplexity:
that one takes ``(B, S, V)`` only and goes through softmax probabilities, which underflow to 0
(an infinite NLL) for confident wrong logits where the log-softmax stays finite. Ignite's layout
``(B, V, ...)`` and its numbers are kept.

Example:
    >>> import torch
    >>> ppl = Perplexity()
    >>> logits = torch.zeros(2, 4, 3)  # uniform over a vocabulary of 4
    >>> ppl.update((logits, torch.tensor([[0, 1, 2], [3, 0, 1]])))
    >>> round(ppl.compute(), 4)
    4.0
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["Perplexity"]


def _nll_and_count(
    y_pred: torch.Tensor, y: torch.Tensor, ignore_index: int = -100
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed token NLL of logits ``(B, V, ...)`` for targets ``(B, ...)``, and the number of counted tokens.

    Example:
        >>> import torch
        >>> nll, n = _nll_and_count(torch.zeros(1, 2, 3), torch.tensor([[0, 1, -100]]))
        >>> round(nll.item(), 4), n.item()
        (1.3863, 2)
    """
    if y_pred.ndim < 2:
        raise ValueError(f"y_pred must be at least 2-dimensional (got shape: {y_pred.shape})")
    if y.ndim < 1:
        raise ValueError(f"y must be at least 1-dimensional (got shape: {y.shape})")
    if y_pred.ndim != y.ndim + 1:
        raise ValueError(
            f"y_pred must have exactly one more dimension than y (got y_pred={y_pred.ndim}D and y={y.ndim}D)."
        )
    if y_pred.shape[0] != y.shape[0] or y_pred.shape[2:] != y.shape[1:]:
        raise ValueError(
            f"y_pred and y have incompatible shapes: y_pred={y_pred.shape}, y={y.shape} "
            "(expected y_pred[0] == y[0] and y_pred[2:] == y[1:])."
        )
    nll = F.cross_entropy(y_pred, y, reduction="sum", ignore_index=ignore_index)
    return nll, (y != ignore_index).sum()


class Perplexity(Metric):
    """Perplexity of a language model: ``exp(total NLL / total tokens)``.

    ``update`` takes ``(y_pred, y)``: logits ``(B, V, S, ...)`` (floats) and target token ids
    ``(B, S, ...)`` (long).

    Args:
        output_transform, device: as for every metric.
        ignore_index: a target id left out of the NLL and of the token count.

    Example:
        >>> import torch
        >>> ppl = Perplexity(ignore_index=0)
        >>> logits = torch.tensor([[[2.0], [0.0]]])  # B=1, V=2, S=1
        >>> ppl.update((logits, torch.tensor([[1]])))
        >>> ppl.update((logits, torch.tensor([[0]])))  # ignored
        >>> round(ppl.compute(), 4)
        8.3891
    """

    _state_dict_all_req_keys = ("_sum_of_nll", "_num_tokens")

    def __init__(
        self,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        ignore_index: int = -100,
    ) -> None:
        self._ignore_index = ignore_index
        super().__init__(output_transform=output_transform, device=device)

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_nll = torch.tensor(0.0, device=self._device)
        self._num_tokens = torch.tensor(0, device=self._device)

    @reinit__is_reduced
    def update(self, output: tuple[torch.Tensor, torch.Tensor]) -> None:
        y_pred, y = output
        nll, count = _nll_and_count(y_pred.detach(), y.detach(), self._ignore_index)
        self._sum_of_nll += nll.to(self._device)
        self._num_tokens += count.to(self._device)

    @sync_all_reduce("_sum_of_nll", "_num_tokens")
    def compute(self) -> float:
        if self._num_tokens == 0:
            raise NotComputableError("Perplexity must have at least one example before it can be computed.")
        return torch.exp(self._sum_of_nll / self._num_tokens).item()

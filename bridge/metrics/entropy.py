"""``Entropy`` (``ignite.metrics.entropy``): mean entropy of the predicted class distributions.

``y_pred`` holds unnormalized logits, ``(B, C)`` or ``(B, C, ...)`` (every position of a
segmentation map is one prediction); ``y`` is not used. The metric is the mean over all
predictions of ``-sum_c p_c log p_c`` with ``p = softmax(y_pred)``. torchmetrics has no such
metric; ``_softmax_entropy`` is the functional core.

A class whose probability is exactly 0 (a ``-inf`` logit, e.g. a masked class) contributes 0, as
in the definition of entropy; Ignite's ``0 * log 0`` makes the whole metric NaN there.

Example:
    >>> import torch
    >>> metric = Entropy()
    >>> metric.update((torch.zeros(3, 4), torch.zeros(3)))  # uniform over 4 classes
    >>> round(metric.compute(), 4)  # log(4)
    1.3863
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce

__all__ = ["Entropy"]

_STATE = ("_sum_of_entropies", "_num_examples")  # both summed over processes


def _class_rows(logits: torch.Tensor, name: str = "y_pred") -> torch.Tensor:
    """``(B, C)`` or ``(B, C, ...)`` logits as ``(N, C)``: one row per prediction."""
    if logits.ndim < 2:
        raise ValueError(f"{name} must be in the shape of (B, C) or (B, C, ...), got {logits.shape}.")
    if logits.ndim > 2:
        logits = logits.movedim(1, -1).reshape(-1, logits.shape[1])
    return logits


def _softmax_entropy(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Softmax probabilities of ``(N, C)`` logits and the sum of the rows' entropies."""
    prob = F.softmax(logits, dim=1)
    # entr(p) = -p log p, with entr(0) = 0 (NaN stays NaN): one kernel, where Ignite needs four
    return prob, torch.special.entr(prob).sum()


class Entropy(Metric):
    """Mean over predictions of the entropy of ``softmax(y_pred)``.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``; ``y`` is ignored.
        device: where the sums are accumulated.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> Entropy().attach(engine, "entropy")
        >>> logits = torch.tensor([[0.0, 0.6931, 1.0986], [1.3863, 1.6094, 1.6094], [0.0, -2.3026, -2.3026]])
        >>> round(engine.run([(logits, torch.tensor([0, 1, 2]))]).metrics["entropy"], 4)
        0.8903
    """

    _state_dict_all_req_keys: tuple[str, ...] = _STATE

    @reinit__is_reduced
    def reset(self) -> None:
        self._sum_of_entropies = torch.tensor(0.0, device=self._device)
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: Sequence[torch.Tensor]) -> None:
        prob, entropy_sum = _softmax_entropy(_class_rows(output[0].detach()))
        self._update(prob, entropy_sum)

    def _update(self, prob: torch.Tensor, entropy_sum: torch.Tensor) -> None:
        # the subclasses' hook: one batch's (N, C) probabilities and the sum of their entropies
        self._sum_of_entropies += entropy_sum.to(self._device)
        self._num_examples += prob.shape[0]

    @sync_all_reduce(*_STATE)
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("Entropy must have at least one example before it can be computed.")
        return self._sum_of_entropies.item() / self._num_examples

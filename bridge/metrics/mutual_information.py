"""``MutualInformation`` (``ignite.metrics.mutual_information``): ``I(X; Y)`` between inputs and predictions.

``I(X; Y) = H(mean_i p_i) - mean_i H(p_i)``: the entropy of the mean predicted distribution minus
the mean entropy of the predictions (``p_i = softmax(y_pred_i)``; ``y`` is not used). High when
each prediction is confident and the classes are used evenly. This is not torchmetrics'
``MutualInfoScore``, which compares two labelings; ``_mutual_information`` is the functional core.

It is an :class:`~bridge.metrics.entropy.Entropy` that also sums the probabilities per class.

Example:
    >>> import torch
    >>> metric = MutualInformation()
    >>> metric.update((torch.tensor([[9.0, -9.0], [-9.0, 9.0]]), torch.zeros(2)))  # sure, and balanced
    >>> round(metric.compute(), 4)  # log(2)
    0.6931
"""

from __future__ import annotations

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.entropy import Entropy
from bridge.metrics.metric import reinit__is_reduced, sync_all_reduce

__all__ = ["MutualInformation"]

# all summed over processes (the entropies and count are Entropy's)
_STATE = ("_sum_of_probabilities", "_sum_of_entropies", "_num_examples")


def _mutual_information(sum_of_probabilities: torch.Tensor, sum_of_entropies: torch.Tensor, n: int) -> torch.Tensor:
    """``H(marginal) - mean conditional entropy`` from the sums over ``n`` predictions, floored at 0."""
    marginal = sum_of_probabilities / n
    marginal_entropy = -torch.special.xlogy(marginal, marginal).sum()
    # rounding can push an (in theory non-negative) estimate slightly below 0
    return (marginal_entropy - sum_of_entropies / n).clamp(min=0.0)


class MutualInformation(Entropy):
    """Mutual information between the inputs and the predicted classes.

    Args:
        output_transform: maps the engine's output to ``(y_pred, y)``; ``y`` is ignored.
        device: where the sums are accumulated.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, batch: batch)
        >>> MutualInformation().attach(engine, "mi")
        >>> logits = torch.tensor([[0.0, 0.6931, 1.0986], [1.3863, 1.6094, 1.6094], [0.0, -2.3026, -2.3026]])
        >>> round(engine.run([(logits, torch.tensor([0, 1, 2]))]).metrics["mi"], 4)
        0.186
    """

    # all three: Ignite saves only the probabilities, and cannot resume the entropies
    _state_dict_all_req_keys = _STATE

    @reinit__is_reduced
    def reset(self) -> None:
        super().reset()
        # a scalar until the first batch tells the number of classes
        self._sum_of_probabilities = torch.tensor(0.0, device=self._device)

    def _update(self, prob: torch.Tensor, entropy_sum: torch.Tensor) -> None:
        super()._update(prob, entropy_sum)
        self._sum_of_probabilities = self._sum_of_probabilities + prob.sum(dim=0).to(self._device)

    @sync_all_reduce(*_STATE)
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("MutualInformation must have at least one example before it can be computed.")
        return _mutual_information(self._sum_of_probabilities, self._sum_of_entropies, self._num_examples).item()

"""``CharacterErrorRate`` (``ignite.metrics.nlp.character_error_rate``): edits per reference character.

``CER = (S + D + I) / N``: the character-level Levenshtein distance (substitutions, deletions,
insertions) from each reference to its prediction, summed, over the references' total length,
pooled over every update. The counts are torchmetrics' (the statistics behind its
``char_error_rate``); Ignite's conventions are kept around them: a lone ``str`` pair is a batch of
one, and with no reference characters at all the rate is 0.0 when nothing was predicted either,
else 1.0 (torchmetrics divides by zero there).

Example:
    >>> cer = CharacterErrorRate()
    >>> cer.update((["the cat sat on the mat", "hello world"], ["the cat sat on mat", "hello world"]))
    >>> round(cer.compute(), 4)
    0.1379
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.utils import _identity

__all__ = ["CharacterErrorRate"]


class CharacterErrorRate(Metric):
    """Character Error Rate of predicted strings against reference strings.

    ``update`` takes ``(y_pred, y)``: two ``str``, or two lists of ``str`` of the same length.

    Args:
        output_transform, device, skip_unrolling: as for every metric.

    Example:
        >>> cer = CharacterErrorRate()
        >>> cer.update(("kitten", "sitting"))  # 3 edits, 7 reference characters
        >>> round(cer.compute(), 4)
        0.4286
    """

    _state_dict_all_req_keys = ("_num_errors", "_num_refs", "_num_examples")

    def __init__(
        self,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
    ) -> None:
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)

    @reinit__is_reduced
    def reset(self) -> None:
        self._num_errors = torch.tensor(0.0, device=self._device)
        self._num_refs = torch.tensor(0.0, device=self._device)
        self._num_examples = torch.tensor(0.0, device=self._device)  # updates seen, as Ignite counts them

    @reinit__is_reduced
    def update(self, output: Sequence[str | list[str]]) -> None:
        from torchmetrics.functional.text.cer import _cer_update

        y_pred, y = output[0], output[1]
        if not isinstance(y_pred, (str, list)) or not isinstance(y, (str, list)):
            raise TypeError(f"y_pred and y must be str or list[str], got y_pred: {type(y_pred)} and y: {type(y)}")
        if isinstance(y_pred, str) and isinstance(y, str):
            y_pred, y = [y_pred], [y]
        if not all(isinstance(p, str) for p in y_pred) or not all(isinstance(r, str) for r in y):
            raise TypeError("All elements of y_pred and y must be strings.")
        if len(y_pred) != len(y):
            raise ValueError(
                f"y_pred and y must have the same length. Got y_pred of length {len(y_pred)} and y of length {len(y)}."
            )
        # a lone str beside a list is read character by character (Ignite's reading): hand torchmetrics lists
        errors, refs = _cer_update(list(y_pred), list(y))
        self._num_errors += errors.to(self._device)
        self._num_refs += refs.to(self._device)
        self._num_examples += 1

    @sync_all_reduce("_num_errors", "_num_refs")
    def compute(self) -> float:
        if self._num_examples == 0:
            raise NotComputableError("CharacterErrorRate must have at least one example before it can be computed.")
        if self._num_refs == 0:
            return 0.0 if self._num_errors == 0 else 1.0
        return (self._num_errors / self._num_refs).item()

"""``Bleu`` (``ignite.metrics.nlp.bleu``): BLEU over token lists, sentence- or corpus-averaged.

``BLEU = BP * exp(sum_n w_n log p_n)`` with ``p_n`` the modified ``n``-gram precisions, ``w_n = 1/N``
and ``BP`` the brevity penalty against the closest reference length (ties: the shorter one).
``average="macro"`` averages sentence BLEU over sentences; ``"micro"`` pools the counts of the
whole corpus first (corpus BLEU).

The quantity is computed here, not by torchmetrics: torchmetrics' BLEU is corpus-level only, has one
smoothing (add-one above unigrams, yet still 0 when any order has no match), breaks
closest-length ties by reference order, and tokenizes strings itself. Ignite's four smoothings
(Chen & Cherry, 2014) are kept as Ignite defines them:

- ``no_smooth``: ``p_n = m_n / max(1, l_n)``; 0 as soon as some order has no match;
- ``smooth1``: an order with no match counts ``0.1`` matches;
- ``smooth2``: add one to matches and totals of every order above unigrams;
- ``nltk_smooth2``: ``smooth2`` on totals floored at 1 (as nltk's ``method2``).

Example:
    >>> bleu = Bleu(ngram=4, smooth="smooth1")
    >>> refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    >>> bleu.update((["the the the the the the the".split()], [refs]))
    >>> bleu.compute()
    tensor(0.0393, dtype=torch.float64)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.metrics.nlp.utils import modified_precision
from bridge.utils import _identity

__all__ = ["Bleu"]

_SMOOTHINGS = ["no_smooth", "smooth1", "nltk_smooth2", "smooth2"]


def _closest_ref_length(references: Sequence[Sequence[Any]], hyp_len: int) -> int:
    """The reference length closest to ``hyp_len``; the shorter one on a tie.

    Example:
        >>> _closest_ref_length([[1] * 4, [1] * 8], 6)
        4
    """
    return min((len(r) for r in references), key=lambda n: (abs(n - hyp_len), n))


def _bleu_counts(
    references: Sequence[Sequence[Sequence[Any]]], candidates: Sequence[Sequence[Any]], order: int
) -> tuple[list[int], list[int], int, int]:
    """Pooled BLEU statistics of a corpus: matches and totals per order (1..order), hypothesis and reference lengths.

    Example:
        >>> _bleu_counts([[["a", "b", "c"]]], [["a", "b", "d"]], order=2)
        ([2, 1], [3, 2], 3, 3)
    """
    if len(references) != len(candidates):
        raise ValueError(
            f"nb of candidates should be equal to nb of reference lists ({len(candidates)} != {len(references)})"
        )
    matches, totals = [0] * order, [0] * order
    hyp_len = ref_len = 0
    for refs, hyp in zip(references, candidates):
        for n in range(1, order + 1):
            m, t = modified_precision(refs, hyp, n)
            matches[n - 1] += m
            totals[n - 1] += t
        hyp_len += len(hyp)
        ref_len += _closest_ref_length(refs, len(hyp))
    return matches, totals, hyp_len, ref_len


class _Smoother:
    """One of Ignite's smoothings of the modified precisions, chosen by name (``.smooth``).

    Example:
        >>> _Smoother("smooth2")([3, 0], [4, 3])
        [0.75, 0.25]
    """

    def __init__(self, method: str) -> None:
        if method not in _SMOOTHINGS:
            raise ValueError(f"Smooth is not valid (expected: {_SMOOTHINGS}, got: {method})")
        self.smooth = method

    def __call__(self, numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
        nums, dens = [float(n) for n in numerators], [float(d) for d in denominators]
        if self.smooth == "no_smooth":
            return [n / max(1.0, d) for n, d in zip(nums, dens)]
        if self.smooth == "smooth1":
            return [(n if n != 0 else 0.1) / max(1.0, d) for n, d in zip(nums, dens)]
        if self.smooth == "nltk_smooth2":
            dens = [max(1.0, d) for d in dens]
        # unigrams stay unsmoothed; smooth2 is only reached with at least one unigram match
        return [n / d if i == 0 else (n + 1) / (d + 1) for i, (n, d) in enumerate(zip(nums, dens))]


def _bleu_from_counts(
    matches: Sequence[float],
    totals: Sequence[float],
    hyp_len: int,
    ref_len: int,
    weights: Sequence[float],
    smoother: _Smoother,
) -> float:
    """BLEU from pooled statistics (``matches``/``totals`` per order, from 1).

    Example:
        >>> round(_bleu_from_counts([2, 1], [3, 2], 3, 3, [0.5, 0.5], _Smoother("no_smooth")), 4)
        0.5774
    """
    # no unigram match means no match of any order
    if matches[0] == 0:
        return 0
    if smoother.smooth == "no_smooth" and min(matches) == 0:
        return 0
    if hyp_len < ref_len:
        bp = math.exp(1 - ref_len / hyp_len) if hyp_len > 0 else 0.0
    else:
        bp = 1.0
    precisions = smoother(matches, totals)
    return bp * math.exp(math.fsum(w * math.log(p) for w, p in zip(weights, precisions)))


class Bleu(Metric):
    """BLEU score of hypotheses against their references (Papineni et al., 2002).

    ``update`` takes ``(y_pred, y)``: ``y_pred`` a batch of hypotheses (each a list of tokens),
    ``y`` for each hypothesis its list of references (each a list of tokens).

    Args:
        ngram: the largest ``n``-gram order ``N`` (weights ``1/N`` each).
        smooth: ``"no_smooth"`` (default), ``"smooth1"``, ``"nltk_smooth2"`` or ``"smooth2"``.
        output_transform, device: as for every metric.
        average: ``"macro"`` (mean sentence BLEU, a float64 0-d tensor) or ``"micro"`` (corpus BLEU, a float).

    Example:
        >>> hyps = ["the cat sat on the mat".split(), "a dog ran".split()]
        >>> refs = [["the cat sat on a mat".split()], ["the dog ran".split()]]
        >>> micro = Bleu(ngram=2, average="micro")
        >>> micro.update((hyps, refs))
        >>> round(micro.compute(), 4)
        0.6667
        >>> macro = Bleu(ngram=2, smooth="smooth2")
        >>> macro.update((hyps, refs))
        >>> round(macro.compute().item(), 4)
        0.706
    """

    def __init__(
        self,
        ngram: int = 4,
        smooth: str = "no_smooth",
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        average: str = "macro",
    ) -> None:
        if ngram <= 0:
            raise ValueError(f"ngram order must be greater than zero (got: {ngram})")
        self.ngrams_order = ngram
        self.weights = [1 / ngram] * ngram
        self.smoother = _Smoother(method=smooth)
        if average not in ("macro", "micro"):
            raise ValueError(f'Average must be either "macro" or "micro" (got: {average})')
        self.average = average
        # per instance, as Ignite: the state kept depends on the averaging
        if average == "micro":
            self._state_dict_all_req_keys = ("p_numerators", "p_denominators", "hyp_length_sum", "ref_length_sum")
        else:
            self._state_dict_all_req_keys = ("_sum_of_bleu", "_num_sentences")
        super().__init__(output_transform=output_transform, device=device)

    def _corpus_bleu(self, references: Sequence[Sequence[Sequence[Any]]], candidates: Sequence[Sequence[Any]]) -> float:
        """Corpus BLEU of ``candidates`` (pooled counts), whatever ``average`` is.

        Example:
            >>> Bleu(ngram=1)._corpus_bleu([[["a", "b"]]], [["a", "b"]])
            1.0
        """
        matches, totals, hyp_len, ref_len = _bleu_counts(references, candidates, self.ngrams_order)
        return _bleu_from_counts(matches, totals, hyp_len, ref_len, self.weights, self.smoother)

    def _sentence_bleu(self, references: Sequence[Sequence[Any]], candidates: Sequence[Any]) -> float:
        """BLEU of one hypothesis ``candidates`` against its ``references``.

        Example:
            >>> Bleu(ngram=2)._sentence_bleu([["a", "b"]], ["a", "c"])
            0
        """
        return self._corpus_bleu([references], [candidates])

    @reinit__is_reduced
    def reset(self) -> None:
        if self.average == "macro":
            self._sum_of_bleu = torch.tensor(0.0, dtype=self._double_dtype, device=self._device)
            self._num_sentences = 0
        else:
            # index 0 unused: index n holds the n-gram counts, as Ignite lays them out
            self.p_numerators = torch.zeros(self.ngrams_order + 1, dtype=self._double_dtype)
            self.p_denominators = torch.zeros(self.ngrams_order + 1, dtype=self._double_dtype)
            self.hyp_length_sum = 0
            self.ref_length_sum = 0

    @reinit__is_reduced
    def update(self, output: tuple[Sequence[Sequence[Any]], Sequence[Sequence[Sequence[Any]]]]) -> None:
        y_pred, y = output
        if self.average == "macro":
            # pairs as zip gives them (a longer side is cut, as in Ignite)
            scores = [self._sentence_bleu(refs, hyp) for refs, hyp in zip(y, y_pred)]
            self._sum_of_bleu += math.fsum(scores)
            self._num_sentences += len(scores)
        else:
            matches, totals, hyp_len, ref_len = _bleu_counts(y, y_pred, self.ngrams_order)
            dtype = self.p_numerators.dtype
            self.p_numerators[1:] += torch.tensor(matches, dtype=dtype)
            self.p_denominators[1:] += torch.tensor(totals, dtype=dtype)
            self.hyp_length_sum += hyp_len
            self.ref_length_sum += ref_len

    @sync_all_reduce("_sum_of_bleu", "_num_sentences")
    def _compute_macro(self) -> torch.Tensor:
        if self._num_sentences == 0:
            raise NotComputableError("Bleu must have at least one example before it can be computed.")
        return self._sum_of_bleu / self._num_sentences

    @sync_all_reduce("p_numerators", "p_denominators", "hyp_length_sum", "ref_length_sum")
    def _compute_micro(self) -> float:
        return _bleu_from_counts(
            self.p_numerators[1:].tolist(),
            self.p_denominators[1:].tolist(),
            self.hyp_length_sum,
            self.ref_length_sum,
            self.weights,
            self.smoother,
        )

    def compute(self) -> torch.Tensor | float:
        if self.average == "macro":
            return self._compute_macro()
        return self._compute_micro()

"""``Rouge``, ``RougeN``, ``RougeL`` (``ignite.metrics.nlp.rouge``): ROUGE over token lists (Lin, 2004).

For each candidate, a :class:`Score` (matches, candidate size, reference size) against each of its
references: ``n``-gram co-occurrences for ROUGE-N, the longest common subsequence for ROUGE-L. The
references' scores are reduced to one (``multiref="average"``: counts summed; ``"best"``: the
highest recall), giving the sample's precision ``P``, recall ``R`` and
``F = P R / ((1 - alpha) P + alpha R)`` (0 when ``P R = 0``). The metric is the mean of P, R and F
over samples.

The quantity is computed here, not by torchmetrics: torchmetrics' ROUGE normalizes and re-tokenizes
text, averages P/R/F over references (Ignite pools the counts) and picks the best reference by
F-measure (Ignite by recall). Ignite's definition wins.

Example:
    >>> m = Rouge(variants=["L", 2], multiref="best")
    >>> refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    >>> m.update((["the cat is not there".split()], [refs]))
    >>> m.compute()
    {'Rouge-L-P': 0.6, 'Rouge-L-R': 0.5, 'Rouge-L-F': 0.5, 'Rouge-2-P': 0.5, 'Rouge-2-R': 0.4, 'Rouge-2-F': 0.4}
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import torch

from bridge.exceptions import NotComputableError
from bridge.metrics.metric import Metric, reinit__is_reduced, sync_all_reduce
from bridge.metrics.nlp.utils import lcs, ngrams
from bridge.utils import _identity

__all__ = ["Rouge", "RougeN", "RougeL"]


class Score(NamedTuple):
    """Matches of a candidate against one reference, with both sizes.

    Example:
        >>> s = Score(match=2, candidate=4, reference=5)
        >>> s.precision(), s.recall(), Score(0, 0, 0).precision()
        (0.5, 0.4, 0)
    """

    match: int
    candidate: int
    reference: int

    def precision(self) -> float:
        """``match / candidate`` (0 for an empty candidate)."""
        return self.match / self.candidate if self.candidate > 0 else 0

    def recall(self) -> float:
        """``match / reference`` (0 for an empty reference)."""
        return self.match / self.reference if self.reference > 0 else 0


def compute_ngram_scores(candidate: Sequence[Any], reference: Sequence[Any], n: int = 4) -> Score:
    """ROUGE-N :class:`Score`: clipped ``n``-gram co-occurrences and each side's ``n``-gram count.

    Example:
        >>> compute_ngram_scores("the cat is not there".split(), "the cat is on the mat".split(), n=2)
        Score(match=2, candidate=4, reference=5)
    """
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    return Score(match=sum((cand & ref).values()), candidate=sum(cand.values()), reference=sum(ref.values()))


def compute_lcs_scores(candidate: Sequence[Any], reference: Sequence[Any]) -> Score:
    """ROUGE-L :class:`Score`: longest common subsequence and each side's length.

    Example:
        >>> compute_lcs_scores("the cat is not there".split(), "the cat is on the mat".split())
        Score(match=3, candidate=5, reference=6)
    """
    return Score(match=lcs(candidate, reference), candidate=len(candidate), reference=len(reference))


class MultiRefReducer(metaclass=ABCMeta):
    """Reduces a candidate's scores against several references to one :class:`Score`.

    Example:
        >>> class First(MultiRefReducer):
        ...     def __call__(self, scores): return scores[0]
        >>> First()([Score(1, 2, 3)])
        Score(match=1, candidate=2, reference=3)
    """

    @abstractmethod
    def __call__(self, scores: Sequence[Score]) -> Score:
        """The one score standing for ``scores``."""


class MultiRefAverageReducer(MultiRefReducer):
    """``multiref="average"``: the counts summed over references (a pooled, count-weighted average).

    Example:
        >>> MultiRefAverageReducer()([Score(1, 2, 3), Score(2, 2, 4)])
        Score(match=3, candidate=4, reference=7)
    """

    def __call__(self, scores: Sequence[Score]) -> Score:
        return Score(
            match=sum(s.match for s in scores),
            candidate=sum(s.candidate for s in scores),
            reference=sum(s.reference for s in scores),
        )


class MultiRefBestReducer(MultiRefReducer):
    """``multiref="best"``: the score of highest recall (the first one on a tie).

    Example:
        >>> MultiRefBestReducer()([Score(1, 2, 3), Score(2, 2, 4)])
        Score(match=2, candidate=2, reference=4)
    """

    def __call__(self, scores: Sequence[Score]) -> Score:
        return max(scores, key=lambda s: s.recall())


class _BaseRouge(Metric):
    """Per-sample P/R/F accumulation shared by ROUGE-N and ROUGE-L; subclasses give the score and name."""

    _state_dict_all_req_keys = ("_recall", "_precision", "_fmeasure", "_num_examples")

    def __init__(
        self,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        super().__init__(output_transform=output_transform, device=device)
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be in interval [0, 1] (got : {alpha})")
        self._alpha = alpha
        valid_multiref = ["best", "average"]
        if multiref not in valid_multiref:
            raise ValueError(f"multiref : valid values are {valid_multiref} (got : {multiref})")
        self._multiref = multiref
        self._multiref_reducer: MultiRefReducer = (
            MultiRefAverageReducer() if multiref == "average" else MultiRefBestReducer()
        )

    @reinit__is_reduced
    def reset(self) -> None:
        self._recall = 0.0
        self._precision = 0.0
        self._fmeasure = 0.0
        self._num_examples = 0

    @reinit__is_reduced
    def update(self, output: tuple[Sequence[Sequence[Any]], Sequence[Sequence[Sequence[Any]]]]) -> None:
        candidates, references = output
        # pairs as zip gives them (a longer side is cut, as in Ignite)
        for candidate, refs in zip(candidates, references):
            score = self._multiref_reducer([self._compute_score(candidate, ref) for ref in refs])
            precision, recall = score.precision(), score.recall()
            self._precision += precision
            self._recall += recall
            if precision * recall > 0:
                self._fmeasure += precision * recall / ((1 - self._alpha) * precision + self._alpha * recall)
            self._num_examples += 1

    @sync_all_reduce("_precision", "_recall", "_fmeasure", "_num_examples")
    def compute(self) -> Mapping:
        if self._num_examples == 0:
            raise NotComputableError("Rouge metric must have at least one example before being computed")
        name = self._metric_name()
        return {
            f"{name}-P": float(self._precision / self._num_examples),
            f"{name}-R": float(self._recall / self._num_examples),
            f"{name}-F": float(self._fmeasure / self._num_examples),
        }

    @abstractmethod
    def _compute_score(self, candidate: Sequence[Any], reference: Sequence[Any]) -> Score:
        """The candidate's score against one reference."""

    @abstractmethod
    def _metric_name(self) -> str:
        """The prefix of the result's keys, e.g. ``"Rouge-2"``."""


class RougeN(_BaseRouge):
    """ROUGE-N: ``n``-gram co-occurrences of candidates and references.

    ``update`` takes ``(y_pred, y)``: a batch of candidates (token lists) and, for each, its list of
    references (token lists). ``compute()`` gives ``{"Rouge-N-P": .., "Rouge-N-R": .., "Rouge-N-F": ..}``.

    Args:
        ngram: the ``n``-gram order (>= 1).
        multiref: ``"average"`` (counts summed over references) or ``"best"`` (highest recall).
        alpha: the F-measure's weight, in [0, 1]: 0 is recall, 1 is precision.
        output_transform, device: as for every metric.

    Example:
        >>> m = RougeN(ngram=2, multiref="best")
        >>> refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
        >>> m.update((["the cat is not there".split()], [refs]))
        >>> m.compute()
        {'Rouge-2-P': 0.5, 'Rouge-2-R': 0.4, 'Rouge-2-F': 0.4}
    """

    def __init__(
        self,
        ngram: int = 4,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        super().__init__(multiref=multiref, alpha=alpha, output_transform=output_transform, device=device)
        if ngram < 1:
            raise ValueError(f"ngram order must be greater than zero (got : {ngram})")
        self._ngram = ngram

    def _compute_score(self, candidate: Sequence[Any], reference: Sequence[Any]) -> Score:
        return compute_ngram_scores(candidate=candidate, reference=reference, n=self._ngram)

    def _metric_name(self) -> str:
        return f"Rouge-{self._ngram}"


class RougeL(_BaseRouge):
    """ROUGE-L: longest common subsequence of candidates and references.

    Inputs and arguments as :class:`RougeN` (without ``ngram``); the keys are ``Rouge-L-P/R/F``.

    Example:
        >>> m = RougeL(multiref="best")
        >>> refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
        >>> m.update((["the cat is not there".split()], [refs]))
        >>> m.compute()
        {'Rouge-L-P': 0.6, 'Rouge-L-R': 0.5, 'Rouge-L-F': 0.5}
    """

    def __init__(
        self,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        super().__init__(multiref=multiref, alpha=alpha, output_transform=output_transform, device=device)

    def _compute_score(self, candidate: Sequence[Any], reference: Sequence[Any]) -> Score:
        return compute_lcs_scores(candidate=candidate, reference=reference)

    def _metric_name(self) -> str:
        return "Rouge-L"


class Rouge(Metric):
    """Several ROUGE variants at once: one :class:`RougeN` or :class:`RougeL` per entry of ``variants``.

    Args:
        variants: ``"L"`` and/or ``n``-gram orders (default ``[1, 2, 4, "L"]``).
        multiref, alpha, output_transform, device: as :class:`RougeN`.

    ``compute()`` merges the variants' dicts, in the order of ``variants``.

    Example:
        >>> m = Rouge(variants=[1])
        >>> m.update((["a b c".split()], [["a b d".split()]]))
        >>> {k: round(v, 4) for k, v in m.compute().items()}
        {'Rouge-1-P': 0.6667, 'Rouge-1-R': 0.6667, 'Rouge-1-F': 0.6667}
    """

    _state_dict_all_req_keys = ("internal_metrics",)

    def __init__(
        self,
        variants: Sequence[str | int] | None = None,
        multiref: str = "average",
        alpha: float = 0,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
    ) -> None:
        if variants is None or len(variants) == 0:
            variants = [1, 2, 4, "L"]
        self.internal_metrics: list[_BaseRouge] = []
        for v in variants:
            kw: dict[str, Any] = dict(multiref=multiref, alpha=alpha, output_transform=output_transform, device=device)
            if isinstance(v, str) and v == "L":
                self.internal_metrics.append(RougeL(**kw))
            elif isinstance(v, int):
                self.internal_metrics.append(RougeN(ngram=v, **kw))
            else:
                raise ValueError("variant must be 'L' or integer greater to zero")
        super().__init__(output_transform=output_transform, device=device)

    @reinit__is_reduced
    def reset(self) -> None:
        for m in self.internal_metrics:
            m.reset()

    @reinit__is_reduced
    def update(self, output: tuple[Sequence[Sequence[Any]], Sequence[Sequence[Sequence[Any]]]]) -> None:
        for m in self.internal_metrics:
            m.update(output)

    def compute(self) -> Mapping:
        results: dict[str, float] = {}
        for m in self.internal_metrics:
            results.update(m.compute())
        return results

"""N-gram helpers of Ignite's text metrics (``ignite.metrics.nlp.utils``).

Example:
    >>> ngrams("the cat the cat".split(), 2)
    Counter({('the', 'cat'): 2, ('cat', 'the'): 1})
    >>> lcs("the cat is on the mat".split(), "a cat on a mat".split())
    3
    >>> modified_precision(["the cat is on the mat".split()], "the the the".split(), 1)
    (2, 3)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["ngrams", "lcs", "modified_precision"]


def ngrams(sequence: Sequence[Any], n: int) -> Counter:
    """Count the ``n``-grams (tuples of ``n`` consecutive items) of ``sequence``.

    Example:
        >>> ngrams([1, 2, 1, 2], 3)
        Counter({(1, 2, 1): 1, (2, 1, 2): 1})
        >>> ngrams("ab", 3)
        Counter()
    """
    return Counter(tuple(sequence[i : i + n]) for i in range(len(sequence) - n + 1))


def lcs(seq_a: Sequence[Any], seq_b: Sequence[Any]) -> int:
    """Length of the longest common subsequence of two sequences.

    Dynamic programming over one row of the table at a time (memory ``O(len(seq_b))``).

    Example:
        >>> lcs("ABCBDAB", "BDCABA")
        4
        >>> lcs([], [1, 2])
        0
    """
    row = [0] * (len(seq_b) + 1)
    for a in seq_a:
        diagonal = 0  # the previous row's value at j - 1
        for j, b in enumerate(seq_b, start=1):
            above = row[j]
            row[j] = diagonal + 1 if a == b else max(above, row[j - 1])
            diagonal = above
    return row[-1]


def modified_precision(references: Sequence[Sequence[Any]], candidate: Any, n: int) -> tuple[int, int]:
    """BLEU's clipped ``n``-gram counts of ``candidate``: ``(matched, total)``.

    Each candidate ``n``-gram matches at most as often as it occurs in the reference holding it most
    often (Papineni et al., 2002); ``matched / total`` is the modified precision ``p_n``.

    Example:
        >>> refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
        >>> modified_precision(refs, "the the the the the the the".split(), 1)
        (2, 7)
    """
    counts = ngrams(candidate, n)
    most_per_reference: Counter = Counter()
    for reference in references:
        most_per_reference |= ngrams(reference, n)
    return sum((counts & most_per_reference).values()), sum(counts.values())

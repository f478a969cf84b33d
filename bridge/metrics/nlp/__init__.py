"""Ignite's text metrics (``ignite.metrics.nlp``): BLEU, ROUGE, perplexity, character error rate.

Example:
    >>> from bridge.metrics.nlp import RougeL
    >>> m = RougeL()
    >>> m.update((["a b c".split()], [["a c".split()]]))
    >>> m.compute()["Rouge-L-R"]
    1.0
"""

from bridge.metrics.nlp.bleu import Bleu
from bridge.metrics.nlp.character_error_rate import CharacterErrorRate
from bridge.metrics.nlp.perplexity import Perplexity
from bridge.metrics.nlp.rouge import Rouge, RougeL, RougeN

__all__ = ["Bleu", "CharacterErrorRate", "Perplexity", "Rouge", "RougeN", "RougeL"]

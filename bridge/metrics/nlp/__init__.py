"""Placeholder for ``ignite.metrics.nlp``.

Importable, nothing implemented yet: ``bridge.metrics.nlp`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``Bleu``, ``CharacterErrorRate``, ``Perplexity``, ``Rouge``, ``RougeN``, ``RougeL``
"""

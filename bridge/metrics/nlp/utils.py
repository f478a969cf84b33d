"""Placeholder for ``ignite.metrics.nlp.utils``.

Importable, nothing implemented yet: ``bridge.metrics.nlp.utils`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``ngrams``, ``lcs``, ``modified_precision``
"""

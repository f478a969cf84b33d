"""Placeholder for ``ignite.metrics.nlp.perplexity``.

Importable, nothing implemented yet: ``bridge.metrics.nlp.perplexity`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``Perplexity``
"""

"""Placeholder for ``ignite.metrics.cosine_similarity``.

Importable, nothing implemented yet: ``bridge.metrics.cosine_similarity`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``CosineSimilarity``
"""

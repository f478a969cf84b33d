"""Placeholder for ``ignite.metrics.clustering.silhouette_score``.

Importable, nothing implemented yet: ``bridge.metrics.clustering.silhouette_score`` will
hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``SilhouetteScore``
"""

"""Placeholder for ``ignite.metrics.clustering.davies_bouldin_score``.

Importable, nothing implemented yet: ``bridge.metrics.clustering.davies_bouldin_score``
will hold the Ignite-compatible implementation, built only on the public Engine API (see
DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``DaviesBouldinScore``
"""

"""Placeholder for ``ignite.metrics.rec_sys.ndcg``.

Importable, nothing implemented yet: ``bridge.metrics.rec_sys.ndcg`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``NDCG``
"""

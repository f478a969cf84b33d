"""Placeholder for ``ignite.contrib.metrics.regression.r2_score``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.regression.r2_score`` is a deprecated alias of
``ignite.metrics.regression.r2_score``; ``bridge.contrib.metrics.regression.r2_score``
will re-export the same objects from ``bridge.metrics.regression.r2_score``.

Public names it will provide (as Ignite 0.5.5):

``R2Score``
"""

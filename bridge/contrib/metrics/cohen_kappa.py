"""Placeholder for ``ignite.contrib.metrics.cohen_kappa``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.metrics.cohen_kappa`` is a deprecated alias of
``ignite.metrics.cohen_kappa``; ``bridge.contrib.metrics.cohen_kappa`` will re-export
the same objects from ``bridge.metrics.cohen_kappa``.

Public names it will provide (as Ignite 0.5.5):

``CohenKappa``
"""

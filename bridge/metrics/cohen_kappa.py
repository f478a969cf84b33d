"""Placeholder for ``ignite.metrics.cohen_kappa``.

Importable, nothing implemented yet: ``bridge.metrics.cohen_kappa`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``CohenKappa``
"""

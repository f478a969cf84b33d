"""Placeholder for ``ignite.metrics.mutual_information``.

Importable, nothing implemented yet: ``bridge.metrics.mutual_information`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``MutualInformation``
"""

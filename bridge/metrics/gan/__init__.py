"""Placeholder for ``ignite.metrics.gan``.

Importable, nothing implemented yet: ``bridge.metrics.gan`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``InceptionScore``, ``FID``
"""

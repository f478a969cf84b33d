"""Placeholder for ``ignite.metrics.ssim``.

Importable, nothing implemented yet: ``bridge.metrics.ssim`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``SSIM``
"""

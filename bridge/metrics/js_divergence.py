"""Placeholder for ``ignite.metrics.js_divergence``.

Importable, nothing implemented yet: ``bridge.metrics.js_divergence`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``JSDivergence``
"""

"""Placeholder for ``ignite.metrics.matthews_corrcoef``.

Importable, nothing implemented yet: ``bridge.metrics.matthews_corrcoef`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``matthews_corrcoef_compute_fn``, ``MatthewsCorrCoef``
"""

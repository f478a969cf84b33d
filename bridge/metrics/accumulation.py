"""Placeholder for ``ignite.metrics.accumulation``.

Importable, nothing implemented yet: ``bridge.metrics.accumulation`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``VariableAccumulation``, ``GeometricAverage``, ``Average``
"""

"""Placeholder for ``ignite.metrics.gpu_info``.

Importable, nothing implemented yet: ``bridge.metrics.gpu_info`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``GpuInfo``
"""

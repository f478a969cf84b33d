"""Placeholder for ``ignite.contrib.metrics.gpu_info``.

Importable, nothing implemented yet. In Ignite 0.5.5 ``ignite.contrib.metrics.gpu_info``
is a deprecated alias of ``ignite.metrics.gpu_info``;
``bridge.contrib.metrics.gpu_info`` will re-export the same objects from
``bridge.metrics.gpu_info``.

Public names it will provide (as Ignite 0.5.5):

``GpuInfo``
"""

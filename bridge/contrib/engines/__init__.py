"""Placeholder for ``ignite.contrib.engines``.

Importable, nothing implemented yet: ``bridge.contrib.engines`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``create_supervised_tbptt_trainer``, ``Tbptt_Events``
"""

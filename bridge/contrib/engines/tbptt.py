"""Placeholder for ``ignite.contrib.engines.tbptt``.

Importable, nothing implemented yet: ``bridge.contrib.engines.tbptt`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``Tbptt_Events``, ``create_supervised_tbptt_trainer``
"""

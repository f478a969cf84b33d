"""Placeholder for ``ignite.handlers.checkpoint``.

Importable, nothing implemented yet: ``bridge.handlers.checkpoint`` will hold the
Ignite-compatible implementation, built only on the public Engine API (see DESIGN.md).

Public names it will provide (as Ignite 0.5.5):

``Checkpoint``, ``DiskSaver``, ``ModelCheckpoint``, ``BaseSaveHandler``,
``CheckpointEvents``
"""

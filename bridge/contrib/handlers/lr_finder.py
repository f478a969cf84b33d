"""Placeholder for ``ignite.contrib.handlers.lr_finder``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.lr_finder`` is a deprecated alias of
``ignite.handlers.lr_finder``; ``bridge.contrib.handlers.lr_finder`` will re-export the
same objects from ``bridge.handlers.lr_finder``.

Public names it will provide (as Ignite 0.5.5):

``FastaiLRFinder``
"""

"""Placeholder for ``ignite.contrib.handlers.tqdm_logger``.

Importable, nothing implemented yet. In Ignite 0.5.5
``ignite.contrib.handlers.tqdm_logger`` is a deprecated alias of
``ignite.handlers.tqdm_logger``; ``bridge.contrib.handlers.tqdm_logger`` will re-export
the same objects from ``bridge.handlers.tqdm_logger``.

Public names it will provide (as Ignite 0.5.5):

``ProgressBar``
"""

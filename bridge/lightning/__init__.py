"""The one place that talks to PyTorch Lightning.

:mod:`bridge.lightning.runner` runs ``Engine.run`` inside a ``pl.Trainer``; its
``HOOK_TO_PHASE`` table is the mapping of Lightning hooks to Ignite's loop.
"""

"""Ignite's ``ignite.engine.deterministic`` module path.

Ignite keeps ``DeterministicEngine``, ``ReproducibleBatchSampler``,
``keep_random_state`` and ``update_dataloader`` here. bridge does not provide them
yet: the module exists so that ``import ignite.engine.deterministic`` resolves under
the alias, and importing one of those names fails with a plain ``ImportError``.
For reproducible runs, pass ``trainer_kwargs={"deterministic": True}`` to ``Engine``
and seed with :func:`bridge.utils.manual_seed`.
"""

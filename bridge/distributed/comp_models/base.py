"""Counterpart of ``ignite.distributed.comp_models.base``.

Ignite defines ``ComputationModel`` here, the interface its native/XLA/Horovod backends
implement. bridge has a single backend, native ``torch.distributed``, implemented directly
by the functions of :mod:`bridge.distributed.utils`; there is no pluggable model class, so
this module exists only so that the Ignite module path resolves under the alias.
"""

"""Horovod distributed support: not provided by bridge.

bridge drives native ``torch.distributed`` only, so ``has_hvd_support`` is always False
and ``"horovod"`` is rejected by :func:`bridge.distributed.initialize` with a clear error.

Example:
    >>> from bridge.distributed.comp_models.horovod import has_hvd_support, HOROVOD
    >>> has_hvd_support, HOROVOD
    (False, 'horovod')
"""

__all__ = ["has_hvd_support", "HOROVOD"]

has_hvd_support: bool = False
#: Ignite's backend name for Horovod, kept so that comparisons against it read the same.
HOROVOD = "horovod"

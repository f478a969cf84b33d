"""XLA (TPU) distributed support: not provided by bridge.

bridge drives native ``torch.distributed`` only, so ``has_xla_support`` is always False
and ``"xla-tpu"`` is rejected by :func:`bridge.distributed.initialize` with a clear error.

Example:
    >>> from bridge.distributed.comp_models.xla import has_xla_support, XLA_TPU
    >>> has_xla_support, XLA_TPU
    (False, 'xla-tpu')
"""

__all__ = ["has_xla_support", "XLA_TPU"]

has_xla_support: bool = False
#: Ignite's backend name for XLA, kept so that comparisons against it read the same.
XLA_TPU = "xla-tpu"

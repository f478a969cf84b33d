"""Which distributed frameworks bridge can drive (``ignite.distributed.comp_models``).

Ignite plugs several "computation models" (native torch.distributed, XLA, Horovod) behind
``ignite.distributed``. bridge drives native ``torch.distributed`` only, which is also
what Lightning's strategies use, so XLA and Horovod always report unsupported here.

Example:
    >>> from bridge.distributed.comp_models import has_xla_support, has_hvd_support
    >>> has_xla_support, has_hvd_support
    (False, False)
"""

from bridge.distributed.comp_models.horovod import has_hvd_support
from bridge.distributed.comp_models.native import has_native_dist_support
from bridge.distributed.comp_models.xla import has_xla_support

__all__ = ["has_native_dist_support", "has_xla_support", "has_hvd_support"]

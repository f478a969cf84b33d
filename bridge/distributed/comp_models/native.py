"""Native ``torch.distributed`` support: the one backend family bridge drives.

Example:
    >>> from bridge.distributed.comp_models import native
    >>> native.GLOO, native.NCCL, native.MPI
    ('gloo', 'nccl', 'mpi')
    >>> "gloo" in native.available_backends or not native.has_native_dist_support
    True
"""

import torch.distributed as dist

__all__ = ["has_native_dist_support", "NCCL", "GLOO", "MPI", "available_backends"]

#: True when this torch build has ``torch.distributed``.
has_native_dist_support: bool = dist.is_available()

NCCL = "nccl"
GLOO = "gloo"
MPI = "mpi"

#: The native backends this torch build can use, in Ignite's order.
available_backends: tuple[str, ...] = (
    tuple(name for name in (NCCL, GLOO, MPI) if getattr(dist, f"is_{name}_available")())
    if has_native_dist_support
    else ()
)

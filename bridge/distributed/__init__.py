"""Ignite's distributed helpers (``ignite.distributed``) over native ``torch.distributed``.

Serial runs (no process group) see world size 1 and rank 0, and the collectives return
their input; in a process group (from :func:`initialize`, :func:`spawn`, :class:`Parallel`,
torchrun or a Lightning strategy) they communicate. XLA and Horovod are not supported.

Example:
    >>> import torch
    >>> import bridge.distributed as idist
    >>> idist.get_rank(), idist.get_world_size(), idist.backend()
    (0, 1, None)
    >>> idist.all_reduce(torch.tensor([1.0, 2.0]))
    tensor([1., 2.])
"""

from bridge.distributed.auto import DistributedProxySampler, auto_dataloader, auto_model, auto_optim  # noqa: F401
from bridge.distributed.comp_models import native, xla  # noqa: F401  (module attributes, as in Ignite)
from bridge.distributed.launcher import Parallel  # noqa: F401
from bridge.distributed.utils import *  # noqa: F401,F403

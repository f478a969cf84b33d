"""``auto_model`` / ``auto_optim`` / ``auto_dataloader``: adapt objects to the distributed config.

Same behaviour as ``ignite.distributed.auto`` for serial runs and native
``torch.distributed`` (the only backend bridge drives; XLA and Horovod are unsupported).

Example:
    >>> import torch
    >>> from bridge.distributed import auto_dataloader, auto_model, auto_optim
    >>> model = auto_model(torch.nn.Linear(2, 1))   # serial on CPU: the model itself
    >>> optimizer = auto_optim(torch.optim.SGD(model.parameters(), lr=0.1))
    >>> loader = auto_dataloader(list(range(8)), batch_size=4)
    >>> [batch.tolist() for batch in loader]
    [[0, 1, 2, 3], [4, 5, 6, 7]]
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn as nn
from torch.optim.optimizer import Optimizer
from torch.utils.data import DataLoader, Dataset, IterableDataset
from torch.utils.data.distributed import DistributedSampler
from torch.utils.data.sampler import Sampler

from bridge.distributed import utils as idist
from bridge.utils import setup_logger

__all__ = ["auto_dataloader", "auto_model", "auto_optim", "DistributedProxySampler"]


def auto_dataloader(dataset: Dataset, **kwargs: Any) -> DataLoader:
    """Build a ``DataLoader`` with ``kwargs``, adapted to the distributed configuration.

    With more than one process: ``batch_size`` is divided by the world size and
    ``num_workers`` by the processes per node (when at least as large); without a sampler a
    ``DistributedSampler`` is used (``shuffle`` goes to it), a ``DistributedSampler`` is used
    as is, any other sampler is wrapped in :class:`DistributedProxySampler`. An
    ``IterableDataset`` gets no sampler: it must yield different data on each rank.
    ``pin_memory`` defaults to True on CUDA.

    Example:
        >>> loader = auto_dataloader(list(range(6)), batch_size=3, shuffle=False)
        >>> len(loader), loader.batch_size
        (2, 3)
    """
    rank = idist.get_rank()
    world_size = idist.get_world_size()
    logger = setup_logger(__name__ + ".auto_dataloader")

    if world_size > 1:
        if "batch_size" in kwargs and kwargs["batch_size"] >= world_size:
            kwargs["batch_size"] //= world_size

        nproc = idist.get_nproc_per_node()
        if "num_workers" in kwargs and kwargs["num_workers"] >= nproc:
            kwargs["num_workers"] = (kwargs["num_workers"] + nproc - 1) // nproc

        if "batch_sampler" in kwargs:
            warnings.warn(
                "Found batch_sampler in provided kwargs. Please, make sure that it is compatible "
                "with distributed configuration"
            )
        elif isinstance(dataset, IterableDataset):
            logger.info(
                "Found iterable dataset, dataloader will be created without any distributed sampling. "
                "Please, make sure that the dataset itself produces different data on different ranks."
            )
        else:
            sampler = kwargs.get("sampler")
            if isinstance(sampler, DistributedSampler):
                if sampler.rank != rank:
                    warnings.warn(f"Found distributed sampler with rank={sampler.rank}, but process rank is {rank}")
                if sampler.num_replicas != world_size:
                    warnings.warn(
                        f"Found distributed sampler with num_replicas={sampler.num_replicas}, "
                        f"but world size is {world_size}"
                    )
            elif sampler is None:
                shuffle = kwargs.pop("shuffle", True)  # a DataLoader rejects shuffle next to a sampler
                sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle)
            else:
                sampler = DistributedProxySampler(sampler, num_replicas=world_size, rank=rank)
            kwargs["sampler"] = sampler

    kwargs["pin_memory"] = kwargs.get("pin_memory", "cuda" in idist.device().type)
    logger.info(f"Use data loader kwargs for dataset '{repr(dataset)[:20].strip()}': \n\t{kwargs}")
    return DataLoader(dataset, **kwargs)


def auto_model(model: nn.Module, sync_bn: bool = False, **kwargs: Any) -> nn.Module:
    """Move ``model`` to :func:`~bridge.distributed.device` and wrap it for data parallelism.

    More than one process: ``DistributedDataParallel`` (``device_ids=[local_rank]`` on
    CUDA; ``sync_bn=True`` converts batch norms to ``SyncBatchNorm`` first). Serial with
    several visible GPUs: ``DataParallel``. ``kwargs`` go to the wrapper.

    Example:
        >>> model = torch.nn.Linear(3, 1)
        >>> auto_model(model) is model  # serial, CPU
        True
    """
    logger = setup_logger(__name__ + ".auto_model")

    device = idist.device()
    if not all(p.device == device for p in model.parameters()):
        model.to(device)

    if idist.get_world_size() > 1:
        if sync_bn:
            logger.info("Convert batch norm to sync batch norm")
            model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        if torch.cuda.is_available():
            if "device_ids" in kwargs:
                raise ValueError(f"Argument kwargs should not contain 'device_ids', but got {kwargs}")
            local_rank = idist.get_local_rank()
            logger.info(f"Apply torch DistributedDataParallel on model, device id: {local_rank}")
            kwargs["device_ids"] = [local_rank]
        else:
            logger.info("Apply torch DistributedDataParallel on model")
        model = nn.parallel.DistributedDataParallel(model, **kwargs)
    elif torch.cuda.device_count() > 1 and "cuda" in device.type:
        logger.info("Apply torch DataParallel on model")
        model = nn.parallel.DataParallel(model, **kwargs)
    return model


def auto_optim(optimizer: Optimizer, **kwargs: Any) -> Optimizer:
    """Adapt ``optimizer`` to the distributed configuration: the optimizer itself for native/serial.

    Ignite wraps it only for XLA and Horovod, which bridge does not drive; ``kwargs`` are
    accepted for compatibility and unused.

    Example:
        >>> opt = torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)
        >>> auto_optim(opt) is opt
        True
    """
    return optimizer


class DistributedProxySampler(DistributedSampler):
    """Split the indices of any sized ``sampler`` across processes, like ``DistributedSampler``.

    Each epoch the sampler's indices are repeated up to a multiple of ``num_replicas``
    and rank ``r`` takes every ``num_replicas``-th one starting at ``r``.

    Example:
        >>> from torch.utils.data import SequentialSampler
        >>> list(DistributedProxySampler(SequentialSampler(range(5)), num_replicas=2, rank=1))
        [1, 3, 0]
    """

    def __init__(self, sampler: Sampler, num_replicas: int | None = None, rank: int | None = None) -> None:
        if not isinstance(sampler, Sampler):
            raise TypeError(f"Argument sampler should be instance of torch Sampler, but given: {type(sampler)}")
        if isinstance(sampler, DistributedSampler):
            raise TypeError("Argument sampler must not be a distributed sampler already")
        if not hasattr(sampler, "__len__"):
            raise TypeError("Argument sampler should have length")
        super().__init__(sampler, num_replicas=num_replicas, rank=rank, shuffle=False)  # type: ignore[arg-type]
        self.sampler = sampler

    def __iter__(self) -> Iterator:
        torch.manual_seed(self.epoch)  # a random wrapped sampler then draws the same order on every rank
        indices: list = []
        while len(indices) < self.total_size:
            indices += list(self.sampler)
        indices = indices[: self.total_size][self.rank : self.total_size : self.num_replicas]
        if len(indices) != self.num_samples:
            raise RuntimeError(f"{len(indices)} vs {self.num_samples}")
        return iter(indices)

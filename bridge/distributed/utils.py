"""``ignite.distributed`` helpers over native ``torch.distributed``.

Every function reads the state of ``torch.distributed`` when called, so a process group
created by bridge (:func:`initialize`, :func:`spawn`, :class:`~bridge.distributed.Parallel`),
by Lightning's strategies or by the user is picked up without any sync step.
Without a process group the process is "serial": world size 1, rank 0, and the
collectives return their input (lists of one item for gathered numbers and strings),
as in Ignite.

Why one file past 400 lines: it is Ignite's ``ignite.distributed.utils``, whose functions
clients import from this path, and they are one concept: the process-group queries and the
collectives over one backend, sharing its checks and the serial fallback.

Example:
    >>> import bridge.distributed as idist
    >>> idist.get_world_size(), idist.get_rank(), idist.model_name()
    (1, 0, 'serial')
    >>> idist.all_reduce(3.5), idist.all_gather("a"), idist.broadcast(7)
    (3.5, ['a'], 7)
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from numbers import Number
from pathlib import Path
from typing import Any, cast

import torch
import torch.distributed as dist

from bridge.distributed.comp_models import has_hvd_support, has_native_dist_support, has_xla_support, native
from bridge.distributed.comp_models.horovod import HOROVOD
from bridge.distributed.comp_models.xla import XLA_TPU
from bridge.utils import setup_logger

__all__ = [
    "backend",
    "broadcast",
    "device",
    "available_backends",
    "model_name",
    "get_world_size",
    "get_rank",
    "get_local_rank",
    "get_nproc_per_node",
    "get_node_rank",
    "get_nnodes",
    "spawn",
    "initialize",
    "finalize",
    "show_config",
    "set_local_rank",
    "all_reduce",
    "all_gather",
    "barrier",
    "hostname",
    "has_xla_support",
    "has_native_dist_support",
    "has_hvd_support",
    "sync",
    "one_rank_only",
    "new_group",
    "one_rank_first",
    "all_gather_tensors_with_shapes",
]

#: Ignite's reduction names, mapped to ``torch.distributed.ReduceOp`` attribute names.
_REDUCE_OPS = {"SUM": "SUM", "PRODUCT": "PRODUCT", "MIN": "MIN", "MAX": "MAX", "AND": "BAND", "OR": "BOR"}


@dataclass(frozen=True)
class _NodeInfo:
    local_rank: int
    nproc_per_node: int
    nnodes: int
    node_rank: int


_SERIAL_NODE = _NodeInfo(local_rank=0, nproc_per_node=1, nnodes=1, node_rank=0)

# Local rank hinted by set_local_rank() for process groups created outside bridge.
_ext_local_rank: int | None = None
# Node topology of the current process group, computed once per group: (group, info).
_node_cache: tuple[Any, _NodeInfo] | None = None
# Environment as it was before initialize() set RANK/WORLD_SIZE/...; finalize() restores it.
_env_backup: dict[str, str] | None = None


def _is_distributed() -> bool:
    return has_native_dist_support and dist.is_initialized()


# ---------------------------------------------------------------------------- configuration


def model_name() -> str:
    """Name of the distributed configuration: ``"serial"`` or ``"native-dist"``.

    Example:
        >>> model_name()
        'serial'
    """
    return "native-dist" if _is_distributed() else "serial"


def backend() -> str | None:
    """Backend of the current process group (``"gloo"``, ``"nccl"``, ...), or None if serial.

    Example:
        >>> backend() is None
        True
    """
    return str(dist.get_backend()) if _is_distributed() else None


def available_backends() -> tuple[str, ...]:
    """Backends :func:`initialize` accepts in this torch build (native ones only).

    Example:
        >>> "gloo" in available_backends()
        True
    """
    return native.available_backends


def device() -> torch.device:
    """Device this process should compute on.

    Serial: ``cuda`` if available, else ``mps`` if available, else ``cpu``. In a process
    group: ``cuda:<current device>`` if CUDA is available, else ``cpu``.

    Example:
        >>> device().type in ("cpu", "cuda", "mps")
        True
    """
    if _is_distributed():
        if torch.cuda.is_available():
            return torch.device(f"cuda:{torch.cuda.current_device()}")
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def get_world_size() -> int:
    """Number of processes, 1 if serial.

    Example:
        >>> get_world_size()
        1
    """
    return dist.get_world_size() if _is_distributed() else 1


def get_rank() -> int:
    """Global rank of this process, 0 if serial.

    Example:
        >>> get_rank()
        0
    """
    return dist.get_rank() if _is_distributed() else 0


def get_local_rank() -> int:
    """Rank of this process on its node, 0 if serial.

    Read from ``LOCAL_RANK`` (set by torchrun, :func:`initialize` and :func:`spawn`),
    else the :func:`set_local_rank` hint, else guessed from the hostnames of all ranks
    (with a warning). The first node-topology query in a process group may communicate, so
    every rank must make it, as with Ignite.

    Example:
        >>> get_local_rank()
        0
    """
    return _node_info().local_rank


def get_nproc_per_node() -> int:
    """Number of processes per node, 1 if serial (collective on first use, see :func:`get_local_rank`).

    Example:
        >>> get_nproc_per_node()
        1
    """
    return _node_info().nproc_per_node


def get_nnodes() -> int:
    """Number of nodes, 1 if serial (collective on first use, see :func:`get_local_rank`).

    Example:
        >>> get_nnodes()
        1
    """
    return _node_info().nnodes


def get_node_rank() -> int:
    """Index of this process's node, 0 if serial (collective on first use, see :func:`get_local_rank`).

    Example:
        >>> get_node_rank()
        0
    """
    return _node_info().node_rank


def hostname() -> str:
    """Host name of this process.

    Example:
        >>> import socket
        >>> hostname() == socket.gethostname()
        True
    """
    return socket.gethostname()


def set_local_rank(index: int) -> None:
    """Hint the local rank when you create the process group yourself without ``LOCAL_RANK``.

    Example:
        >>> set_local_rank(0)  # then: torch.distributed.init_process_group(...)
    """
    global _ext_local_rank, _node_cache
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"set_local_rank: index must be a non-negative int, got {index!r}")
    _ext_local_rank = index
    _node_cache = None


def sync(temporary: bool = False) -> None:
    """Forget cached node topology (local rank, processes per node, nodes).

    bridge reads ``torch.distributed`` on every call, so unlike Ignite nothing else needs
    syncing after you create or destroy a process group yourself. ``temporary`` is
    accepted for Ignite compatibility and has no effect.

    Example:
        >>> sync()
    """
    global _node_cache
    _node_cache = None


def _env_local_rank() -> int | None:
    if "SLURM_JOB_ID" in os.environ and "SLURM_LOCALID" in os.environ:
        return int(os.environ["SLURM_LOCALID"])
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    return None


def _node_info() -> _NodeInfo:
    global _node_cache
    if not _is_distributed():
        return _SERIAL_NODE
    world = dist.group.WORLD
    if _node_cache is not None and _node_cache[0] is world:
        return _node_cache[1]

    rank, world_size = dist.get_rank(), dist.get_world_size()
    node_rank: int | None = None
    local_rank = _env_local_rank()
    if local_rank is None:
        local_rank = _ext_local_rank
    if local_rank is None:
        warnings.warn(
            "Local rank information for native distributed setting will be initialized using "
            "a heuristic approach based on the hostnames. To avoid this warning, set "
            "os.environ['LOCAL_RANK'] or call bridge.distributed.set_local_rank(local_rank)."
        )
        local_rank, node_rank = _ranks_from_hostnames(rank)

    nproc_per_node = _max_over_world(local_rank + 1) if world_size > 1 else 1
    info = _NodeInfo(
        local_rank=local_rank,
        nproc_per_node=nproc_per_node,
        nnodes=world_size // nproc_per_node,
        node_rank=rank // nproc_per_node if node_rank is None else node_rank,
    )
    _node_cache = (world, info)
    return info


def _max_over_world(value: int) -> int:
    # On CPU over gloo: an NCCL group may not be usable yet for this (Ignite does the same).
    if dist.get_backend() == native.GLOO:
        group = None
    else:
        group = dist.new_group(backend=native.GLOO)
    t = torch.tensor([value])
    dist.all_reduce(t, op=dist.ReduceOp.MAX, group=group)
    if group is not None:
        dist.destroy_process_group(group)
    return int(t.item())


def _ranks_from_hostnames(rank: int) -> tuple[int, int]:
    """(local rank, node rank) assuming ranks are laid out node after node."""
    names: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(names, socket.gethostname())
    nodes = list(dict.fromkeys(names))  # unique, in rank order
    me = names[rank]
    return names[:rank].count(me), nodes.index(me)


def show_config() -> None:
    """Log the distributed configuration (INFO, logger ``bridge.distributed.utils``).

    Example:
        >>> show_config()  # doctest: +SKIP
        2024-01-01 00:00:00,000 bridge.distributed.utils INFO: distributed configuration: serial
        ...
    """
    logger = setup_logger(__name__)
    logger.info(f"distributed configuration: {model_name()}")
    logger.info(f"backend: {backend()}")
    logger.info(f"device: {device().type}")
    logger.info(f"hostname: {hostname()}")
    logger.info(f"world size: {get_world_size()}")
    logger.info(f"rank: {get_rank()}")
    logger.info(f"local rank: {get_local_rank()}")
    logger.info(f"num processes per_node: {get_nproc_per_node()}")
    logger.info(f"num nodes: {get_nnodes()}")
    logger.info(f"node rank: {get_node_rank()}")


# ---------------------------------------------------------------------------- collectives


def _check_reduce_op(op: str) -> None:
    if op not in _REDUCE_OPS:
        raise ValueError(f"Unsupported reduction operation: '{op}'. Use one of {list(_REDUCE_OPS)}")


def _to_group(group: Any) -> Any:
    """None, a list of ranks (made into a new group) or a process group, else ValueError."""
    if group is None:
        return None
    if isinstance(group, list) and all(isinstance(r, int) for r in group):
        return dist.new_group(ranks=group) if _is_distributed() else group
    if has_native_dist_support and (
        isinstance(group, dist.ProcessGroup) or group is dist.GroupMember.NON_GROUP_MEMBER
    ):
        return group
    raise ValueError(f"Argument group should be list of int or ProcessGroup, got {type(group)}, group={group}")


def _not_in(group: Any) -> bool:
    return group is not None and dist._rank_not_in_group(group)


def all_reduce(
    tensor: torch.Tensor | float, op: str = "SUM", group: Any | list[int] | None = None
) -> torch.Tensor | float:
    """Reduce a tensor or a number over all processes (or over ``group``).

    ``op`` is one of ``"SUM"``, ``"PRODUCT"``, ``"MIN"``, ``"MAX"``, ``"AND"``, ``"OR"``.
    A tensor is reduced on :func:`device` and returned on its own device (in place when it
    is already there); a number comes back as a Python number. Serial: returns the input.

    Example:
        >>> all_reduce(torch.tensor([1.0, 2.0]), op="MAX")
        tensor([1., 2.])
        >>> all_reduce(2, op="MEAN")
        Traceback (most recent call last):
        ...
        ValueError: Unsupported reduction operation: 'MEAN'. Use one of ['SUM', 'PRODUCT', 'MIN', 'MAX', 'AND', 'OR']
    """
    if not isinstance(tensor, (torch.Tensor, Number)):
        raise TypeError(f"all_reduce: unhandled input type {type(tensor)}, expected a tensor or a number")
    _check_reduce_op(op)
    group = _to_group(group)
    if not _is_distributed():
        return tensor

    reduce_op = getattr(dist.ReduceOp, _REDUCE_OPS[op])
    if isinstance(tensor, Number):
        t = _number_tensor(tensor)
        dist.all_reduce(t, reduce_op, group=group)
        return t.item()
    t = tensor.to(device())
    dist.all_reduce(t, reduce_op, group=group)
    return t.to(tensor.device)


def _number_tensor(x: Number) -> torch.Tensor:
    # Floats travel as float64 so that they keep their precision (Ignite does the same).
    return torch.tensor(x, device=device(), dtype=torch.float64 if isinstance(x, float) else None)


def all_gather(tensor: torch.Tensor | float | str | Any, group: Any | list[int] | None = None) -> Any:
    """Gather a value from every process (or from ``group``), in rank order.

    - tensor of shape ``(n, ...)`` (same shape on every rank) -> tensor ``(world_size * n, ...)``;
      a 0-d tensor -> shape ``(world_size,)``;
    - number -> list of numbers; str -> list of str; any other picklable object -> list.

    Serial: a tensor is returned as is, anything else as a one-item list. A process not in
    ``group`` gets its input back.

    Example:
        >>> all_gather(torch.tensor([1, 2]))
        tensor([1, 2])
        >>> all_gather(0.5), all_gather("rank0"), all_gather({"k": 1})
        ([0.5], ['rank0'], [{'k': 1}])
    """
    group = _to_group(group)
    if not _is_distributed():
        return tensor if isinstance(tensor, torch.Tensor) else [tensor]
    if _not_in(group):
        return tensor
    if isinstance(tensor, torch.Tensor):
        return _gather_tensor(tensor, group)
    if isinstance(tensor, Number):
        return _gather_tensor(_number_tensor(tensor), group).tolist()
    # Strings and other objects: pickled by torch.distributed.
    out: list[Any] = [None] * dist.get_world_size(cast(Any, group))
    dist.all_gather_object(out, tensor, group=group)
    return out


def _gather_tensor(tensor: torch.Tensor, group: Any) -> torch.Tensor:
    t = tensor.to(device())
    if t.dim() == 0:
        t = t.unsqueeze(0)
    parts = [torch.zeros_like(t) for _ in range(dist.get_world_size(group))]
    dist.all_gather(parts, t, group=group)
    return torch.cat(parts, dim=0).to(tensor.device)


def all_gather_tensors_with_shapes(
    tensor: torch.Tensor, shapes: Sequence[Sequence[int]], group: Any | list[int] | None = None
) -> list[torch.Tensor]:
    """Gather tensors whose shapes differ across processes (same number of dimensions).

    ``shapes[i]`` is the shape of the tensor of the i-th participating process. Tensors are
    padded to the largest shape, gathered, and cut back to their own shapes.

    Example:
        >>> all_gather_tensors_with_shapes(torch.ones(2, 3), [[2, 3]])
        [tensor([[1., 1., 1.],
                [1., 1., 1.]])]
    """
    group = _to_group(group)
    if _is_distributed() and _not_in(group):
        return [tensor]
    size = dist.get_world_size(cast(Any, group)) if _is_distributed() else 1
    if not isinstance(tensor, torch.Tensor) or tensor.dim() == 0:
        raise ValueError("all_gather_tensors_with_shapes: tensor must be a tensor with at least one dimension")
    if len(shapes) != size or any(len(s) != tensor.dim() for s in shapes):
        raise ValueError(
            f"all_gather_tensors_with_shapes: shapes must hold {size} shape(s) of {tensor.dim()} dimension(s), "
            f"one per participating process; got {[list(s) for s in shapes]}"
        )
    max_shape = torch.tensor([list(s) for s in shapes]).amax(dim=0)
    padding = (max_shape - torch.tensor(tensor.shape)).tolist()
    if min(padding) < 0:
        raise ValueError(f"all_gather_tensors_with_shapes: tensor of shape {list(tensor.shape)} is larger than shapes")
    pad_spec = [p for pad in reversed(padding) for p in (0, pad)]  # F.pad lists the last dim first
    gathered = all_gather(torch.nn.functional.pad(tensor, pad_spec), group=group)
    rows = int(max_shape[0])
    return [
        gathered[(slice(i * rows, i * rows + shape[0]),) + tuple(slice(0, n) for n in shape[1:])]
        for i, shape in enumerate(shapes)
    ]


def broadcast(
    tensor: torch.Tensor | float | str | Path | None, src: int = 0, safe_mode: bool = False
) -> torch.Tensor | float | str | Path:
    """Send a tensor, number, str or ``pathlib.Path`` from rank ``src`` to every process.

    Without ``safe_mode`` every rank passes a value of the same kind (for a tensor: same
    shape and dtype, used as the receive buffer). With ``safe_mode=True`` the other ranks
    may pass None (or anything): ``src`` first tells them what it sends. A number comes
    back as a float. Serial: returns the input (None is an error).

    Example:
        >>> broadcast("config.yaml", src=0)
        'config.yaml'
        >>> broadcast(None)
        Traceback (most recent call last):
        ...
        ValueError: Argument tensor should not be None
    """
    if not (tensor is None or isinstance(tensor, (torch.Tensor, Number, str, Path))):
        raise TypeError(f"broadcast: unhandled input type {type(tensor)}, expected a tensor, number, str or Path")
    if isinstance(src, bool) or not isinstance(src, int):
        raise TypeError(f"broadcast: src must be an int rank, got {src!r}")
    if not _is_distributed():
        if tensor is None:
            raise ValueError("Argument tensor should not be None")
        return tensor

    rank = dist.get_rank()
    if not 0 <= src < dist.get_world_size():
        raise ValueError(f"broadcast: src={src} is not a rank of this world of size {dist.get_world_size()}")
    if tensor is None:
        if rank == src:
            raise ValueError("Source data can not be None")
        if not safe_mode:
            raise ValueError("Argument safe_mode should be True if None is passed for non src rank")

    if safe_mode:
        # The source describes what it sends so that the other ranks need no placeholder.
        kind: list[Any] = [_describe(tensor) if rank == src else None]
        dist.broadcast_object_list(kind, src=src)
        if rank != src:
            is_tensor, shape, dtype = kind[0]
            tensor = torch.empty(shape, dtype=dtype, device=device()) if is_tensor else None

    if isinstance(tensor, torch.Tensor):
        t = tensor.to(device())
        dist.broadcast(t, src=src)
        return t.to(tensor.device)

    box = [tensor if rank == src else None]
    dist.broadcast_object_list(box, src=src)
    value = box[0]
    if isinstance(value, Number):
        return float(value)
    return cast("torch.Tensor | float | str | Path", value)


def _describe(x: Any) -> tuple[bool, tuple[int, ...], torch.dtype | None]:
    """(is a tensor, shape, dtype): what a receiving rank needs to allocate the buffer."""
    if isinstance(x, torch.Tensor):
        return True, tuple(x.shape), x.dtype
    return False, (), None


def barrier() -> None:
    """Wait until every process reaches this point (no-op if serial).

    Example:
        >>> barrier()
    """
    if _is_distributed():
        dist.barrier()


def new_group(ranks: list[int], **kwargs: Any) -> Any:
    """Make a process group of ``ranks`` (every process must call it). Serial: returns ``ranks``.

    ``kwargs`` go to ``torch.distributed.new_group`` (``backend``, ``pg_options``, ...).

    Example:
        >>> new_group([0])
        [0]
        >>> new_group("0")
        Traceback (most recent call last):
        ...
        ValueError: Argument ranks should be list of int
    """
    if not (isinstance(ranks, list) and all(isinstance(r, int) for r in ranks)):
        raise ValueError("Argument ranks should be list of int")
    if not _is_distributed():
        return ranks
    return dist.new_group(ranks=ranks, **kwargs)


# ---------------------------------------------------------------------------- rank helpers


def one_rank_only(rank: int = 0, with_barrier: bool = False) -> Callable:
    """Decorator: run the function on process ``rank`` only (None elsewhere).

    With ``with_barrier=True`` every process then waits at a barrier.

    Example:
        >>> @one_rank_only()
        ... def log(msg: str) -> str:
        ...     return msg
        >>> log("only on rank 0")
        'only on rank 0'
    """
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 0:
        raise ValueError(f"one_rank_only: rank must be a non-negative int, got {rank!r}")

    def decorator(func: Callable) -> Callable:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = func(*args, **kwargs) if get_rank() == rank else None
            if with_barrier:
                barrier()
            return result

        return wrapper

    return decorator


@contextmanager
def one_rank_first(rank: int = 0, local: bool = False) -> Iterator[None]:
    """Context manager: process ``rank`` runs the block first, the others after it.

    Typical use: one process downloads a dataset, the others then read it. With
    ``local=True``, ``rank`` is a local rank and the ordering is per node.

    Example:
        >>> with one_rank_first():
        ...     data = [1, 2, 3]  # e.g. download on rank 0 first
    """
    current = get_local_rank() if local else get_rank()
    size = get_nproc_per_node() if local else get_world_size()
    if not 0 <= rank < size:
        raise ValueError(f"rank should be between 0 and {size - 1}, but given {rank}")
    if current != rank:
        barrier()
    yield
    if current == rank:
        barrier()


# ---------------------------------------------------------------------------- process groups


def _check_backend(backend: str) -> None:
    if backend in (XLA_TPU, HOROVOD):
        instead = {
            XLA_TPU: "for TPUs use Lightning's XLA support: Engine(..., trainer_kwargs={'accelerator': 'tpu'})",
            HOROVOD: "use Lightning's DDP instead: Engine(..., trainer_kwargs={'strategy': 'ddp', 'devices': N})",
        }[backend]
        raise ValueError(
            f"Backend '{backend}' is not supported by bridge, which drives native torch.distributed only "
            f"(available backends: {available_backends()}); {instead}."
        )
    if backend not in available_backends():
        raise ValueError(f"Backend should be one of '{available_backends()}', got '{backend}'")


def initialize(
    backend: str,
    timeout: timedelta | None = None,
    init_method: str | None = None,
    world_size: int | None = None,
    rank: int | None = None,
) -> None:
    """Create the default process group for ``backend`` (``"gloo"``, ``"nccl"``, ``"mpi"``).

    Without ``init_method`` the group is read from the environment (``env://``): ``RANK``,
    ``WORLD_SIZE`` and ``LOCAL_RANK`` (all or none; default a world of one), ``MASTER_ADDR``
    (default ``127.0.0.1``) and ``MASTER_PORT`` (default ``15000``), as set by torchrun.
    With ``init_method`` (e.g. ``"file:///tmp/pg"``), pass ``rank`` and ``world_size`` too.
    :func:`finalize` destroys the group and restores the environment.

    Example:
        >>> initialize("gloo")  # doctest: +SKIP
        >>> get_world_size(), backend()  # doctest: +SKIP
        (1, 'gloo')
        >>> finalize()  # doctest: +SKIP
    """
    global _env_backup
    _check_backend(backend)
    if _is_distributed():
        raise RuntimeError("Can not create new distributed process group if default one is already initialized")
    if init_method is not None and init_method.startswith("tcp://"):
        raise ValueError(
            f"TCP initialization via init_method='{init_method}' will hang. Set MASTER_ADDR and MASTER_PORT "
            "in the environment and use 'env://' (or omit init_method)."
        )
    if init_method is None and (world_size is not None or rank is not None):
        raise ValueError("Arguments rank and world_size should be None if no init_method is provided")
    if (rank is None) != (world_size is None):
        raise ValueError(f"Both rank and world_size should be provided, but given {rank} and {world_size}")
    if backend == native.NCCL and not torch.cuda.is_available():
        raise RuntimeError("Nccl backend is required but no cuda capable devices")

    required = ["RANK", "LOCAL_RANK", "WORLD_SIZE"]
    present = [k in os.environ for k in required]
    if any(present) and not all(present):
        raise RuntimeError(f"PyTorch distributed configuration should define env variables '{required}'")

    backup = os.environ.copy()
    os.environ.setdefault("RANK", str(rank if rank is not None else 0))
    os.environ.setdefault("WORLD_SIZE", str(world_size if world_size is not None else 1))
    os.environ.setdefault("LOCAL_RANK", "0")
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "15000")

    kwargs: dict[str, Any] = {}
    if timeout is not None:
        kwargs["timeout"] = timeout
    init_method = init_method or "env://"
    if "env" not in init_method:
        kwargs.update(world_size=int(os.environ["WORLD_SIZE"]), rank=int(os.environ["RANK"]))
    try:
        dist.init_process_group(backend, init_method=init_method, **kwargs)
    except BaseException:
        os.environ.clear()
        os.environ.update(backup)
        raise
    _env_backup = backup

    local_rank = int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
    if backend == native.NCCL:
        dist.barrier(device_ids=[torch.cuda.current_device()])
    else:
        dist.barrier()
    _node_info()  # every rank is here: a safe moment for the topology collective


def finalize() -> None:
    """Destroy the default process group and restore the environment :func:`initialize` changed.

    No-op when serial.

    Example:
        >>> finalize()
        >>> get_world_size()
        1
    """
    global _env_backup, _node_cache
    if _is_distributed():
        dist.destroy_process_group()
    if _env_backup is not None:
        os.environ.clear()
        os.environ.update(_env_backup)
        _env_backup = None
    _node_cache = None


def spawn(
    backend: str,
    fn: Callable,
    args: tuple,
    kwargs_dict: Mapping | None = None,
    nproc_per_node: int = 1,
    nnodes: int = 1,
    node_rank: int = 0,
    master_addr: str | None = None,
    master_port: int | None = None,
    init_method: str | None = None,
    **kwargs: Any,
) -> None:
    """Start ``nproc_per_node`` processes running ``fn(local_rank, *args, **kwargs_dict)`` in a process group.

    Each process calls :func:`initialize` (``env://`` with ``master_addr``, default
    ``MASTER_ADDR`` or ``127.0.0.1``, and ``master_port``, default ``MASTER_PORT`` or 2222),
    runs ``fn`` and then :func:`finalize`. ``fn`` must be importable (module level).
    ``kwargs``: ``join``, ``daemon``, ``start_method`` (default ``"spawn"``) for
    ``torch.multiprocessing.start_processes``, and ``timeout`` for :func:`initialize`.

    Example:
        >>> def train(local_rank: int, lr: float) -> None:
        ...     print(get_rank(), get_world_size(), lr)
        >>> spawn("gloo", train, args=(0.1,), nproc_per_node=2)  # doctest: +SKIP
        0 2 0.1
        1 2 0.1
    """
    import torch.multiprocessing as mp

    _check_backend(backend)
    if nproc_per_node < 1 or nnodes < 1 or not 0 <= node_rank < nnodes:
        raise ValueError(
            f"spawn: need nproc_per_node >= 1, nnodes >= 1 and 0 <= node_rank < nnodes, "
            f"got {nproc_per_node}, {nnodes}, {node_rank}"
        )
    start_kwargs = {
        "join": kwargs.pop("join", True),
        "daemon": kwargs.pop("daemon", False),
        "start_method": kwargs.pop("start_method", "spawn"),
    }
    if init_method in (None, "env://"):
        init_method = "env://"
        master_port = master_port if master_port is not None else int(os.getenv("MASTER_PORT", "2222"))
        master_addr = master_addr if master_addr is not None else os.getenv("MASTER_ADDR", "127.0.0.1")
    elif master_addr is not None or master_port is not None:
        raise ValueError("master_addr and master_port should be None if init_method is provided other than 'env://'")

    mp.start_processes(
        _spawned_worker,
        nprocs=nproc_per_node,
        args=(backend, fn, args, dict(kwargs_dict or {}), nnodes * nproc_per_node, nproc_per_node, node_rank,
              master_addr, master_port, init_method, kwargs),
        **start_kwargs,
    )


def _spawned_worker(
    local_rank: int,
    backend: str,
    fn: Callable,
    args: tuple,
    kwargs_dict: dict,
    world_size: int,
    nproc_per_node: int,
    node_rank: int,
    master_addr: str | None,
    master_port: int | None,
    init_method: str,
    init_kwargs: dict,
) -> None:
    env = os.environ.copy()
    rank = node_rank * nproc_per_node + local_rank
    os.environ.update(LOCAL_RANK=str(local_rank), RANK=str(rank), WORLD_SIZE=str(world_size))
    if init_method == "env://":
        os.environ.update(MASTER_ADDR=str(master_addr), MASTER_PORT=str(master_port))
        initialize(backend, **init_kwargs)
    else:
        initialize(backend, init_method=init_method, rank=rank, world_size=world_size, **init_kwargs)
    try:
        fn(local_rank, *args, **kwargs_dict)
    finally:
        finalize()
        os.environ.clear()
        os.environ.update(env)

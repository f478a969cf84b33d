"""``Parallel``: Ignite's launcher context manager (``ignite.distributed.launcher``).

Example:
    >>> from bridge.distributed import Parallel, get_world_size
    >>> def training(local_rank: int, config: dict) -> None:
    ...     print(local_rank, get_world_size(), config)
    >>> with Parallel(backend=None) as parallel:   # serial: runs in this process
    ...     parallel.run(training, {"lr": 0.1})
    0 1 {'lr': 0.1}
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bridge.distributed import utils as idist
from bridge.utils import setup_logger

__all__ = ["Parallel"]


class Parallel:
    """Run a training function serially, in an existing process group, or in spawned processes.

    - ``backend=None``: serial, ``run`` calls ``func(0, ...)`` here.
    - ``backend`` without ``nproc_per_node`` (e.g. under torchrun): entering initializes
      the process group from the environment, leaving finalizes it.
    - ``backend`` with ``nproc_per_node``: ``run`` spawns that many processes per node
      (``nnodes``, ``node_rank``, ``master_addr``, ``master_port`` or ``init_method`` for
      several nodes; ``spawn_kwargs`` go to :func:`~bridge.distributed.spawn`).

    Only native ``torch.distributed`` backends (``gloo``, ``nccl``, ``mpi``) are supported.

    Example:
        >>> def training(local_rank: int, config: dict) -> None:
        ...     print(get_rank(), config)
        >>> with Parallel(backend="gloo", nproc_per_node=2) as parallel:  # doctest: +SKIP
        ...     parallel.run(training, {"lr": 0.1})
    """

    def __init__(
        self,
        backend: str | None = None,
        nproc_per_node: int | None = None,
        nnodes: int | None = None,
        node_rank: int | None = None,
        master_addr: str | None = None,
        master_port: int | None = None,
        init_method: str | None = None,
        **spawn_kwargs: Any,
    ) -> None:
        if backend is not None:
            idist._check_backend(backend)
        else:
            given = dict(
                nproc_per_node=nproc_per_node,
                nnodes=nnodes,
                node_rank=node_rank,
                master_addr=master_addr,
                master_port=master_port,
            )
            for name, value in given.items():
                if value is not None:
                    raise ValueError(f"If backend is None, argument '{name}' should be also None, but given {value}")
        if init_method is not None and init_method.startswith("tcp://"):
            raise ValueError(
                f"TCP initialization via init_method='{init_method}' will hang. Set MASTER_ADDR and MASTER_PORT "
                "in the environment and use 'env://' (or omit init_method)."
            )

        self.backend = backend
        self.init_method = init_method
        self._spawn_params: dict[str, Any] | None = None
        if backend is not None and nproc_per_node is not None:
            self._spawn_params = self._setup_spawn_params(
                nproc_per_node, nnodes, node_rank, master_addr, master_port, init_method, **spawn_kwargs
            )
        self._logger: logging.Logger | None = None  # set up on __enter__, once the group exists

    @staticmethod
    def _setup_spawn_params(
        nproc_per_node: int,
        nnodes: int | None = None,
        node_rank: int | None = None,
        master_addr: str | None = None,
        master_port: int | None = None,
        init_method: str | None = None,
        **spawn_kwargs: Any,
    ) -> dict[str, Any]:
        if nproc_per_node < 1:
            raise ValueError(f"Argument nproc_per_node should positive, but given {nproc_per_node}")
        nnodes = 1 if nnodes is None else nnodes
        if nnodes < 1:
            raise ValueError(f"Argument nnodes should positive, but given {nnodes}")
        if node_rank is None:
            if nnodes > 1:
                raise ValueError("If number of nodes larger than one, arguments node_rank should be given")
            node_rank = 0
        if not 0 <= node_rank < nnodes:
            raise ValueError(f"Argument node_rank should be between 0 and {nnodes - 1}, but given {node_rank}")
        if nnodes > 1 and (master_addr is None or master_port is None) and init_method is None:
            raise ValueError(
                "If number of nodes larger than one, arguments master_addr and master_port or init_method "
                f"should be specified, but given master_addr={master_addr}, master_port={master_port} and "
                f"init_method={init_method}."
            )
        params = dict(
            nproc_per_node=nproc_per_node,
            nnodes=nnodes,
            node_rank=node_rank,
            master_addr=master_addr,
            master_port=master_port,
            init_method=init_method,
            **spawn_kwargs,
        )
        return {k: v for k, v in params.items() if v is not None}

    def run(self, func: Callable, *args: Any, **kwargs: Any) -> None:
        """Call ``func(local_rank, *args, **kwargs)`` in each process of the configuration.

        Example:
            >>> with Parallel() as parallel:
            ...     parallel.run(print, "hello")
            0 hello
        """
        if self._logger is None:
            raise RuntimeError("Parallel.run must be called inside a 'with Parallel(...) as parallel:' block")
        if self._spawn_params is not None and self.backend is not None:
            self._logger.info(f"Spawn function '{func}' in {self._spawn_params['nproc_per_node']} processes")
            idist.spawn(self.backend, func, args=args, kwargs_dict=kwargs, **self._spawn_params)
        else:
            self._logger.info(f"- Run '{func}' in {idist.get_world_size()} processes")
            func(idist.get_local_rank(), *args, **kwargs)
        self._logger.info("End of run")

    def __enter__(self) -> Parallel:
        if self.backend is not None and self._spawn_params is None:
            idist.initialize(self.backend, init_method=self.init_method)
        self._logger = setup_logger(__name__ + "." + type(self).__name__)
        if self.backend is not None:
            if self._spawn_params is None:
                self._logger.info(f"Initialized processing group with backend: '{self.backend}'")
            else:
                self._logger.info(f"Initialized distributed launcher with backend: '{self.backend}'")
                params = "\n\t".join(f"{k}: {v}" for k, v in self._spawn_params.items())
                self._logger.info(f"- Parameters to spawn processes: \n\t{params}")
        return self

    def __exit__(self, *args: Any) -> None:
        if self.backend is not None and self._spawn_params is None:
            assert self._logger is not None
            self._logger.info(f"Finalized processing group with backend: '{self.backend}'")
            idist.finalize()

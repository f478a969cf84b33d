"""bridge.distributed: serial behaviour against ignite.distributed, a real 2-process gloo run,
an in-process world of one, and the error messages.

The 2-process test spawns through ``bridge.distributed.Parallel`` (hence ``spawn`` and
``initialize``/``finalize``) and, inside the workers, runs the same collectives through
``ignite.distributed`` on the same process group for a differential check.
"""

from __future__ import annotations

import doctest
import io
import os
import pickle
import socket
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, RandomSampler, TensorDataset

import bridge.distributed as bdist
import bridge.distributed.auto
import bridge.distributed.launcher
import bridge.distributed.utils
from bridge.utils import setup_logger

with warnings.catch_warnings():  # importing ignite trips torch.jit deprecation warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.distributed as idist


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, torch.Tensor):
        return isinstance(theirs, torch.Tensor) and ours.dtype == theirs.dtype and torch.equal(ours, theirs)
    return type(ours) is type(theirs) and ours == theirs


# ------------------------------------------------------------------------- serial (no process group)

QUERIES = [
    "get_rank", "get_world_size", "get_local_rank", "get_nproc_per_node", "get_nnodes", "get_node_rank",
    "device", "backend", "model_name", "hostname", "available_backends",
]  # fmt: skip


@pytest.mark.parametrize("name", QUERIES)
def test_serial_queries_match_ignite(name: str) -> None:
    assert getattr(bdist, name)() == getattr(idist, name)()


def test_support_flags_match_ignite() -> None:
    assert bdist.has_native_dist_support == idist.has_native_dist_support
    assert bdist.has_xla_support is False and bdist.has_hvd_support is False
    assert bdist.has_xla_support == idist.has_xla_support  # torch_xla is not installed here


def test_public_names_cover_ignite() -> None:
    assert set(idist.utils.__all__) - set(dir(bdist)) == {"registered_computation_models"}
    for name in ("auto_model", "auto_optim", "auto_dataloader", "DistributedProxySampler", "Parallel", "native", "xla"):
        assert hasattr(bdist, name)


SERIAL_VALUES = [torch.tensor([1.0, 2.0]), torch.tensor(3), 5, 2.5, "text", Path("/tmp/x")]


@pytest.mark.parametrize("op", ["SUM", "PRODUCT", "MIN", "MAX", "AND", "OR"])
@pytest.mark.parametrize("value", [torch.tensor([1, 2]), 7, 1.5])
def test_serial_all_reduce_returns_input_like_ignite(value: Any, op: str) -> None:
    assert same(bdist.all_reduce(value, op=op), idist.all_reduce(value, op=op))


@pytest.mark.parametrize("value", SERIAL_VALUES + [{"k": [1, 2]}])
def test_serial_all_gather_matches_ignite(value: Any) -> None:
    ours, theirs = bdist.all_gather(value), idist.all_gather(value)
    assert type(ours) is type(theirs)
    if isinstance(ours, torch.Tensor):
        assert same(ours, theirs)
    else:
        assert ours == theirs == [value]


@pytest.mark.parametrize("value", SERIAL_VALUES)
def test_serial_broadcast_matches_ignite(value: Any) -> None:
    assert same(bdist.broadcast(value, src=0), idist.broadcast(value, src=0))
    assert same(bdist.broadcast(value, safe_mode=True), idist.broadcast(value, safe_mode=True))


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence:UserWarning")  # inside ignite's own code
def test_serial_misc_collectives_match_ignite() -> None:
    t = torch.arange(6.0).reshape(2, 3)
    ours = bdist.all_gather_tensors_with_shapes(t, [[2, 3]])
    theirs = idist.all_gather_tensors_with_shapes(t, [[2, 3]])
    assert len(ours) == len(theirs) == 1 and same(ours[0], theirs[0])
    assert bdist.new_group([0]) == idist.new_group([0]) == [0]
    assert bdist.barrier() is None


def test_one_rank_only_and_one_rank_first_in_serial() -> None:
    calls: list[str] = []

    @bdist.one_rank_only()
    def on_zero() -> str:
        calls.append("zero")
        return "ran"

    @bdist.one_rank_only(rank=1, with_barrier=True)
    def on_one() -> str:
        calls.append("one")
        return "ran"

    assert on_zero() == "ran" and on_one() is None
    assert calls == ["zero"]
    with bdist.one_rank_first():
        calls.append("first")
    assert calls == ["zero", "first"]


def test_serial_parallel_runs_in_process() -> None:
    seen: list[Any] = []
    with bdist.Parallel(backend=None) as parallel:
        parallel.run(lambda local_rank, a, b=0: seen.append((local_rank, a, b)), "x", b=2)
    assert seen == [(0, "x", 2)]


def test_show_config_logs_the_configuration() -> None:
    stream = io.StringIO()
    setup_logger("bridge.distributed.utils", stream=stream, format="%(message)s", reset=True)
    bdist.show_config()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "distributed configuration: serial"
    assert "world size: 1" in lines and "node rank: 0" in lines and len(lines) == 10


# ------------------------------------------------------------------------- auto_* (serial)


def test_serial_auto_model_and_optim_match_ignite() -> None:
    model = torch.nn.Linear(2, 1)
    assert bdist.auto_model(model) is model
    assert type(idist.auto_model(model)) is type(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    assert bdist.auto_optim(opt) is opt is idist.auto_optim(opt)


@pytest.mark.parametrize("kwargs", [dict(batch_size=4), dict(batch_size=3, shuffle=True, num_workers=0)])
def test_serial_auto_dataloader_matches_ignite(kwargs: dict) -> None:
    data = TensorDataset(torch.arange(10.0))
    ours, theirs = bdist.auto_dataloader(data, **kwargs), idist.auto_dataloader(data, **kwargs)
    assert isinstance(ours, DataLoader)
    assert (ours.batch_size, ours.pin_memory, type(ours.sampler)) == (
        theirs.batch_size,
        theirs.pin_memory,
        type(theirs.sampler),
    )


@pytest.mark.parametrize("num_replicas, rank, n", [(2, 0, 5), (2, 1, 5), (3, 2, 10), (4, 3, 3)])
def test_distributed_proxy_sampler_matches_ignite(num_replicas: int, rank: int, n: int) -> None:
    for epoch in (0, 1):
        ours = bdist.DistributedProxySampler(RandomSampler(range(n)), num_replicas=num_replicas, rank=rank)
        theirs = idist.DistributedProxySampler(RandomSampler(range(n)), num_replicas=num_replicas, rank=rank)
        ours.set_epoch(epoch)
        theirs.set_epoch(epoch)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: bdist.all_reduce("x"), TypeError, "unhandled input type"),
        (lambda: bdist.all_reduce(1, op="MEAN"), ValueError, "Unsupported reduction operation: 'MEAN'"),
        (lambda: bdist.all_reduce(1, group="world"), ValueError, "group should be list of int or ProcessGroup"),
        (lambda: bdist.broadcast(None), ValueError, "should not be None"),
        (lambda: bdist.broadcast([1, 2]), TypeError, "unhandled input type"),
        (lambda: bdist.broadcast(1, src="0"), TypeError, "src must be an int"),
        (lambda: bdist.new_group("0"), ValueError, "ranks should be list of int"),
        (lambda: bdist.all_gather_tensors_with_shapes(torch.ones(2), [[2], [2]]), ValueError, "must hold 1 shape"),
        (lambda: bdist.all_gather_tensors_with_shapes(torch.ones(3), [[2]]), ValueError, "larger than shapes"),
        (lambda: bdist.all_gather_tensors_with_shapes(torch.tensor(1.0), [[]]), ValueError, "at least one dim"),
        (lambda: bdist.one_rank_only(rank=-1), ValueError, "non-negative int"),
        (lambda: bdist.set_local_rank(-1), ValueError, "non-negative int"),
        (lambda: bdist.one_rank_first(rank=1).__enter__(), ValueError, "rank should be between 0 and 0"),
        (lambda: bdist.initialize("xla-tpu"), ValueError, "'xla-tpu' is not supported by bridge.*trainer_kwargs={'accelerator': 'tpu'}"),
        (lambda: bdist.initialize("horovod"), ValueError, "'horovod' is not supported by bridge.*'strategy': 'ddp'"),
        (lambda: bdist.initialize("smoke-signals"), ValueError, "Backend should be one of"),
        (lambda: bdist.initialize("gloo", rank=0), ValueError, "should be None if no init_method"),
        (lambda: bdist.initialize("gloo", init_method="file:///tmp/x", rank=0), ValueError, "Both rank and world_size"),
        (lambda: bdist.initialize("gloo", init_method="tcp://1.2.3.4:5"), ValueError, "will hang"),
        (lambda: bdist.spawn("gloo", print, (), nproc_per_node=0), ValueError, "nproc_per_node >= 1"),
        (lambda: bdist.spawn("gloo", print, (), init_method="file:///x", master_port=1), ValueError, "should be None"),
        (lambda: bdist.Parallel(backend=None, nproc_per_node=2), ValueError, "'nproc_per_node' should be also None"),
        (lambda: bdist.Parallel(backend="xla-tpu"), ValueError, "not supported by bridge"),
        (lambda: bdist.Parallel(backend="gloo", nproc_per_node=0), ValueError, "nproc_per_node should positive"),
        (lambda: bdist.Parallel(backend="gloo", nproc_per_node=2, nnodes=2), ValueError, "node_rank should be given"),
        (lambda: bdist.Parallel().run(print), RuntimeError, "inside a 'with Parallel"),
        (lambda: bdist.DistributedProxySampler([0, 1], num_replicas=2, rank=0), TypeError, "torch Sampler"),
    ],
)
def test_bad_input_gets_a_clear_error(call: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_initialize_rejects_a_partial_torchrun_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "0")
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    with pytest.raises(RuntimeError, match="should define env variables"):
        bdist.initialize("gloo")
    assert not dist.is_initialized()


# ------------------------------------------------------------------------- a world of one, in process


def test_initialize_finalize_in_process_matches_ignite(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MASTER_PORT", str(free_port()))
    env_before = dict(os.environ)

    bdist.initialize("gloo")
    try:
        idist.sync()  # ignite reads the process group bridge created
        assert (bdist.model_name(), bdist.backend()) == ("native-dist", "gloo")
        for name in QUERIES:
            assert getattr(bdist, name)() == getattr(idist, name)(), name
        assert same(bdist.all_gather(torch.tensor(2.0)), idist.all_gather(torch.tensor(2.0)))  # 0-d -> (1,)
        assert same(bdist.all_gather(3), idist.all_gather(3))
        assert same(bdist.all_gather(2.5), idist.all_gather(2.5))
        assert bdist.all_gather("abc") == idist.all_gather("abc") == ["abc"]
        assert same(bdist.all_reduce(4, op="MAX"), idist.all_reduce(4, op="MAX"))
        assert same(bdist.broadcast("s"), idist.broadcast("s"))
        assert same(bdist.broadcast(2.5), idist.broadcast(2.5))  # a number comes back as a float
        assert same(bdist.broadcast(torch.ones(2), safe_mode=True), idist.broadcast(torch.ones(2), safe_mode=True))
        with pytest.raises(ValueError, match="src=1 is not a rank"):
            bdist.broadcast(1, src=1)
        with pytest.raises(RuntimeError, match="already initialized"):
            bdist.initialize("gloo")
    finally:
        bdist.finalize()
        idist.sync()
    assert not dist.is_initialized() and bdist.model_name() == "serial"
    assert dict(os.environ) == env_before  # finalize restored what initialize set


def test_user_created_group_uses_set_local_rank_or_hostnames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.delenv("SLURM_JOB_ID", raising=False)
    monkeypatch.setattr(bridge.distributed.utils, "_ext_local_rank", None)

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{free_port()}", rank=0, world_size=1)
    try:
        with pytest.warns(UserWarning, match="heuristic approach based on the hostnames"):
            assert bdist.get_local_rank() == 0
        assert (bdist.get_nproc_per_node(), bdist.get_nnodes(), bdist.get_node_rank()) == (1, 1, 0)
        bdist.set_local_rank(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert bdist.get_local_rank() == 0
    finally:
        dist.destroy_process_group()
        bdist.sync()


# ------------------------------------------------------------------------- two processes over gloo


def _two_process_worker(local_rank: int, out_dir: str) -> None:
    """Runs in each spawned process; writes what it observed to out_dir/rank<r>.pkl."""
    r = bdist.get_rank()
    res: dict[str, Any] = {}
    res["topology"] = (
        bdist.get_world_size(), local_rank, bdist.get_local_rank(), bdist.get_nproc_per_node(),
        bdist.get_nnodes(), bdist.get_node_rank(), bdist.backend(), bdist.model_name(),
    )  # fmt: skip

    # Ours only: values and edge cases.
    res["sum_tensor"] = bdist.all_reduce(torch.tensor([r + 1.0, 10.0])).tolist()
    res["ops_int"] = {op: bdist.all_reduce(r + 2, op=op) for op in ("SUM", "PRODUCT", "MIN", "MAX")}
    res["ops_bits"] = {op: bdist.all_reduce(torch.tensor([r, 1]), op=op).tolist() for op in ("AND", "OR")}
    res["max_float"] = bdist.all_reduce(0.25 * (r + 1), op="MAX")
    res["gather_tensor"] = bdist.all_gather(torch.tensor([[r, r]])).tolist()
    res["gather_scalar"] = bdist.all_gather(torch.tensor(r * 1.5)).tolist()
    res["gather_numbers"] = bdist.all_gather(r + 0.5)
    res["gather_strings"] = bdist.all_gather("ab" * (r + 1))
    res["gather_objects"] = bdist.all_gather({"rank": r})
    res["gather_group"] = bdist.all_gather(torch.tensor([r]), group=[0, 1]).tolist()
    res["broadcast_tensor"] = bdist.broadcast(torch.tensor([7.0, 8.0]) if r == 1 else torch.zeros(2), src=1).tolist()
    res["broadcast_number"] = bdist.broadcast(0.1 if r == 0 else 0.0)
    res["broadcast_str"] = bdist.broadcast("hello" if r == 0 else "")
    res["safe_tensor"] = bdist.broadcast(torch.arange(3) if r == 0 else None, safe_mode=True)
    res["safe_number"] = bdist.broadcast(3 if r == 1 else None, src=1, safe_mode=True)
    res["safe_path"] = bdist.broadcast(Path("/data/ckpt") if r == 0 else None, safe_mode=True)
    res["shapes"] = [
        t.tolist() for t in bdist.all_gather_tensors_with_shapes(torch.full((r + 1, 2 - r), r), [[1, 2], [2, 1]])
    ]
    res["one_rank_only"] = bdist.one_rank_only(rank=1, with_barrier=True)(lambda: f"ran on {r}")()
    with bdist.one_rank_first():
        res["one_rank_first"] = "done"
    try:
        bdist.broadcast(None, src=0, safe_mode=False)
    except ValueError as e:
        res["none_error"] = str(e)
    loader = bdist.auto_dataloader(TensorDataset(torch.arange(8)), batch_size=4, shuffle=False)
    res["loader"] = (loader.batch_size, type(loader.sampler).__name__, [b[0].tolist() for b in loader])
    res["auto_model"] = type(bdist.auto_model(torch.nn.Linear(2, 1))).__name__

    # Differential: the same calls through ignite.distributed on the same process group.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ignite.distributed as ig

    vs_ignite: dict[str, tuple[Any, Any]] = {}

    def _pair(key: str, ours: Any, theirs: Any) -> None:
        vs_ignite[key] = (ours, theirs)

    for op in ("SUM", "PRODUCT", "MIN", "MAX"):
        _pair(f"reduce_{op}", bdist.all_reduce(torch.tensor([r + 1.0])), ig.all_reduce(torch.tensor([r + 1.0])))
    _pair("reduce_int", bdist.all_reduce(r + 3), ig.all_reduce(r + 3))
    _pair("reduce_float", bdist.all_reduce(r + 0.5), ig.all_reduce(r + 0.5))
    _pair("gather_tensor", bdist.all_gather(torch.tensor([r, 2 * r])), ig.all_gather(torch.tensor([r, 2 * r])))
    _pair("gather_scalar", bdist.all_gather(torch.tensor(r)), ig.all_gather(torch.tensor(r)))
    _pair("gather_int", bdist.all_gather(r), ig.all_gather(r))
    _pair("gather_str", bdist.all_gather(f"r{r}" * (r + 1)), ig.all_gather(f"r{r}" * (r + 1)))
    _pair("gather_obj", bdist.all_gather(("x", r)), ig.all_gather(("x", r)))
    _pair("bcast_tensor", bdist.broadcast(torch.full((2,), r + 1.0)), ig.broadcast(torch.full((2,), r + 1.0)))
    _pair("bcast_str", bdist.broadcast(f"from{r}", src=1), ig.broadcast(f"from{r}", src=1))
    _pair("bcast_float", bdist.broadcast(2.5 if r == 0 else 0.0), ig.broadcast(2.5 if r == 0 else 0.0))
    safe = torch.ones(2, 3, dtype=torch.int32) if r == 0 else None
    _pair("bcast_safe", bdist.broadcast(safe, safe_mode=True), ig.broadcast(safe, safe_mode=True))
    _pair("bcast_path", bdist.broadcast(Path(f"/p{r}"), safe_mode=True), ig.broadcast(Path(f"/p{r}"), safe_mode=True))
    for name in ("get_local_rank", "get_nproc_per_node", "get_nnodes", "get_node_rank", "backend", "model_name"):
        _pair(name, getattr(bdist, name)(), getattr(ig, name)())
    res["vs_ignite"] = vs_ignite

    Path(out_dir, f"rank{r}.pkl").write_bytes(pickle.dumps(res))


@pytest.fixture(scope="module")
def two_process_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out_dir = tmp_path_factory.mktemp("two_procs")
    with bdist.Parallel(backend="gloo", nproc_per_node=2, master_port=free_port()) as parallel:
        parallel.run(_two_process_worker, str(out_dir))
    return [pickle.loads((out_dir / f"rank{r}.pkl").read_bytes()) for r in range(2)]


@pytest.mark.parametrize("rank", [0, 1])
def test_two_processes_collectives(two_process_results: list[dict[str, Any]], rank: int) -> None:
    res = two_process_results[rank]
    assert res["topology"] == (2, rank, rank, 2, 1, 0, "gloo", "native-dist")
    assert res["sum_tensor"] == [3.0, 20.0]
    assert res["ops_int"] == {"SUM": 5, "PRODUCT": 6, "MIN": 2, "MAX": 3}
    assert res["ops_bits"] == {"AND": [0, 1], "OR": [1, 1]}
    assert res["max_float"] == 0.5
    assert res["gather_tensor"] == [[0, 0], [1, 1]]
    assert res["gather_scalar"] == [0.0, 1.5]
    assert res["gather_numbers"] == [0.5, 1.5]
    assert res["gather_strings"] == ["ab", "abab"]
    assert res["gather_objects"] == [{"rank": 0}, {"rank": 1}]
    assert res["gather_group"] == [0, 1]
    assert res["broadcast_tensor"] == [7.0, 8.0]
    assert res["broadcast_number"] == 0.1  # exact: numbers travel as float64
    assert res["broadcast_str"] == "hello"
    assert same(res["safe_tensor"], torch.arange(3))
    assert res["safe_number"] == 3.0 and isinstance(res["safe_number"], float)
    assert res["safe_path"] == Path("/data/ckpt")
    assert res["shapes"] == [[[0, 0]], [[1], [1]]]
    assert res["one_rank_only"] == (f"ran on {rank}" if rank == 1 else None)
    assert res["one_rank_first"] == "done"
    if rank == 0:
        assert res["none_error"] == "Source data can not be None"
    else:
        assert res["none_error"] == "Argument safe_mode should be True if None is passed for non src rank"
    assert res["loader"] == (2, "DistributedSampler", [[rank, rank + 2], [rank + 4, rank + 6]])
    assert res["auto_model"] == "DistributedDataParallel"


@pytest.mark.parametrize("rank", [0, 1])
def test_two_processes_match_ignite(two_process_results: list[dict[str, Any]], rank: int) -> None:
    pairs = two_process_results[rank]["vs_ignite"]
    assert len(pairs) == 22
    for key, (ours, theirs) in pairs.items():
        assert same(ours, theirs), (key, ours, theirs)


# ------------------------------------------------------------------------- docstrings


@pytest.mark.parametrize(
    "module",
    [bridge.distributed, bridge.distributed.utils, bridge.distributed.auto, bridge.distributed.launcher],
    ids=lambda m: m.__name__,
)
def test_docstring_examples_run(module: Any) -> None:
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0

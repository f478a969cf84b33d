"""Frequency, GpuInfo, MetricGroup, rec_sys, clustering and fairness metrics against pytorch-ignite's:
same batches, same values (or the same error), same engine metrics.

One file past 400 lines: it is the one differential suite of issue 10's "misc" family, sharing its
helpers (``same_results``, ``engine_metrics``, the fake pynvml); each section is one Ignite module."""

from __future__ import annotations

import math
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # the reference package's imports warn about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.contrib.engines.common as icommon
    import ignite.distributed as iidist
    import ignite.handlers.timing as itiming
    import ignite.metrics as im
    import ignite.metrics.clustering as iclustering
    import ignite.metrics.fairness as ifairness
    from ignite.engine import Engine as IEngine
    from ignite.engine import Events as IEvents
    from ignite.exceptions import NotComputableError as INotComputableError

import bridge.contrib.engines.common as bcommon
import bridge.distributed as bidist
import bridge.metrics as bm
import bridge.metrics.clustering as bclustering
import bridge.metrics.fairness as bfairness
import bridge.metrics.frequency as bfrequency
from bridge.engine import Engine, Events
from bridge.exceptions import NotComputableError
from bridge.metrics.frequency import Frequency
from bridge.metrics.gpu_info import GpuInfo
from bridge.metrics.metric_group import MetricGroup
from bridge.metrics.rec_sys import NDCG, HitRate

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- helpers


def assert_same(expected: Any, got: Any, rtol: float = 1e-5) -> None:
    """Ignite's ``expected`` and bridge's ``got`` are equal (allclose, NaN equal NaN), of the same kind."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor), (expected, got)
        assert expected.shape == got.shape, (expected, got)
        torch.testing.assert_close(got.double(), expected.double(), rtol=rtol, atol=1e-6, equal_nan=True)
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and list(expected) == list(got), (expected, got)
        for key in expected:
            assert_same(expected[key], got[key], rtol)
    elif isinstance(expected, (list, tuple)):
        assert type(expected) is type(got) and len(expected) == len(got), (expected, got)
        for e, g in zip(expected, got):
            assert_same(e, g, rtol)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got), (expected, got)
    else:
        assert not isinstance(got, torch.Tensor), (expected, got)
        assert got == pytest.approx(expected, rel=rtol, abs=1e-6), (expected, got)


def _outcome(f: Callable, *args: Any) -> tuple[Any, str | None]:
    try:
        return f(*args), None
    except INotComputableError:
        return None, "NotComputableError"
    except NotComputableError:
        return None, "NotComputableError"
    except Exception as e:  # the type is what we compare
        return None, type(e).__name__


def same_results(ignite_metric: Any, bridge_metric: Any, batches: list, rtol: float = 1e-5) -> Any:
    """Feed ``batches`` to both, update by update: the same errors, then the same ``compute()``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for batch in batches:
            _, ie = _outcome(ignite_metric.update, batch)
            _, be = _outcome(bridge_metric.update, batch)
            assert be == ie, (ie, be)
            if ie is not None:
                return None
        iv, ie = _outcome(ignite_metric.compute)
        bv, be = _outcome(bridge_metric.compute)
    assert be == ie, (ie, be)
    if ie is None:
        assert_same(iv, bv, rtol)
    return bv


def engine_metrics(lib: str, attach: Callable[[Any], None], data: list) -> dict:
    engine = (IEngine if lib == "ignite" else Engine)(lambda e, batch: batch)
    attach(engine)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(engine.run(data).metrics)


def _split(n: int, parts: int, seed: int) -> list[int]:
    """``n`` rows cut into ``parts`` (at most) non-empty batch sizes."""
    g = torch.Generator().manual_seed(seed)
    cuts = sorted(set(torch.randint(1, max(n, 2), (max(parts - 1, 0),), generator=g).tolist()) - {n})
    bounds = [0, *cuts, n]
    return [b - a for a, b in zip(bounds, bounds[1:]) if b > a]


# ---------------------------------------------------------------- Frequency


class _Clock:
    """A clock that the run drives: each epoch starts at 100 * epoch s, each iteration takes 0.25 s."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def epoch_started(self, engine: Any) -> None:
        self.now = 100.0 * engine.state.epoch

    def iteration_started(self, engine: Any) -> None:
        self.now += 0.25


def _frequency_trace(lib: str, monkeypatch: pytest.MonkeyPatch, every: int, outputs: list) -> list:
    clock = _Clock()
    monkeypatch.setattr(itiming if lib == "ignite" else bfrequency, "perf_counter", clock)
    events = IEvents if lib == "ignite" else Events
    engine = (IEngine if lib == "ignite" else Engine)(lambda e, batch: batch)
    engine.add_event_handler(events.EPOCH_STARTED, clock.epoch_started)
    engine.add_event_handler(events.ITERATION_STARTED, clock.iteration_started)
    metric = (im.Frequency if lib == "ignite" else Frequency)(output_transform=lambda out: out["n"])
    metric.attach(engine, "rate", event_name=events.ITERATION_COMPLETED(every=every))
    trace: list = []
    engine.add_event_handler(
        events.ITERATION_COMPLETED, lambda e: trace.append((e.state.iteration, e.state.metrics.get("rate")))
    )
    engine.run(outputs, max_epochs=2)
    return trace


@settings(max_examples=6, deadline=None)
@given(
    counts=st.lists(st.integers(1, 500), min_size=1, max_size=6),
    every=st.integers(1, 3),
    as_tensor=st.booleans(),
)
def test_frequency_writes_ignite_rates(counts: list[int], every: int, as_tensor: bool) -> None:
    outputs = [{"n": torch.tensor(c) if as_tensor else c} for c in counts]
    with pytest.MonkeyPatch.context() as mp:
        expected = _frequency_trace("ignite", mp, every, outputs)
    with pytest.MonkeyPatch.context() as mp:
        got = _frequency_trace("bridge", mp, every, outputs)
    assert got == expected
    # the rate restarts each epoch: items of the epoch so far / 0.25 s per iteration
    if len(counts) >= every:
        first = next(rate for it, rate in got if it == every)
        assert first == int(sum(counts[:every]) / (0.25 * every))


def test_frequency_compute_sums_ranks_as_ignite(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {}
    for lib, idist, module in (("ignite", iidist, itiming), ("bridge", bidist, bfrequency)):
        # two ranks that did the same: all_reduce doubles, the world has 2 processes
        monkeypatch.setattr(idist, "get_world_size", lambda: 2)
        monkeypatch.setattr(idist, "all_reduce", lambda t, op="SUM", group=None: t * 2)
        clock = _Clock()
        monkeypatch.setattr(module, "perf_counter", clock)
        metric = (im.Frequency if lib == "ignite" else Frequency)()
        clock.now = 2.0
        metric.update(30)
        values[lib] = metric.compute()
    assert values["bridge"] == values["ignite"] == 30 / 2.0 * 2


def test_frequency_before_any_update_divides_by_zero_as_ignite() -> None:
    for metric in (im.Frequency(), Frequency()):
        with pytest.raises(ZeroDivisionError):
            metric.compute()


# ---------------------------------------------------------------- GpuInfo


def _fake_pynvml(reports: Any) -> dict[str, Any]:
    """``sys.modules`` entries for a pynvml whose ``nvidia_smi.DeviceQuery`` answers ``reports``."""
    queries: list = []

    class nvidia_smi:  # noqa: N801 - pynvml's name
        @staticmethod
        def getInstance() -> Any:  # noqa: N802 - pynvml's name
            return nvidia_smi()

        def DeviceQuery(self, query: str) -> Any:  # noqa: N802 - pynvml's name
            queries.append(query)
            return reports

    smi = types.ModuleType("pynvml.smi")
    smi.nvidia_smi = nvidia_smi  # type: ignore[attr-defined]
    smi.queries = queries  # type: ignore[attr-defined]
    package = types.ModuleType("pynvml")
    package.smi = smi  # type: ignore[attr-defined]
    return {"pynvml": package, "pynvml.smi": smi}


@contextmanager
def gpu_machine(reports: Any) -> Iterator[dict[str, Any]]:
    modules = _fake_pynvml(reports)
    with mock.patch.dict(sys.modules, modules), mock.patch.object(torch.cuda, "is_available", lambda: True):
        yield modules


def test_gpu_info_without_pynvml_gets_ignite_error() -> None:
    message = "This contrib module requires pynvml to be installed. Please install it with command: \n pip install 'pynvml<12'"
    with mock.patch.dict(sys.modules, {"pynvml": None, "pynvml.smi": None}):
        for cls in (im.GpuInfo, GpuInfo):
            with pytest.raises(ModuleNotFoundError) as error:
                cls()
            assert str(error.value) == message


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without GPU")
def test_gpu_info_without_gpu_gets_ignite_error() -> None:
    with mock.patch.dict(sys.modules, _fake_pynvml({})):
        for cls in (im.GpuInfo, GpuInfo):
            with pytest.raises(RuntimeError, match="^This contrib module requires available GPU$"):
                cls()


_memory = st.one_of(
    st.none(),  # no "fb_memory_usage"
    st.fixed_dictionaries({"used": st.floats(0, 80), "total": st.just(80.0)}),
    st.just({"used": 3.0}),  # no total
)
_utilization = st.one_of(
    st.none(),  # no "utilization"
    st.fixed_dictionaries({"gpu_util": st.one_of(st.integers(0, 100), st.just("N/A"), st.just("42"))}),
    st.just({"memory_util": 5}),  # no gpu_util
)


@FAST
@given(gpus=st.lists(st.tuples(_memory, _utilization), max_size=3), name=st.sampled_from(["gpu", "dev"]))
def test_gpu_info_writes_ignite_metrics_and_warnings(gpus: list, name: str) -> None:
    reports = []
    for memory, utilization in gpus:
        report: dict[str, Any] = {}
        if memory is not None:
            report["fb_memory_usage"] = memory
        if utilization is not None:
            report["utilization"] = utilization
        reports.append(report)
    answer = {"gpu": reports} if reports else {}
    seen = {}
    for lib in ("ignite", "bridge"):
        with gpu_machine(answer) as modules, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            metric = im.GpuInfo() if lib == "ignite" else GpuInfo()
            engine = (IEngine if lib == "ignite" else Engine)(lambda e, b: None)
            metric.attach(engine, name=name)
            metrics = dict(engine.run([0, 1]).metrics)
            queries = list(modules["pynvml.smi"].queries)
        messages = [str(w.message) for w in caught if w.category is UserWarning]
        seen[lib] = (metrics, messages, queries)
    assert seen["bridge"] == seen["ignite"]


def test_gpu_info_compute_and_event_as_ignite() -> None:
    answer = {"gpu": [{"fb_memory_usage": {"used": 10.0, "total": 40.0}, "utilization": {"gpu_util": 7}}]}
    traces = {}
    for lib in ("ignite", "bridge"):
        with gpu_machine(answer):
            metric = im.GpuInfo() if lib == "ignite" else GpuInfo()
            events = IEvents if lib == "ignite" else Events
            engine = (IEngine if lib == "ignite" else Engine)(lambda e, b: None)
            metric.attach(engine, event_name=events.EPOCH_COMPLETED)
            trace: list = []
            engine.add_event_handler(events.ITERATION_COMPLETED, lambda e, t=trace: t.append(dict(e.state.metrics)))
            engine.run([0, 1], max_epochs=2)
            traces[lib] = (trace, metric.compute())
    assert traces["bridge"] == traces["ignite"]
    assert traces["bridge"][0][-1] == {"gpu:0 mem(%)": 25, "gpu:0 util(%)": 7}
    with gpu_machine({}):
        with pytest.warns(UserWarning, match="^No GPU information available$"):
            assert GpuInfo().compute() == []


def _common_trace(lib: str, log_every_iters: int) -> list:
    engine = (IEngine if lib == "ignite" else Engine)(lambda e, b: {"loss": float(b)})
    common = icommon if lib == "ignite" else bcommon
    common.setup_common_training_handlers(
        engine, with_gpu_stats=True, with_pbars=False, log_every_iters=log_every_iters, output_names=["loss"]
    )
    events = IEvents if lib == "ignite" else Events
    trace: list = []
    engine.add_event_handler(events.ITERATION_COMPLETED, lambda e: trace.append(sorted(e.state.metrics.items())))
    engine.run([1, 2, 3, 4, 5], max_epochs=1)
    return trace


def test_setup_common_training_handlers_with_gpu_stats_uses_gpu_info() -> None:
    answer = {"gpu": [{"fb_memory_usage": {"used": 30.0, "total": 40.0}, "utilization": {"gpu_util": 99}}] * 2}
    with gpu_machine(answer), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, got = _common_trace("ignite", 2), _common_trace("bridge", 2)
    assert got == expected
    assert dict(got[1])["gpu:1 util(%)"] == 99 and "gpu:0 mem(%)" not in dict(got[0])


def test_setup_common_training_handlers_with_gpu_stats_errors_as_ignite() -> None:
    for lib in ("ignite", "bridge"):
        engine = (IEngine if lib == "ignite" else Engine)(lambda e, b: None)
        common = icommon if lib == "ignite" else bcommon
        with mock.patch.dict(sys.modules, {"pynvml": None, "pynvml.smi": None}):
            with pytest.raises(ModuleNotFoundError, match="requires pynvml"):
                common.setup_common_training_handlers(engine, with_gpu_stats=True, with_pbars=False)
        if not torch.cuda.is_available():
            with mock.patch.dict(sys.modules, _fake_pynvml({})):
                with pytest.raises(RuntimeError, match="^This contrib module requires available GPU$"):
                    common.setup_common_training_handlers(engine, with_gpu_stats=True, with_pbars=False)


# ---------------------------------------------------------------- MetricGroup


def _group(lib: str, skip_unrolling: bool = False) -> Any:
    m = im if lib == "ignite" else bm
    group = im.MetricGroup if lib == "ignite" else MetricGroup
    return group(
        {
            "acc": m.Accuracy(),
            "precision": m.Precision(average="macro"),
            "loss": m.Loss(torch.nn.functional.cross_entropy),
            "top2": m.TopKCategoricalAccuracy(k=2, output_transform=lambda out: (out[0] * -1, out[1])),
        },
        output_transform=lambda out: (out["logits"], out["target"]),
        skip_unrolling=skip_unrolling,
    )


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=4), seed=st.integers(0, 1000))
def test_metric_group_matches_ignite(sizes: list[int], seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    batches = [
        {"logits": torch.randn(n, 4, generator=g), "target": torch.randint(0, 4, (n,), generator=g)} for n in sizes
    ]
    ig, br = _group("ignite"), _group("bridge")
    for batch in batches:
        ig.update(ig._output_transform(batch))
        br.update(br._output_transform(batch))
    assert_same(ig.compute(), br.compute())
    # the group's state holds each metric's; another group resumes from it
    resumed = _group("bridge")
    resumed.load_state_dict(br.state_dict())
    assert_same(ig.compute(), resumed.compute())


def test_metric_group_on_engine_as_ignite() -> None:
    g = torch.Generator().manual_seed(5)
    batches = [
        {"logits": torch.randn(n, 4, generator=g), "target": torch.randint(0, 4, (n,), generator=g)} for n in (3, 5)
    ]
    # attached: each value under its own name, and the dict under the group's
    expected = engine_metrics("ignite", lambda e: _group("ignite").attach(e, "group"), batches)
    got = engine_metrics("bridge", lambda e: _group("bridge").attach(e, "group"), batches)
    assert_same(expected, got)
    assert set(got) == {"acc", "precision", "loss", "top2", "group"}


def test_metric_group_state_dict_layout_as_ignite() -> None:
    batch = (torch.tensor([[0.2, 0.8], [0.9, 0.1]]), torch.tensor([1, 1]))
    ig = im.MetricGroup(
        {"acc": im.Accuracy(), "mae": im.MeanAbsoluteError(output_transform=lambda o: (o[0][:, 1], o[1]))}
    )
    br = MetricGroup({"acc": bm.Accuracy(), "mae": bm.MeanAbsoluteError(output_transform=lambda o: (o[0][:, 1], o[1]))})
    ig.update(batch)
    br.update(batch)
    assert_same(ig.compute(), br.compute())
    # Ignite's saved state loads into bridge's group (same keys and nesting)
    other = MetricGroup({"acc": bm.Accuracy(), "mae": bm.MeanAbsoluteError()})
    other.load_state_dict(ig.state_dict())
    assert_same(ig.compute(), other.compute())


# ---------------------------------------------------------------- rec_sys


@st.composite
def rec_batches(draw: st.DrawFn) -> tuple[list, dict]:
    seed = draw(st.integers(0, 10_000))
    g = torch.Generator().manual_seed(seed)
    num_items = draw(st.integers(1, 9))
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    ties = draw(st.booleans())  # few distinct scores: ranking ties
    graded = draw(st.booleans())
    y_dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.int64]))
    batches = []
    for n in sizes:
        y_pred = (
            torch.randint(0, 3, (n, num_items), generator=g).float() if ties else torch.randn(n, num_items, generator=g)
        )
        if graded:
            y = torch.randint(0, 5, (n, num_items), generator=g) * (torch.rand(n, num_items, generator=g) < 0.4)
        else:
            y = (torch.rand(n, num_items, generator=g) < 0.25).long()
        batches.append((y_pred, y.to(y_dtype)))
    top_k = draw(st.lists(st.integers(1, num_items + 1), min_size=1, max_size=4))
    options = {"top_k": top_k, "ignore_zero_hits": draw(st.booleans())}
    return batches, options


@FAST
@given(case=rec_batches(), as_int=st.booleans())
def test_hit_rate_matches_ignite(case: tuple[list, dict], as_int: bool) -> None:
    batches, options = case
    if as_int:
        options = {**options, "top_k": options["top_k"][0]}
    same_results(im.HitRate(**options), HitRate(**options), batches)


@FAST
@given(
    case=rec_batches(),
    relevance_threshold=st.sampled_from([1.0, 0.5, 2.0, 3]),
    gain_function=st.sampled_from(["exp_rank", "linear_rank"]),
)
def test_ndcg_matches_ignite(case: tuple[list, dict], relevance_threshold: float, gain_function: str) -> None:
    batches, options = case
    options = {**options, "relevance_threshold": relevance_threshold, "gain_function": gain_function}
    same_results(im.NDCG(**options), NDCG(**options), batches)


@FAST
@given(users=st.integers(1, 4), seed=st.integers(0, 1000), ndcg=st.booleans())
def test_rec_sys_more_dims_are_users_as_ignite(users: int, seed: int, ndcg: bool) -> None:
    # Ignite's masking (ignore_zero_hits=True) treats (batch, users, items) as batch * users users
    g = torch.Generator().manual_seed(seed)
    batch = (torch.randn(3, users, 5, generator=g), (torch.rand(3, users, 5, generator=g) < 0.3).float())
    ig, br = (im.NDCG([1, 3]), NDCG([1, 3])) if ndcg else (im.HitRate([1, 3]), HitRate([1, 3]))
    same_results(ig, br, [batch])
    flat = (batch[0].reshape(-1, 5), batch[1].reshape(-1, 5))
    single = NDCG([1, 3]) if ndcg else HitRate([1, 3])
    single.update(flat)
    if br._num_examples:
        assert_same(single.compute(), br.compute())


def test_rec_sys_errors_as_ignite() -> None:
    for args in ([0], [2, -1], [], (1, 2), "3"):
        with pytest.raises(ValueError) as ignite_error:
            im.HitRate(top_k=args)  # type: ignore[arg-type]
        with pytest.raises(ValueError) as bridge_error:
            HitRate(top_k=args)  # type: ignore[arg-type]
        assert str(bridge_error.value).split(",")[0] == str(ignite_error.value).split(",")[0].rstrip(".")
    for args in ([0], [3, -1]):
        for cls in (im.NDCG, NDCG):
            with pytest.raises(ValueError, match="^top_k must be list of positive integers only, but given"):
                cls(top_k=args)
    for cls in (im.NDCG, NDCG):
        with pytest.raises(
            ValueError, match="^gain_function must be either 'exp_rank' or 'linear_rank', but given log"
        ):
            cls(top_k=[1], gain_function="log")
        with pytest.raises(TypeError):
            cls(top_k=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^top_k must be a list of positive integers, but given \\[2.0\\]$"):
        HitRate(top_k=[2.0])  # type: ignore[list-item]  # Ignite: TypeError from torch.topk at the first update
    with pytest.raises(ValueError, match="^top_k must have at least one positive value$"):
        NDCG(top_k=[])  # Ignite: IndexError at the first update
    y_pred, y = torch.rand(2, 4), torch.tensor([[0.0, 1, 0, 0], [1, 0, 0, 0]])
    for ig, br in ((im.HitRate([2]), HitRate([2])), (im.NDCG([2]), NDCG([2]))):
        same_results(ig, br, [(y_pred, y, y)])  # three items
        same_results(ig, br, [(y_pred, y[:, :3])])  # shapes differ
        with pytest.raises(ValueError, match="must be in the same shape"):
            br.update((y_pred, y[:1]))
        with pytest.raises(NotComputableError, match="must have at least one example"):
            br.compute()
    same_results(im.HitRate([5]), HitRate([5]), [(y_pred, y)])  # k beyond the 4 items: RuntimeError on both
    with pytest.raises(RuntimeError, match="top_k=5 is larger than the number of items \\(4\\)"):
        HitRate([5]).update((y_pred, y))
    with pytest.raises(ValueError, match="0-d"):
        HitRate([1]).update((torch.tensor(1.0), torch.tensor(1.0)))


def test_rec_sys_state_dict_and_engine_as_ignite() -> None:
    g = torch.Generator().manual_seed(3)
    data = [(torch.randn(4, 6, generator=g), torch.randint(0, 3, (4, 6), generator=g).float()) for _ in range(3)]
    for make_ignite, make_bridge in (
        (lambda: im.HitRate([1, 3]), lambda: HitRate([1, 3])),
        (lambda: im.NDCG([2, 6], gain_function="linear_rank"), lambda: NDCG([2, 6], gain_function="linear_rank")),
    ):
        ig, br = make_ignite(), make_bridge()
        same_results(ig, br, data)
        resumed = make_bridge()
        resumed.load_state_dict(ig.state_dict())  # Ignite's saved state loads into bridge's metric
        assert_same(ig.compute(), resumed.compute())
        expected = engine_metrics("ignite", lambda e, make=make_ignite: make().attach(e, "m"), data)
        got = engine_metrics("bridge", lambda e, make=make_bridge: make().attach(e, "m"), data)
        assert_same(expected, got)


# ---------------------------------------------------------------- clustering

CLUSTERING = ["SilhouetteScore", "DaviesBouldinScore", "CalinskiHarabaszScore"]


@st.composite
def cluster_batches(draw: st.DrawFn) -> list:
    seed = draw(st.integers(0, 10_000))
    g = torch.Generator().manual_seed(seed)
    n = draw(st.integers(2, 40))
    dims = draw(st.integers(2, 5))
    clusters = draw(st.integers(1, min(n, 6)))
    dtype = draw(st.sampled_from([torch.float32, torch.float64]))
    centers = torch.randn(clusters, dims, generator=g) * 3
    labels = torch.randint(0, clusters, (n,), generator=g)
    if draw(st.booleans()):  # one large cluster
        labels[: n // 2] = labels[0]
    features = (centers[labels] + torch.randn(n, dims, generator=g)).to(dtype)
    if draw(st.booleans()):
        labels = labels * 10 - 3  # not 0..k-1
    sizes = _split(n, draw(st.integers(1, 4)), seed)
    out, start = [], 0
    for size in sizes:
        out.append((features[start : start + size], labels[start : start + size]))
        start += size
    return out


@settings(max_examples=20, deadline=None)
@given(batches=cluster_batches(), name=st.sampled_from(CLUSTERING))
def test_clustering_scores_match_ignite(batches: list, name: str) -> None:
    rtol = 1e-4 if batches[0][0].dtype == torch.float32 else 1e-6
    same_results(getattr(iclustering, name)(), getattr(bclustering, name)(), batches, rtol=rtol)


_SILHOUETTE_OPTIONS = [
    {"metric": "euclidean"},
    {"metric": "l2"},
    {"metric": "sqeuclidean"},
    {"metric": "manhattan"},
    {"metric": "cityblock"},
    {"metric": "l1"},
    {"metric": "chebyshev"},
    {"metric": "minkowski", "p": 3},
    {"metric": "cosine"},
    {"metric": lambda a, b: float(abs(a - b).max())},
    {"sample_size": 7, "random_state": 5},
    {"sample_size": 30, "random_state": 1, "metric": "cosine"},
    {"sample_size": np.int64(9), "random_state": np.int64(2)},
]


@settings(max_examples=15, deadline=None)
@given(batches=cluster_batches(), options=st.sampled_from(_SILHOUETTE_OPTIONS))
def test_silhouette_kwargs_match_ignite(batches: list, options: dict) -> None:
    same_results(
        iclustering.SilhouetteScore(silhouette_kwargs=dict(options)),
        bclustering.SilhouetteScore(silhouette_kwargs=dict(options)),
        batches,
        rtol=1e-4,
    )


def test_silhouette_precomputed_and_sampling_errors_as_ignite() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(12, 3, generator=g, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2] * 4)
    distances = torch.cdist(x, x)
    distances.fill_diagonal_(0.0)
    option = {"metric": "precomputed"}
    same_results(
        iclustering.SilhouetteScore(silhouette_kwargs=option),
        bclustering.SilhouetteScore(silhouette_kwargs=option),
        [(distances, labels)],
    )
    sampled = {"metric": "precomputed", "sample_size": 8, "random_state": 3}
    same_results(
        iclustering.SilhouetteScore(silhouette_kwargs=sampled),
        bclustering.SilhouetteScore(silhouette_kwargs=sampled),
        [(distances, labels)],
    )
    # a non-zero diagonal, or a sample with a single cluster: scikit-learn's ValueError on both
    same_results(
        iclustering.SilhouetteScore(silhouette_kwargs=option),
        bclustering.SilhouetteScore(silhouette_kwargs=option),
        [(distances + 1, labels)],
    )
    one_cluster = {"sample_size": 3, "random_state": 1}  # samples 2, 3 and 4: all in cluster 0
    two = torch.tensor([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    same_results(
        iclustering.SilhouetteScore(silhouette_kwargs=one_cluster),
        bclustering.SilhouetteScore(silhouette_kwargs=one_cluster),
        [(x, two)],
    )
    with pytest.raises(
        ValueError, match="^Number of labels is 1. Valid values are 2 to n_samples - 1 \\(inclusive\\)$"
    ):
        bclustering.SilhouetteScore(silhouette_kwargs=one_cluster, check_compute_fn=False).compute_fn(x, two)
    # what the torch implementation cannot honour is refused at construction (scikit-learn: at compute)
    with pytest.raises(ValueError, match="metric 'hamming' is not supported"):
        bclustering.SilhouetteScore(silhouette_kwargs={"metric": "hamming"})
    with pytest.raises(TypeError, match="unexpected keyword"):
        bclustering.SilhouetteScore(silhouette_kwargs={"metric": "euclidean", "w": 1})
    with pytest.raises(ValueError, match="sample_size must be an int >= 1"):
        bclustering.SilhouetteScore(silhouette_kwargs={"sample_size": 0})


def test_clustering_errors_as_ignite() -> None:
    features, labels = torch.randn(6, 2), torch.tensor([0, 0, 1, 1, 2, 2])
    for name in CLUSTERING:
        ig, br = getattr(iclustering, name), getattr(bclustering, name)
        for bad in [(features[:, 0:1].T.reshape(-1, 1, 1), labels), (features, labels.reshape(-1, 1).expand(6, 2))]:
            with pytest.raises(ValueError) as ignite_error:
                ig().update(bad)
            with pytest.raises(ValueError) as bridge_error:
                br().update(bad)
            assert str(bridge_error.value) == str(ignite_error.value)
        for second in [(features.double(), labels), (features, labels.float())]:
            i, b = ig(), br()
            i.update((features, labels))
            b.update((features, labels))
            with pytest.raises(ValueError) as ignite_error:
                i.update(second)
            with pytest.raises(ValueError) as bridge_error:
                b.update(second)
            assert str(bridge_error.value) == str(ignite_error.value)
        with pytest.raises(
            NotComputableError, match=f"^{name} must have at least one example before it can be computed.$"
        ):
            br().compute()
        assert math.isnan(same_results(ig(), br(), [(features, torch.zeros(6, dtype=torch.long))]))
        assert math.isnan(same_results(ig(), br(), [(features, torch.arange(6))]))


def test_clustering_without_scikit_learn_and_on_one_feature() -> None:
    x = torch.tensor([[0.0], [1.0], [5.0], [6.0], [6.5]])
    labels = torch.tensor([0, 0, 1, 1, 1])
    with mock.patch.dict(sys.modules, {"sklearn": None, "sklearn.metrics": None}):
        scores = {}
        for name in CLUSTERING:
            metric = getattr(bclustering, name)()
            metric.update((x, labels))  # (N, 1) features: EpochMetric keeps them as (N,)
            scores[name] = metric.compute()
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    # Ignite's sklearn call fails on these squeezed features; bridge scores the one feature
    assert scores["SilhouetteScore"] == pytest.approx(silhouette_score(x.numpy(), labels.numpy()))
    assert scores["DaviesBouldinScore"] == pytest.approx(davies_bouldin_score(x.numpy(), labels.numpy()))
    assert scores["CalinskiHarabaszScore"] == pytest.approx(calinski_harabasz_score(x.numpy(), labels.numpy()))


def test_clustering_on_engine_as_ignite() -> None:
    g = torch.Generator().manual_seed(7)
    data = [
        {"features": torch.randn(5, 3, generator=g), "labels": torch.randint(0, 3, (5,), generator=g)} for _ in range(4)
    ]
    for name in CLUSTERING:
        expected = engine_metrics("ignite", lambda e, n=name: getattr(iclustering, n)().attach(e, "score"), data)
        got = engine_metrics("bridge", lambda e, n=name: getattr(bclustering, n)().attach(e, "score"), data)
        assert_same(expected, got, rtol=1e-4)


# ---------------------------------------------------------------- fairness

FAIRNESS_KINDS = ["binary", "multiclass", "multilabel"]


@st.composite
def fairness_batches(draw: st.DrawFn) -> tuple[str, list, list]:
    kind = draw(st.sampled_from(FAIRNESS_KINDS))
    g = torch.Generator().manual_seed(draw(st.integers(0, 10_000)))
    num_classes = draw(st.integers(2, 4))
    extra = draw(st.sampled_from([(), (), (2,)]))
    num_groups = draw(st.integers(1, 3))
    batches = []
    for n in draw(st.lists(st.integers(1, 6), min_size=1, max_size=4)):
        if kind == "binary":
            y_pred, y = torch.randint(0, 2, (n, *extra), generator=g), torch.randint(0, 2, (n, *extra), generator=g)
        elif kind == "multiclass":
            y_pred = torch.rand(n, num_classes, *extra, generator=g)
            y = torch.randint(0, num_classes, (n, *extra), generator=g)
        else:
            y_pred = torch.randint(0, 2, (n, num_classes, *extra), generator=g)
            y = torch.randint(0, 2, (n, num_classes, *extra), generator=g)
        batches.append((y_pred, y, torch.randint(0, num_groups, (n,), generator=g)))
    groups = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3, unique=True))
    return kind, batches, groups


@FAST
@given(case=fairness_batches(), which=st.sampled_from(["accuracy", "parity", "per_group", "rate"]))
def test_fairness_metrics_match_ignite(case: tuple[str, list, list], which: str) -> None:
    kind, batches, groups = case
    ml = kind == "multilabel"
    if which == "accuracy":
        pair = (
            ifairness.SubgroupAccuracyDifference(groups, is_multilabel=ml),
            bfairness.SubgroupAccuracyDifference(groups, is_multilabel=ml),
        )
    elif which == "parity":
        pair = (
            ifairness.DemographicParityDifference(groups, is_multilabel=ml),
            bfairness.DemographicParityDifference(groups, is_multilabel=ml),
        )
    elif which == "per_group":
        pair = (
            ifairness.SubgroupMetric(im.Accuracy(is_multilabel=ml), groups),
            bfairness.SubgroupMetric(bm.Accuracy(is_multilabel=ml), groups),
        )
    else:
        pair = ifairness.SelectionRate(is_multilabel=ml), bfairness.SelectionRate(is_multilabel=ml)
        batches = [(p, y) for p, y, _ in batches]
    same_results(*pair, batches)


def test_fairness_errors_state_dict_and_engine_as_ignite() -> None:
    y_pred = torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.6, 0.4], [0.3, 0.7]])
    y, groups = torch.tensor([1, 0, 0, 0, 1]), torch.tensor([0, 0, 1, 1, 2])
    for cls in ("SubgroupAccuracyDifference", "DemographicParityDifference"):
        ig, br = getattr(ifairness, cls)([0, 1, 2]), getattr(bfairness, cls)([0, 1, 2])
        with pytest.raises(ValueError, match="^y_pred, y, and group_labels must have the same batch size.$"):
            br.update((y_pred, y, groups[:3]))
        with pytest.raises(NotComputableError, match="at least one example"):
            br.compute()
        same_results(ig, br, [(y_pred[:2], y[:2], groups[:2])])  # one group only: NotComputableError on both
        same_results(ig, br, [(y_pred, y, groups)])
        resumed = getattr(bfairness, cls)([0, 1, 2])
        resumed.load_state_dict(ig.state_dict())  # Ignite's saved state (with its "_metrics") loads here
        assert_same(ig.compute(), resumed.compute())
        data = [{"y_pred": y_pred, "y": y, "group_labels": groups}]
        expected = engine_metrics("ignite", lambda e, c=cls: getattr(ifairness, c)([0, 1, 2]).attach(e, "gap"), data)
        got = engine_metrics("bridge", lambda e, c=cls: getattr(bfairness, c)([0, 1, 2]).attach(e, "gap"), data)
        assert_same(expected, got)
    with pytest.raises(NotComputableError, match="^SelectionRate must have at least one example"):
        bfairness.SelectionRate().compute()


def test_subgroup_metric_results_in_state_metrics_as_ignite() -> None:
    y_pred = torch.tensor([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.6, 0.4], [0.3, 0.7]])
    y, groups = torch.tensor([1, 0, 0, 0, 1]), torch.tensor([0, 0, 1, 1, 2])
    # per group results in state.metrics: flattened by group and under the name, as Ignite
    expected = engine_metrics(
        "ignite", lambda e: ifairness.SubgroupMetric(im.Accuracy(), [0, 1]).attach(e, "acc"), [(y_pred, y, groups)]
    )
    got = engine_metrics(
        "bridge", lambda e: bfairness.SubgroupMetric(bm.Accuracy(), [0, 1]).attach(e, "acc"), [(y_pred, y, groups)]
    )
    assert_same(expected, got)
    assert set(got) == {0, 1, "acc"}

"""bridge.metrics.regression against pytorch-ignite's: same batches, same values, same errors.

Every metric gets the same random batches (hypothesis: batch sizes, ``(N,)``/``(N, 1)``,
float16/32/64, values with ties, zeros and signs) as Ignite's; the results, the error types and
messages, the ``state_dict`` (loaded across the two libraries), engine runs and a 2-process
gloo run are compared (a plain ``pl.Trainer``: test_metrics_catalogue.py). The rank correlations are also checked
against scipy and torchmetrics on larger inputs.
"""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # the reference package's imports warn about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.metrics.regression as ir
    from ignite.engine import Engine as IEngine
    from ignite.engine import Events as IEvents
    from ignite.exceptions import NotComputableError as INotComputableError

import bridge.distributed as bdist
import bridge.metrics.regression as br
from bridge.engine import Engine, Events
from bridge.exceptions import NotComputableError
from bridge.metrics.regression.kendall_correlation import _count_inversions, _kendall_tau

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# checked like Ignite's _BaseRegression: float (N,) / (N, 1) of one shape
BASE = [
    "CanberraMetric", "FractionalAbsoluteError", "FractionalBias", "GeometricMeanAbsoluteError",
    "GeometricMeanRelativeAbsoluteError", "ManhattanDistance", "MaximumAbsoluteError", "MeanAbsoluteRelativeError",
    "MeanError", "MeanNormalizedBias", "PearsonCorrelation", "R2Score", "WaveHedgesDistance",
]  # fmt: skip
RANKS = ["KendallRankCorrelation", "SpearmanRankCorrelation"]
MEDIANS = ["MedianAbsoluteError", "MedianAbsolutePercentageError", "MedianRelativeAbsoluteError"]
ALL = BASE + RANKS + MEDIANS


# ---------------------------------------------------------------- helpers


def assert_same(expected: Any, got: Any) -> None:
    """Ignite's value ``expected`` and bridge's ``got``: both python numbers, equal (allclose), nan alike."""
    assert isinstance(got, float) and not isinstance(got, torch.Tensor), f"expected a float, got {got!r}"
    if math.isnan(expected):
        assert math.isnan(got), (expected, got)
    else:
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-6)


def _call(f: Callable, *args: Any) -> tuple[Any, BaseException | None]:
    try:
        return f(*args), None
    except Exception as e:  # the type and message are what we compare
        return None, e


def same_errors(ignite_error: BaseException | None, bridge_error: BaseException | None) -> None:
    if ignite_error is None or bridge_error is None:
        assert ignite_error is bridge_error is None, (ignite_error, bridge_error)
        return
    if isinstance(ignite_error, INotComputableError):
        assert isinstance(bridge_error, NotComputableError), bridge_error
    else:
        assert type(bridge_error) is type(ignite_error), (ignite_error, bridge_error)


def same_results(ignite_metric: Any, bridge_metric: Any, batches: list) -> Any:
    """Feed ``batches`` to both metrics, compare the errors and ``compute()``; returns bridge's value."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for batch in batches:
            _, ie = _call(ignite_metric.update, batch)
            _, be = _call(bridge_metric.update, batch)
            same_errors(ie, be)
            if ie is not None:
                return None
        iv, ie = _call(ignite_metric.compute)
        bv, be = _call(bridge_metric.compute)
    same_errors(ie, be)
    if ie is None:
        assert_same(float(iv), bv)
    return bv


def make_batches(
    sizes: list[int], column: bool, dtype: torch.dtype, values: str, seed: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random ``(y_pred, y)`` batches. ``values``: "normal", "ties" (small integers, zeros included),
    "positive", or "constant" (every target 2.0)."""
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        pair = []
        for _ in range(2):
            t = torch.randn(n, generator=g, dtype=torch.float64)
            if values == "ties":
                t = (t * 2).round()
            elif values == "positive":
                t = t.abs() + 0.1
            pair.append(t)
        if values == "constant":
            pair[1] = torch.full((n,), 2.0, dtype=torch.float64)
        y_pred, y = (t.to(dtype).unsqueeze(1) if column else t.to(dtype) for t in pair)
        batches.append((y_pred, y))
    return batches


batch_cases = st.fixed_dictionaries(
    {
        "sizes": st.lists(st.integers(1, 9), min_size=1, max_size=4),
        "column": st.booleans(),
        "dtype": st.sampled_from([torch.float32, torch.float32, torch.float64, torch.float16]),
        "values": st.sampled_from(["normal", "normal", "ties", "positive", "constant"]),
        "seed": st.integers(0, 10_000),
    }
)


def pair(name: str, **kwargs: Any) -> tuple[Any, Any]:
    return getattr(ir, name)(**kwargs), getattr(br, name)(**kwargs)


# ---------------------------------------------------------------- values


@FAST
@given(case=batch_cases)
def test_accumulating_metrics_match_ignite(case: dict) -> None:
    batches = make_batches(**case)
    for name in BASE:
        same_results(*pair(name), batches)
    same_results(*pair("PearsonCorrelation", eps=0.5), batches)


@FAST
@given(case=batch_cases)
def test_median_metrics_match_ignite(case: dict) -> None:
    batches = make_batches(**case)
    for name in MEDIANS:
        same_results(*pair(name), batches)


@FAST
@given(case=batch_cases, targets=st.integers(2, 3), integers=st.booleans())
def test_median_metrics_take_what_an_epoch_metric_takes(case: dict, targets: int, integers: bool) -> None:
    # (N, T) inputs and integer dtypes pass Ignite's EpochMetric checks: the median runs over every element
    g = torch.Generator().manual_seed(case["seed"])
    batches = []
    for n in case["sizes"]:
        y_pred, y = torch.randn(n, targets, generator=g), torch.randn(n, targets, generator=g)
        batches.append(((y_pred * 3).round().long(), (y * 3).round().long()) if integers else (y_pred, y))
    for name in MEDIANS:
        same_results(*pair(name), batches)


@FAST
@given(case=batch_cases, special=st.sampled_from([None, "nan", "inf", "single"]))
def test_rank_correlations_match_ignite(case: dict, special: str | None) -> None:
    batches = make_batches(**case)
    if special == "nan":
        batches[0][0].view(-1)[0] = math.nan
    elif special == "inf":
        batches[-1][1].view(-1)[-1] = -math.inf
    elif special == "single":
        batches = batches[:1]
        batches[0] = (batches[0][0][:1], batches[0][1][:1])
    same_results(*pair("SpearmanRankCorrelation"), batches)
    for variant in ("b", "c"):
        same_results(*pair("KendallRankCorrelation", variant=variant), batches)


def test_rank_correlations_on_an_epoch_match_scipy_and_torchmetrics() -> None:
    from scipy.stats import kendalltau, spearmanr
    from torchmetrics.functional import kendall_rank_corrcoef, spearman_corrcoef

    g = torch.Generator().manual_seed(7)
    x = torch.randn(6400, generator=g, dtype=torch.float64)
    y = x + torch.randn(6400, generator=g, dtype=torch.float64)
    x = (x * 8).round()  # ties in the predictions only
    for variant in ("b", "c"):
        expected = kendalltau(x.numpy(), y.numpy(), variant=variant).statistic
        assert _kendall_tau(x, y, variant) == pytest.approx(expected, rel=1e-12)
        # torchmetrics' pairwise loop, on a part that keeps it fast
        assert _kendall_tau(x[:300], y[:300], variant) == pytest.approx(
            kendall_rank_corrcoef(x[:300], y[:300], variant=variant).item(), rel=1e-6
        )
    spearman = br.SpearmanRankCorrelation()
    for i in range(0, 6400, 64):
        spearman.update((x[i : i + 64], y[i : i + 64]))
    assert spearman.compute() == pytest.approx(spearmanr(x.numpy(), y.numpy()).statistic, rel=1e-9)
    assert spearman.compute() == pytest.approx(spearman_corrcoef(x, y).item(), rel=1e-5)
    # a large epoch with a large tie: torchmetrics' int32 rank sums overflow, scipy's value is kept
    y = torch.randn(100_000, generator=g, dtype=torch.float64)
    x = (y > -0.5).double() + (y > 1.5).double()
    spearman = br.SpearmanRankCorrelation(check_compute_fn=False)
    spearman.update((x, y))
    assert spearman_corrcoef(x, y).item() < 0.5
    assert spearman.compute() == pytest.approx(spearmanr(x.numpy(), y.numpy()).statistic, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(seq=st.lists(st.integers(0, 6), min_size=1, max_size=40))
def test_count_inversions_counts_every_inverted_pair(seq: list[int]) -> None:
    brute = sum(seq[i] > seq[j] for i in range(len(seq)) for j in range(i + 1, len(seq)))
    assert _count_inversions(torch.tensor(seq)) == brute


def test_r2_pearson_manhattan_agree_with_torchmetrics_on_the_epoch() -> None:
    from torchmetrics.functional import minkowski_distance, pearson_corrcoef, r2_score

    batches = make_batches([64] * 10, column=True, dtype=torch.float64, values="normal", seed=3)
    batches = [(p + 2 * y, y) for p, y in batches]
    r2, pearson, manhattan = br.R2Score(), br.PearsonCorrelation(), br.ManhattanDistance()
    for b in batches:
        r2.update(b)
        pearson.update(b)
        manhattan.update(b)
    y_pred, y = torch.cat([b[0] for b in batches]).squeeze(1), torch.cat([b[1] for b in batches]).squeeze(1)
    assert r2.compute() == pytest.approx(r2_score(y_pred, y).item(), rel=1e-5)
    assert pearson.compute() == pytest.approx(pearson_corrcoef(y_pred, y).item(), rel=1e-5)
    assert manhattan.compute() == pytest.approx(minkowski_distance(y_pred, y, p=1).item(), rel=1e-5)


def test_documented_edge_values_match_ignite() -> None:
    zeros = (torch.zeros(3), torch.zeros(3))
    for name in ("CanberraMetric", "ManhattanDistance", "WaveHedgesDistance"):  # sums: 0.0 before any update
        assert same_results(*pair(name), []) == 0.0
    assert same_results(*pair("CanberraMetric"), [zeros]) == 0.0  # its 1e-15 makes 0/0 count 0
    assert math.isnan(same_results(*pair("FractionalAbsoluteError"), [zeros]))  # no epsilon: 0/0
    assert same_results(*pair("GeometricMeanAbsoluteError"), [(torch.ones(2), torch.tensor([1.0, 3.0]))]) == 0.0
    assert same_results(*pair("PearsonCorrelation"), [(torch.arange(3.0), torch.ones(3))]) == 0.0  # not nan
    # the median of an even count is the mean of the two middle values
    assert same_results(*pair("MedianAbsoluteError"), [(torch.zeros(4), torch.tensor([1.0, 9.0, 2.0, 3.0]))]) == 2.5
    with pytest.raises(ZeroDivisionError, match="zero variance"):
        r2 = br.R2Score()
        r2.update((torch.arange(3.0), torch.ones(3)))
        r2.compute()


# ---------------------------------------------------------------- errors


BAD_INPUTS = [
    (torch.rand(4, 2), torch.rand(4, 2)),  # (N, 2)
    (torch.rand(4, 1, 1), torch.rand(4, 1, 1)),  # 3 dims
    (torch.rand(4), torch.rand(4, 2)),  # y not (N,)/(N, 1)
    (torch.rand(4), torch.rand(5)),  # different shapes
    (torch.rand(4, 1), torch.rand(4)),  # different shapes
    (torch.randint(0, 3, (4,)), torch.rand(4)),  # integer y_pred
    (torch.rand(4), torch.randint(0, 3, (4,))),  # integer y
    (torch.rand(4), torch.rand(4).bool()),  # boolean y
    (torch.rand(4, 2).long(), torch.rand(4)),  # a shape and a dtype error: the shape is reported
]


@pytest.mark.parametrize("inputs", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_bad_inputs_raise_like_ignite(inputs: tuple) -> None:
    for name in BASE + RANKS:
        ig, bm = pair(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, ie = _call(ig.update, inputs)
            _, be = _call(bm.update, inputs)
        assert ie is not None and type(be) is type(ie) and str(be) == str(ie), (name, ie, be)


def test_argument_and_state_errors_like_ignite() -> None:
    for variant in ("a", "B", None):
        with pytest.raises(ValueError, match="variant accepts 'b' or 'c', got") as caught:
            br.KendallRankCorrelation(variant=variant)  # type: ignore[arg-type]
        with pytest.raises(ValueError) as reference:
            ir.KendallRankCorrelation(variant=variant)
        assert str(caught.value) == str(reference.value)
    # a batch with a zero target is refused, after the earlier ones were counted
    for name in ("MeanAbsoluteRelativeError", "MeanNormalizedBias"):
        bm = getattr(br, name)()
        bm.update((torch.ones(2), torch.full((2,), 2.0)))
        with pytest.raises(NotComputableError, match="The ground truth has 0."):
            bm.update((torch.ones(2), torch.tensor([1.0, 0.0])))
        assert bm.compute() == pytest.approx(0.5)
    # EpochMetrics refuse a dtype change between batches; empty metrics are not computable
    for name in RANKS + MEDIANS:
        same_results(*pair(name), [(torch.rand(3), torch.rand(3)), (torch.rand(3).double(), torch.rand(3).double())])
    for name in ALL:
        if name not in ("CanberraMetric", "ManhattanDistance", "WaveHedgesDistance"):
            with pytest.raises(NotComputableError, match=f"{name} must have at least one"):
                getattr(br, name)().compute()
    with pytest.raises(RuntimeError):  # Ignite's: max() of an empty batch
        br.MaximumAbsoluteError().update((torch.zeros(0), torch.zeros(0)))


# ---------------------------------------------------------------- state


@FAST
@given(case=batch_cases)
def test_state_dicts_load_across_ignite_and_bridge(case: dict) -> None:
    case = dict(case, values="positive")
    batches = make_batches(**case)
    for name in ALL:
        ig, bm = pair(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for b in batches:
                ig.update(b)
                bm.update(b)
            ig_state, bm_state = ig.state_dict(), bm.state_dict()
            assert list(bm_state["__metric_state_per_rank"][0]) == list(ig_state["__metric_state_per_rank"][0])
            ignite_from_bridge, bridge_from_ignite = pair(name)
            bridge_from_ignite.load_state_dict(ig_state)
            expected = float(ig.compute())
            assert_same(expected, bridge_from_ignite.compute())
            if name not in RANKS + MEDIANS + ["GeometricMeanRelativeAbsoluteError"]:
                # Ignite loads a list state only into a list of the same length: not into a fresh metric
                ignite_from_bridge.load_state_dict(bm_state)
                assert_same(expected, float(ignite_from_bridge.compute()))


def test_metrics_pickle_and_keep_accumulating() -> None:
    batches = make_batches([5, 4], column=False, dtype=torch.float32, values="normal", seed=1)
    for name in ALL:
        bm = getattr(br, name)()
        bm.update(batches[0])
        clone = pickle.loads(pickle.dumps(bm))  # Lightning's ddp_spawn pickles attached metrics
        for m in (bm, clone):
            m.update(batches[1])
        assert_same(bm.compute(), clone.compute())


# ---------------------------------------------------------------- engines


def _run_all(engine_cls: Any, events: Any, module: Any, data: list) -> dict:
    engine = engine_cls(lambda e, batch: batch)
    for name in ALL:
        getattr(module, name)().attach(engine, name)
    module.R2Score(output_transform=lambda out: (out[0] * 2, out[1])).attach(engine, "r2_transformed")
    seen: list = []
    engine.add_event_handler(events.EPOCH_COMPLETED, lambda e: seen.append(dict(e.state.metrics)))
    engine.run(data, max_epochs=2)
    return dict(enumerate(seen))


def test_every_metric_on_an_engine_matches_ignite() -> None:
    data = make_batches([8, 8, 5], column=True, dtype=torch.float32, values="positive", seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _run_all(IEngine, IEvents, ir, data)
        got = _run_all(Engine, Events, br, data)
    assert expected.keys() == got.keys() == {0, 1}
    for epoch in expected:
        assert expected[epoch].keys() == got[epoch].keys()
        for key, value in expected[epoch].items():
            assert_same(float(value), got[epoch][key])


# ---------------------------------------------------------------- distributed reduction


def test_states_reduce_across_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A world of two ranks holding the same state, faked in this process: every metric must give
    # its value over the data seen twice (sums doubled, maxima kept, stored tensors gathered).
    # The collectives themselves are tested on a real gloo group in test_distributed.py.
    batches = make_batches([6, 3, 7], column=True, dtype=torch.float32, values="positive", seed=5)
    expected = {}
    for name in ALL:
        serial = getattr(br, name)()
        for b in batches + batches:
            serial.update(b)
        expected[name] = serial.compute()
    metrics = {name: getattr(br, name)() for name in ALL}
    for m in metrics.values():
        for b in batches:
            m.update(b)
    ops: list[str] = []

    def all_reduce(value: Any, op: str = "SUM", group: Any = None) -> Any:
        ops.append(op)
        return value * 2 if op == "SUM" else value

    monkeypatch.setattr(bdist, "get_world_size", lambda: 2)
    monkeypatch.setattr(bdist, "all_reduce", all_reduce)
    monkeypatch.setattr(bdist, "all_gather", lambda value, group=None: torch.cat([value, value]))
    monkeypatch.setattr(bdist, "broadcast", lambda value, src=0, safe_mode=False: value)
    for name, m in metrics.items():
        assert_same(expected[name], m.compute())
        assert_same(expected[name], m.compute())  # the local state was left as it was
    assert ops.count("MAX") == 2 and set(ops) == {"SUM", "MAX"}

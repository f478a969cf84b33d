"""Similarity, divergence and information metrics against pytorch-ignite's: same batches, same numbers.

CosineSimilarity, Entropy, KLDivergence, JSDivergence, MutualInformation, HSIC,
MaximumMeanDiscrepancy, MeanPairwiseDistance: random shapes, dtypes, batch splits and arguments
fed to both libraries' metrics; bad inputs raise the same error types; the deliberate
differences (documented in each module) are asserted on their own.
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # the reference package's imports warn about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.metrics as im
    from ignite.engine import Engine as IEngine
    from ignite.engine import Events as IEvents

import bridge.metrics.metric as bm_metric
from bridge.engine import Engine, Events
from bridge.exceptions import NotComputableError
from bridge.metrics import (
    cosine_similarity,
    entropy,
    hsic,
    js_divergence,
    kl_divergence,
    maximum_mean_discrepancy,
    mean_pairwise_distance,
    mutual_information,
)
from bridge.metrics.cosine_similarity import CosineSimilarity
from bridge.metrics.entropy import Entropy
from bridge.metrics.hsic import HSIC, _median
from bridge.metrics.js_divergence import JSDivergence
from bridge.metrics.kl_divergence import KLDivergence
from bridge.metrics.maximum_mean_discrepancy import MaximumMeanDiscrepancy
from bridge.metrics.mean_pairwise_distance import MeanPairwiseDistance
from bridge.metrics.metric import Metric
from bridge.metrics.mutual_information import MutualInformation

FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# name -> (bridge class, module, input kind); "logits": (B, C, ...) class scores,
# "features": (B, ...) vectors
METRICS: dict[str, tuple[type[Metric], Any, str]] = {
    "CosineSimilarity": (CosineSimilarity, cosine_similarity, "features"),
    "Entropy": (Entropy, entropy, "logits"),
    "KLDivergence": (KLDivergence, kl_divergence, "logits"),
    "JSDivergence": (JSDivergence, js_divergence, "logits"),
    "MutualInformation": (MutualInformation, mutual_information, "logits"),
    "HSIC": (HSIC, hsic, "features"),
    "MaximumMeanDiscrepancy": (MaximumMeanDiscrepancy, maximum_mean_discrepancy, "features"),
    "MeanPairwiseDistance": (MeanPairwiseDistance, mean_pairwise_distance, "features"),
}

KWARGS: dict[str, st.SearchStrategy] = {
    "CosineSimilarity": st.fixed_dictionaries({"eps": st.sampled_from([1e-8, 0.5])}),
    "Entropy": st.just({}),
    "KLDivergence": st.just({}),
    "JSDivergence": st.just({}),
    "MutualInformation": st.just({}),
    "HSIC": st.fixed_dictionaries({"sigma_x": st.sampled_from([-1, 0.5, 3.0]), "sigma_y": st.sampled_from([-1, 2.0])}),
    "MaximumMeanDiscrepancy": st.fixed_dictionaries({"var": st.sampled_from([0.5, 1.0, 4.0])}),
    "MeanPairwiseDistance": st.fixed_dictionaries(
        {"p": st.sampled_from([1, 2, 3]), "eps": st.sampled_from([1e-6, 0.0])}
    ),
}


def make_batches(
    kind: str, sizes: list[int], width: int, extra: tuple[int, ...], dtype: torch.dtype, scale: float, seed: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random batches; every third feature row of ``y_pred`` is zero (cosine's ``eps`` case)."""
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        y_pred = torch.randn(n, width, *extra, generator=g, dtype=torch.float64) * scale
        y = torch.randn(n, width, *extra, generator=g, dtype=torch.float64) * scale
        if kind == "features":
            y_pred[::3] = 0.0
            y = y + y_pred  # dependent, so that HSIC is not just noise around 0
        batches.append((y_pred.to(dtype), y.to(dtype)))
    return batches


def _outcome(metric: Any, batches: list) -> Any:
    """``compute()`` after the updates, or the type of the first error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for batch in batches:
                metric.update(batch)
            return metric.compute()
    except Exception as e:  # the type is what we compare
        return "NotComputableError" if type(e).__name__ == "NotComputableError" else type(e)


def assert_same(expected: Any, got: Any, dtype: torch.dtype = torch.float64) -> None:
    if isinstance(expected, type) or isinstance(expected, str):
        assert got == expected, (expected, got)
        return
    assert isinstance(got, float), got
    if math.isnan(expected):
        assert math.isnan(got)
        return
    # the sums are float32 tensors (as Ignite's), whatever the inputs' dtype
    tol = {torch.float64: 1e-6, torch.float32: 2e-5}.get(dtype, 2e-3)
    assert got == pytest.approx(expected, rel=tol, abs=tol), (expected, got)


# ------------------------------------------------------------------------- values against Ignite


@pytest.mark.parametrize("name", sorted(METRICS))
@FAST
@given(
    data=st.data(),
    sizes=st.lists(st.integers(0, 9), min_size=1, max_size=4),
    width=st.integers(2, 5),
    extra=st.sampled_from([(), (), (3,), (2, 2)]),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    scale=st.sampled_from([0.1, 1.0, 4.0]),
    seed=st.integers(0, 10_000),
)
def test_values_match_ignite(
    name: str, data: Any, sizes: list[int], width: int, extra: tuple, dtype: torch.dtype, scale: float, seed: int
) -> None:
    cls, _, kind = METRICS[name]
    kwargs = data.draw(KWARGS[name])
    if name == "MaximumMeanDiscrepancy":
        sizes = [max(n, 2) for n in sizes]  # 0 or 1 sample: a 0/0 in both libraries
    batches = make_batches(kind, sizes, width, extra, dtype, scale, seed)
    expected = _outcome(getattr(im, name)(**kwargs), batches)
    got = _outcome(cls(**kwargs), batches)
    assert_same(expected, got, dtype)


@pytest.mark.parametrize("name", sorted(METRICS))
@settings(FAST, max_examples=3)
@given(
    sizes=st.lists(st.integers(4, 7), min_size=2, max_size=4),
    seed=st.integers(0, 10_000),
)
def test_state_dicts_move_between_the_libraries(name: str, sizes: list[int], seed: int) -> None:
    """A state saved mid-run by one library and loaded by the other gives the same result.

    The state dicts are deep-copied, as a checkpoint on disk would be: a loaded metric shares
    the saved tensors in both libraries, and its updates add to them in place."""
    cls, _, kind = METRICS[name]
    batches = make_batches(kind, sizes, 3, (), torch.float64, 1.0, seed)
    head, tail = batches[:1], batches[1:]
    reference = _outcome(getattr(im, name)(), batches)

    src, dst = cls(), cls()
    _outcome(src, head)
    dst.load_state_dict(copy.deepcopy(src.state_dict()))
    assert_same(reference, _outcome(dst, tail))

    ignite_src, ignite_dst = getattr(im, name)(), getattr(im, name)()
    _outcome(ignite_src, head)
    bridge_dst = cls()
    if name == "MutualInformation":
        # Ignite saves only the probabilities, so it resumes with no entropies (even from its own
        # state dict); bridge's state names the entropies and count too, and refuses Ignite's
        with pytest.raises(ValueError, match="_sum_of_entropies"):
            bridge_dst.load_state_dict(copy.deepcopy(ignite_src.state_dict()))
        return
    bridge_dst.load_state_dict(copy.deepcopy(ignite_src.state_dict()))
    assert_same(reference, _outcome(bridge_dst, tail))
    ignite_dst.load_state_dict(copy.deepcopy(src.state_dict()))
    assert_same(reference, _outcome(ignite_dst, tail))


def test_mutual_information_state_dict_resumes() -> None:
    """Ignite's MI state dict forgets the entropies; bridge's resumes to the uninterrupted value."""
    batches = make_batches("logits", [5, 6], 4, (), torch.float64, 2.0, seed=1)
    full = _outcome(MutualInformation(), batches)
    src, dst = MutualInformation(), MutualInformation()
    src.update(batches[0])
    dst.load_state_dict(src.state_dict())
    dst.update(batches[1])
    assert dst.compute() == pytest.approx(full, rel=1e-12)
    saved = src.state_dict()["__metric_state_per_rank"][0]
    assert list(saved) == ["_sum_of_probabilities", "_sum_of_entropies", "_num_examples"]


def test_sums_reduce_across_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every declared state attribute is all-reduced: rank 0's compute over two ranks' sums
    equals one metric fed both ranks' batches; the local state is restored afterwards."""
    for name, (cls, module, kind) in METRICS.items():
        rank0 = make_batches(kind, [5, 4], 3, (), torch.float64, 1.0, seed=7)
        rank1 = make_batches(kind, [6], 3, (), torch.float64, 1.0, seed=8)
        whole, local, other = cls(), cls(), cls()
        _outcome(whole, rank0 + rank1)
        _outcome(other, rank1)
        for b in rank0:
            local.update(b)
        before = [getattr(local, attr) for attr in module._STATE]
        reduced: list[str] = []
        other_values: Iterator = iter([getattr(other, attr) for attr in module._STATE])

        def all_reduce(value: Any, op: str = "SUM", reduced: list = reduced, others: Iterator = other_values) -> Any:
            assert op == "SUM"
            reduced.append(op)
            return value + next(others)

        monkeypatch.setattr(bm_metric.idist, "get_world_size", lambda: 2)
        monkeypatch.setattr(bm_metric.idist, "all_reduce", all_reduce)
        got = local.compute()
        monkeypatch.undo()
        assert len(reduced) == len(module._STATE) == len(cls._state_dict_all_req_keys)
        assert got == pytest.approx(whole.compute(), rel=1e-6), name
        assert all(getattr(local, a) is v for a, v in zip(module._STATE, before)), name


# ------------------------------------------------------------------------- errors


CASES: dict[str, tuple[torch.Tensor, torch.Tensor]] = {
    "1d": (torch.randn(5), torch.randn(5)),
    "0d": (torch.tensor(1.0), torch.tensor(1.0)),
    "int": (torch.randint(0, 5, (6, 3)), torch.randint(0, 5, (6, 3))),
    "bool": (torch.rand(6, 3) > 0.5, torch.rand(6, 3) > 0.5),
    "half": (torch.randn(6, 3).half(), torch.randn(6, 3).half()),
    "widths": (torch.randn(6, 3), torch.randn(6, 4)),
    "batches": (torch.randn(6, 3), torch.randn(5, 3)),
    "broadcast": (torch.randn(6, 3), torch.randn(1, 3)),
    "dtypes": (torch.randn(6, 3).double(), torch.randn(6, 3)),
    "empty": (torch.randn(0, 3), torch.randn(0, 3)),
    "three": (torch.randn(3, 3), torch.randn(3, 3)),
}

# (metric, case) -> bridge's outcome where it deliberately differs from Ignite's
DIFFERENT: dict[tuple[str, str], Any] = {
    # a 0-d tensor gets the shape error that a 1-d one gets (Ignite: an IndexError / RuntimeError)
    ("Entropy", "0d"): ValueError,
    ("MutualInformation", "0d"): ValueError,
    ("KLDivergence", "0d"): ValueError,
    ("JSDivergence", "0d"): ValueError,
    ("MaximumMeanDiscrepancy", "0d"): ValueError,
    # Ignite's HSIC fails in torch.quantile (float/double only) where its kernel does not need to
    ("HSIC", "int"): float,
    ("HSIC", "half"): float,
    # a 1-sample y against 6 samples: Ignite broadcasts its kernel to a NaN, bridge names the mismatch
    ("HSIC", "broadcast"): RuntimeError,
}


@pytest.mark.parametrize("name", sorted(METRICS))
def test_bad_inputs_raise_like_ignite(name: str) -> None:
    torch.manual_seed(0)
    cls = METRICS[name][0]
    for case, batch in CASES.items():
        expected = _outcome(getattr(im, name)(), [batch])
        got = _outcome(cls(), [batch])
        if (name, case) in DIFFERENT:
            want = DIFFERENT[name, case]
            assert isinstance(got, float) if want is float else got is want, (case, expected, got)
            assert expected != got
        else:
            assert type(got) is type(expected), (case, expected, got)
            if not isinstance(expected, float) or not math.isnan(expected):
                assert_same(expected, got, torch.float16 if case == "half" else torch.float32)


def test_error_messages_name_the_argument() -> None:
    with pytest.raises(ValueError, match=r"y_pred must be in the shape of \(B, C\)"):
        Entropy().update((torch.tensor(1.0), torch.tensor(0)))
    with pytest.raises(ValueError, match="y_pred and y must be in the same shape"):
        KLDivergence().update((torch.zeros(2, 3), torch.zeros(2, 4)))
    with pytest.raises(ValueError, match="x and y must be in the same shape"):
        MaximumMeanDiscrepancy().update((torch.zeros(2, 3), torch.zeros(3, 3)))
    with pytest.raises(IndexError, match=r"y must be in the shape of \(B, ...\), got \(4,\)"):
        CosineSimilarity().update((torch.zeros(4, 2), torch.zeros(4)))
    with pytest.raises(IndexError, match="y_pred must be in the shape"):
        HSIC().update((torch.zeros(4), torch.zeros(4, 2)))
    with pytest.raises(RuntimeError, match="as many samples, got 5 and 4"):
        HSIC().update((torch.randn(5, 2), torch.randn(4, 2)))
    # ignore_invalid_batch=False: Ignite's error type, with the right count in the message
    with pytest.raises(ValueError, match="at least four samples, got only 3"):
        HSIC(ignore_invalid_batch=False).update((torch.randn(3, 2), torch.randn(3, 2)))
    with pytest.raises(ValueError):
        im.HSIC(ignore_invalid_batch=False).update((torch.randn(3, 2), torch.randn(3, 2)))
    for name, (cls, _, _) in METRICS.items():
        with pytest.raises(NotComputableError, match=f"{name} must have at least one"):
            cls().compute()


# ------------------------------------------------------------------------- deliberate differences


def test_zero_probabilities_count_as_zero_entropy() -> None:
    """A masked class (logit -inf) adds nothing to the entropy; Ignite's 0 * log 0 gives NaN."""
    logits = torch.tensor([[1.0, 2.0, -math.inf], [0.5, -math.inf, 0.0]])
    kept = [torch.tensor([1.0, 2.0]), torch.tensor([0.5, 0.0])]
    h = sum(-(r.softmax(0) * r.log_softmax(0)).sum().item() for r in kept) / 2
    assert math.isnan(_outcome(im.Entropy(), [(logits, None)]))
    assert _outcome(Entropy(), [(logits, None)]) == pytest.approx(h)
    marginal = torch.stack([torch.cat([kept[0].softmax(0), torch.zeros(1)]), logits[1].softmax(0)]).mean(0)
    mi = -(marginal[marginal > 0] * marginal[marginal > 0].log()).sum().item() - h
    assert _outcome(MutualInformation(), [(logits, None)]) == pytest.approx(mi)
    assert math.isnan(_outcome(Entropy(), [(torch.tensor([[math.nan, 0.0]]), None)]))  # NaN input stays NaN


def test_js_stays_finite_where_both_probabilities_underflow() -> None:
    """Logits far apart: both probabilities of a class underflow in float32 and Ignite's log m is
    -inf (NaN result); the log-sum-exp of torchmetrics gives Ignite's own float64 value."""
    y_pred = torch.tensor([[0.0, -200.0, 0.0], [1.0, 2.0, 3.0]])
    y = torch.tensor([[0.0, -150.0, 5.0], [3.0, 2.0, 1.0]])
    assert math.isnan(_outcome(im.JSDivergence(), [(y_pred, y)]))
    reference = _outcome(im.JSDivergence(), [(y_pred.double(), y.double())])
    assert _outcome(JSDivergence(), [(y_pred, y)]) == pytest.approx(reference, rel=1e-6)


def test_mean_pairwise_distance_honours_skip_unrolling() -> None:
    """Ignite's MeanPairwiseDistance drops skip_unrolling; bridge's passes a multi-output on whole."""
    pred, target = torch.tensor([[3.0, 4.0]]), torch.tensor([[0.0, 0.0]])
    unrolled, whole = MeanPairwiseDistance(eps=0.0), MeanPairwiseDistance(eps=0.0, skip_unrolling=True)
    assert whole._skip_unrolling and not unrolled._skip_unrolling
    assert not im.MeanPairwiseDistance(skip_unrolling=True)._skip_unrolling
    engine = Engine(lambda e, b: b)
    unrolled.attach(engine, "unrolled")
    whole_pairs = MeanPairwiseDistance(
        eps=0.0, skip_unrolling=True, output_transform=lambda o: (torch.cat(o[0]), torch.cat(o[1]))
    )
    whole_pairs.attach(engine, "whole")
    metrics = engine.run([([pred, pred * 2], [target, target])]).metrics
    assert metrics == {"unrolled": 7.5, "whole": 7.5}


@FAST
@given(n=st.integers(1, 300), seed=st.integers(0, 1000), ties=st.booleans())
def test_median_is_quantile_one_half(n: int, seed: int, ties: bool) -> None:
    t = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    if ties:
        t = t.round()
    assert _median(t).item() == pytest.approx(torch.quantile(t, 0.5).item(), rel=1e-12, abs=1e-12)


# ------------------------------------------------------------------------- on engines


def _output_transforms() -> dict[str, Callable]:
    logits = lambda o: (o["logits"], o["target_logits"])  # noqa: E731
    features = lambda o: (o["x"], o["y"])  # noqa: E731
    return {name: logits if kind == "logits" else features for name, (_, _, kind) in METRICS.items()}


def _engine_data() -> list[dict[str, torch.Tensor]]:
    g = torch.Generator().manual_seed(11)
    batches = []
    for n in (6, 5, 8):
        x = torch.randn(n, 4, generator=g)
        batches.append(
            {"logits": torch.randn(n, 3, 2, generator=g), "target_logits": torch.randn(n, 3, 2, generator=g),
             "x": x, "y": x.sin() + 0.1 * torch.randn(n, 4, generator=g)}
        )  # fmt: skip
    return batches


def test_all_metrics_on_engines_match_ignite() -> None:
    transforms = _output_transforms()
    data = _engine_data()

    def run(engine_cls: type, events: Any, classes: dict[str, Any]) -> list:
        engine = engine_cls(lambda e, b: b)
        for name, cls in classes.items():
            cls(output_transform=transforms[name]).attach(engine, name)
        seen: list = []
        engine.add_event_handler(events.EPOCH_COMPLETED, lambda e: seen.append(dict(e.state.metrics)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            engine.run(data, max_epochs=2)
        return seen

    expected = run(IEngine, IEvents, {name: getattr(im, name) for name in METRICS})
    got = run(Engine, Events, {name: cls for name, (cls, _, _) in METRICS.items()})
    assert len(expected) == len(got) == 2
    for e, g in zip(expected, got):
        assert e.keys() == g.keys()
        for k in e:
            assert g[k] == pytest.approx(e[k], rel=2e-5, abs=1e-7), k


def test_class_relations_and_public_attributes_match_ignite() -> None:
    assert issubclass(JSDivergence, KLDivergence) and issubclass(im.JSDivergence, im.KLDivergence)
    assert issubclass(MutualInformation, Entropy) and issubclass(im.MutualInformation, im.Entropy)
    assert all(issubclass(cls, Metric) for cls, _, _ in METRICS.values())
    assert CosineSimilarity(eps=0.1).eps == im.CosineSimilarity(eps=0.1).eps == 0.1
    h, ih = HSIC(0.5, 2.0, False), im.HSIC(0.5, 2.0, False)
    assert (h.sigma_x, h.sigma_y, h.ignore_invalid_batch) == (ih.sigma_x, ih.sigma_y, ih.ignore_invalid_batch)
    assert MaximumMeanDiscrepancy(var=3.0).var == 3.0
    mpd, impd = MeanPairwiseDistance(p=3, eps=0.5), im.MeanPairwiseDistance(p=3, eps=0.5)
    assert (mpd._p, mpd._eps) == (impd._p, impd._eps)
    for name, (cls, _, _) in METRICS.items():
        if name != "MutualInformation":  # its state dict names all three sums (see above)
            assert cls._state_dict_all_req_keys == getattr(im, name)._state_dict_all_req_keys

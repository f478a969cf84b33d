"""SSIM, PSNR and the text metrics (Bleu, Rouge*, Perplexity, CharacterErrorRate) against pytorch-ignite.

Same batches to Ignite's metric and to bridge's, same ``compute()``; same errors for bad input;
state dicts that load across the two; the reductions a two-process run would do; the metrics on
a bridge ``Engine`` (on the validation engine of a plain ``pl.Trainer``: test_metrics_catalogue.py).
"""

from __future__ import annotations

import copy
import math
import random
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # the reference package's imports warn about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.metrics as im
    import ignite.metrics.nlp as inlp
    import ignite.metrics.nlp.rouge as irouge
    import ignite.metrics.nlp.utils as iutils
    from ignite.engine import Engine as IEngine
    from ignite.engine import Events as IEvents
    from ignite.exceptions import NotComputableError as INotComputableError

import bridge.metrics.metric as bm_metric
import bridge.metrics.nlp as bnlp
import bridge.metrics.nlp.rouge as brouge
import bridge.metrics.nlp.utils as butils
from bridge.engine import Engine, Events
from bridge.exceptions import NotComputableError
from bridge.metrics.psnr import PSNR
from bridge.metrics.ssim import SSIM

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- helpers


def assert_same(expected: Any, got: Any, rel: float = 1e-5) -> None:
    """Ignite's ``expected`` and bridge's ``got``: equal (allclose) and of the same kind."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor) and got.dtype == expected.dtype and got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=rel, atol=1e-7)
    elif isinstance(expected, dict):
        assert list(expected) == list(got)
        for k in expected:
            assert_same(expected[k], got[k], rel)
    else:
        assert type(got) is type(expected), (expected, got)
        if isinstance(expected, float) and math.isnan(expected):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(expected, rel=rel, abs=1e-7)


def _call(f: Callable, *args: Any) -> tuple[Any, BaseException | None]:
    try:
        return f(*args), None
    except Exception as e:  # the type and message are what we compare
        return None, e


def same_results(ignite_metric: Any, bridge_metric: Any, batches: list, rel: float = 1e-5) -> Any:
    """Feed ``batches`` to both metrics; errors (type) and ``compute()`` must agree. Returns Ignite's value."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for batch in batches:
            _, ie = _call(ignite_metric.update, batch)
            _, be = _call(bridge_metric.update, batch)
            assert type(be).__name__ == type(ie).__name__, (ie, be)
            if ie is not None:
                return None
        iv, ie = _call(ignite_metric.compute)
        bv, be = _call(bridge_metric.compute)
    if isinstance(ie, INotComputableError):
        assert isinstance(be, NotComputableError) and str(be) == str(ie)
        return None
    assert type(be) is type(ie), (ie, be)
    assert_same(iv, bv, rel)
    return iv


def same_error(make_ignite: Callable, make_bridge: Callable) -> None:
    """Both calls raise the same error type with the same message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, ie = _call(make_ignite)
        _, be = _call(make_bridge)
    assert ie is not None and be is not None, (ie, be)
    assert type(be).__name__ == type(ie).__name__ and str(be) == str(ie), (ie, be)


def split(items: Any, cuts: list[int]) -> list:
    """``items`` cut at the sorted positions ``cuts`` (batches, some possibly empty)."""
    bounds = [0, *sorted(c % (len(items) + 1) for c in cuts), len(items)]
    return [items[a:b] for a, b in zip(bounds, bounds[1:])]


@contextmanager
def two_ranks(other: Any) -> Iterator[None]:
    """A world of two for ``sync_all_reduce``: every SUM adds what rank 1 (``other``) holds for the same attribute.

    ``other.compute()`` first runs with a recording all_reduce: the decorator reduces the attributes
    in a fixed order, so the i-th reduction of this rank pairs with the i-th of the other.
    """
    recorded: list = []
    real_ws, real_reduce = bm_metric.idist.get_world_size, bm_metric.idist.all_reduce

    def record(tensor: Any, op: str = "SUM", group: Any = None) -> Any:
        recorded.append(tensor.clone() if isinstance(tensor, torch.Tensor) else tensor)
        return tensor

    def add_other(tensor: Any, op: str = "SUM", group: Any = None) -> Any:
        assert op == "SUM"
        return tensor + recorded.pop(0)

    bm_metric.idist.get_world_size = lambda: 2
    try:
        bm_metric.idist.all_reduce = record
        _call(other.compute)
        bm_metric.idist.all_reduce = add_other
        yield
        assert not recorded
    finally:
        bm_metric.idist.get_world_size, bm_metric.idist.all_reduce = real_ws, real_reduce


# ---------------------------------------------------------------- SSIM

odd = st.sampled_from([1, 3, 5, 7])


@st.composite
def ssim_cases(draw: Any) -> dict:
    ndims = draw(st.sampled_from([2, 2, 3]))
    per_axis = draw(st.booleans())
    return {
        "ndims": ndims,
        "batches": draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)),
        "channels": draw(st.integers(1, 3)),
        "spatial": tuple(draw(st.integers(7, 14 if ndims == 2 else 8)) for _ in range(ndims)),
        "kernel_size": [draw(odd) for _ in range(ndims)] if per_axis else draw(odd),
        "sigma": [draw(st.floats(0.5, 3.0)) for _ in range(ndims)] if per_axis else draw(st.floats(0.5, 3.0)),
        "gaussian": draw(st.booleans()),
        "k1": draw(st.sampled_from([0.01, 0.05])),
        "k2": draw(st.sampled_from([0.03, 0.1])),
        "data_range": draw(st.sampled_from([1.0, 2, 255.0])),
        "dtype": draw(st.sampled_from([torch.float32, torch.float64])),
        "seed": draw(st.integers(0, 10_000)),
    }


def image_batches(sizes: list[int], shape: tuple, dtype: torch.dtype, seed: int, scale: float = 1.0) -> list:
    g = torch.Generator().manual_seed(seed)
    out = []
    for n in sizes:
        y = torch.rand(n, *shape, generator=g, dtype=torch.float64) * scale
        y_pred = 0.8 * y + 0.2 * scale * torch.rand(n, *shape, generator=g, dtype=torch.float64)
        out.append((y_pred.to(dtype), y.to(dtype)))
    return out


@FAST
@given(ssim_cases())
def test_ssim_matches_ignite(case: dict) -> None:
    kw = {k: case[k] for k in ("kernel_size", "sigma", "gaussian", "k1", "k2", "ndims")}
    batches = image_batches(case["batches"], (case["channels"], *case["spatial"]), case["dtype"], case["seed"])
    value = same_results(im.SSIM(case["data_range"], **kw), SSIM(case["data_range"], **kw), batches)
    assert value is not None


def test_ssim_integer_images_channel_changes_and_identical_images() -> None:
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 256, (2, 3, 16, 16), generator=g, dtype=torch.uint8)
    y_pred = torch.clamp(y.int() + torch.randint(-20, 20, y.shape, generator=g), 0, 255).to(torch.uint8)
    gray = (y[:, :1], y_pred[:, :1])
    # integer images, then a different channel count (the window is re-expanded), then float64 (re-cast)
    batches = [(y_pred, y), gray, (y_pred.double(), y.double())]
    same_results(im.SSIM(255), SSIM(255), batches)
    same_results(im.SSIM(255, gaussian=False, kernel_size=3), SSIM(255, gaussian=False, kernel_size=3), batches)
    x = torch.rand(1, 1, 12, 12, generator=g)
    ssim = SSIM(1.0)
    ssim.update((x, x))
    assert ssim.compute() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ndims": 4},
        {"ndims": 1},
        {"kernel_size": [11]},
        {"kernel_size": [3, 3, 3]},
        {"kernel_size": [3, 3], "ndims": 3},
        {"kernel_size": 11.0},
        {"kernel_size": 4},
        {"kernel_size": [3, -1]},
        {"kernel_size": 0},
        {"sigma": 2},
        {"sigma": [1.5]},
        {"sigma": -1.0},
        {"sigma": [1.0, 0.0]},
        {"output_transform": "not callable"},
    ],
)
def test_ssim_bad_arguments_raise_like_ignite(kwargs: dict) -> None:
    same_error(lambda: im.SSIM(1.0, **kwargs), lambda: SSIM(1.0, **kwargs))


@pytest.mark.parametrize(
    "y_pred, y, ndims",
    [
        (torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8).double(), 2),
        (torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 9), 2),
        (torch.rand(2, 8, 8), torch.rand(2, 8, 8), 2),
        (torch.rand(2, 1, 8, 8), torch.rand(2, 1, 8, 8), 3),
        (torch.rand(2, 1, 4, 8, 8), torch.rand(2, 1, 4, 8, 8), 2),
        (torch.rand(2, 1, 4, 4), torch.rand(2, 1, 4, 4), 2),  # too small for the 11-wide window's reflection
    ],
)
def test_ssim_bad_inputs_raise_like_ignite(y_pred: torch.Tensor, y: torch.Tensor, ndims: int) -> None:
    same_error(
        lambda: im.SSIM(1.0, ndims=ndims).update((y_pred, y)), lambda: SSIM(1.0, ndims=ndims).update((y_pred, y))
    )
    same_error(lambda: im.SSIM(1.0).compute(), lambda: SSIM(1.0).compute())


# ---------------------------------------------------------------- PSNR


@FAST
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    extra=st.sampled_from([(), (5,), (3, 4, 4), (1, 2, 3, 2)]),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.uint8]),
    data_range=st.sampled_from([1.0, 255, 2.5]),
    identical=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_psnr_matches_ignite(sizes: list[int], extra: tuple, dtype: torch.dtype, data_range: float,
                             identical: bool, seed: int) -> None:  # fmt: skip
    scale = 255.0 if dtype == torch.uint8 else 1.0
    batches = image_batches(sizes, extra, dtype, seed, scale=scale)
    if identical:
        batches = [(y, y) for _, y in batches]
    value = same_results(im.PSNR(data_range), PSNR(data_range), batches)
    if identical:  # Ignite's 1e-10 guard: no infinity
        per_sample = 10 * math.log10(data_range**2 / 1e-10)
        # a 1-d batch is one PSNR over the batch, still divided by its size (Ignite's reading, kept)
        assert value == pytest.approx(per_sample if extra else per_sample * len(sizes) / sum(sizes))


@pytest.mark.parametrize(
    "y_pred, y",
    [
        (torch.rand(2, 3), torch.rand(2, 3).double()),
        (torch.rand(2, 3), torch.rand(2, 4)),
        (torch.rand(2, 3), torch.rand(3, 2)),
    ],
)
def test_psnr_bad_inputs_raise_like_ignite(y_pred: torch.Tensor, y: torch.Tensor) -> None:
    same_error(lambda: im.PSNR(1.0).update((y_pred, y)), lambda: PSNR(1.0).update((y_pred, y)))
    same_error(lambda: im.PSNR(1.0).compute(), lambda: PSNR(1.0).compute())


# ---------------------------------------------------------------- n-gram helpers

tokens = st.lists(st.sampled_from("abcde"), max_size=9)


@FAST
@given(a=tokens, b=tokens, refs=st.lists(tokens, min_size=1, max_size=3), n=st.integers(1, 4))
def test_ngram_helpers_match_ignite(a: list, b: list, refs: list, n: int) -> None:
    assert butils.ngrams(a, n) == iutils.ngrams(a, n)
    assert butils.lcs(a, b) == iutils.lcs(a, b)
    assert butils.modified_precision(refs, a, n) == iutils.modified_precision(refs, a, n)
    assert brouge.compute_ngram_scores(a, b, n) == irouge.compute_ngram_scores(a, b, n)
    assert brouge.compute_lcs_scores(a, b) == irouge.compute_lcs_scores(a, b)
    scores = [brouge.compute_ngram_scores(a, r, n) for r in refs]
    iscores = [irouge.compute_ngram_scores(a, r, n) for r in refs]
    assert brouge.MultiRefBestReducer()(scores) == irouge.MultiRefBestReducer()(iscores)
    assert brouge.MultiRefAverageReducer()(scores) == irouge.MultiRefAverageReducer()(iscores)


# ---------------------------------------------------------------- BLEU


@st.composite
def corpora(draw: Any) -> tuple[list, list, list[int]]:
    """Hypotheses and their references over a small vocabulary (so n-grams do match), and batch cuts."""
    size = draw(st.integers(1, 8))
    hyps = [draw(st.lists(st.sampled_from("abcd"), max_size=9)) for _ in range(size)]
    refs = [draw(st.lists(st.lists(st.sampled_from("abcd"), max_size=9), min_size=1, max_size=3)) for _ in range(size)]
    return hyps, refs, draw(st.lists(st.integers(0, 8), max_size=2))


@FAST
@given(
    corpus=corpora(),
    ngram=st.integers(1, 4),
    smooth=st.sampled_from(["no_smooth", "smooth1", "nltk_smooth2", "smooth2"]),
    average=st.sampled_from(["macro", "micro"]),
)
def test_bleu_matches_ignite(corpus: tuple, ngram: int, smooth: str, average: str) -> None:
    hyps, refs, cuts = corpus
    batches = list(zip(split(hyps, cuts), split(refs, cuts)))
    kw: dict[str, Any] = {"ngram": ngram, "smooth": smooth, "average": average}
    same_results(inlp.Bleu(**kw), bnlp.Bleu(**kw), batches, rel=1e-9)


def test_bleu_known_values_and_input_errors() -> None:
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    hyp = "the the the the the the the".split()
    for smooth in ("no_smooth", "smooth1", "nltk_smooth2", "smooth2"):
        value = same_results(inlp.Bleu(smooth=smooth), bnlp.Bleu(smooth=smooth), [([hyp], [refs])])
        assert value is not None
    # micro: the corpus is checked; macro pairs what zip pairs (Ignite's reading, kept)
    bad = ([hyp, hyp], [refs])
    same_error(lambda: inlp.Bleu(average="micro").update(bad), lambda: bnlp.Bleu(average="micro").update(bad))
    same_results(inlp.Bleu(), bnlp.Bleu(), [bad])
    no_refs: tuple[list, list] = ([hyp], [[]])
    same_error(lambda: inlp.Bleu().update(no_refs), lambda: bnlp.Bleu().update(no_refs))
    same_error(lambda: inlp.Bleu().compute(), lambda: bnlp.Bleu().compute())
    # micro with nothing seen is 0, as Ignite
    same_results(inlp.Bleu(average="micro"), bnlp.Bleu(average="micro"), [])


@pytest.mark.parametrize("kwargs", [{"ngram": 0}, {"smooth": "smooth3"}, {"average": "weighted"}, {"ngram": -1}])
def test_bleu_bad_arguments_raise_like_ignite(kwargs: dict) -> None:
    same_error(lambda: inlp.Bleu(**kwargs), lambda: bnlp.Bleu(**kwargs))


# ---------------------------------------------------------------- ROUGE


@FAST
@given(
    corpus=corpora(),
    which=st.sampled_from(["Rouge", "RougeN", "RougeL"]),
    variants=st.lists(st.sampled_from([1, 2, 3, "L"]), max_size=3),
    ngram=st.integers(1, 4),
    multiref=st.sampled_from(["average", "best"]),
    alpha=st.sampled_from([0.0, 0.5, 1.0, 0.2]),
)
def test_rouge_matches_ignite(corpus: tuple, which: str, variants: list, ngram: int, multiref: str,
                              alpha: float) -> None:  # fmt: skip
    hyps, refs, cuts = corpus
    batches = list(zip(split(hyps, cuts), split(refs, cuts)))
    kw: dict[str, Any] = {"multiref": multiref, "alpha": alpha}
    if which == "Rouge":
        kw["variants"] = variants
    elif which == "RougeN":
        kw["ngram"] = ngram
    same_results(getattr(inlp, which)(**kw), getattr(bnlp, which)(**kw), batches, rel=1e-9)


@pytest.mark.parametrize(
    "which, kwargs",
    [
        ("RougeN", {"ngram": 0}),
        ("RougeN", {"alpha": 1.5}),
        ("RougeL", {"alpha": -0.1}),
        ("RougeL", {"multiref": "worst"}),
        ("Rouge", {"variants": ["L", "X"]}),
        ("Rouge", {"variants": [0]}),
        ("Rouge", {"variants": [2.0]}),
        ("Rouge", {"multiref": "all"}),
    ],
)
def test_rouge_bad_arguments_raise_like_ignite(which: str, kwargs: dict) -> None:
    same_error(lambda: getattr(inlp, which)(**kwargs), lambda: getattr(bnlp, which)(**kwargs))
    same_error(lambda: getattr(inlp, which)().compute(), lambda: getattr(bnlp, which)().compute())


# ---------------------------------------------------------------- Perplexity


@FAST
@given(
    sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    vocab=st.integers(2, 6),
    extra=st.sampled_from([(), (4,), (2, 3)]),
    dtype=st.sampled_from([torch.float32, torch.float64]),
    ignore_index=st.sampled_from([-100, 0, 3]),
    scale=st.sampled_from([1.0, 40.0]),
    seed=st.integers(0, 10_000),
)
def test_perplexity_matches_ignite(sizes: list[int], vocab: int, extra: tuple, dtype: torch.dtype,
                                   ignore_index: int, scale: float, seed: int) -> None:  # fmt: skip
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        logits = (torch.randn(n, vocab, *extra, generator=g) * scale).to(dtype)
        y = torch.randint(0, vocab, (n, *extra), generator=g)
        y[torch.rand(y.shape, generator=g) < 0.2] = ignore_index
        batches.append((logits, y))
    same_results(inlp.Perplexity(ignore_index=ignore_index), bnlp.Perplexity(ignore_index=ignore_index), batches)


@pytest.mark.parametrize(
    "y_pred, y",
    [
        (torch.rand(4), torch.tensor(1)),
        (torch.rand(2, 3), torch.tensor(1)),
        (torch.rand(2, 3, 4), torch.tensor([1, 2])),
        (torch.rand(2, 3, 4), torch.zeros(3, 4, dtype=torch.long)),
        (torch.rand(2, 3, 4), torch.zeros(2, 5, dtype=torch.long)),
        (torch.rand(2, 3), torch.tensor([0, 7])),  # a target outside the vocabulary
        (torch.rand(2, 3), torch.tensor([-100, -100])),  # every token ignored: nothing to compute from
    ],
)
def test_perplexity_bad_inputs_raise_like_ignite(y_pred: torch.Tensor, y: torch.Tensor) -> None:
    same_results(inlp.Perplexity(), bnlp.Perplexity(), [(y_pred, y)])
    _, ie = _call(inlp.Perplexity().update, (y_pred, y))
    _, be = _call(bnlp.Perplexity().update, (y_pred, y))
    assert type(be) is type(ie) and (ie is None or str(be) == str(ie)), (ie, be)


# ---------------------------------------------------------------- CharacterErrorRate

text = st.text(alphabet="ab c", max_size=12)


@FAST
@given(
    batches=st.lists(
        st.one_of(
            st.tuples(text, text),
            st.integers(0, 4).flatmap(
                lambda n: st.tuples(st.lists(text, min_size=n, max_size=n), st.lists(text, min_size=n, max_size=n))
            ),
            st.tuples(text, st.lists(text, max_size=3)),  # a str beside a list: read char by char, or a length error
        ),
        max_size=4,
    )
)
def test_character_error_rate_matches_ignite(batches: list) -> None:
    same_results(inlp.CharacterErrorRate(), bnlp.CharacterErrorRate(), batches)


@pytest.mark.parametrize(
    "output",
    [(["a"], ("a",)), ((1,), ["a"]), ([1], ["a"]), (["a"], [b"a"]), (["a", "b"], ["a"]), ("ab", ["a"]), (None, "a")],
)
def test_character_error_rate_bad_inputs_raise_like_ignite(output: tuple) -> None:
    same_error(lambda: inlp.CharacterErrorRate().update(output), lambda: bnlp.CharacterErrorRate().update(output))


def test_character_error_rate_without_reference_characters() -> None:
    for batches in ([("", "")], [("abc", "")], [([""], [""]), ([], [])]):
        same_results(inlp.CharacterErrorRate(), bnlp.CharacterErrorRate(), batches)
    same_error(lambda: inlp.CharacterErrorRate().compute(), lambda: bnlp.CharacterErrorRate().compute())


# ---------------------------------------------------------------- state dicts and two ranks


def _images(seed: int) -> list:
    return image_batches([2, 3], (2, 12, 12), torch.float32, seed)


def _corpus(seed: int) -> list:
    rnd = random.Random(seed)
    words = lambda: [rnd.choice("abcd") for _ in range(rnd.randint(0, 7))]  # noqa: E731
    return [([words() for _ in range(3)], [[words() for _ in range(2)] for _ in range(3)]) for _ in range(2)]


def _tokens(seed: int) -> list:
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(2, 5, 3, generator=g), torch.randint(0, 5, (2, 3), generator=g)) for _ in range(2)]


def _strings(seed: int) -> list:
    rnd = random.Random(seed)
    s = lambda: "".join(rnd.choice("ab ") for _ in range(rnd.randint(0, 8)))  # noqa: E731
    return [([s() for _ in range(3)], [s() for _ in range(3)]) for _ in range(2)]


CASES: list[tuple[str, Callable, Callable, Callable]] = [
    ("SSIM", lambda: im.SSIM(1.0), lambda: SSIM(1.0), _images),
    ("SSIM3d", lambda: im.SSIM(1.0, kernel_size=3, ndims=3),
     lambda: SSIM(1.0, kernel_size=3, ndims=3), lambda s: [(p[:, :, None].expand(-1, -1, 4, -1, -1).contiguous(),
                                                             y[:, :, None].expand(-1, -1, 4, -1, -1).contiguous())
                                                            for p, y in _images(s)]),
    ("PSNR", lambda: im.PSNR(1.0), lambda: PSNR(1.0), _images),
    ("BleuMacro", lambda: inlp.Bleu(smooth="smooth1"), lambda: bnlp.Bleu(smooth="smooth1"), _corpus),
    ("BleuMicro", lambda: inlp.Bleu(ngram=2, average="micro"), lambda: bnlp.Bleu(ngram=2, average="micro"), _corpus),
    ("Rouge", lambda: inlp.Rouge(multiref="best"), lambda: bnlp.Rouge(multiref="best"), _corpus),
    ("RougeL", lambda: inlp.RougeL(alpha=0.5), lambda: bnlp.RougeL(alpha=0.5), _corpus),
    ("Perplexity", inlp.Perplexity, bnlp.Perplexity, _tokens),
    ("CER", inlp.CharacterErrorRate, bnlp.CharacterErrorRate, _strings),
]  # fmt: skip


@pytest.mark.parametrize("name, make_ignite, make_bridge, data", CASES, ids=[c[0] for c in CASES])
def test_state_dict_round_trip_and_from_ignite(name: str, make_ignite: Callable, make_bridge: Callable,
                                               data: Callable) -> None:  # fmt: skip
    first, second = data(1), data(2)
    ig, src = make_ignite(), make_bridge()
    for b in first:
        ig.update(b)
        src.update(b)
    # deep copies, as a checkpoint on disk: a state dict holds the metric's own tensors (in Ignite too)
    dst = make_bridge()
    dst.load_state_dict(copy.deepcopy(src.state_dict()))
    if name != "CER":  # Ignite's CharacterErrorRate saves nothing (bridge's saves its counts)
        from_ignite = make_bridge()
        from_ignite.load_state_dict(copy.deepcopy(ig.state_dict()))
    else:
        from_ignite = dst
    bridge_metrics = list({id(m): m for m in (src, dst, from_ignite)}.values())
    for b in second:
        for m in (ig, *bridge_metrics):
            m.update(b)
    expected = ig.compute()
    for m in (src, dst, from_ignite):
        assert_same(expected, m.compute())


@pytest.mark.parametrize("name, make_ignite, make_bridge, data", CASES, ids=[c[0] for c in CASES])
def test_two_ranks_reduce_to_the_whole_data(name: str, make_ignite: Callable, make_bridge: Callable,
                                            data: Callable) -> None:  # fmt: skip
    rank0, rank1, whole = make_bridge(), make_bridge(), make_ignite()
    for b in data(3):
        rank0.update(b)
        whole.update(b)
    for b in data(4):
        rank1.update(b)
        whole.update(b)
    expected = whole.compute()
    if name == "Rouge":  # each inner metric reduces on its own: pair them up
        got = {}
        for mine, theirs in zip(rank0.internal_metrics, rank1.internal_metrics):
            with two_ranks(theirs):
                got.update(mine.compute())
    else:
        with two_ranks(rank1):
            got = rank0.compute()
    assert_same(expected, got)


# ---------------------------------------------------------------- on engines


def _engine_data() -> list[dict]:
    data = []
    for i, ((p, y), (hyp, refs), (logits, tok), (sp, sy)) in enumerate(
        zip(_images(5) * 2, _corpus(6) * 2, _tokens(7) * 2, _strings(8) * 2)
    ):
        data.append({"img": (p + i * 0.01, y), "txt": (hyp, refs), "lm": (logits, tok), "chars": (sp, sy)})
    return data


def _key(k: str) -> Callable:
    return lambda out: out[k]


def _attach_all(lib_img: Any, lib_nlp: Any, engine: Any) -> None:
    lib_img.SSIM(1.0, output_transform=_key("img")).attach(engine, "ssim")
    lib_img.PSNR(1.0, output_transform=_key("img")).attach(engine, "psnr")
    lib_nlp.Bleu(ngram=2, smooth="smooth2", output_transform=_key("txt")).attach(engine, "bleu")
    lib_nlp.Bleu(ngram=2, average="micro", output_transform=_key("txt")).attach(engine, "bleu_micro")
    lib_nlp.Rouge(variants=[1, "L"], output_transform=_key("txt")).attach(engine, "rouge")
    lib_nlp.Perplexity(output_transform=_key("lm")).attach(engine, "ppl")
    lib_nlp.CharacterErrorRate(output_transform=_key("chars")).attach(engine, "cer")


class _BridgeImg:  # bridge's image metrics under the names _attach_all looks up (as on ignite.metrics)
    SSIM, PSNR = SSIM, PSNR


def test_metrics_on_an_engine_match_ignite() -> None:
    data = _engine_data()
    results: dict[str, list] = {"ignite": [], "bridge": []}
    for name, engine_cls, events, lib_img, lib_nlp in (
        ("ignite", IEngine, IEvents, im, inlp),
        ("bridge", Engine, Events, _BridgeImg, bnlp),
    ):
        engine = engine_cls(lambda e, b: b)
        _attach_all(lib_img, lib_nlp, engine)
        engine.add_event_handler(events.EPOCH_COMPLETED, lambda e, r=results[name]: r.append(dict(e.state.metrics)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            engine.run(data, max_epochs=2, epoch_length=3)
    assert len(results["bridge"]) == 2
    for expected, got in zip(results["ignite"], results["bridge"]):
        assert_same(expected, got)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_image_and_language_metrics_on_cuda_inputs_and_devices() -> None:
    images, tokens = _images(9), _tokens(10)
    for device in ("cpu", "cuda"):
        pairs = [
            (im.SSIM(1.0), SSIM(1.0, device=device), images),
            (im.SSIM(1.0, gaussian=False), SSIM(1.0, gaussian=False, device=device), images),
            (im.PSNR(1.0), PSNR(1.0, device=device), images),
            (inlp.Perplexity(), bnlp.Perplexity(device=device), tokens),
        ]
        for ig, br, data in pairs:
            for p, y in data:
                ig.update((p, y))
                br.update((p.cuda(), y.cuda()))
            assert_same(ig.compute(), br.compute())
    # cuda inputs first, then cpu ones: the window stays on cuda and the inputs follow, with Ignite's warning
    ssim = SSIM(1.0)
    ssim.update((images[0][0].cuda(), images[0][1].cuda()))
    with pytest.warns(UserWarning, match="y_pred tensor is on cpu device"):
        ssim.update(images[1])
    ref = im.SSIM(1.0)
    for b in images:
        ref.update(b)
    assert ssim.compute() == pytest.approx(ref.compute(), rel=1e-5)

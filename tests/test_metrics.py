"""bridge.metrics against pytorch-ignite's metrics: same inputs, same numbers, same errors."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # the reference package's imports warn about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.metrics as im
    import ignite.metrics.metric as im_metric
    from ignite.engine import Engine as IEngine
    from ignite.engine import Events as IEvents
    from ignite.exceptions import NotComputableError as INotComputableError

import bridge.metrics as bm
import bridge.metrics.metric as bm_metric
from bridge.engine import Engine, Events
from bridge.exceptions import NotComputableError

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- helpers


def assert_same(expected: Any, got: Any) -> None:
    """Ignite's value ``expected`` and bridge's ``got`` are equal (allclose), with the same kind."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"expected a tensor, got {got!r}"
        assert expected.shape == got.shape, (expected, got)
        torch.testing.assert_close(got.double(), expected.double(), rtol=1e-5, atol=1e-6, equal_nan=True)
    elif isinstance(expected, (tuple, list)):
        assert len(expected) == len(got)
        for e, g in zip(expected, got):
            assert_same(e, g)
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    elif not isinstance(expected, (int, float)):
        # e.g. NotImplemented from an unsupported operand, on both sides (newer pytest refuses approx here)
        assert got is expected or got == expected, (expected, got)
    else:
        assert not isinstance(got, torch.Tensor), f"expected {expected!r}, got a tensor {got!r}"
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-6)


def _call(f: Callable, *args: Any) -> tuple[Any, type | None]:
    try:
        return f(*args), None
    except Exception as e:  # the type is what we compare
        return None, type(e)


def same_results(ignite_metric: Any, bridge_metric: Any, batches: list) -> None:
    """Feed ``batches`` to both metrics (update by update) and compare errors and ``compute()``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for batch in batches:
            _, ie = _call(ignite_metric.update, batch)
            _, be = _call(bridge_metric.update, batch)
            assert be is ie or (ie is not None and be is not None and be.__name__ == ie.__name__), (ie, be)
            if ie is not None:
                return
        iv, ie = _call(ignite_metric.compute)
        bv, be = _call(bridge_metric.compute)
    if ie is INotComputableError:
        assert be is NotComputableError
        return
    assert be is ie, (ie, be)
    if ie is None:
        assert_same(iv, bv)


def classification_batches(
    kind: str, sizes: list[int], num_classes: int, extra: tuple[int, ...], seed: int, degenerate: bool,
    floats: bool = False,
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Random ``(y_pred, y)`` batches; ``degenerate``: some class is never predicted; ``floats``: 0/1
    values of binary and multilabel inputs as floats."""
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        if kind == "binary":
            y_pred = torch.randint(0, 2, (n, *extra), generator=g)
            y = torch.randint(0, 2, (n, *extra), generator=g)
            if degenerate:
                y_pred = torch.zeros_like(y_pred)
        elif kind == "multiclass":
            y_pred = torch.rand(n, num_classes, *extra, generator=g)
            y = torch.randint(0, num_classes, (n, *extra), generator=g)
            if degenerate:
                y_pred[:, 0] += 2.0  # class 0 always wins
        else:  # multilabel
            y_pred = torch.randint(0, 2, (n, num_classes, *extra), generator=g)
            y = torch.randint(0, 2, (n, num_classes, *extra), generator=g)
            if degenerate:
                y_pred[:, -1] = 0
        if floats and kind != "multiclass":
            y_pred, y = y_pred.float(), y.float()
        batches.append((y_pred, y))
    return batches


cls_cases = st.fixed_dictionaries(
    {
        "sizes": st.lists(st.integers(1, 6), min_size=1, max_size=4),
        "num_classes": st.integers(2, 5),
        "extra": st.sampled_from([(), (), (3,), (2, 2)]),
        "seed": st.integers(0, 10_000),
        "degenerate": st.booleans(),
        "floats": st.booleans(),
    }
)
KINDS = ["binary", "multiclass", "multilabel"]


# ---------------------------------------------------------------- classification


@FAST
@given(case=cls_cases, kind=st.sampled_from(KINDS))
def test_accuracy_matches_ignite(case: dict, kind: str) -> None:
    batches = classification_batches(kind, **case)
    ml = kind == "multilabel"
    same_results(im.Accuracy(is_multilabel=ml), bm.Accuracy(is_multilabel=ml), batches)


@FAST
@given(
    case=cls_cases,
    kind=st.sampled_from(KINDS),
    average=st.sampled_from([False, None, True, "macro", "micro", "weighted", "samples"]),
    recall=st.booleans(),
)
def test_precision_recall_match_ignite(case: dict, kind: str, average: Any, recall: bool) -> None:
    batches = classification_batches(kind, **case)
    ml = kind == "multilabel"
    ig, br = (im.Recall, bm.Recall) if recall else (im.Precision, bm.Precision)
    same_results(ig(average=average, is_multilabel=ml), br(average=average, is_multilabel=ml), batches)


@FAST
@given(
    case=cls_cases,
    kind=st.sampled_from(["binary", "multiclass"]),
    beta=st.sampled_from([0.5, 1.0, 2.0]),
    average=st.booleans(),
)
def test_fbeta_matches_ignite(case: dict, kind: str, beta: float, average: bool) -> None:
    batches = classification_batches(kind, **case)
    same_results(im.Fbeta(beta, average=average), bm.Fbeta(beta, average=average), batches)


@FAST
@given(case=cls_cases, average=st.sampled_from([None, "samples", "recall", "precision"]))
def test_confusion_matrix_matches_ignite(case: dict, average: str | None) -> None:
    batches = classification_batches("multiclass", **case)
    c = case["num_classes"]
    same_results(im.ConfusionMatrix(c, average=average), bm.ConfusionMatrix(c, average=average), batches)
    # targets out of range are ignored by both
    y_pred, y = batches[0]
    y = y.clone().flatten()
    y[0] = c
    same_results(im.ConfusionMatrix(c), bm.ConfusionMatrix(c), [(y_pred, y.view_as(batches[0][1]))])


@FAST
@given(case=cls_cases)
def test_confusion_matrix_derived_match_ignite(case: dict) -> None:
    batches = classification_batches("multiclass", **case)
    c = case["num_classes"]
    for name in ["IoU", "mIoU", "DiceCoefficient", "cmAccuracy", "cmPrecision", "cmRecall"]:
        ig, br = getattr(im.confusion_matrix, name), getattr(bm.confusion_matrix, name)
        same_results(ig(im.ConfusionMatrix(c)), br(bm.ConfusionMatrix(c)), batches)
    same_results(im.IoU(im.ConfusionMatrix(c), ignore_index=0), bm.IoU(bm.ConfusionMatrix(c), ignore_index=0), batches)


@FAST
@given(case=cls_cases, k=st.integers(1, 5))
def test_top_k_matches_ignite(case: dict, k: int) -> None:
    case = dict(case, extra=())
    batches = classification_batches("multiclass", **case)
    same_results(im.TopKCategoricalAccuracy(k), bm.TopKCategoricalAccuracy(k), batches)


BAD_CLASSIFICATION_INPUTS = [
    (torch.rand(4, 3, 2, 2), torch.randint(0, 3, (4,))),  # too many y_pred dims
    (torch.rand(4, 3), torch.randint(0, 3, (5,))),  # batch sizes differ
    (torch.rand(4), torch.randint(0, 2, (4,))),  # binary y_pred not 0/1
    (torch.randint(0, 2, (4,)), torch.randint(0, 3, (4,)) + 1),  # binary y not 0/1
    (torch.rand(4, 1), torch.randint(0, 2, (4,))),  # (N, 1) binary not 0/1
    (torch.randint(0, 2, (4, 1)), torch.randint(0, 2, (4, 1))),  # multilabel with one class
    (torch.rand(4, 3), torch.tensor([0, 1, 2, 5])),  # class out of range
]


@pytest.mark.parametrize("inputs", BAD_CLASSIFICATION_INPUTS)
@pytest.mark.parametrize("multilabel", [False, True])
def test_bad_classification_inputs_raise_like_ignite(inputs: tuple, multilabel: bool) -> None:
    for name in ["Accuracy", "Precision", "Recall"]:
        same_results(getattr(im, name)(is_multilabel=multilabel), getattr(bm, name)(is_multilabel=multilabel), [inputs])
    same_results(im.Precision(average="samples"), bm.Precision(average="samples"), [inputs])
    same_results(im.ConfusionMatrix(3), bm.ConfusionMatrix(3), [inputs])


def test_input_kind_changes_raise_like_ignite() -> None:
    changes = [
        [(torch.rand(4, 3), torch.randint(0, 3, (4,))), (torch.randint(0, 2, (4,)), torch.randint(0, 2, (4,)))],
        [(torch.rand(4, 3), torch.randint(0, 3, (4,))), (torch.rand(4, 4), torch.randint(0, 3, (4,)))],
    ]
    for batches in changes:
        same_results(im.Accuracy(), bm.Accuracy(), batches)
        same_results(im.Precision(), bm.Precision(), batches)
    with pytest.raises(ValueError, match="samples"):
        bm.Recall(average="samples").update((torch.rand(4, 3), torch.randint(0, 3, (4,))))
    with pytest.raises(ValueError):
        bm.Precision(average="median")
    with pytest.raises(ValueError):
        bm.ConfusionMatrix(1)
    with pytest.raises(ValueError):
        bm.Fbeta(0.0)


# ---------------------------------------------------------------- regression, loss, accumulation


reg_cases = st.fixed_dictionaries(
    {
        "sizes": st.lists(st.integers(1, 6), min_size=1, max_size=4),
        "shape": st.sampled_from([(), (1,), (3,), (2, 2)]),
        "seed": st.integers(0, 10_000),
    }
)


def regression_batches(sizes: list[int], shape: tuple[int, ...], seed: int) -> list:
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(n, *shape, generator=g), torch.randn(n, *shape, generator=g)) for n in sizes]


@FAST
@given(case=reg_cases)
def test_regression_metrics_match_ignite(case: dict) -> None:
    batches = regression_batches(**case)
    for name in ["MeanSquaredError", "MeanAbsoluteError", "RootMeanSquaredError"]:
        same_results(getattr(im, name)(), getattr(bm, name)(), batches)
    loss = torch.nn.functional.mse_loss
    same_results(im.Loss(loss), bm.Loss(loss), batches)
    double = lambda y: 2 * len(y)  # noqa: E731
    same_results(im.Loss(loss, batch_size=double), bm.Loss(loss, batch_size=double), batches)


@FAST
@given(case=reg_cases)
def test_accumulations_match_ignite(case: dict) -> None:
    batches = [y_pred for y_pred, _ in regression_batches(**case)]
    same_results(im.Average(), bm.Average(), batches)
    positive = [b.abs() + 0.1 for b in batches]
    same_results(im.GeometricAverage(), bm.GeometricAverage(), positive)
    scalars = [float(b.sum()) for b in batches]
    same_results(im.Average(), bm.Average(), scalars)
    same_results(im.VariableAccumulation(lambda a, x: a + x), bm.VariableAccumulation(lambda a, x: a + x), scalars)


def test_loss_errors_and_kwargs() -> None:
    batches = [(torch.randn(4, 3), torch.randint(0, 3, (4,)), {"reduction": "mean"})]
    same_results(im.Loss(torch.nn.functional.cross_entropy), bm.Loss(torch.nn.functional.cross_entropy), batches)
    no_reduction = [(torch.randn(4, 3), torch.randint(0, 3, (4,)), {"reduction": "none"})]
    same_results(im.Loss(torch.nn.functional.cross_entropy), bm.Loss(torch.nn.functional.cross_entropy), no_reduction)
    with pytest.raises(ValueError, match="average loss"):
        bm.Loss(torch.nn.functional.cross_entropy).update(no_reduction[0])
    with pytest.raises(TypeError):
        bm.Average().update("a string")
    with pytest.raises(TypeError):
        bm.Metric.__init__(bm.Accuracy(), output_transform=3)  # type: ignore[arg-type]


@FAST
@given(case=reg_cases)
def test_epoch_metric_matches_ignite(case: dict) -> None:
    case = dict(case, shape=case["shape"] if len(case["shape"]) <= 1 else (2,))

    def fn(p: torch.Tensor, y: torch.Tensor) -> float:
        return float(((p - y) ** 2).mean())

    batches = regression_batches(**case)
    same_results(im.EpochMetric(fn), bm.EpochMetric(fn), batches)


@FAST
@given(
    sizes=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    labels=st.sampled_from([0, 1, 3]),
    logits=st.booleans(),
    ties=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_roc_auc_matches_ignite(sizes: list[int], labels: int, logits: bool, ties: bool, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    shape = () if labels == 0 else (labels,)
    batches = []
    for n in sizes:
        scores = torch.randn(n, *shape, generator=g) * (20.0 if logits else 1.0)
        if not logits:
            scores = scores.sigmoid()
        if ties:
            scores = scores.round()
        batches.append((scores, torch.randint(0, 2, (n, *shape), generator=g)))
    same_results(im.ROC_AUC(), bm.ROC_AUC(), batches)  # incl. nan when a column has one class


def test_epoch_metric_errors_and_warning() -> None:
    with pytest.raises(TypeError):
        bm.EpochMetric(3)  # type: ignore[arg-type]
    bad_shape = [(torch.rand(2, 2, 2), torch.rand(2))]
    same_results(im.EpochMetric(lambda p, y: 0.0), bm.EpochMetric(lambda p, y: 0.0), bad_shape)
    mixed = [(torch.rand(2), torch.rand(2)), (torch.rand(2).double(), torch.rand(2))]
    same_results(im.EpochMetric(lambda p, y: 0.0), bm.EpochMetric(lambda p, y: 0.0), mixed)
    with pytest.warns(bm.epoch_metric.EpochMetricWarning):
        bm.EpochMetric(lambda p, y: 1 / 0).update((torch.rand(2), torch.rand(2)))


# ---------------------------------------------------------------- NotComputableError and lambdas


NOT_COMPUTABLE = [
    lambda: bm.Accuracy(),
    lambda: bm.Precision(),
    lambda: bm.Recall(average="macro"),
    lambda: bm.Fbeta(1.0),
    lambda: bm.ConfusionMatrix(3),
    lambda: bm.TopKCategoricalAccuracy(2),
    lambda: bm.MeanSquaredError(),
    lambda: bm.MeanAbsoluteError(),
    lambda: bm.RootMeanSquaredError(),
    lambda: bm.Loss(torch.nn.functional.mse_loss),
    lambda: bm.Average(),
    lambda: bm.GeometricAverage(),
    lambda: bm.EpochMetric(lambda p, y: 0.0),
    lambda: bm.ROC_AUC(),
    lambda: bm.TorchMetric(__import__("torchmetrics").AUROC(task="binary")),
]


@pytest.mark.parametrize("make", NOT_COMPUTABLE)
def test_not_computable_before_update(make: Callable) -> None:
    with pytest.raises(NotComputableError):
        make().compute()


def test_metric_arithmetic_matches_ignite() -> None:
    batches = classification_batches("multiclass", [5, 3], 3, (), seed=1, degenerate=False)

    def build(m: Any) -> list:
        acc, p, r = m.Accuracy(), m.Precision(average=False), m.Recall(average=False)
        return [
            acc + 1, 1 + acc, acc - 0.5, 2 - acc, acc * 3, 3 * acc, acc / 2, 2 / (acc + 1), acc**2, 2**acc,
            acc % 0.3, acc // 0.2, p[0], (p * r).mean(), p.sum().item(), (p + r)[1:],
            m.MetricsLambda(lambda a, b, scale=1.0: scale * (a + b), m.Accuracy(), 0.5, scale=m.Accuracy()),
        ]  # fmt: skip

    for ig, br in zip(build(im), build(bm)):
        assert isinstance(br, bm.MetricsLambda)
        same_results(ig, br, batches)


def test_metrics_lambda_update_while_attached_and_attach_after_update() -> None:
    lam = bm.Accuracy() * 2
    lam.update((torch.tensor([1, 0]), torch.tensor([1, 1])))
    with pytest.raises(ValueError, match="already updated"):
        lam.attach(Engine(lambda e, b: b), "x")
    lam2 = bm.Accuracy() * 2
    lam2.attach(Engine(lambda e, b: b), "x")
    with pytest.raises(ValueError, match="already attached"):
        lam2.update((torch.tensor([1, 0]), torch.tensor([1, 1])))


def test_dict_output_and_list_unrolling() -> None:
    class Output:
        pass

    acc = bm.Accuracy()
    fake = Output()
    fake.state = Output()  # type: ignore[attr-defined]
    output = {"y_pred": torch.tensor([[0.2, 0.8]]), "y": torch.tensor([1]), "x": 0}
    fake.state.output = output  # type: ignore[attr-defined]
    acc.iteration_completed(fake)  # type: ignore[arg-type]
    assert acc.compute() == 1.0
    fake.state.output = {"y_pred": torch.tensor([[0.2, 0.8]])}  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="keys"):
        acc.iteration_completed(fake)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        bm.Average().iteration_completed(fake)  # type: ignore[arg-type]
    # a (list, list) output is unrolled into one update per pair, as in Ignite
    mse, imse = bm.MeanSquaredError(), im.MeanSquaredError()
    fake.state.output = ([torch.tensor([1.0, 2.0]), 3.0], [torch.tensor([1.0, 4.0]), 5.0])  # type: ignore[attr-defined]
    mse.iteration_completed(fake)  # type: ignore[arg-type]
    imse.iteration_completed(fake)  # type: ignore[arg-type]
    assert mse.compute() == pytest.approx(imse.compute())


def test_state_dict_round_trip() -> None:
    batches = classification_batches("multiclass", [4, 3], 3, (), seed=2, degenerate=False)
    for make in [bm.Accuracy, lambda: bm.Precision(average="weighted"), lambda: bm.ConfusionMatrix(3)]:
        src = make()
        for b in batches:
            src.update(b)
        dst = make()
        dst.load_state_dict(src.state_dict())
        assert_same(src.compute(), dst.compute())
    with pytest.raises(ValueError):
        bm.Accuracy().load_state_dict({"x": 1})
    # metrics holding metrics, lists and None: RunningAverage, MetricsLambda, EpochMetric
    def fed(make: Callable, feed: Callable) -> tuple:
        src, dst = make(), make()
        for b in batches:
            feed(src, b)
        dst.load_state_dict(src.state_dict())
        return src, dst

    def feed_ra_src(m: Any, b: Any) -> None:
        m.src.update(b)
        m.update(None)

    cases = [
        (lambda: bm.RunningAverage(bm.Accuracy(), alpha=0.5), feed_ra_src),
        (lambda: bm.RunningAverage(output_transform=lambda o: o, alpha=0.5), lambda m, b: m.update(b[0].mean())),
        (lambda: bm.Precision(average=False).mean() * 2, lambda m, b: m.update(b)),
        (lambda: bm.EpochMetric(lambda p, y: float(p.sum())), lambda m, b: m.update((b[0][:, 0], b[1]))),
    ]
    for make, feed in cases:
        src, dst = fed(make, feed)
        assert_same(src.compute(), dst.compute())


# ---------------------------------------------------------------- engines: usages, detach, running average


def usage_pair(name: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    return getattr(im_metric, name)(*args, **kwargs), getattr(bm_metric, name)(*args, **kwargs)


def run_traced(engine_cls: type, events: Any, attach: Callable, data: list, **run_kwargs: Any) -> list:
    engine = engine_cls(lambda e, b: b)
    attach(engine)
    trace: list = []
    for ev in (events.ITERATION_COMPLETED, events.EPOCH_COMPLETED, events.COMPLETED):
        engine.add_event_handler(ev, lambda e, ev=ev: trace.append((ev.name, e.state.iteration, dict(e.state.metrics))))
    engine.run(data, **run_kwargs)
    return trace


def assert_same_traces(ig_trace: list, br_trace: list) -> None:
    assert len(ig_trace) == len(br_trace)
    for (ie, ii, im_), (be, bi, bm_) in zip(ig_trace, br_trace):
        assert (ie, ii) == (be, bi)
        assert im_.keys() == bm_.keys(), (ie, ii, im_, bm_)
        for k in im_:
            assert_same(im_[k], bm_[k])


DATA = classification_batches("multiclass", [3, 2, 4, 1, 2], 3, (), seed=3, degenerate=False)


@pytest.mark.parametrize(
    "usage",
    [
        ("EpochWise",),
        ("RunningEpochWise",),
        ("BatchWise",),
        ("RunningBatchWise",),
        ("SingleEpochRunningBatchWise",),
        ("BatchFiltered", {"every": 2}),
        ("epoch_wise",),
        ("batch_wise",),
    ],
)
def test_usages_on_engines_match_ignite(usage: tuple) -> None:
    if usage[0].islower():
        iu = bu = usage[0]
    else:
        iu, bu = usage_pair(usage[0], **(usage[1] if len(usage) > 1 else {}))

    def attach(lib: Any, u: Any) -> Callable:
        def f(engine: Any) -> None:
            lib.Accuracy().attach(engine, "acc", usage=u)
            (lib.Precision(average=False) * 2)[0].attach(engine, "p0", usage=u)

        return f

    ig = run_traced(IEngine, IEvents, attach(im, iu), DATA, max_epochs=2, epoch_length=3)
    br = run_traced(Engine, Events, attach(bm, bu), DATA, max_epochs=2, epoch_length=3)
    assert_same_traces(ig, br)


def test_all_metrics_on_engines_match_ignite() -> None:
    def attach(lib: Any) -> Callable:
        def f(engine: Any) -> None:
            lib.Accuracy().attach(engine, "acc")
            lib.Precision(average="weighted").attach(engine, "p")
            lib.Recall(average=False).attach(engine, "r")
            lib.Fbeta(2.0).attach(engine, "f2")
            lib.ConfusionMatrix(3, average="recall").attach(engine, "cm")
            lib.TopKCategoricalAccuracy(2).attach(engine, "top2")
            lib.Loss(torch.nn.functional.cross_entropy).attach(engine, "loss")
            lib.MeanSquaredError(output_transform=lambda o: (o[0][:, 0], o[1].float())).attach(engine, "mse")
            lib.Average(output_transform=lambda o: o[0]).attach(engine, "avg")
            first_score = lambda o: (o[0][:, 0], o[1])  # noqa: E731
            lib.EpochMetric(lambda p, y: float(p.sum()), output_transform=first_score).attach(engine, "em")

        return f

    ig = run_traced(IEngine, IEvents, attach(im), DATA, max_epochs=2, epoch_length=4)
    br = run_traced(Engine, Events, attach(bm), DATA, max_epochs=2, epoch_length=4)
    assert_same_traces(ig, br)


def test_running_average_on_engines_matches_ignite() -> None:
    def attach(lib: Any) -> Callable:
        def f(engine: Any) -> None:
            lib.RunningAverage(lib.Accuracy(), alpha=0.7).attach(engine, "ra_acc")
            lib.RunningAverage(output_transform=lambda o: o[0].mean(), alpha=0.5).attach(engine, "ra_out")
            lib.RunningAverage(lib.Accuracy(), alpha=0.9).attach(
                engine, "ra_single", usage=lib.metric.SingleEpochRunningBatchWise()
            )
            mse = lib.MeanSquaredError(output_transform=lambda o: (o[0][:, 0], o[1].float()))
            lib.RunningAverage(mse, alpha=0.6).attach(engine, "ra_epoch", usage=lib.metric.RunningEpochWise())

        return f

    ig = run_traced(IEngine, IEvents, attach(im), DATA, max_epochs=2, epoch_length=3)
    br = run_traced(Engine, Events, attach(bm), DATA, max_epochs=2, epoch_length=3)
    assert_same_traces(ig, br)


def test_running_average_epoch_bound_deprecation_matches_ignite() -> None:
    def attach(lib: Any, bound: bool) -> Callable:
        def f(engine: Any) -> None:
            with pytest.warns(UserWarning, match="epoch_bound"):
                ra = lib.RunningAverage(lib.Accuracy(), alpha=0.5, epoch_bound=bound)
            ra.attach(engine, "ra", usage="batch_wise")  # epoch_bound overrides the usage

        return f

    for bound in (True, False):
        ig = run_traced(IEngine, IEvents, attach(im, bound), DATA, max_epochs=2, epoch_length=3)
        br = run_traced(Engine, Events, attach(bm, bound), DATA, max_epochs=2, epoch_length=3)
        assert_same_traces(ig, br)


def test_running_average_argument_errors() -> None:
    for kwargs, err in [
        ({"src": 3}, TypeError),
        ({"alpha": 0.0, "output_transform": lambda x: x}, ValueError),
        ({"src": bm.Accuracy(), "output_transform": lambda x: x}, ValueError),
        ({"src": bm.Accuracy(), "device": "cpu"}, ValueError),
        ({}, ValueError),
    ]:
        with pytest.raises(err):
            bm.RunningAverage(**kwargs)


def test_attach_detach_is_attached_like_ignite() -> None:
    for lib, engine_cls in ((im, IEngine), (bm, Engine)):
        engine = engine_cls(lambda e, b: b)
        acc = lib.Accuracy()
        assert not acc.is_attached(engine)
        acc.attach(engine, "acc")
        assert acc.is_attached(engine) and not acc.is_attached(engine, usage="batch_wise")
        acc.attach(engine, "acc_b", usage="batch_wise")
        assert acc.is_attached(engine, usage="batch_wise")
        acc.detach(engine)
        assert not acc.is_attached(engine) and acc.is_attached(engine, usage="batch_wise")
        acc.detach(engine, usage="batch_wise")
        assert not acc.is_attached(engine, usage="batch_wise")
        assert engine.run(DATA[:2]).metrics == {}
        lam = lib.Precision(average=False).mean()
        lam.attach(engine, "p")
        assert lam.is_attached(engine)
        lam.detach(engine)
        assert not lam.is_attached(engine)
        ra = lib.RunningAverage(lib.Accuracy())
        ra.attach(engine, "ra")
        assert ra.is_attached(engine, usage="running_batch_wise")
        ra.detach(engine)
        assert not ra.is_attached(engine, usage="running_batch_wise")
        with pytest.raises(ValueError):
            acc.attach(engine, "x", usage="sometimes")
        with pytest.raises(TypeError):
            acc.attach(engine, "x", usage=3)


def test_metric_dict_results_flatten_on_engine() -> None:
    class Both(bm.Metric):
        def reset(self) -> None:
            self.n = 0

        def update(self, output: Any) -> None:
            self.n += 1

        def compute(self) -> dict:
            return {"a": self.n, "b": 2 * self.n}

    engine = Engine(lambda e, b: b)
    Both().attach(engine, "both")
    Both(metrics_result_mode="flatten").attach(engine, "flat")
    metrics = engine.run(DATA[:2]).metrics
    assert metrics == {"a": 2, "b": 4, "both": {"a": 2, "b": 4}}


# ---------------------------------------------------------------- torchmetrics adapter


def test_torch_metric_auroc_against_sklearn_and_torchmetrics() -> None:
    import torchmetrics
    from sklearn.metrics import roc_auc_score

    g = torch.Generator().manual_seed(0)
    data = [(torch.rand(n, generator=g), torch.randint(0, 2, (n,), generator=g)) for n in (5, 7, 4)]
    engine = Engine(lambda e, b: b)
    tm = bm.TorchMetric(torchmetrics.AUROC(task="binary"))
    tm.attach(engine, "auc")
    trace: list = []
    engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: trace.append(e.state.metrics["auc"]))
    engine.run(data, max_epochs=2)
    preds, target = torch.cat([p for p, _ in data]), torch.cat([t for _, t in data])
    expected = roc_auc_score(target.numpy(), preds.numpy())
    assert all(isinstance(v, float) for v in trace)
    assert trace == pytest.approx([expected, expected])  # reset at each epoch
    # the same as an EpochMetric over torchmetrics' functional AUROC
    from torchmetrics.functional.classification import binary_auroc

    em = bm.EpochMetric(lambda p, y: binary_auroc(p, y).item(), check_compute_fn=False)
    for b in data:
        em.update(b)
    assert em.compute() == pytest.approx(expected)


def test_torch_metric_output_transform_tensor_results_and_errors() -> None:
    import torchmetrics

    engine = Engine(lambda e, b: {"logits": b[0], "target": b[1]})
    cm = bm.TorchMetric(
        torchmetrics.ConfusionMatrix(task="multiclass", num_classes=3),
        output_transform=lambda o: (o["logits"], o["target"]),
    )
    cm.attach(engine, "cm")
    acc = bm.TorchMetric(
        torchmetrics.Accuracy(task="multiclass", num_classes=3), output_transform=lambda o: (o["logits"], o["target"])
    )
    acc.attach(engine, "acc", usage=bm.RunningBatchWise())
    ref = bm.Accuracy(output_transform=lambda o: (o["logits"], o["target"]))
    ref.attach(engine, "ref", usage=bm.RunningBatchWise())
    ref_cm = bm.ConfusionMatrix(3, output_transform=lambda o: (o["logits"], o["target"]))
    ref_cm.attach(engine, "ref_cm")
    metrics = engine.run(DATA).metrics
    assert torch.equal(metrics["cm"], metrics["ref_cm"])
    assert metrics["acc"] == pytest.approx(metrics["ref"])
    with pytest.raises(TypeError):
        bm.TorchMetric(torch.nn.Linear(2, 2))  # type: ignore[arg-type]


# ---------------------------------------------------------------- CUDA
# (every metric on a plain pl.Trainer's validation engine: tests/test_metrics_catalogue.py)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_metrics_on_cuda_inputs_and_devices() -> None:
    batches = classification_batches("multiclass", [5, 3], 3, (2,), seed=4, degenerate=False)
    on_gpu = [(p.cuda(), y.cuda()) for p, y in batches]
    for device in ("cpu", "cuda"):
        for ig, br in [
            (im.Accuracy(), bm.Accuracy(device=device)),
            (im.Precision(average=False), bm.Precision(average=False, device=device)),
            (im.Recall(average="weighted"), bm.Recall(average="weighted", device=device)),
            (im.ConfusionMatrix(3), bm.ConfusionMatrix(3, device=device)),
        ]:
            for b_cpu, b_gpu in zip(batches, on_gpu):
                ig.update(b_cpu)
                br.update(b_gpu)
            expected, got = ig.compute(), br.compute()
            assert_same(expected, got.cpu() if isinstance(got, torch.Tensor) else got)

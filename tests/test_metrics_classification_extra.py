"""AveragePrecision, PrecisionRecallCurve, RocCurve, CohenKappa, MatthewsCorrCoef, MultiLabelConfusionMatrix and
ClassificationReport against pytorch-ignite's (which call scikit-learn): same batches, same numbers, same errors."""

from __future__ import annotations

import json
import math
import sys
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
    from ignite.engine import Engine as IEngine
    from ignite.exceptions import NotComputableError as INotComputableError

from bridge.engine import Engine, Events
from bridge.exceptions import NotComputableError
from bridge.metrics._ranking import binary_clf_counts, roc_from_counts
from bridge.metrics.average_precision import AveragePrecision
from bridge.metrics.classification_report import ClassificationReport
from bridge.metrics.cohen_kappa import CohenKappa
from bridge.metrics.matthews_corrcoef import MatthewsCorrCoef
from bridge.metrics.multilabel_confusion_matrix import MultiLabelConfusionMatrix
from bridge.metrics.precision_recall_curve import PrecisionRecallCurve
from bridge.metrics.roc_auc import ROC_AUC, RocCurve

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- helpers


def assert_same(expected: Any, got: Any) -> None:
    """Ignite's value ``expected`` (numpy floats included) and bridge's ``got`` are equal, of the same kind."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor), f"expected a tensor, got {got!r}"
        assert (expected.shape, expected.dtype) == (got.shape, got.dtype), (expected, got)
        torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12, equal_nan=True)
    elif isinstance(expected, (tuple, list)):
        assert isinstance(got, type(expected)) and len(expected) == len(got)
        for e, g in zip(expected, got):
            assert_same(e, g)
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and list(expected) == list(got), (expected, got)
        for k in expected:
            assert_same(expected[k], got[k])
    elif isinstance(expected, str):
        assert_same(json.loads(expected), json.loads(got))
    elif math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got)
    else:
        assert isinstance(got, float), f"expected a float, got {got!r}"
        assert got == pytest.approx(float(expected), rel=1e-12, abs=1e-12)


def _call(f: Callable, *args: Any) -> tuple[Any, type | None]:
    try:
        return f(*args), None
    except Exception as e:  # the type is what we compare
        return None, type(e)


def same_results(ignite_metric: Any, bridge_metric: Any, batches: list) -> type | None:
    """Feed ``batches`` to both metrics, compare the errors or ``compute()``; return the error type, if any."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for batch in batches:
            _, ie = _call(ignite_metric.update, batch)
            _, be = _call(bridge_metric.update, batch)
            assert (be.__name__ if be else None) == (ie.__name__ if ie else None), (ie, be)
            if ie is not None:
                return ie
        iv, ie = _call(ignite_metric.compute)
        bv, be = _call(bridge_metric.compute)
    if ie is INotComputableError:
        assert be is NotComputableError
        return ie
    assert be is ie, (ie, be)
    if ie is None:
        assert_same(iv, bv)
    return ie


def pair(name: str, bridge_cls: Callable, **kwargs: Any) -> tuple[Any, Any]:
    return getattr(im, name)(**kwargs), bridge_cls(**kwargs)


def scores_like(n: int, shape: tuple[int, ...], style: str, g: torch.Generator) -> torch.Tensor:
    """Scores of a style: probabilities, large logits (which a sigmoid would merge), few distinct values, ints."""
    if style == "logits":
        return torch.randn(n, *shape, generator=g) * 40.0
    if style == "ties":
        return torch.randint(0, 3, (n, *shape), generator=g).float() / 2
    if style == "int":
        return torch.randint(-2, 3, (n, *shape), generator=g)
    if style == "double":
        return torch.rand(n, *shape, generator=g, dtype=torch.float64)
    return torch.rand(n, *shape, generator=g)


sizes_st = st.lists(st.integers(1, 7), min_size=1, max_size=4)
style_st = st.sampled_from(["probs", "logits", "ties", "int", "double"])


# ---------------------------------------------------------------- ranking metrics (scikit-learn's in Ignite)


@FAST
@given(
    sizes=sizes_st,
    style=style_st,
    labels=st.sampled_from(["01", "-11", "01float", "bool", "02"]),
    seed=st.integers(0, 9999),
)
def test_binary_curves_and_average_precision_match_ignite(sizes: list[int], style: str, labels: str, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        y = torch.randint(0, 2, (n,), generator=g)
        y = {"01": y, "-11": 2 * y - 1, "01float": y.float(), "bool": y.bool(), "02": 2 * y}[labels]
        batches.append((scores_like(n, (), style, g), y))
    # one class missing (nan rates, recall of one) happens on small epochs; both sides agree on it too
    same_results(*pair("RocCurve", RocCurve), batches)
    same_results(*pair("PrecisionRecallCurve", PrecisionRecallCurve), batches)
    same_results(*pair("AveragePrecision", AveragePrecision), batches)
    same_results(*pair("ROC_AUC", ROC_AUC), batches)


@FAST
@given(sizes=sizes_st, style=style_st, labels=st.integers(2, 4), seed=st.integers(0, 9999))
def test_average_precision_multilabel_and_multiclass_match_ignite(
    sizes: list[int], style: str, labels: int, seed: int
) -> None:
    g = torch.Generator().manual_seed(seed)
    multilabel = [(scores_like(n, (labels,), style, g), torch.randint(0, 2, (n, labels), generator=g)) for n in sizes]
    same_results(*pair("AveragePrecision", AveragePrecision), multilabel)  # a label without positives scores 0
    same_results(*pair("ROC_AUC", ROC_AUC), multilabel)  # nan when a label column holds one class
    # multiclass (3+ classes): one column of scores per class present, one-vs-rest
    classes = labels + 1
    y = torch.cat([torch.arange(classes), torch.randint(0, classes, (sum(sizes),), generator=g)])
    y = y[torch.randperm(len(y), generator=g)] * 2 - 1  # labels -1, 1, 3, ...: columns follow the sorted labels
    scores = scores_like(len(y), (classes,), style, g)
    multiclass = [(scores[:3], y[:3]), (scores[3:], y[3:])]
    assert same_results(*pair("AveragePrecision", AveragePrecision), multiclass) is None


def test_roc_curve_drops_collinear_points_like_sklearn() -> None:
    # runs of positives / negatives over distinct scores are straight lines: sklearn keeps only their ends
    g = torch.Generator().manual_seed(0)
    y = torch.repeat_interleave(torch.tensor([1, 0, 1, 0, 1, 0]), torch.tensor([30, 5, 12, 40, 3, 10]))
    scores = torch.randperm(len(y), generator=g).float()
    y = y[scores.argsort(descending=True).argsort()]  # y's runs in decreasing score order
    noisy = torch.cat([torch.randint(0, 40, (2000,), generator=g).float(), scores + 0.5])
    for batch in [(scores, y), (noisy, torch.cat([torch.randint(0, 2, (2000,), generator=g), y]))]:
        same_results(*pair("RocCurve", RocCurve), [batch])
    fps, tps, thr = binary_clf_counts(scores, y == 1)
    fpr, tpr, kept = roc_from_counts(fps, tps, thr)
    assert kept[0] == math.inf  # (0, 0), the first threshold, then the ends of the runs
    assert fpr.tolist() == [0.0, 0.0, 0.0, 5 / 55, 5 / 55, 45 / 55, 45 / 55, 1.0]
    assert tpr.tolist() == [0.0, 1 / 45, 30 / 45, 30 / 45, 42 / 45, 42 / 45, 1.0, 1.0]
    full = roc_from_counts(fps, tps, thr, drop_intermediate=False)[2]
    assert len(full) == len(y) + 1 and full[0] == math.inf


def test_curves_on_a_large_epoch_match_sklearn_exactly() -> None:
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_curve

    g = torch.Generator().manual_seed(1)
    scores = (torch.randn(50_000, generator=g) * 3).round(decimals=2)  # many ties
    y = (torch.rand(50_000, generator=g) < torch.sigmoid(scores)).long()
    fps, tps, thr = binary_clf_counts(scores, y == 1)
    for got, expected in zip(roc_from_counts(fps, tps, thr), roc_curve(y.numpy(), scores.numpy())):
        assert torch.equal(got, torch.from_numpy(expected.copy()).double())
    metric = PrecisionRecallCurve()
    metric.update((scores, y))
    for got, expected in zip(metric.compute(), precision_recall_curve(y.numpy(), scores.numpy())):
        assert torch.equal(got, torch.from_numpy(expected.copy()).double())
    ap = AveragePrecision()
    ap.update((scores, y))
    assert ap.compute() == pytest.approx(average_precision_score(y.numpy(), scores.numpy()), rel=1e-12)


T = torch.tensor
RANKING_BAD_INPUTS = [
    (torch.rand(4), T([0, 2, 2, 0])),  # labels without 1 / not {0, 1} or {-1, 1}
    (torch.rand(4), T([2, 2, 2, 2])),
    (torch.rand(4), T([0.5, 1.0, 0.0, 0.0])),  # continuous targets
    (torch.rand(4), T([0, 1, 2, 0])),  # multiclass targets with 1-d scores
    (torch.rand(4, 2), T([[0, 1], [1, 0], [0, 1], [1, 0]])),  # multilabel: fine for AP only
    (torch.rand(4, 2), T([0, 1, 1, 0])),  # 2-d scores for a binary target
    (torch.rand(4, 2), T([[0, 2], [1, 0], [0, 1], [1, 0]])),  # multiclass-multioutput
    (torch.rand(4), T([0, 1, 1])),  # lengths differ
    (T([0.1, float("nan"), 0.3]), T([0, 1, 1])),
    (T([0.1, float("inf"), 0.3]), T([0, 1, 1])),
    (torch.rand(5, 3), T([0, 1, 1, 1, 0])),  # 3 score columns, 2 classes present
    (torch.rand(5, 4), T([0, 1, 2, 1, 0])),  # 4 score columns, 3 classes present
    (torch.rand(4), T([[0, 1], [1, 0], [0, 1], [1, 0]])),  # 1-d scores for multilabel targets
    (torch.rand(2, 2, 2), T([0, 1])),  # EpochMetric's shape check
    (torch.rand(4, 3), T([0, 1, 1, 0])),  # 3 score columns for a binary target
    (torch.rand(4, 2), T([[2, 3], [3, 3], [2, 2], [3, 2]])),  # multilabel with labels {2, 3}
]


@pytest.mark.parametrize("inputs", RANKING_BAD_INPUTS)
@pytest.mark.parametrize("metric", [("AveragePrecision", AveragePrecision), ("PrecisionRecallCurve",
                                    PrecisionRecallCurve), ("RocCurve", RocCurve), ("ROC_AUC", ROC_AUC)])  # fmt: skip
def test_ranking_bad_inputs_raise_like_ignite(inputs: tuple, metric: tuple) -> None:
    same_results(*pair(*metric), [inputs])


def test_ranking_inputs_sklearn_refuses_differently() -> None:
    # Ignite raises IndexError (or computes on the first columns) when the multilabel score and target
    # shapes differ, and an IndexError/broadcast error on an empty epoch: bridge says what is wrong
    for columns, cls in ((1, AveragePrecision), (3, AveragePrecision), (3, ROC_AUC)):
        m = cls()
        m.update((torch.rand(4, columns), T([[0, 1], [1, 0], [0, 1], [1, 0]])))
        with pytest.raises(ValueError, match="same shape"):
            m.compute()
    m = AveragePrecision()
    m.update((torch.rand(4, 1), T([[0], [1], [1], [0]])))  # (N, 1) is squeezed, as in Ignite
    assert isinstance(m.compute(), float)
    for cls in (AveragePrecision, PrecisionRecallCurve, RocCurve, ROC_AUC):
        m = cls()
        m.update((torch.zeros(0), torch.zeros(0)))
        with pytest.raises(ValueError, match="empty"):
            m.compute()


def test_missing_class_warnings_and_values() -> None:
    scores = T([0.1, 0.4, 0.35, 0.8])
    roc = RocCurve()
    roc.update((scores, T([0, 0, 0, 0])))
    with pytest.warns(UserWarning, match="No positive samples in y_true"):
        fpr, tpr, thresholds = roc.compute()
    assert fpr.tolist() == [0.0, 0.25, 1.0] and torch.isnan(tpr).all() and thresholds[0] == math.inf
    pr = PrecisionRecallCurve()
    pr.update((scores, T([0, 0, 0, 0])))
    with pytest.warns(UserWarning, match="recall is set to one"):
        precision, recall, _ = pr.compute()
    assert precision.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0] and recall.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]
    ap = AveragePrecision()
    ap.update((scores, T([0, 0, 0, 0])))
    with pytest.warns(UserWarning, match="recall is set to one"):
        assert ap.compute() == 0.0


# ---------------------------------------------------------------- label metrics


@FAST
@given(
    sizes=sizes_st,
    classes=st.integers(1, 5),
    form=st.sampled_from(["labels", "scores", "onehot", "pm1", "float_labels"]),
    seed=st.integers(0, 9999),
)
def test_matthews_corrcoef_matches_ignite(sizes: list[int], classes: int, form: str, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    if form in ("scores", "onehot"):
        classes = max(classes, 2)  # (N, 1) scores are squeezed to (N,): continuous values, refused by both
    batches = []
    for n in sizes:
        y_pred, y = torch.randint(0, classes, (n,), generator=g), torch.randint(0, classes, (n,), generator=g)
        if form == "scores":
            y_pred = torch.rand(n, classes, generator=g)
        elif form == "onehot":
            y_pred, y = torch.rand(n, classes, generator=g), torch.nn.functional.one_hot(y, classes)
        elif form == "pm1":
            y_pred, y = 2 * (y_pred % 2) - 1, 2 * (y % 2) - 1
        elif form == "float_labels":
            y_pred, y = y_pred.float() + 3, y.float()  # disjoint label sets
        batches.append((y_pred, y))
    assert same_results(*pair("MatthewsCorrCoef", MatthewsCorrCoef), batches) is None


MCC_BAD_INPUTS = [
    (T([0.5, 1.0, 1.0]), T([1, 1, 0])),  # continuous predictions
    (T([0.5, 1.0, 1.0]), T([1.0, 0.2, 0.0])),  # continuous both
    (T([1, 1, 0, 2]), torch.rand(4, 3)),  # labels against 2-d targets
    (T([1, 1, 0, 2]), T([1, 1, 0])),  # lengths differ
    (torch.rand(4, 3, 2), T([1, 1, 0, 2])),
    (T([1, 0, 0]), T([1, float("nan"), 0])),
]


@pytest.mark.parametrize("inputs", MCC_BAD_INPUTS)
def test_matthews_corrcoef_bad_inputs_raise_like_ignite(inputs: tuple) -> None:
    assert same_results(*pair("MatthewsCorrCoef", MatthewsCorrCoef), [inputs]) is not None


@FAST
@given(
    sizes=sizes_st,
    classes=st.integers(1, 5),
    weights=st.sampled_from([None, "linear", "quadratic"]),
    running=st.booleans(),
    column=st.booleans(),
    seed=st.integers(0, 9999),
)
def test_cohen_kappa_matches_ignite(
    sizes: list[int], classes: int, weights: Any, running: bool, column: bool, seed: int
) -> None:
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        y_pred, y = torch.randint(0, classes, (n,), generator=g), torch.randint(0, classes, (n,), generator=g)
        batches.append((y_pred.unsqueeze(1), y) if column else (y_pred, y))
    kwargs = {"weights": weights, "num_classes": max(classes, 2) if running else None}
    # a single class present gives 0.0 (plain) or nan (weighted, one class in all): as Ignite
    same_results(*pair("CohenKappa", CohenKappa, **kwargs), batches)
    if running:  # labels of y beyond num_classes are ignored
        same_results(*pair("CohenKappa", CohenKappa, **kwargs), batches + [(T([0, 1]), T([0, classes + 3]))])


COHEN_KAPPA_BAD_INPUTS = [
    ({}, [(T([0, -1, 2]), T([2, 0, 2]))]),  # negative label
    ({}, [(torch.rand(3, 2), T([0, 1, 1]))]),  # 2-d predictions
    ({}, [(torch.zeros(0), torch.zeros(0))]),
    ({}, [(T([0.7, 1.2, 2.0]), T([0, 1, 2]))]),  # float labels are truncated (a value, no error)
    ({"num_classes": 3}, [(T([0, 0, 5]), T([2, 0, 1]))]),  # prediction out of range
    ({"num_classes": 3}, [(T([0, 0, -1]), T([2, 0, 1]))]),
    ({"num_classes": 3}, [(T([0, 0, 1]), T([7, 7, 7]))]),  # every target ignored: empty matrix
    ({"num_classes": 3}, [(torch.rand(3, 3), T([0, 1, 1]))]),
    ({"num_classes": 3}, [(T([0, 1, 2]), T([0, 1]))]),
    ({"num_classes": 3}, [(T([0.7, 1.2, 2.0]), T([0, 1, 2]))]),
]


@pytest.mark.parametrize(("kwargs", "batches"), COHEN_KAPPA_BAD_INPUTS)
def test_cohen_kappa_edge_inputs_like_ignite(kwargs: dict, batches: list) -> None:
    same_results(*pair("CohenKappa", CohenKappa, **kwargs), batches)


def test_cohen_kappa_arguments_and_state_dict() -> None:
    with pytest.raises(ValueError, match="linear or quadratic"):
        CohenKappa(weights="cubic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_classes"):
        CohenKappa(num_classes=1)
    batches = [(T([0, 2, 1, 2]), T([0, 2, 2, 2])), (T([1, 1]), T([1, 0]))]
    for kwargs in ({}, {"num_classes": 3, "weights": "quadratic"}):
        src, dst = CohenKappa(**kwargs), CohenKappa(**kwargs)  # type: ignore[arg-type]
        for b in batches:
            src.update(b)
        dst.load_state_dict(src.state_dict())  # Ignite's CohenKappa saves nothing; bridge's saves its state
        assert dst.compute() == src.compute()
        dst.reset()
        with pytest.raises(NotComputableError):
            dst.compute()


@FAST
@given(
    sizes=sizes_st,
    classes=st.integers(2, 4),
    extra=st.sampled_from([(), (3,), (2, 2)]),
    dtypes=st.sampled_from([(torch.int64, torch.int64), (torch.uint8, torch.int8), (torch.int32, torch.int16)]),
    normalized=st.booleans(),
    seed=st.integers(0, 9999),
)
def test_multilabel_confusion_matrix_matches_ignite(
    sizes: list[int], classes: int, extra: tuple, dtypes: tuple, normalized: bool, seed: int
) -> None:
    g = torch.Generator().manual_seed(seed)
    batches = [tuple(torch.randint(0, 2, (n, classes, *extra), generator=g).to(d) for d in dtypes) for n in sizes]
    kwargs = {"num_classes": classes, "normalized": normalized}
    assert same_results(*pair("MultiLabelConfusionMatrix", MultiLabelConfusionMatrix, **kwargs), batches) is None


MLCM_BAD_INPUTS = [
    (torch.randint(0, 2, (5,)), torch.randint(0, 2, (5, 3))),
    (torch.randint(0, 2, (5, 3)), torch.randint(0, 2, (5,))),
    (torch.randint(0, 2, (4, 3)), torch.randint(0, 2, (5, 3))),
    (torch.randint(0, 2, (5, 2)), torch.randint(0, 2, (5, 2))),
    (torch.randint(0, 2, (5, 3)), torch.randint(0, 2, (5, 2))),
    (torch.randint(0, 2, (5, 3, 2)), torch.randint(0, 2, (5, 3))),
    (torch.randint(0, 2, (5, 3)).float(), torch.randint(0, 2, (5, 3))),
    (torch.randint(0, 2, (5, 3)), torch.randint(0, 2, (5, 3)).float()),
    (torch.randint(0, 3, (5, 3)), torch.randint(0, 2, (5, 3))),
    (torch.randint(0, 2, (5, 3)), torch.randint(-1, 1, (5, 3))),
]


@pytest.mark.parametrize("inputs", MLCM_BAD_INPUTS)
def test_multilabel_confusion_matrix_bad_inputs_raise_like_ignite(inputs: tuple) -> None:
    assert same_results(im.MultiLabelConfusionMatrix(3), MultiLabelConfusionMatrix(3), [inputs]) is ValueError
    with pytest.raises(ValueError, match="num_classes"):
        MultiLabelConfusionMatrix(1)


@FAST
@given(
    sizes=sizes_st,
    classes=st.integers(2, 4),
    multilabel=st.booleans(),
    beta=st.sampled_from([1, 2, 0.5]),
    output_dict=st.booleans(),
    named=st.booleans(),
    seed=st.integers(0, 9999),
)
def test_classification_report_matches_ignite(
    sizes: list[int], classes: int, multilabel: bool, beta: float, output_dict: bool, named: bool, seed: int
) -> None:
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        if multilabel:
            batches.append(tuple(torch.randint(0, 2, (n, classes), generator=g) for _ in range(2)))
        else:
            batches.append((torch.rand(n, classes, generator=g), torch.randint(0, classes, (n,), generator=g)))
    labels = [f"class {i}" for i in range(classes)] if named else None
    kwargs = {"beta": beta, "output_dict": output_dict, "is_multilabel": multilabel, "labels": labels}
    assert same_results(*pair("ClassificationReport", ClassificationReport, **kwargs), batches) is None


# ---------------------------------------------------------------- on engines


def _epoch_data(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    data = []
    for n in (7, 5, 6):
        data.append({
            "score": torch.randn(n, generator=g), "y": torch.randint(0, 2, (n,), generator=g),
            "ml_score": torch.rand(n, 3, generator=g), "ml_y": torch.randint(0, 2, (n, 3), generator=g),
            "label_pred": torch.randint(0, 3, (n,), generator=g), "label": torch.randint(0, 3, (n,), generator=g),
            "mc_score": torch.rand(n, 3, generator=g),
        })  # fmt: skip
    return data


def _attach_all(engine: Any, lib: dict) -> None:
    lib["AveragePrecision"](output_transform=lambda o: (o["ml_score"], o["ml_y"])).attach(engine, "ap")
    lib["PrecisionRecallCurve"](output_transform=lambda o: (o["score"], o["y"])).attach(engine, "pr")
    lib["RocCurve"](output_transform=lambda o: (o["score"], o["y"])).attach(engine, "roc")
    lib["CohenKappa"](output_transform=lambda o: (o["label_pred"], o["label"]), weights="quadratic").attach(
        engine, "kappa"
    )
    lib["CohenKappa"](output_transform=lambda o: (o["label_pred"], o["label"]), num_classes=3).attach(engine, "rk")
    lib["MatthewsCorrCoef"](output_transform=lambda o: (o["mc_score"], o["label"])).attach(engine, "mcc")
    lib["MultiLabelConfusionMatrix"](3, output_transform=lambda o: ((o["ml_score"] > 0.5).long(), o["ml_y"])).attach(
        engine, "mlcm"
    )
    lib["ClassificationReport"](output_transform=lambda o: (o["mc_score"], o["label"]), output_dict=True).attach(
        engine, "report"
    )


BRIDGE = {
    "AveragePrecision": AveragePrecision, "PrecisionRecallCurve": PrecisionRecallCurve, "RocCurve": RocCurve,
    "CohenKappa": CohenKappa, "MatthewsCorrCoef": MatthewsCorrCoef,
    "MultiLabelConfusionMatrix": MultiLabelConfusionMatrix, "ClassificationReport": ClassificationReport,
}  # fmt: skip


def test_all_on_engines_match_ignite() -> None:
    data = _epoch_data(0)
    results = []
    for engine_cls, lib in ((IEngine, {k: getattr(im, k) for k in BRIDGE}), (Engine, BRIDGE)):
        engine = engine_cls(lambda e, batch: batch)
        _attach_all(engine, lib)
        per_epoch: list = []
        engine.add_event_handler(
            Events.EPOCH_COMPLETED.name, lambda e, out=per_epoch: out.append(dict(e.state.metrics))
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            engine.run(data, max_epochs=2)
        results.append(per_epoch)
    ignite_epochs, bridge_epochs = results
    assert len(ignite_epochs) == len(bridge_epochs) == 2
    for ig, br in zip(ignite_epochs, bridge_epochs):
        assert list(ig) == list(br)  # the report's dict is flattened ("0", "1", "2", "macro avg") and named
        for k in ig:
            assert_same(ig[k], br[k])


# ---------------------------------------------------------------- protocol


@pytest.mark.parametrize("make", [AveragePrecision, PrecisionRecallCurve, RocCurve, CohenKappa, MatthewsCorrCoef,
                                  lambda: CohenKappa(num_classes=3), lambda: MultiLabelConfusionMatrix(3),
                                  ClassificationReport])  # fmt: skip
def test_not_computable_before_update(make: Callable) -> None:
    with pytest.raises(NotComputableError):
        make().compute()


def test_state_dict_round_trip_and_curve_cache() -> None:
    batches = [(T([0.1, 0.7, 0.4]), T([0, 1, 1])), (T([0.9, 0.2]), T([1, 0]))]
    for make in (AveragePrecision, PrecisionRecallCurve, RocCurve, MatthewsCorrCoef):
        src, dst = make(), make()
        feed = batches if make is not MatthewsCorrCoef else [((p > 0.5).long(), y) for p, y in batches]
        for b in feed:
            src.update(b)
        dst.load_state_dict(src.state_dict())
        assert_same(src.compute(), dst.compute())
    pr = PrecisionRecallCurve()
    pr.update(batches[0])
    first = pr.compute()
    assert pr.compute() is first  # cached until the next update
    pr.update(batches[1])
    assert len(pr.compute()[2]) == 5
    src, dst = MultiLabelConfusionMatrix(2), MultiLabelConfusionMatrix(2)
    src.update((T([[1, 0], [1, 1]]), T([[1, 1], [0, 1]])))
    dst.load_state_dict(src.state_dict())
    assert torch.equal(dst.compute(), src.compute())


def _fed_metrics() -> dict[str, tuple[Callable, list]]:
    g = torch.Generator().manual_seed(7)
    binary = [(torch.randn(n, generator=g), torch.randint(0, 2, (n,), generator=g)) for n in (6, 3, 7)]
    labels = [(torch.randint(0, 3, (n,), generator=g), torch.randint(0, 3, (n,), generator=g)) for n in (6, 3, 7)]
    multilabel = [(torch.randint(0, 2, (n, 3), generator=g), torch.randint(0, 2, (n, 3), generator=g)) for n in (6, 3)]
    scores = [(torch.rand(n, 3, generator=g), torch.randint(0, 3, (n,), generator=g)) for n in (6, 3, 7)]
    return {
        "ap": (AveragePrecision, binary), "pr": (PrecisionRecallCurve, binary), "roc": (RocCurve, binary),
        "auc": (ROC_AUC, binary), "kappa": (CohenKappa, labels), "mcc": (MatthewsCorrCoef, labels),
        "running_kappa": (lambda: CohenKappa(num_classes=3, weights="linear"), labels),
        "mlcm": (lambda: MultiLabelConfusionMatrix(3), multilabel), "report": (ClassificationReport, scores),
    }  # fmt: skip


def test_states_reduce_across_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A world of two ranks holding the same state, faked in this process: each metric gives its value
    # over the data seen twice (counts summed, stored predictions gathered, curves broadcast from rank 0).
    # The collectives themselves are tested on a real gloo group in test_distributed.py.
    import bridge.distributed as bdist

    expected, metrics = {}, {}
    for name, (make, batches) in _fed_metrics().items():
        serial, local = make(), make()
        for b in batches + batches:
            serial.update(b)
        for b in batches:
            local.update(b)
        expected[name], metrics[name] = serial.compute(), local
    broadcasts: list = []
    monkeypatch.setattr(bdist, "get_world_size", lambda: 2)
    monkeypatch.setattr(bdist, "all_reduce", lambda value, op="SUM", group=None: value * 2)
    monkeypatch.setattr(bdist, "all_gather", lambda value, group=None: torch.cat([value, value]))
    monkeypatch.setattr(bdist, "broadcast", lambda value, src=0, safe_mode=False: broadcasts.append(src) or value)
    for name, m in metrics.items():
        assert_same(expected[name], m.compute())
    assert len(broadcasts) == 2 * 3 + 4  # the 2 curves: 3 tensors each; AP, ROC_AUC, kappa, MCC: their value


def test_metrics_pickle_with_their_state() -> None:
    import pickle

    # Lightning's ddp_spawn pickles the engine and the metrics attached to it
    for name, (make, batches) in _fed_metrics().items():
        m = make()
        m.update(batches[0])
        clone = pickle.loads(pickle.dumps(m))
        for x in (m, clone):
            x.update(batches[1])
        assert_same(m.compute(), clone.compute()), name


def test_check_compute_fn_warns_on_the_first_batch() -> None:
    from bridge.metrics.epoch_metric import EpochMetricWarning

    with pytest.warns(EpochMetricWarning):
        AveragePrecision(check_compute_fn=True).update((torch.rand(4), T([0, 2, 2, 0])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RocCurve(check_compute_fn=True).update((torch.rand(4), T([0, 1, 1, 0])))


def test_runs_without_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("sklearn", "sklearn.metrics"):
        monkeypatch.setitem(sys.modules, name, None)  # any import of scikit-learn now fails
    y = T([0, 1, 1, 0])
    scores = T([0.2, 0.6, 0.4, 0.5])
    cases = [
        (AveragePrecision(), (scores, y)), (PrecisionRecallCurve(), (scores, y)), (RocCurve(), (scores, y)),
        (ROC_AUC(), (scores, y)), (CohenKappa(), (y, y)), (MatthewsCorrCoef(), (y, y)),
        (MultiLabelConfusionMatrix(2), (torch.stack([y, y], 1), torch.stack([y, 1 - y], 1))),
        (ClassificationReport(), (torch.stack([scores, 1 - scores], 1), y)),
    ]  # fmt: skip
    for metric, batch in cases:
        metric.update(batch)
        metric.compute()


def test_modules_import_torchmetrics_lazily() -> None:
    # `import bridge.metrics` must stay light: torchmetrics only inside functions
    import ast
    import importlib

    for name in ("_ranking", "average_precision", "precision_recall_curve", "roc_auc", "cohen_kappa",
                 "matthews_corrcoef", "multilabel_confusion_matrix", "classification_report"):  # fmt: skip
        source = importlib.util.find_spec(f"bridge.metrics.{name}").origin  # type: ignore[union-attr]
        tree = ast.parse(open(source, encoding="utf-8").read())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = [a.name for n in top if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
        assert not [m for m in names if m.split(".")[0] in ("torchmetrics", "sklearn", "ignite")], (name, names)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_inputs() -> None:
    g = torch.Generator().manual_seed(5)
    scores, y = torch.randn(50, generator=g), torch.randint(0, 2, (50,), generator=g)
    for name, cls in (("AveragePrecision", AveragePrecision), ("RocCurve", RocCurve),
                      ("PrecisionRecallCurve", PrecisionRecallCurve)):  # fmt: skip
        ig, br = getattr(im, name)(), cls(device="cuda")
        ig.update((scores, y))
        br.update((scores.cuda(), y.cuda()))
        expected, got = ig.compute(), br.compute()
        assert_same(expected, tuple(t.cpu() for t in got) if isinstance(got, tuple) else got)
    ig_cm, br_cm = im.MultiLabelConfusionMatrix(3), MultiLabelConfusionMatrix(3, device="cuda")
    ml = torch.randint(0, 2, (50, 3), generator=g), torch.randint(0, 2, (50, 3), generator=g)
    ig_cm.update(ml)
    br_cm.update(tuple(t.cuda() for t in ml))
    assert torch.equal(ig_cm.compute(), br_cm.compute().cpu())

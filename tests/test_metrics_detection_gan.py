"""bridge's ``MeanAveragePrecision``, detection AP/AR and GAN metrics against pytorch-ignite's.

Same random batches to both libraries (hypothesis: shapes, class counts, tied scores, recall and IoU
thresholds, crowd and empty images, area ranges, feature sizes); the values, error types, state
dicts, engine runs and a faked two-rank reduction are compared (a plain ``pl.Trainer``: in
test_metrics_catalogue.py). Ignite's detection metric needs torchvision for its box IoU: it gets a
stand-in ``torchvision.ops.boxes`` (torchvision's two functions, written out below) for the length
of each comparison; bridge's needs none. Ignite's default Inception model is compared on a stand-in ``torchvision.models`` too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import pickle
import sys
import types
import urllib.error
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
    import ignite.metrics.gan.fid as im_fid
    import ignite.metrics.gan.utils as im_gan_utils
    import ignite.metrics.vision.object_detection_average_precision_recall as im_det
    from ignite.engine import Engine as IEngine
    from ignite.engine import Events as IEvents

import bridge.distributed as bdist
import bridge.metrics.gan.fid as bm_fid
import bridge.metrics.gan.utils as bm_gan_utils
import bridge.metrics.vision.object_detection_average_precision_recall as bm_det
from bridge.engine import Engine, Events
from bridge.exceptions import NotComputableError
from bridge.metrics.gan import FID, InceptionScore
from bridge.metrics.mean_average_precision import MeanAveragePrecision
from bridge.metrics.vision import ObjectDetectionAvgPrecisionRecall

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Ignite's serial all_gather_tensors_with_shapes indexes with a list (a torch deprecation warning)
pytestmark = pytest.mark.filterwarnings("ignore:Using a non-tuple sequence for multidimensional indexing")


# ---------------------------------------------------------------- helpers


def assert_same(expected: Any, got: Any, rel: float = 1e-6) -> None:
    """Ignite's ``expected`` and bridge's ``got`` are equal (allclose), of the same kind."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor) and got.shape == expected.shape and got.dtype == expected.dtype
        torch.testing.assert_close(got, expected, rtol=rel, atol=1e-9, equal_nan=True)
    elif isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected)
        for e, g in zip(expected, got):
            assert_same(e, g, rel)
    elif isinstance(expected, dict):
        assert list(got) == list(expected)
        for key in expected:
            assert_same(expected[key], got[key], rel)
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got)
    else:
        assert type(got) is type(expected) and got == pytest.approx(expected, rel=rel, abs=1e-9)


def outcome(f: Callable, *args: Any) -> tuple[Any, type | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f(*args), None
        except Exception as e:  # the type is what is compared
            return None, type(e)


def feed(metric: Any, batches: list) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for batch in batches:
            metric.update(batch)
        return metric.compute()


def _upcast(t: torch.Tensor) -> torch.Tensor:
    if t.is_floating_point():
        return t if t.dtype in (torch.float32, torch.float64) else t.float()
    return t if t.dtype in (torch.int32, torch.int64) else t.int()


def _tv_box_area(boxes: torch.Tensor) -> torch.Tensor:
    boxes = _upcast(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _tv_box_inter_union(boxes1: torch.Tensor, boxes2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    area1, area2 = _tv_box_area(boxes1), _tv_box_area(boxes2)
    lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
    rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
    wh = _upcast(rb - lt).clamp(min=0)
    inter = wh[:, :, 0] * wh[:, :, 1]
    return inter, area1[:, None] + area2 - inter


@contextlib.contextmanager
def stand_in_torchvision(inception_v3: Callable | None = None) -> Iterator[None]:
    """A ``torchvision`` with ``ops.boxes`` (torchvision's code) and, if given, ``models.inception_v3``."""
    tv = types.ModuleType("torchvision")
    ops, boxes, models = (types.ModuleType(f"torchvision.{n}") for n in ("ops", "ops.boxes", "models"))
    boxes.box_area, boxes._box_inter_union = _tv_box_area, _tv_box_inter_union  # type: ignore[attr-defined]
    models.inception_v3 = inception_v3  # type: ignore[attr-defined]
    models.Inception_V3_Weights = types.SimpleNamespace(DEFAULT="IMAGENET1K_V1")  # type: ignore[attr-defined]
    tv.__version__, tv.ops, tv.models, ops.boxes = "0.20.0", ops, models, boxes  # type: ignore[attr-defined]
    modules = {"torchvision": tv, "torchvision.ops": ops, "torchvision.ops.boxes": boxes, "torchvision.models": models}
    with pytest.MonkeyPatch.context() as mp:
        for name, module in modules.items():
            mp.setitem(sys.modules, name, module)
        yield


# ---------------------------------------------------------------- MeanAveragePrecision


def map_batches(kind: str, sizes: list[int], num_classes: int, extra: tuple, levels: int, seed: int) -> list:
    """Random ``(y_pred, y)``; scores rounded to ``levels`` steps, so that ties are common."""
    g = torch.Generator().manual_seed(seed)
    batches = []
    for n in sizes:
        if kind == "binary":
            y_pred, y = torch.rand(n, *extra, generator=g), torch.randint(0, 2, (n, *extra), generator=g)
        elif kind == "binary_column":
            y_pred, y = torch.rand(n, 1, *extra, generator=g), torch.randint(0, 2, (n, *extra), generator=g)
        elif kind == "multiclass":
            y_pred = torch.rand(n, num_classes, *extra, generator=g)
            y = torch.randint(0, num_classes, (n, *extra), generator=g)
        else:
            y_pred = torch.rand(n, num_classes, *extra, generator=g)
            y = torch.randint(0, 2, (n, num_classes, *extra), generator=g)
        batches.append(((y_pred * levels).round() / levels, y))
    return batches


map_cases = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["binary", "binary_column", "multiclass", "multilabel"]),
        "sizes": st.lists(st.integers(1, 7), min_size=1, max_size=4),
        "num_classes": st.integers(2, 5),
        "extra": st.sampled_from([(), (), (3,)]),
        "levels": st.sampled_from([2, 5, 1000]),
        "seed": st.integers(0, 10_000),
    }
)
rec_thresholds = st.one_of(
    st.none(),
    st.lists(st.floats(0, 1), min_size=1, max_size=6),
    st.just(torch.linspace(0, 1, 11)),
)


@FAST
@given(case=map_cases, rec=rec_thresholds, class_mean=st.sampled_from([None, "micro", "macro", "weighted"]))
def test_mean_average_precision_matches_ignite(case: dict, rec: Any, class_mean: str | None) -> None:
    batches = map_batches(**case)
    kwargs = dict(rec_thresholds=rec, class_mean=class_mean, is_multilabel=case["kind"] == "multilabel")
    assert_same(feed(im.MeanAveragePrecision(**kwargs), batches), feed(MeanAveragePrecision(**kwargs), batches))


def test_mean_average_precision_is_scikit_learns_average_precision() -> None:
    from sklearn.metrics import average_precision_score

    batches = map_batches("multilabel", [40, 25], 4, (), levels=7, seed=3)
    y_pred, y = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    per_class = feed(MeanAveragePrecision(class_mean=None, is_multilabel=True), batches)
    expected = average_precision_score(y.numpy(), y_pred.numpy(), average=None)
    torch.testing.assert_close(per_class, torch.from_numpy(expected), rtol=1e-12, atol=1e-12)
    micro = feed(MeanAveragePrecision(class_mean="micro", is_multilabel=True), batches)
    assert micro.item() == pytest.approx(average_precision_score(y.numpy(), y_pred.numpy(), average="micro"))


@pytest.mark.parametrize(
    "kwargs, batches",
    [
        ({}, [(torch.tensor([1, 0]), torch.tensor([1, 0]))]),  # integer scores
        ({}, [(torch.tensor([0.3, 0.6]), torch.tensor([2, 0]))]),  # binary y not 0/1
        ({}, [(torch.rand(4, 3), torch.tensor([0, 1, 3, 2]))]),  # a class beyond the scores
        ({}, [(torch.rand(4, 3), torch.tensor([0, 1, 2]))]),  # sizes differ
        ({}, [(torch.rand(4, 3, 2, 2), torch.tensor([0, 1, 2, 0]))]),  # dims differ by two
        ({"is_multilabel": True}, [(torch.rand(4, 3), torch.randint(0, 2, (4, 2)))]),
        ({}, [(torch.rand(4), torch.tensor([0, 1, 1, 0])), (torch.rand(4, 3), torch.tensor([0, 1, 2, 0]))]),
        ({}, [(torch.rand(4, 3), torch.tensor([0, 1, 2, 0])), (torch.rand(4, 2), torch.tensor([0, 1, 1, 0]))]),
        ({"is_multilabel": True}, [(torch.rand(4, 3), torch.tensor([[0, 1, 2]] * 4))]),
        ({"class_mean": "samples"}, []),
        ({"rec_thresholds": [[0.1, 0.2]]}, []),
        ({"rec_thresholds": 0.5}, []),
        ({"rec_thresholds": [0.2, 1.5]}, []),
        ({"rec_thresholds": [-0.1]}, []),
        ({"rec_thresholds": []}, []),
    ],
)
def test_mean_average_precision_errors_like_ignite(kwargs: dict, batches: list) -> None:
    def run(cls: Any) -> Any:
        return feed(cls(**kwargs), batches)

    expected, error = outcome(run, im.MeanAveragePrecision)
    got, our_error = outcome(run, MeanAveragePrecision)
    assert error is not None and our_error is error


def test_mean_average_precision_warnings_and_compute_before_update() -> None:
    for cls in (im.MeanAveragePrecision, MeanAveragePrecision):
        with pytest.warns(RuntimeWarning, match="`y` should be of dtype long"):
            cls().update((torch.rand(3, 2), torch.tensor([0.0, 1.0, 1.0])))
        with pytest.raises(RuntimeError, match="without any update method call"):
            cls().compute()
    with pytest.raises(ValueError, match=r"class indices in \[0, 2\), got -1"):  # Ignite: at compute, obscurely
        MeanAveragePrecision().update((torch.rand(3, 2), torch.tensor([0, -1, 1])))


# ---------------------------------------------------------------- object detection


def detection_images(seed: int, num_images: int, num_classes: int, dtype: torch.dtype = torch.float32) -> tuple:
    """Images whose detections mostly jitter a ground truth (so IoUs straddle the thresholds), with tied
    scores, crowd boxes, images without ground truth or without detection, boxes of every COCO size."""
    g = torch.Generator().manual_seed(seed)

    def boxes(n: int) -> torch.Tensor:
        xy = torch.randint(0, 100, (n, 2), generator=g)
        return torch.cat([xy, xy + torch.randint(1, 130, (n, 2), generator=g)], dim=1).to(dtype)

    y_pred, y = [], []
    for _ in range(num_images):
        num_gts, num_dets = (int(torch.randint(0, k, (1,), generator=g)) for k in (5, 8))
        gt_boxes, gt_labels = boxes(num_gts), torch.randint(0, num_classes, (num_gts,), generator=g)
        det_boxes, det_labels = boxes(num_dets), torch.randint(0, num_classes, (num_dets,), generator=g)
        if num_gts:
            source = torch.randint(0, num_gts, (num_dets,), generator=g)
            near = torch.rand(num_dets, generator=g) < 0.7
            jitter = torch.randint(-12, 13, (num_dets, 4), generator=g).to(dtype)
            det_boxes[near] = gt_boxes[source[near]] + jitter[near]
            det_labels[near] = gt_labels[source[near]]
        scores = (torch.rand(num_dets, generator=g) * 4).round() / 4
        y_pred.append({"bbox": det_boxes, "scores": scores, "labels": det_labels})
        y.append({"bbox": gt_boxes, "labels": gt_labels, "iscrowd": torch.rand(num_gts, generator=g) < 0.2})
    return y_pred, y


det_cases = st.fixed_dictionaries(
    {
        "num_classes": st.integers(1, 3),
        "max_detections_per_image_per_class": st.sampled_from([1, 2, 100]),
        "area_range": st.sampled_from(["all", "small", "medium", "large"]),
        "thresholds": st.sampled_from([{}, {"iou_thresholds": [0.3, 0.75], "rec_thresholds": [0.0, 0.4, 0.9]}]),
        "images": st.lists(st.integers(1, 3), min_size=1, max_size=3),
        "dtype": st.sampled_from([torch.float32, torch.float32, torch.float64, torch.int64]),
        "seed": st.integers(0, 10_000),
    }
)


@settings(FAST, max_examples=12)
@given(case=det_cases)
def test_object_detection_matches_ignite(case: dict) -> None:
    num_classes, thresholds = case["num_classes"], case["thresholds"]
    kwargs = dict(
        num_classes=num_classes,
        max_detections_per_image_per_class=case["max_detections_per_image_per_class"],
        area_range=case["area_range"],
        **thresholds,
    )
    batches = [detection_images(case["seed"] + i, n, num_classes, case["dtype"]) for i, n in enumerate(case["images"])]
    with stand_in_torchvision():
        ignite_metric = im.ObjectDetectionAvgPrecisionRecall(**kwargs)
        expected = feed(ignite_metric, batches)
        per_class = ignite_metric._compute()
    ours = ObjectDetectionAvgPrecisionRecall(**kwargs)
    assert_same(expected, feed(ours, batches), rel=1e-9)
    assert_same(per_class, ours._compute(), rel=1e-9)


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000), num_classes=st.integers(1, 3))
def test_common_object_detection_metrics_match_ignite(seed: int, num_classes: int) -> None:
    batches = [detection_images(seed + i, 2, num_classes) for i in range(2)]
    with stand_in_torchvision():
        expected = feed(im.CommonObjectDetectionMetrics(num_classes=num_classes), batches)
    assert_same(expected, feed(bm_det.CommonObjectDetectionMetrics(num_classes=num_classes), batches), rel=1e-9)


def test_crowd_and_out_of_range_ground_truths_are_ignored_as_coco() -> None:
    # highest score: a false positive; then a detection on a crowd box (neither way); then a true positive
    y_pred = [{"bbox": torch.tensor([[200.0, 200, 210, 210], [50, 50, 60, 60], [0, 0, 10, 10]]),
               "scores": torch.tensor([0.95, 0.9, 0.8]), "labels": torch.tensor([0, 0, 0])}]  # fmt: skip
    y = [{"bbox": torch.tensor([[0.0, 0, 10, 10], [45, 45, 65, 65]]), "labels": torch.tensor([0, 0]),
          "iscrowd": torch.tensor([False, True])}]  # fmt: skip
    m = ObjectDetectionAvgPrecisionRecall(num_classes=1, iou_thresholds=[0.2])
    m.update((y_pred, y))
    assert m.compute() == (0.5, 1.0)  # precision 1/2 at every recall, not 1/3
    m.reset()
    m.update((y_pred, [{"bbox": y[0]["bbox"][:1], "labels": torch.tensor([0])}]))  # no crowd: a false positive
    assert m.compute() == pytest.approx((1 / 3, 1.0))
    y[0]["iscrowd"] = torch.tensor([False, False])
    m.reset()
    m.update((y_pred, y))  # an object: found
    assert m.compute() == pytest.approx((2 / 3, 1.0))
    large = ObjectDetectionAvgPrecisionRecall(num_classes=1, area_range="large")
    large.update((y_pred, y))
    assert large.compute() == (-1.0, -1.0)  # no large object: nothing to find


def test_coco_tensor_lists_convert_like_ignite_and_feed_the_metric() -> None:
    y_pred, y = detection_images(7, 3, 2)
    as_tensors = (
        [torch.cat([p["bbox"], p["scores"][:, None], p["labels"][:, None].float()], dim=1) for p in y_pred],
        [torch.cat([t["bbox"], t["labels"][:, None].float(), t["iscrowd"][:, None].float()], dim=1) for t in y],
    )
    for output in (as_tensors, (as_tensors[0], [t[:, :5] for t in as_tensors[1]]), (y_pred, y)):
        assert_same(im_det.coco_tensor_list_to_dict_list(output), bm_det.coco_tensor_list_to_dict_list(output))
    # Ignite's metric refuses the converter's 'confidence'/'class' keys; bridge reads them as scores/labels
    converted = bm_det.coco_tensor_list_to_dict_list(as_tensors)
    with stand_in_torchvision(), pytest.raises(ValueError, match="'scores'"):
        im.ObjectDetectionAvgPrecisionRecall(num_classes=2).update(converted)
    direct = ObjectDetectionAvgPrecisionRecall(num_classes=2)
    direct.update((y_pred, y))
    engine = Engine(lambda e, batch: batch)
    ObjectDetectionAvgPrecisionRecall(num_classes=2, output_transform=bm_det.coco_tensor_list_to_dict_list).attach(
        engine, "ap_ar"
    )
    assert engine.run([as_tensors]).metrics["ap_ar"] == direct.compute()


@pytest.mark.parametrize(
    "kwargs, output",
    [
        ({}, ([{"bbox": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0)}], [])),
        ({}, ([], [])),
        ({}, ([{"bbox": torch.zeros(0, 4), "labels": torch.zeros(0)}], [{"bbox": torch.zeros(0, 4), "labels": []}])),
        ({}, ([{"bbox": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0)}], [{"bbox": 0}])),
        (
            {"num_classes": 2},
            (
                [{"bbox": torch.tensor([[0.0, 0, 5, 5]]), "scores": torch.ones(1), "labels": torch.tensor([1])}],
                [{"bbox": torch.tensor([[0.0, 0, 5, 5]]), "labels": torch.tensor([2])}],
            ),
        ),  # >= 2 classes
        ({"iou_thresholds": [1.2]}, None),
        ({"rec_thresholds": torch.ones(2, 2)}, None),
        ({"iou_thresholds": "0.5"}, None),
    ],
)
def test_object_detection_errors_like_ignite(kwargs: dict, output: Any) -> None:
    def run(cls: Any) -> Any:
        m = cls(**kwargs)
        if output is not None:
            m.update(output)

    with stand_in_torchvision():
        _, error = outcome(run, im.ObjectDetectionAvgPrecisionRecall)
    _, our_error = outcome(run, ObjectDetectionAvgPrecisionRecall)
    assert error is not None and our_error is error


def test_object_detection_needs_no_torchvision_and_pickles() -> None:
    if importlib.util.find_spec("torchvision") is None:
        with pytest.raises(ModuleNotFoundError, match="requires torchvision"):
            im.ObjectDetectionAvgPrecisionRecall()
    batches = [detection_images(s, 2, 3) for s in (1, 2)]
    m = ObjectDetectionAvgPrecisionRecall(num_classes=3)
    m.update(batches[0])
    clone = pickle.loads(pickle.dumps(m))  # Lightning's ddp_spawn pickles attached metrics
    for metric in (m, clone):
        metric.update(batches[1])
    assert clone.compute() == m.compute()
    assert ObjectDetectionAvgPrecisionRecall().compute() == (-1.0, -1.0)


# ---------------------------------------------------------------- FID and InceptionScore


def identity_pair(cls_ignite: Any, cls_bridge: Any, num_features: int) -> tuple[Any, Any]:
    return (
        cls_ignite(num_features=num_features, feature_extractor=torch.nn.Identity()),
        cls_bridge(num_features=num_features, feature_extractor=torch.nn.Identity()),
    )


gan_cases = st.fixed_dictionaries(
    {
        "num_features": st.integers(1, 10),
        "sizes": st.lists(st.integers(1, 9), min_size=1, max_size=4),
        "seed": st.integers(0, 10_000),
        "dtype": st.sampled_from([torch.float32, torch.float64]),
    }
)


@FAST
@given(case=gan_cases)
def test_fid_matches_ignite(case: dict) -> None:
    g = torch.Generator().manual_seed(case["seed"])
    d = case["num_features"]
    batches = [
        (torch.randn(n, d, generator=g).to(case["dtype"]), 2 * torch.rand(n, d, generator=g).to(case["dtype"]) + 1)
        for n in case["sizes"]
    ]
    if sum(case["sizes"]) < 2:  # Ignite: scipy's LinAlgError from a 0/0 covariance; bridge says why
        with pytest.raises(NotComputableError, match="at least two examples"):
            feed(FID(num_features=d, feature_extractor=torch.nn.Identity()), batches)
        return
    # singular covariances (fewer examples than features) make sqrtm ill-conditioned: a looser tolerance
    rel = 1e-9 if sum(case["sizes"]) > 2 * d else 1e-5
    assert_same(*(feed(m, batches) for m in identity_pair(im.FID, FID, d)), rel=rel)


@FAST
@given(case=gan_cases)
def test_inception_score_matches_ignite(case: dict) -> None:
    g = torch.Generator().manual_seed(case["seed"])
    d = case["num_features"]
    softmax = torch.nn.Softmax(dim=1)
    batches = [softmax(3 * torch.randn(n, d, generator=g)).to(case["dtype"]) for n in case["sizes"]]
    ignite_metric, ours = (
        cls(num_features=d, feature_extractor=softmax) for cls in (im.InceptionScore, InceptionScore)
    )
    logits = [3 * torch.randn(n, d, generator=g) for n in case["sizes"]]
    assert_same(feed(ignite_metric, logits), feed(ours, logits), rel=1e-9)
    assert_same(*(feed(m, batches) for m in identity_pair(im.InceptionScore, InceptionScore, d)), rel=1e-9)


def test_fid_score_matches_ignites() -> None:
    g = torch.Generator().manual_seed(0)
    for n in (2, 5, 40):
        a, b = torch.randn(n, 6, generator=g, dtype=torch.float64), torch.randn(n, 6, generator=g, dtype=torch.float64)
        args = (a.mean(0), b.mean(0), torch.cov(a.T), torch.cov(b.T))
        assert bm_fid.fid_score(*args) == pytest.approx(im_fid.fid_score(*args), rel=1e-12)
    assert bm_fid.fid_score(torch.zeros(2), torch.tensor([3.0, 4.0]), torch.eye(2), 4 * torch.eye(2)) == 27.0


@pytest.mark.parametrize(
    "kwargs, batch",
    [
        ({"feature_extractor": torch.nn.Identity()}, None),  # num_features missing
        ({"num_features": 0}, None),
        ({"num_features": 2, "feature_extractor": lambda x: x}, None),
        ({"num_features": 3}, torch.rand(4, 2)),
        ({"num_features": 2}, torch.rand(4, 2, 1)),
        ({"num_features": 2}, torch.rand(0, 2)),
    ],
)
@pytest.mark.parametrize("pair", [(im.FID, FID), (im.InceptionScore, InceptionScore)])
def test_gan_argument_and_shape_errors_like_ignite(kwargs: dict, batch: Any, pair: tuple) -> None:
    def run(cls: Any) -> None:
        m = cls(**kwargs)
        if batch is not None:
            m.update((batch, batch) if cls in (im.FID, FID) else batch)

    _, error = outcome(run, pair[0])
    _, our_error = outcome(run, pair[1])
    assert error is not None and our_error is error
    if "feature_extractor" in kwargs and not isinstance(kwargs["feature_extractor"], torch.nn.Module):
        with pytest.raises(TypeError, match="got <class 'function'>"):
            run(pair[1])


def test_fid_batches_of_different_sizes_raise_like_ignite() -> None:
    for cls in (im.FID, FID):
        with pytest.raises(ValueError, match="Number of Training Features and Testing Features should be equal"):
            cls(num_features=2).update((torch.rand(3, 2), torch.rand(4, 2)))
    with pytest.raises(NotComputableError, match="at least one example"):
        InceptionScore(num_features=2).compute()


def _tiny_inception(**kwargs: Any) -> torch.nn.Module:
    assert kwargs == {"weights": "IMAGENET1K_V1"}  # the default ImageNet weights, as Ignite asks

    class Tiny(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.fc = torch.nn.Linear(3, 1000)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(x.mean(dim=(2, 3)))

    return Tiny()


def _no_weights(**kwargs: Any) -> torch.nn.Module:
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def test_default_inception_model_like_ignite() -> None:
    images = [torch.rand(4, 3, 5, 5, generator=torch.Generator().manual_seed(i)) for i in range(2)]
    if importlib.util.find_spec("torchvision") is None:
        for cls in (im.FID, im.InceptionScore, FID, InceptionScore):
            with pytest.raises(ModuleNotFoundError, match="^This module requires torchvision to be installed.$"):
                cls()
    with stand_in_torchvision(inception_v3=_tiny_inception):
        ignite_metric, ours = im.InceptionScore(), InceptionScore()
        assert ours._num_features == 1000 and not ours._feature_extractor.model.training
        assert_same(feed(ignite_metric, images), feed(ours, images), rel=1e-9)
        ignite_fid, our_fid = im.FID(), FID()
        for pair in [(x, x.flip(0)) for x in images]:
            ignite_fid.update(pair)
            our_fid.update(pair)
        for key in FID._state_dict_all_req_keys:  # (the square root of 1000 x 1000 matrices is slow)
            assert_same(getattr(ignite_fid, key), getattr(our_fid, key), rel=1e-9)
        for return_features in (True, False):
            x = images[0]
            ig = im_gan_utils.InceptionModel(return_features=return_features)
            assert_same(ig(x), bm_gan_utils.InceptionModel(return_features=return_features)(x))
        model = bm_gan_utils.InceptionModel(return_features=True)
        for bad, match in ((torch.rand(2, 3, 4), "dim 4"), (torch.rand(2, 1, 4, 4), "3 channels")):
            with pytest.raises(ValueError, match=match):
                model(bad)
    with stand_in_torchvision(inception_v3=_no_weights):
        with pytest.raises(OSError, match="feature_extractor=") as info:
            FID()
        assert isinstance(info.value.__cause__, urllib.error.URLError)
        with pytest.raises(OSError):  # Ignite: the download error itself
            im.FID()


@pytest.mark.parametrize("pair", [(im.FID, FID), (im.InceptionScore, InceptionScore)])
def test_gan_state_dicts_load_across_ignite_and_bridge(pair: tuple) -> None:
    g = torch.Generator().manual_seed(2)
    x = [torch.softmax(torch.randn(6, 4, generator=g), dim=1) for _ in range(2)]
    batches = [(a, a.flip(0) ** 2) for a in x] if pair[1] is FID else x
    ignite_metric, ours = identity_pair(*pair, 4)
    feed(ignite_metric, batches)
    feed(ours, batches)
    ig_state, our_state = ignite_metric.state_dict(), ours.state_dict()
    assert list(our_state["__metric_state_per_rank"][0]) == list(ig_state["__metric_state_per_rank"][0])
    ignite_from_bridge, bridge_from_ignite = identity_pair(*pair, 4)
    ignite_from_bridge.load_state_dict(our_state)
    bridge_from_ignite.load_state_dict(ig_state)
    expected = ignite_metric.compute()
    assert_same(expected, ignite_from_bridge.compute(), rel=1e-9)
    assert_same(expected, bridge_from_ignite.compute(), rel=1e-9)
    clone = pickle.loads(pickle.dumps(ours))
    assert_same(expected, clone.compute(), rel=1e-12)


# ---------------------------------------------------------------- engines and Lightning


def _run(engine_cls: Any, events: Any, metrics: dict, data: list) -> list:
    engine = engine_cls(lambda e, batch: batch)
    for name, metric in metrics.items():
        metric.attach(engine, name)
    seen: list = []
    engine.add_event_handler(events.EPOCH_COMPLETED, lambda e: seen.append(dict(e.state.metrics)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine.run(data, max_epochs=2)
    return seen


def test_metrics_on_engines_match_ignite() -> None:
    def make(det: Any, fid: Any, inception: Any, mean_ap: Any) -> dict:
        return {
            "map": mean_ap(output_transform=lambda o: o["cls"]),
            "map_w": mean_ap(class_mean="weighted", output_transform=lambda o: o["cls"]),
            "det": det(num_classes=3, output_transform=lambda o: o["det"]),
            "fid": fid(num_features=3, feature_extractor=torch.nn.Identity(), output_transform=lambda o: o["gan"]),
            "is": inception(
                num_features=3, feature_extractor=torch.nn.Softmax(dim=1), output_transform=lambda o: o["gan"][0]
            ),
        }

    data = []
    for i, (cls, det) in enumerate(zip(map_batches("multiclass", [6, 5, 7], 3, (), 5, 1), range(3))):
        gan = (torch.randn(6, 3, generator=torch.Generator().manual_seed(i)), torch.rand(6, 3))
        data.append({"cls": cls, "det": detection_images(det, 2, 3), "gan": gan})
    with stand_in_torchvision():
        expected = _run(IEngine, IEvents, make(im.ObjectDetectionAvgPrecisionRecall, im.FID,
                                               im.InceptionScore, im.MeanAveragePrecision), data)  # fmt: skip
    got = _run(Engine, Events, make(ObjectDetectionAvgPrecisionRecall, FID, InceptionScore,
                                    MeanAveragePrecision), data)  # fmt: skip
    assert len(expected) == len(got) == 2
    for e, o in zip(expected, got):
        assert e.keys() == o.keys()
        for key in e:
            assert_same(e[key], o[key], rel=1e-9)


# ---------------------------------------------------------------- distributed reduction


def test_states_reduce_across_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two ranks holding the same state, faked in this process: every metric must give its value
    # over the data seen twice (sums doubled, stored tensors gathered from both ranks).
    # The collectives themselves are tested on a real gloo group in test_distributed.py.
    cls_batches = map_batches("multilabel", [5, 4], 3, (), 5, 2)
    det_batches = [detection_images(s, 2, 2) for s in (3, 4)]
    g = torch.Generator().manual_seed(5)
    gan_batches = [(torch.randn(5, 3, generator=g), torch.rand(5, 3, generator=g)) for _ in range(2)]

    def make() -> list[tuple[Any, list]]:
        return [
            (MeanAveragePrecision(is_multilabel=True, class_mean=None), cls_batches),
            (MeanAveragePrecision(is_multilabel=True, rec_thresholds=[0.2, 0.7]), cls_batches),
            (ObjectDetectionAvgPrecisionRecall(num_classes=2), det_batches),
            (FID(num_features=3), gan_batches),
            (InceptionScore(num_features=3, feature_extractor=torch.nn.Softmax(dim=1)), [b[0] for b in gan_batches]),
        ]

    expected = [feed(m, batches + batches) for m, batches in make()]
    metrics = make()
    for m, batches in metrics:
        for b in batches:
            m.update(b)
    monkeypatch.setattr(bdist, "get_world_size", lambda: 2)
    monkeypatch.setattr(bdist, "all_reduce", lambda value, op="SUM", group=None: value * 2)
    monkeypatch.setattr(bdist, "all_gather", lambda value, group=None: torch.cat([value, value]))
    monkeypatch.setattr(bdist, "all_gather_tensors_with_shapes", lambda t, shapes, group=None: [t, t])
    for value, (m, _) in zip(expected, metrics):
        assert_same(value, m.compute(), rel=1e-9)
        assert_same(value, m.compute(), rel=1e-9)  # the local state is left as it was

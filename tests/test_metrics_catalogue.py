"""Every Ignite metric at once (benchmarks/metric_cases.py): on an Ignite Engine and a bridge Engine,
and on the validation engine of ``EngineCallback`` in a plain ``pl.Trainer``: the same values.

Each metric reads its own key of one dict engine output. The per-metric differential tests live in
the tests/test_metrics*.py files; this file checks that the catalogue is complete and that all the
metrics work side by side on both kinds of bridge engines.
"""

from __future__ import annotations

import doctest
import inspect
import math
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import torch

with warnings.catch_warnings():  # the reference package's imports warn about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    from ignite.engine import Engine as IEngine

import bridge.metrics as bm
from benchmarks.metric_cases import CASES, SUBPACKAGES, WITHOUT_CASE, metrics_package, torchvision_stand_in
from bridge.engine import Engine, Events

SIZES = (5, 4, 6)  # samples per batch; an epoch holds each batch once
EPOCHS = 2
NOT_METRICS = {"coco_tensor_list_to_dict_list"}  # an exported function that builds no metric
BRIDGE_ONLY = {"TorchMetric"}
TIMED = {case.name for case in CASES if case.timed}


def _outputs(seed: int = 0) -> list[dict[str, Any]]:
    """One dict engine output per batch: each case's output under the case's name."""
    outputs = []
    for i, n in enumerate(SIZES):
        g = torch.Generator().manual_seed(seed + i)
        outputs.append({case.name: case.batch(g, n) for case in CASES})
    return outputs


def _attach_all(lib: str, engine: Any) -> None:
    pkg = metrics_package(lib)
    for case in CASES:
        case.build(pkg, lambda out, k=case.name: out[k]).attach(engine, case.name)


def _engine_metrics(lib: str, outputs: list, max_epochs: int = EPOCHS) -> dict[Any, Any]:
    engine = (IEngine if lib == "ignite" else Engine)(lambda e, batch: batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if lib == "ignite":
            with torchvision_stand_in():  # Ignite's detection metrics need torchvision's box functions
                _attach_all(lib, engine)
                return dict(engine.run(outputs, max_epochs=max_epochs).metrics)
        _attach_all(lib, engine)
        return dict(engine.run(outputs, max_epochs=max_epochs).metrics)


def assert_same(expected: Any, got: Any, where: Any) -> None:
    """Equal values of the same kind: tensors allclose (same shape and dtype), containers item by item."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor), (where, expected, got)
        assert (got.shape, got.dtype) == (expected.shape, expected.dtype), (where, expected, got)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6, equal_nan=True, msg=str(where))
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and list(got) == list(expected), (where, expected, got)
        for key in expected:
            assert_same(expected[key], got[key], (where, key))
    elif isinstance(expected, (tuple, list)):
        assert type(got) is type(expected) and len(got) == len(expected), (where, expected, got)
        for i, (e, g) in enumerate(zip(expected, got)):
            assert_same(e, g, (where, i))
    elif isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got), (where, got)
    else:  # numbers: a numpy float of Ignite's (scipy's) is a float
        kind = float if isinstance(expected, float) else type(expected)
        assert isinstance(got, kind) and not isinstance(got, torch.Tensor), (where, expected, got)
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-6), (where, expected, got)


def assert_same_metrics(expected: dict, got: dict) -> None:
    assert list(got) == list(expected)
    for key in expected:
        if key in TIMED:  # a rate in wall-clock time: only its kind
            assert type(got[key]) is type(expected[key]) and got[key] > 0, (key, got[key])
        else:
            assert_same(expected[key], got[key], key)


# ---------------------------------------------------------------- the catalogue is complete


def _exported_metrics(module: Any, prefix: str = "") -> set[str]:
    """Names ``module`` exports (``__all__``, else its public names defined in it) that are concrete
    metric classes (abstract ones too) or functions building a metric."""
    names = getattr(module, "__all__", None)
    if names is None:  # Ignite's regression and clustering packages have no __all__
        names = [n for n in dir(module) if not n.startswith("_")]
        names = [n for n in names if getattr(getattr(module, n), "__module__", "").startswith(module.__name__)]
    found = set()
    for name in names:
        obj = getattr(module, name)
        if inspect.isclass(obj) and hasattr(obj, "compute") or inspect.isfunction(obj) and name not in NOT_METRICS:
            found.add(prefix + name)
    return found


def _all_exported_metrics(pkg: Any) -> set[str]:
    """The metrics of a metrics package and of its subpackages that it does not export itself."""
    names = _exported_metrics(pkg)
    for sub in ("regression", "clustering", "fairness"):
        names |= _exported_metrics(getattr(pkg, sub), f"{sub}.")
    return names


def test_every_exported_metric_has_a_case_or_a_reason() -> None:
    for sub in set(SUBPACKAGES) - {"regression", "clustering", "fairness"}:
        # the other subpackages' metrics are exported by bridge.metrics itself, as in Ignite
        assert _exported_metrics(getattr(bm, sub)) <= set(bm.__all__), sub
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    covered = set(names)
    assert not covered & set(WITHOUT_CASE)
    assert covered | set(WITHOUT_CASE) == _all_exported_metrics(bm)
    assert {case.family for case in CASES} == {
        "classification", "ranking", "regression", "distances", "image", "nlp", "detection", "gan", "rec_sys",
        "clustering", "fairness", "accumulation", "misc",
    }  # fmt: skip


def test_the_same_names_exist_on_ignite() -> None:
    ignite, bridge = metrics_package("ignite"), metrics_package("bridge")
    assert _all_exported_metrics(ignite) == _all_exported_metrics(bridge) - BRIDGE_ONLY
    for name in _all_exported_metrics(ignite):
        objects = []
        for pkg in (ignite, bridge):
            obj = pkg
            for part in name.split("."):
                obj = getattr(obj, part)
            objects.append(obj)
        assert [o.__name__ for o in objects] == [name.split(".")[-1]] * 2, name


def test_the_catalogue_examples_run() -> None:
    import benchmarks.metric_cases

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert doctest.testmod(benchmarks.metric_cases, optionflags=flags).failed == 0


# ---------------------------------------------------------------- all metrics on one engine


def test_all_metrics_on_an_engine_match_ignite() -> None:
    outputs = _outputs()
    expected = _engine_metrics("ignite", outputs)
    got = _engine_metrics("bridge", outputs)
    assert {case.name for case in CASES} <= set(got)
    assert_same_metrics(expected, got)


class _Indices:
    """A sized iterable of batch indices (not a list: Lightning's CombinedLoader flattens lists)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.n))


def test_all_metrics_on_a_lightning_validation_engine() -> None:
    import pytorch_lightning as pl

    from bridge.lightning import EngineCallback

    outputs = _outputs(seed=10)

    class Model(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(2, 1)

        def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
            return self.net(batch[0]).pow(2).mean()

        def validation_step(self, batch: int, batch_idx: int) -> dict:
            return outputs[batch]  # the precomputed outputs: the model's weights play no part

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    callback = EngineCallback()
    _attach_all("bridge", callback.validation)
    seen: list = []
    callback.validation.add_event_handler(Events.COMPLETED, lambda e: seen.append(dict(e.state.metrics)))
    # Frequency on the training engine too: a rate at every iteration
    bm.Frequency(output_transform=lambda out: 8).attach(callback.train, "samples/s")
    rates: list = []
    callback.train.add_event_handler(Events.ITERATION_COMPLETED, lambda e: rates.append(e.state.metrics["samples/s"]))
    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(12, 2)), batch_size=4)
    trainer = pl.Trainer(
        max_epochs=EPOCHS, callbacks=[callback], accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(Model(), train, _Indices(len(outputs)))
    assert len(rates) == 3 * EPOCHS and all(isinstance(rate, int) and rate > 0 for rate in rates)
    # every validation run starts afresh: its metrics are those of one Engine epoch over the outputs
    assert len(seen) == EPOCHS
    assert_same_metrics(_engine_metrics("bridge", outputs, max_epochs=1), seen[-1])

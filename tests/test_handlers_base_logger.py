"""Ignite's logger protocol (BaseLogger and the handler bases): the same values, keys, warnings and errors as pytorch-ignite's."""

from __future__ import annotations

import warnings
from collections import namedtuple
from typing import Any

import ignite.engine as ie
import ignite.handlers.base_logger as ibl
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import bridge.distributed
import bridge.engine as be
import bridge.handlers.base_logger as bbl

Point = namedtuple("Point", "x y")


def _classes(base: Any) -> tuple[Any, Any]:
    """A recording logger and output handler built on either library's base classes."""

    class Output(base.BaseOutputHandler):
        def __call__(self, engine: Any, logger: Any, event_name: Any) -> None:
            step = self.global_step_transform(engine, event_name)
            logger.records.append((step, self._setup_output_metrics_state_attrs(engine, key_tuple=False)))

    class Recorder(base.BaseLogger):
        def __init__(self) -> None:
            self.records: list[Any] = []

        def _create_output_handler(self, *args: Any, **kwargs: Any) -> Any:
            return Output(*args, **kwargs)

        def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError

    return Recorder, Output


def _record(engines: Any, base: Any, output: Any, metrics: dict[str, Any], **handler_kwargs: Any) -> list[Any]:
    recorder_cls, _ = _classes(base)
    recorder = recorder_cls()
    engine = engines.Engine(lambda e, b: output)

    @engine.on(engines.Events.ITERATION_COMPLETED)
    def set_metrics(e: Any) -> None:
        e.state.metrics = dict(metrics)

    recorder.attach_output_handler(
        engine, engines.Events.ITERATION_COMPLETED(every=2) | engines.Events.COMPLETED, tag="t", **handler_kwargs
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine.run(range(4), max_epochs=2)
    return [recorder.records, sorted({str(w.message) for w in caught})]


def _value() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.integers(-5, 5),
        st.floats(-2, 2, allow_nan=False),
        st.text("ab", max_size=2),
        st.builds(lambda v: torch.tensor(v), st.floats(-2, 2, allow_nan=False)),
        st.builds(lambda n: torch.arange(float(n)), st.integers(0, 3)),
        st.builds(lambda n: torch.ones(n, 2), st.integers(1, 2)),  # not loggable: warned
        st.none(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
            st.builds(Point, inner, inner),
        ),
        max_leaves=6,
    )


@settings(max_examples=40, deadline=None)
@given(output=st.dictionaries(st.sampled_from(["loss", "parts", "info"]), _value(), max_size=3), metric=_value())
def test_output_handler_flattens_as_ignite(output: dict[str, Any], metric: Any) -> None:
    kwargs = {"metric_names": ["acc", "missing"], "output_transform": lambda out: out, "state_attributes": ["alpha"]}
    ours = _record(be, bbl, output, {"acc": metric}, **kwargs)
    theirs = _record(ie, ibl, output, {"acc": metric}, **kwargs)
    assert ours == theirs


def test_metric_names_all_and_scalar_output_as_ignite() -> None:
    metrics = {"acc": 0.5, "cm": torch.tensor([1.0, 2.0])}
    assert _record(be, bbl, 3.0, metrics, metric_names="all", output_transform=lambda o: o) == _record(
        ie, ibl, 3.0, metrics, metric_names="all", output_transform=lambda o: o
    )


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"metric_names": "acc"}, TypeError, "metric_names should be either a list or equal 'all'"),
        ({"output_transform": 3}, TypeError, "output_transform should be a function"),
        ({}, ValueError, "Either metric_names, output_transform or state_attributes should be defined"),
        ({"metric_names": "all", "global_step_transform": 1}, TypeError, "global_step_transform should be a function"),
    ],
)
def test_output_handler_refuses_bad_arguments_as_ignite(kwargs: dict[str, Any], error: type, match: str) -> None:
    for base in (bbl, ibl):
        with pytest.raises(error, match=match):
            _classes(base)[1]("tag", **kwargs)


def test_weights_and_optimizer_handler_bases_as_ignite() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    for whitelist in (None, ["0."], lambda name, p: name.endswith("bias")):
        names = []
        for base in (bbl, ibl):

            class Weights(base.BaseWeightsScalarHandler):  # type: ignore[name-defined,misc]
                def __call__(self, engine: Any, logger: Any, event_name: Any) -> None:
                    pass

            names.append([name for name, _ in Weights(model, whitelist=whitelist).weights])
        assert names[0] == names[1]
    for base in (bbl, ibl):

        class Weights(base.BaseWeightsScalarHandler):  # type: ignore[name-defined,misc,no-redef]
            def __call__(self, engine: Any, logger: Any, event_name: Any) -> None:
                pass

        class Params(base.BaseOptimizerParamsHandler):  # type: ignore[name-defined,misc]
            def __call__(self, engine: Any, logger: Any, event_name: Any) -> None:
                pass

        with pytest.raises(TypeError, match="Argument model should be of type torch.nn.Module"):
            Weights("model")
        with pytest.raises(TypeError, match="Argument reduction should be callable"):
            Weights(model, reduction=2)
        with pytest.raises(TypeError, match="Output of the reduction function should be a scalar"):
            Weights(model, reduction=lambda t: t)
        with pytest.raises(TypeError, match="Argument optimizer should be torch.optim.Optimizer"):
            Params(model)
        duck = type("Wrapped", (), {"param_groups": [{"lr": 0.1}]})()
        assert Params(duck).optimizer is duck


def test_attach_events_list_unknown_event_and_removal_as_ignite() -> None:
    def run(engines: Any, base: Any) -> list[Any]:
        recorder = _classes(base)[0]()
        engine = engines.Engine(lambda e, b: None)
        seen: list[Any] = []

        def handler(engine: Any, logger: Any, event_name: Any) -> None:
            seen.append((event_name.name, engine.state.iteration, logger is recorder))

        handle = recorder.attach(engine, handler, engines.Events.STARTED | engines.Events.ITERATION_COMPLETED(every=3))
        engine.run(range(4))
        assert engine.has_event_handler(handler)
        handle.remove()
        assert not engine.has_event_handler(handler)
        engine.run(range(4))
        with pytest.raises(RuntimeError, match="Unknown event name 'no_such_event'"):
            recorder.attach(engine, handler, "no_such_event")
        with pytest.raises(ValueError):  # a handler that cannot take (engine, logger, event_name)
            recorder.attach(engine, lambda: None, engines.Events.COMPLETED)
        return seen

    assert run(be, bbl) == run(ie, ibl) == [("STARTED", 0, True), ("ITERATION_COMPLETED", 3, True)]


def test_a_logger_writes_on_rank_zero_only(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = _classes(bbl)[0]()
    engine = be.Engine(lambda e, b: b)
    recorder.attach_output_handler(engine, be.Events.ITERATION_COMPLETED, tag="t", output_transform=lambda o: o)
    monkeypatch.setattr(bridge.distributed, "get_rank", lambda: 1)
    engine.run([1.0, 2.0])
    assert recorder.records == []
    monkeypatch.setattr(bridge.distributed, "get_rank", lambda: 0)
    engine.run([1.0, 2.0])
    assert recorder.records == [(1, {"t/output": 1.0}), (2, {"t/output": 2.0})]


def test_a_logger_closes_as_a_context_manager() -> None:
    closed: list[bool] = []

    class Closing(_classes(bbl)[0]):  # type: ignore[misc]
        def close(self) -> None:
            closed.append(True)

    with Closing() as logger:
        assert isinstance(logger, bbl.BaseLogger)
    assert closed == [True]

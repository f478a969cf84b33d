"""TensorboardLogger: the event files of pytorch-ignite's and bridge's runs of the same script hold the same data."""

from __future__ import annotations

import pickle
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import ignite.engine as ie
import ignite.handlers.tensorboard_logger as itb
import ignite.metrics as im
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard.backend.event_processing import event_accumulator as ea
from torch import nn

import bridge.distributed
import bridge.engine as be
import bridge.handlers.tensorboard_logger as btb
import bridge.metrics as bm
from bridge.engine import Engine, EventEnum, Events


def _read(log_dir: Path) -> tuple[dict[str, list[tuple[int, float]]], dict[str, list[tuple[int, tuple[float, ...]]]]]:
    """Every scalar tag's (step, value) list and every histogram tag's (step, (min, max, num, sum, sum_squares)) list."""
    events = ea.EventAccumulator(str(log_dir), size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0})
    events.Reload()
    tags = events.Tags()
    scalars = {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in tags["scalars"]}
    histograms = {
        tag: [(e.step, (e.histogram_value.min, e.histogram_value.max, e.histogram_value.num, e.histogram_value.sum,
                        e.histogram_value.sum_squares)) for e in events.Histograms(tag)]
        for tag in tags["histograms"]
    }  # fmt: skip
    return scalars, histograms


def _assert_same(ours: Any, theirs: Any) -> None:
    for kind_ours, kind_theirs in zip(ours, theirs):
        assert sorted(kind_ours) == sorted(kind_theirs)
        for tag, points in kind_theirs.items():
            assert [step for step, _ in kind_ours[tag]] == [step for step, _ in points], tag
            np.testing.assert_allclose([v for _, v in kind_ours[tag]], [v for _, v in points], rtol=1e-5, atol=1e-6,
                                       err_msg=tag)  # fmt: skip


def _documented_example(engines: Any, tb: Any, metrics: Any, log_dir: Path, **engine_kwargs: Any) -> None:
    """Ignite's TensorboardLogger docstring example on a small classifier: 2 epochs of 4 iterations."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = torch.optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.05}], lr=0.1, momentum=0.9
    )
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    generator = torch.Generator().manual_seed(1)
    x, y = torch.randn(36, 4, generator=generator), torch.randint(0, 3, (36,), generator=generator)
    train = [(x[i : i + 6], y[i : i + 6]) for i in range(0, 24, 6)]
    val = [(x[24:30], y[24:30]), (x[30:], y[30:])]

    trainer = engines.create_supervised_trainer(model, optimizer, nn.functional.cross_entropy, **engine_kwargs)
    evaluator = engines.create_supervised_evaluator(
        model, metrics={"accuracy": metrics.Accuracy(), "nll": metrics.Loss(nn.functional.cross_entropy)},
        **engine_kwargs,
    )  # fmt: skip
    trainer.add_event_handler(engines.Events.ITERATION_COMPLETED, lambda: scheduler.step())
    trainer.add_event_handler(engines.Events.EPOCH_COMPLETED, lambda: evaluator.run(val))

    tb_logger = tb.TensorboardLogger(log_dir=str(log_dir))
    tb_logger.attach_output_handler(
        trainer, event_name=engines.Events.ITERATION_COMPLETED(every=3), tag="training",
        output_transform=lambda loss: {"loss": loss},
    )  # fmt: skip
    tb_logger.attach_output_handler(
        evaluator, event_name=engines.Events.EPOCH_COMPLETED, tag="validation", metric_names=["nll", "accuracy"],
        global_step_transform=tb.global_step_from_engine(trainer),
    )  # fmt: skip
    tb_logger.attach_opt_params_handler(trainer, event_name=engines.Events.ITERATION_STARTED, optimizer=optimizer)
    tb_logger.attach(trainer, event_name=engines.Events.ITERATION_COMPLETED, log_handler=tb.WeightsScalarHandler(model))
    tb_logger.attach(trainer, event_name=engines.Events.EPOCH_COMPLETED, log_handler=tb.WeightsHistHandler(model))
    tb_logger.attach(trainer, event_name=engines.Events.ITERATION_COMPLETED, log_handler=tb.GradsScalarHandler(model))
    tb_logger.attach(trainer, event_name=engines.Events.EPOCH_COMPLETED, log_handler=tb.GradsHistHandler(model))
    trainer.run(train, max_epochs=2)
    tb_logger.close()


@pytest.mark.parametrize("runner", ["trainer", "fabric"])
def test_documented_example_writes_what_ignite_writes(tmp_path: Path, runner: str) -> None:
    _documented_example(ie, itb, im, tmp_path / "ignite")
    _documented_example(be, btb, bm, tmp_path / "bridge", runner=runner)
    theirs, ours = _read(tmp_path / "ignite"), _read(tmp_path / "bridge")
    _assert_same(ours, theirs)
    scalars, histograms = ours
    assert [step for step, _ in scalars["training/loss"]] == [3, 6]
    assert [step for step, _ in scalars["validation/accuracy"]] == [1, 2]  # the trainer's epochs
    assert [v for _, v in scalars["lr/group_1"]] == pytest.approx([0.05] * 3 + [0.025] * 3 + [0.0125] * 2)
    assert {"weights_norm/0/weight", "grads_norm/2/bias"} <= set(scalars)
    assert set(histograms) == {f"{kind}/{layer}/{p}" for kind in ("weights", "grads") for layer in (0, 2)
                               for p in ("weight", "bias")}  # fmt: skip
    assert [step for step, _ in histograms["grads/2/bias"]] == [1, 2]


def _handlers_on_a_plain_engine(engines: Any, tb: Any, log_dir: Path) -> list[str]:
    """Flattened outputs, state attributes, "all" metrics, tags, whitelists, reductions, EventsList; warnings."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model[1].bias.requires_grad_(False)  # never gets a gradient: skipped by the gradient handlers

    def step(engine: Any, batch: float) -> dict:
        model.zero_grad()
        model(torch.full((2, 3), batch)).sum().backward()
        return {"loss": batch / 4, "parts": torch.tensor([batch, -batch]), "nested": {"a": [1, 2.5]}, "name": "x"}

    engine = engines.Engine(step)

    @engine.on(engines.Events.ITERATION_COMPLETED)
    def metrics(engine: Any) -> None:
        engine.state.metrics = {"acc": engine.state.iteration / 10, "mae": torch.tensor(0.5), "cm": torch.eye(2)}
        engine.state.alpha = engine.state.iteration * 2

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with tb.TensorboardLogger(str(log_dir)) as tb_logger:
            tb_logger.attach_output_handler(engine, engines.Events.ITERATION_COMPLETED, tag="out", metric_names="all",
                                            output_transform=lambda out: out, state_attributes=["alpha", "beta"])  # fmt: skip
            tb_logger.attach_output_handler(engine, engines.Events.EPOCH_COMPLETED, tag="scalar",
                                            metric_names=["acc", "missing"], output_transform=lambda out: out["loss"])  # fmt: skip
            tb_logger.attach(engine, tb.WeightsScalarHandler(model, reduction=torch.max, tag="m", whitelist=["1"]),
                             engines.Events.ITERATION_COMPLETED | engines.Events.EPOCH_COMPLETED)  # fmt: skip
            tb_logger.attach(engine, tb.GradsScalarHandler(model, whitelist=lambda n, p: n.endswith("bias")),
                             engines.Events.ITERATION_COMPLETED(every=2))  # fmt: skip
            tb_logger.attach(engine, tb.GradsHistHandler(model, tag="m"), engines.Events.ITERATION_COMPLETED)
            tb_logger.attach_opt_params_handler(engine, engines.Events.EPOCH_STARTED,
                                                torch.optim.Adam(model.parameters(), betas=(0.8, 0.9)),
                                                param_name="weight_decay", tag="adam")  # fmt: skip
            engine.run([1.0, 2.0, 3.0], max_epochs=2)
    return sorted({str(w.message) for w in caught if "LeafSpec" not in str(w.message)})


def test_handler_options_write_and_warn_as_ignite(tmp_path: Path) -> None:
    theirs = _handlers_on_a_plain_engine(ie, itb, tmp_path / "ignite")
    ours = _handlers_on_a_plain_engine(be, btb, tmp_path / "bridge")
    assert ours == theirs
    assert any("can not log metrics value type <class 'str'>" in w for w in ours)
    assert any("Provided metric name 'missing' is missing" in w for w in ours)
    expected, scalars = _read(tmp_path / "ignite"), _read(tmp_path / "bridge")
    _assert_same(scalars, expected)
    names = set(scalars[0])
    assert {"out/parts/1", "out/nested/a/1", "out/alpha", "out/mae", "scalar/output", "m/weights_max/1/weight",
            "adam/weight_decay/group_0", "grads_norm/0/bias"} <= names  # fmt: skip
    assert not {"out/name", "out/cm", "out/beta", "grads_norm/1/bias"} & names
    assert [step for step, _ in scalars[0]["m/weights_max/1/bias"]] == [1, 2, 3, 1, 4, 5, 6, 2]  # EventsList
    assert set(scalars[1]) == {"m/grads/0/weight", "m/grads/0/bias", "m/grads/1/weight"}


def test_writer_is_made_on_first_use_forwarded_to_and_closed(tmp_path: Path) -> None:
    tb_logger = btb.TensorboardLogger(str(tmp_path), comment="unused", flush_secs=1)
    assert not tb_logger.client_made and not any(tmp_path.iterdir())
    tb_logger.add_text("note", "hello", 0)  # Ignite forwards unknown attributes to the writer
    assert tb_logger.writer.log_dir == str(tmp_path) and tb_logger.get_logdir() == str(tmp_path)
    assert len(list(tmp_path.glob("events.out.tfevents.*"))) == 1
    copy = pickle.loads(pickle.dumps(tb_logger))  # ddp_spawn pickles the handlers' logger: no writer travels
    assert not copy.client_made and copy._client_args == ((str(tmp_path),), {"comment": "unused", "flush_secs": 1})
    tb_logger.close()
    with pytest.raises(AttributeError, match="no attribute 'no_such_thing'"):
        tb_logger.no_such_thing  # noqa: B018
    btb.TensorboardLogger(str(tmp_path / "unused")).close()
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize("rank", [0, 1])
def test_only_rank_zero_makes_a_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rank: int) -> None:
    monkeypatch.setattr(bridge.distributed, "get_rank", lambda: rank)
    model = nn.Linear(2, 1)
    engine = Engine(lambda e, b: b)
    tb_logger = btb.TensorboardLogger(log_dir=str(tmp_path / "logs"))
    tb_logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda out: out)
    tb_logger.attach(engine, btb.WeightsHistHandler(model), Events.EPOCH_COMPLETED)
    engine.run([1.0, 2.0])
    tb_logger.close()
    if rank == 0:
        assert len(list((tmp_path / "logs").glob("events.out.tfevents.*"))) == 1
    else:
        assert not tb_logger.client_made and not (tmp_path / "logs").exists()


def test_summary_writer_package_order_and_missing_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("tensorboardX")
    made: list[tuple] = []
    fake.SummaryWriter = lambda *args, **kwargs: made.append((args, kwargs)) or "writer"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tensorboardX", fake)
    assert btb.TensorboardLogger("dir", flush_secs=3).writer == "writer" and made == [(("dir",), {"flush_secs": 3})]
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    for module in (itb, btb):
        with pytest.raises(ModuleNotFoundError) as error:
            module.TensorboardLogger("dir")
        if module is itb:
            expected = str(error.value)
    assert str(error.value) == expected and "pip install tensorboardX" in expected


class _RecordingWriter:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def add_scalar(self, *args: Any) -> None:
        self.calls.append(args)


def _with_recording_writer(module: Any) -> Any:
    """The module's TensorboardLogger, its writer a recorder (no files): Ignite's sets ``writer``, bridge's makes it."""
    logger = object.__new__(module.TensorboardLogger)
    writer = _RecordingWriter()
    if module is itb:
        logger.writer = writer
    else:
        logger._client, logger._client_made = writer, True
    return logger, writer


_LEAVES = st.one_of(
    st.integers(-5, 5),
    st.floats(-1e3, 1e3),
    st.text("ab", max_size=2),
    st.floats(-10, 10).map(torch.tensor),
    st.lists(st.floats(-10, 10), min_size=1, max_size=3).map(torch.tensor),
    st.just(torch.zeros(2, 2)),
)
_OUTPUTS = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text("xyz", min_size=1, max_size=2), inner,
                                                                         max_size=3)),
    max_leaves=8,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(output=_OUTPUTS, iteration=st.integers(1, 50))
def test_output_handler_writes_any_output_as_ignite(output: Any, iteration: int) -> None:
    recorded = []
    for engines, tb in ((ie, itb), (be, btb)):
        engine = engines.Engine(lambda e, b: None)
        engine.state.output, engine.state.iteration = output, iteration
        logger, writer = _with_recording_writer(tb)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            tb.OutputHandler("tag", output_transform=lambda out: out)(
                engine, logger, engines.Events.ITERATION_COMPLETED
            )
        recorded.append((writer.calls, [str(w.message) for w in caught]))
    assert recorded[0] == recorded[1]


class _Unregistered(EventEnum):
    X = "x"


def test_bad_input_gets_ignites_errors(tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for engines, tb in ((ie, itb), (be, btb)):
        engine = engines.Engine(lambda e, b: None)
        engine.state.output = 1.0
        tb_logger = tb.TensorboardLogger(str(tmp_path / tb.__name__))
        handlers = [
            (tb.OutputHandler("t", output_transform=lambda out: out), "Handler 'OutputHandler' works only with TensorboardLogger"),
            (tb.OptimizerParamsHandler(optimizer), "Handler OptimizerParamsHandler works only with TensorboardLogger"),
            (tb.WeightsScalarHandler(model), "Handler 'WeightsScalarHandler' works only with TensorboardLogger"),
            (tb.WeightsHistHandler(model), "Handler 'WeightsHistHandler' works only with TensorboardLogger"),
            (tb.GradsScalarHandler(model), "Handler 'GradsScalarHandler' works only with TensorboardLogger"),
            (tb.GradsHistHandler(model), "Handler 'GradsHistHandler' works only with TensorboardLogger"),
        ]  # fmt: skip
        for handler, message in handlers:
            with pytest.raises(RuntimeError, match=f"^{message}$"):
                handler(engine, object(), engines.Events.ITERATION_COMPLETED)
        with pytest.raises(TypeError, match="global_step must be int, got <class 'float'>"):
            tb.OutputHandler("t", output_transform=lambda out: out, global_step_transform=lambda e, ev: 1.5)(
                engine, tb_logger, engines.Events.ITERATION_COMPLETED
            )
        with pytest.raises(TypeError, match="Argument reduction should be callable"):
            tb.WeightsScalarHandler(model, reduction=3)
        with pytest.raises(TypeError, match="Output of the reduction function should be a scalar"):
            tb.GradsScalarHandler(model, reduction=lambda t: t * 2)
        with pytest.raises(TypeError, match="Argument model should be of type torch.nn.Module"):
            tb.WeightsHistHandler(3)
        with pytest.raises(TypeError, match="Argument optimizer should be torch.optim.Optimizer"):
            tb.OptimizerParamsHandler(3)
        with pytest.raises(TypeError, match="metric_names should be either a list or equal 'all'"):
            tb.OutputHandler("t", metric_names="acc")
        with pytest.raises(ValueError, match="Either metric_names, output_transform or state_attributes"):
            tb_logger.attach_output_handler(engine, engines.Events.COMPLETED, tag="t")
        with pytest.raises(RuntimeError, match="Unknown event name 'no_such_event'"):
            tb_logger.attach_output_handler(engine, "no_such_event", tag="t", metric_names="all")
        with pytest.raises(RuntimeError, match="Unknown event name"):
            tb_logger.attach(engine, tb.WeightsHistHandler(model), _Unregistered.X)
        tb_logger.close()

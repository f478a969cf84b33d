"""EarlyStopping, TerminateOnNan, TimeLimit: behaviour, errors, and pytorch-ignite parity."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():  # ignite.handlers imports torch.distributed.optim, which warns about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.engine as ie
    import ignite.handlers as ih

from bridge.engine import Engine, Events
from bridge.handlers.checkpoint import Checkpoint
from bridge.handlers.early_stopping import EarlyStopping
from bridge.handlers.terminate_on_nan import TerminateOnNan
from bridge.handlers.time_limit import TimeLimit

# ----------------------------------------------------------------------- EarlyStopping


def _early_stopping_run(lib: str, scores: list[float], **kwargs: Any) -> tuple[int, int, Any]:
    """Scores are given at each epoch end; returns (epoch the run stopped at, counter, best_score)."""
    engine_cls, handler_cls, events = (
        (Engine, EarlyStopping, Events) if lib == "bridge" else (ie.Engine, ih.EarlyStopping, ie.Events)
    )
    trainer = engine_cls(lambda engine, batch: None)
    sequence = iter(scores)
    handler = handler_cls(score_function=lambda engine: next(sequence), trainer=trainer, **kwargs)
    trainer.add_event_handler(events.EPOCH_COMPLETED, handler)
    state = trainer.run([0], max_epochs=len(scores))
    return state.epoch, handler.counter, handler.best_score


@settings(max_examples=60, deadline=None)
@given(
    scores=st.lists(st.sampled_from([-1.0, -0.5, 0.0, 0.1, 0.5, 0.51, 0.55, 0.6, 1.0, 2.0]), min_size=1, max_size=12),
    patience=st.integers(1, 4),
    threshold=st.sampled_from([0.0, 0.01, 0.05, 0.2]),
    cumulative=st.booleans(),
    threshold_mode=st.sampled_from(["abs", "rel"]),
    mode=st.sampled_from(["max", "min"]),
)
def test_early_stopping_matches_ignite(
    scores: list[float], patience: int, threshold: float, cumulative: bool, threshold_mode: str, mode: str
) -> None:
    kwargs = dict(
        patience=patience, threshold=threshold, cumulative=cumulative, threshold_mode=threshold_mode, mode=mode
    )
    assert _early_stopping_run("bridge", scores, **kwargs) == _early_stopping_run("ignite", scores, **kwargs)


@pytest.mark.parametrize(
    "scores, kwargs, expected",
    [
        ([0.5, 0.4, 0.3, 0.9], {"patience": 2}, (3, 2, 0.5)),
        ([0.5, 0.6, 0.7, 0.8], {"patience": 1}, (4, 0, 0.8)),
        # small steps: each one is not an improvement, and they never add up (not cumulative)
        ([0.5, 0.55, 0.6, 0.65], {"patience": 3, "threshold": 0.1}, (4, 3, 0.65)),
        # cumulative: measured from the last improvement, so 0.65 - 0.5 > 0.1 is one
        ([0.5, 0.55, 0.6, 0.65, 0.66], {"patience": 3, "threshold": 0.1, "cumulative": True}, (5, 1, 0.65)),
        ([1.0, 0.9, 0.95, 0.91], {"patience": 2, "mode": "min"}, (4, 2, 0.9)),
    ],
)
def test_early_stopping_examples(scores: list[float], kwargs: dict, expected: tuple) -> None:
    assert _early_stopping_run("bridge", scores, **kwargs) == expected
    assert _early_stopping_run("ignite", scores, **kwargs) == expected


def test_deprecated_argument_names_warn_as_in_ignite() -> None:
    trainer = Engine(lambda e, b: None)
    with pytest.warns(DeprecationWarning, match="'min_delta' is deprecated"):
        handler = EarlyStopping(2, lambda e: 0.0, trainer, min_delta=0.1)
    with pytest.warns(DeprecationWarning) as record:
        handler = EarlyStopping(2, lambda e: 0.0, trainer, min_delta_mode="rel", cumulative_delta=True)
    assert [str(w.message).split()[0] for w in record] == ["'min_delta_mode'", "'cumulative_delta'"]
    assert handler.cumulative and handler.threshold_mode == "rel"
    with pytest.warns(DeprecationWarning):
        assert handler.cumulative_delta is True
    with pytest.warns(DeprecationWarning):
        handler.min_delta = 0.3
    assert handler.threshold == 0.3
    # positional: the 4th argument is the threshold (min_delta before 0.5.5)
    assert EarlyStopping(2, lambda e: 0.0, trainer, 0.2).threshold == 0.2


def test_early_stopping_state_dict_and_checkpoint_round_trip(tmp_path: Path) -> None:
    trainer = Engine(lambda e, b: None)
    scores = iter([0.5, 0.4, 0.3, 0.2])
    handler = EarlyStopping(3, lambda e: next(scores), trainer)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    checkpoint = Checkpoint({"trainer": trainer, "early_stopping": handler}, tmp_path)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, checkpoint)
    trainer.add_event_handler(Events.EPOCH_COMPLETED(once=2), lambda e: e.terminate())
    trainer.run([0], max_epochs=4)
    assert handler.state_dict() == {"counter": 1, "best_score": 0.5, "threshold_mode": "abs"}

    # resumed: the counter goes on from 1, so the third bad score stops the run at epoch 4
    trainer = Engine(lambda e, b: None)
    resumed = EarlyStopping(3, lambda e: next(scores), trainer)
    Checkpoint.load_objects({"trainer": trainer, "early_stopping": resumed}, checkpoint.last_checkpoint)
    assert (resumed.counter, resumed.best_score) == (1, 0.5)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, resumed)
    assert trainer.run([0]).epoch == 4 and resumed.counter == 3
    with pytest.raises(ValueError, match="'best_score' is absent"):
        resumed.load_state_dict({"counter": 0})


def test_attach_and_reset() -> None:
    trainer, evaluator = Engine(lambda e, b: None), Engine(lambda e, b: None)
    handler = EarlyStopping(5, lambda e: -1.0, trainer)
    handler.attach(evaluator, reset_engine=trainer)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda e: evaluator.run([0]))
    trainer.run([0], max_epochs=3)
    assert handler.counter == 2
    trainer.run([0], max_epochs=3)  # a new run (the last one is done): reset at STARTED
    assert handler.counter == 2
    handler.counter = 4
    trainer.state.max_epochs = None  # restart
    trainer.run([0], max_epochs=1)
    assert (handler.counter, handler.best_score) == (0, -1.0)  # reset, then one evaluation


def test_early_stopping_errors() -> None:
    trainer = Engine(lambda e, b: None)
    with pytest.raises(ValueError, match="patience should be positive integer"):
        EarlyStopping(0, lambda e: 0.0, trainer)
    with pytest.raises(TypeError, match="score_function should be a function"):
        EarlyStopping(1, 0.5, trainer)
    with pytest.raises(TypeError, match="trainer should be an instance of Engine"):
        EarlyStopping(1, lambda e: 0.0, ie.Engine(lambda e, b: None))
    with pytest.raises(ValueError, match="threshold should not be a negative number"):
        EarlyStopping(1, lambda e: 0.0, trainer, threshold=-0.1)
    with pytest.raises(ValueError, match="threshold_mode should be either"):
        EarlyStopping(1, lambda e: 0.0, trainer, threshold_mode="pct")
    with pytest.raises(ValueError, match="mode should be either"):
        EarlyStopping(1, lambda e: 0.0, trainer, mode="up")


def _lightning_fit(callback: Any, max_epochs: int) -> Any:
    import pytorch_lightning as pl

    class Model(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(2, 1)

        def training_step(self, batch, batch_idx):
            return self.net(batch).pow(2).mean()

        def validation_step(self, batch, batch_idx):
            self.log("val_loss", self.net(batch).pow(2).mean())

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.0)  # val_loss never improves

    loader = torch.utils.data.DataLoader(torch.ones(8, 2), batch_size=4)
    trainer = pl.Trainer(
        max_epochs=max_epochs, callbacks=[callback], accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
    )
    trainer.fit(Model(), loader, loader)
    return trainer


def test_early_stopping_on_engine_callback_stops_the_lightning_trainer() -> None:
    from bridge.lightning import EngineCallback

    callback = EngineCallback()
    handler = EarlyStopping(2, lambda engine: -engine.state.metrics["val_loss"], trainer=callback.train)
    callback.validation.add_event_handler(Events.COMPLETED, handler)
    evaluations: list[int] = []
    callback.validation.add_event_handler(Events.COMPLETED, lambda e: evaluations.append(callback.train.state.epoch))
    trainer = _lightning_fit(callback, max_epochs=10)
    assert evaluations == [1, 2, 3] and handler.counter == 2
    assert trainer.should_stop and trainer.current_epoch == 3
    assert callback.train.state.epoch == 3


# ----------------------------------------------------------------------- TerminateOnNan

NAN, INF = float("nan"), float("inf")

OUTPUTS: dict[str, list[Any]] = {
    "numbers": [1.0, 2, NAN, 3.0],
    "inf": [0.5, -INF, 1.0],
    "tensors": [torch.ones(3), torch.tensor([1.0, NAN]), torch.ones(2)],
    "tensor_inf": [torch.tensor(1.0), torch.tensor([[0.0, INF]])],
    "collections": [[1.0, torch.ones(2)], (2.0, {"a": torch.tensor([1.0, 2.0])}), {"loss": [3.0, torch.tensor(NAN)]}],
    "finite": [1.0, torch.ones(2), {"x": 3}],
    "strings_ignored": ["nan", ("inf", 1.0), 2.0],
    "int_tensor": [torch.tensor([1, 2]), torch.tensor([True])],
}


def _nan_run(lib: str, outputs: list[Any], output_transform: Any = None) -> tuple[int, bool]:
    engine_cls, events, handler_cls = (
        (Engine, Events, TerminateOnNan) if lib == "bridge" else (ie.Engine, ie.Events, ih.TerminateOnNan)
    )
    engine = engine_cls(lambda engine, batch: outputs[batch])
    handler = handler_cls() if output_transform is None else handler_cls(output_transform)
    engine.add_event_handler(events.ITERATION_COMPLETED, handler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        state = engine.run(list(range(len(outputs))))
    return state.iteration, engine.should_terminate


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_terminate_on_nan_matches_ignite(name: str, caplog: pytest.LogCaptureFixture) -> None:
    ours = _nan_run("bridge", OUTPUTS[name])
    assert ours == _nan_run("ignite", OUTPUTS[name])
    assert ours[0] == len(OUTPUTS[name]) if name in ("finite", "strings_ignored", "int_tensor") else ours[0] < 4


def test_terminate_on_nan_output_transform_and_warning(caplog: pytest.LogCaptureFixture) -> None:
    outputs = [(1.0, NAN), (NAN, 1.0)]
    first = lambda out: out[0]  # noqa: E731
    assert _nan_run("bridge", outputs, first) == _nan_run("ignite", outputs, first) == (2, True)
    with caplog.at_level("WARNING", logger="bridge.handlers.terminate_on_nan.TerminateOnNan"):
        _nan_run("bridge", [math.inf])
    assert "contains NaN or Inf. Stop training" in caplog.text


# ---------------------------------------------------------------------------- TimeLimit


def test_time_limit_terminates_once_the_limit_has_passed() -> None:
    trainer = Engine(lambda e, b: None)
    handler = TimeLimit(limit_sec=5)
    trainer.add_event_handler(
        Events.ITERATION_COMPLETED(once=3), lambda e: setattr(handler, "start_time", handler.start_time - 10)
    )
    trainer.add_event_handler(Events.ITERATION_COMPLETED, handler)
    assert trainer.run(range(10)).iteration == 3
    assert TimeLimit().limit_sec == 28800


@pytest.mark.parametrize("limit, error", [(1.5, TypeError), (None, TypeError), (0, ValueError), (-3, ValueError)])
def test_time_limit_errors(limit: Any, error: type) -> None:
    with pytest.raises(error, match="limit_sec should be"):
        TimeLimit(limit)
    with pytest.raises(error, match="limit_sec should be"):
        ih.TimeLimit(limit)

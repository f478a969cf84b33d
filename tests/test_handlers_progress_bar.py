"""ProgressBar: the same text as pytorch-ignite's for the same run; output captured, nothing printed."""

from __future__ import annotations

import io
import warnings
from typing import Any

import ignite.engine as ie
import ignite.handlers.tqdm_logger as itq
import pytest
import torch

from bridge.engine import Engine, EventEnum, Events
from bridge.handlers import tqdm_logger as btq

# no timings in the text, and a redraw on every update, so that two runs give the same characters
FORMAT = "{desc}[{n_fmt}/{total_fmt}] {percentage:3.0f}%|{bar}{postfix}"


def _text(engine_cls: type, events: Any, bar_cls: type, *, data: Any = (1.0, 2.0, 3.0, 4.0), max_epochs: int = 2,
          persist: bool = False, attach: dict | None = None, bar_kwargs: dict | None = None) -> str:  # fmt: skip
    out = io.StringIO()

    def step(engine: Any, batch: float) -> dict:
        return {"loss": batch / 10, "parts": torch.tensor([batch, -batch]), "tag": "x"}

    engine = engine_cls(step)

    @engine.on(events.ITERATION_COMPLETED)
    def metrics(engine: Any) -> None:
        engine.state.metrics["acc"] = engine.state.iteration / 100
        engine.state.metrics["mae"] = torch.tensor(0.5)
        engine.state.alpha = 3

    bar = bar_cls(persist=persist, bar_format=FORMAT, file=out, mininterval=0, ncols=120, **(bar_kwargs or {}))
    kwargs = dict(attach or {})
    for key in ("event_name", "closing_event_name"):
        if key in kwargs:
            kwargs[key] = getattr(events, kwargs[key])
    bar.attach(engine, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        engine.run(list(data), max_epochs=max_epochs)
    return out.getvalue()


def _same_text(**kwargs: Any) -> str:
    ours = _text(Engine, Events, btq.ProgressBar, **kwargs)
    assert ours == _text(ie.Engine, ie.Events, itq.ProgressBar, **kwargs)
    return ours


def _lines(text: str) -> list[str]:
    return [part for part in text.replace("\n", "\r").split("\r") if part.strip()]


def test_plain_bar_matches_ignite() -> None:
    text = _same_text()
    assert "Epoch [1/2]: [1/4]  25%|" in text and "Epoch [2/2]: [4/4] 100%|" in text


def test_output_transform_and_metrics_match_ignite() -> None:
    text = _same_text(attach=dict(metric_names=["acc", "mae"], output_transform=lambda out: {"loss": out["loss"], "parts": out["parts"]}))
    lines = _lines(text)
    assert lines[-1].startswith("Epoch [2/2]: [4/4] 100%|")
    assert lines[-1].endswith(", acc=0.08, mae=0.5, loss=0.4, parts_0=4, parts_1=-4")


def test_scalar_output_all_metrics_and_state_attributes_match_ignite() -> None:
    text = _same_text(attach=dict(metric_names="all", output_transform=lambda out: out["tag"], state_attributes=["alpha"]))
    assert _lines(text)[-1].endswith(", acc=0.08, mae=0.5, output=x, alpha=3")


@pytest.mark.parametrize("persist", [True, False])
def test_persist_matches_ignite(persist: bool) -> None:
    text = _same_text(persist=persist, max_epochs=1, attach=dict(output_transform=lambda out: out["loss"]))
    assert text.endswith("\n") == persist  # a persisted bar ends its line; a closed one is erased
    assert "Iteration: [4/4] 100%|" in text  # one epoch: "Iteration", no epoch count


def test_custom_desc_and_epoch_events_match_ignite() -> None:
    text = _same_text(
        max_epochs=3, bar_kwargs=dict(desc="Train"),
        attach=dict(event_name="EPOCH_COMPLETED", closing_event_name="COMPLETED"),
    )  # fmt: skip
    assert "Train: [3/3] 100%|" in text and "Train [" not in text


def test_log_message_goes_to_the_bar_file() -> None:
    out = io.StringIO()
    btq.ProgressBar(file=out).log_message("hello")
    assert out.getvalue() == "hello\n"


@pytest.mark.parametrize("rank", [0, 1])
def test_only_rank_zero_shows_the_bar_and_its_messages(monkeypatch: pytest.MonkeyPatch, rank: int) -> None:
    monkeypatch.setattr(btq.idist, "get_rank", lambda: rank)
    text = _text(Engine, Events, btq.ProgressBar)
    out = io.StringIO()
    btq.ProgressBar(file=out).log_message("hello")
    if rank == 0:
        assert text == _text(ie.Engine, ie.Events, itq.ProgressBar) and out.getvalue() == "hello\n"
    else:
        assert text == "" and out.getvalue() == ""
    # the user's own choice wins: a bar asked for on every rank
    assert _text(Engine, Events, btq.ProgressBar, bar_kwargs={"disable": False}) != ""


def test_bad_input() -> None:
    engine = Engine(lambda e, b: None)
    bar = btq.ProgressBar(file=io.StringIO())
    with pytest.raises(ValueError, match="should be called before closing event"):
        bar.attach(engine, event_name=Events.EPOCH_COMPLETED, closing_event_name=Events.ITERATION_COMPLETED)
    with pytest.raises(ValueError, match="Closing Event should not be a filtered event"):
        bar.attach(engine, closing_event_name=Events.EPOCH_COMPLETED(every=2))
    with pytest.raises(ValueError, match="not in allowed events"):
        bar.attach(engine, event_name=_Unregistered.X)
    with pytest.raises(TypeError, match="metric_names should be either a list or equal 'all'"):
        bar.attach(engine, metric_names="acc")
    with pytest.raises(TypeError, match="output_transform should be a function"):
        bar.attach(engine, output_transform=3)


class _Unregistered(EventEnum):
    X = "x"


def test_missing_metric_warns_like_ignite_and_iterators_without_length() -> None:
    out = io.StringIO()
    engine = Engine(lambda e, b: b)
    btq.ProgressBar(file=out, bar_format=FORMAT, mininterval=0).attach(engine, metric_names=["nope"])
    with pytest.warns(UserWarning, match="Provided metric name 'nope' is missing"):
        engine.run(iter(range(10)), epoch_length=5, max_epochs=2)
    assert "Epoch [2/2]: [5/5] 100%|" in out.getvalue()

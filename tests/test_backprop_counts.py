"""BackpropEvents that nothing handles are counted without a Python call (bridge.engine.tally),
and their counters stay exact whatever happens during the run: a handler added mid-run, the
process function reading them, the user setting them, a second run, pickling."""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import pytorch_lightning as pl
import torch
from torch import nn

from bridge.engine import BackpropEvents, Engine, EventEnum, Events
from bridge.engine.tally import Tally
from bridge.lightning import create_lightning_trainer

N = 6  # iterations per run: 3 batches, 2 epochs
COUNTERS = [event.value for event in BackpropEvents]


def data() -> list[tuple[torch.Tensor, torch.Tensor]]:
    torch.manual_seed(0)
    return [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(3)]


class Regression(pl.LightningModule):
    """Automatic optimization: Lightning's own backward and optimizer step."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(3, 1)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        return nn.functional.mse_loss(self.layer(batch[0]), batch[1])

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def engine_for(way: str, seen: list[int] | None = None) -> Engine:
    """An engine whose steps go through Lightning's (or Fabric's) backward and wrapped optimizer.

    ``seen`` gets ``state.backward_completed`` as the process function reads it after its backward.
    """
    if way == "create_lightning_trainer":
        return create_lightning_trainer(Regression())
    torch.manual_seed(0)
    model = nn.Linear(3, 1)

    def step(engine: Engine, batch: Any) -> float:
        (optimizer,) = engine.optimizers
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(batch[0]), batch[1])
        engine.manual_backward(loss)
        if seen is not None:
            seen.append(engine.state.backward_completed)
        optimizer.step()
        return loss.item()

    return Engine(step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1), runner=way)


WAYS = ["trainer", "fabric", "create_lightning_trainer"]


@contextmanager
def python_calls_named(name: str) -> Iterator[list[str]]:
    """The Python functions called ``name`` that run inside the block (their code's names)."""
    calls: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code.co_name == name:
            calls.append(name)

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


@pytest.mark.parametrize("way", WAYS)
def test_unhandled_backprop_events_are_counted_without_a_python_call(way: str) -> None:
    engine = engine_for(way)
    with python_calls_named("_fire_counted_as") as calls:
        state = engine.run(data(), max_epochs=2)
    assert calls == []
    assert [state.__dict__[name] for name in COUNTERS] == [N] * 4  # numbers again once the run is over
    assert all(type(state.__dict__[name]) is int for name in COUNTERS)


@pytest.mark.parametrize("way", WAYS)
def test_a_handled_backprop_event_is_fired_from_python(way: str) -> None:
    engine = engine_for(way)
    engine.add_event_handler(BackpropEvents.OPTIM_STEP_COMPLETED, lambda: None)
    with python_calls_named("_fire_counted_as") as calls:
        state = engine.run(data(), max_epochs=2)
    assert len(calls) == N  # only the handled event: the other three stay in C
    assert [getattr(state, name) for name in COUNTERS] == [N] * 4


@pytest.mark.parametrize("way", WAYS)
def test_a_handler_added_mid_run_fires_from_then_on_with_exact_counts(way: str) -> None:
    engine = engine_for(way)
    every_two: list[int] = []
    steps: list[int] = []

    @engine.on(Events.ITERATION_COMPLETED(once=2))
    def listen(engine: Engine) -> None:
        engine.add_event_handler(
            BackpropEvents.BACKWARD_COMPLETED(every=2), lambda e: every_two.append(e.state.backward_completed)
        )
        engine.add_event_handler(BackpropEvents.OPTIM_STEP_COMPLETED, lambda e: steps.append(e.state.optim_step_completed))

    state = engine.run(data(), max_epochs=2)
    assert every_two == [4, 6] and steps == [3, 4, 5, 6]
    assert [getattr(state, name) for name in COUNTERS] == [N] * 4


@pytest.mark.parametrize("way", ["trainer", "fabric"])
def test_the_process_function_reads_exact_counts_mid_step(way: str) -> None:
    seen: list[int] = []
    engine_for(way, seen).run(data(), max_epochs=2)
    assert seen == list(range(1, N + 1))


@pytest.mark.parametrize("way", WAYS)
def test_a_counter_set_during_the_run_counts_on_from_there(way: str) -> None:
    engine = engine_for(way)
    engine.add_event_handler(Events.EPOCH_STARTED(once=2), lambda e: setattr(e.state, "optim_step_completed", 100))
    state = engine.run(data(), max_epochs=2)
    assert (state.optim_step_completed, state.optim_step_started) == (103, N)


@pytest.mark.parametrize("way", WAYS)
def test_a_second_run_counts_on(way: str) -> None:
    engine = engine_for(way)
    engine.run(data(), max_epochs=2)
    state = engine.run(data(), max_epochs=4)  # continues the finished run's 2 epochs to 4
    assert [getattr(state, name) for name in COUNTERS] == [2 * N] * 4


class OwnBackpropEvents(EventEnum):  # Ignite's FAQ defines such an enum
    BACKWARD_STARTED = "backward_started"


def test_names_taken_mid_run_stop_bridges_counting() -> None:
    # the user's own events of these names: bridge fires and counts none of its own from then on
    engine = engine_for("trainer")
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.register_events(*OwnBackpropEvents))
    state = engine.run(data(), max_epochs=2)
    assert [getattr(state, name) for name in COUNTERS] == [2] * 4


def test_a_tally_counts_calls_reads_without_changing_and_pickles_with_its_hooks() -> None:
    tally = Tally(10)
    hooks = [tally.hook(), tally.hook()]
    for hook in hooks:
        hook(torch.ones(1))  # a hook's argument, as Lightning passes the loss
    hooks[0]()
    assert [tally.value, tally.value] == [13, 13]
    copy, copied_hooks = pickle.loads(pickle.dumps((tally, hooks)))
    copied_hooks[1]()
    assert (copy.value, tally.value) == (14, 13)  # the copy's hooks advance the copy
    assert copy.hand_over(lambda *args: None) == 14
    assert copied_hooks[0]() is None and copy.value == 14  # handed over: they count no more


def test_a_restarted_tally_takes_the_hooks_along() -> None:
    old = Tally(5)
    hook = old.hook()
    new = old.restart(0)
    hook()
    calls: list[tuple[Any, ...]] = []
    assert (new.value, old.value) == (1, 5)
    assert new.hand_over(lambda *args: calls.append(args), "fired") == 1
    hook("loss")
    assert calls == [("fired", "loss")]


def test_the_engines_stand_in_fires_what_handles_the_event_when_added() -> None:
    engine = Engine(lambda e, b: b)
    hook: Callable[..., Any] = engine._counted(BackpropEvents.BACKWARD_STARTED)
    hook(), hook()
    fired: list[int] = []
    engine.add_event_handler(BackpropEvents.BACKWARD_STARTED, lambda e: fired.append(e.state.backward_started))
    hook("loss")
    assert fired == [3] and engine.last_event_name is BackpropEvents.BACKWARD_STARTED
    assert type(engine.state.__dict__["backward_started"]) is int


def test_an_engine_callbacks_firing_while_a_run_counts_in_c_counts_in_python_first() -> None:
    # BackpropHooks._fire (EngineCallback's path) on an engine whose run's stand-ins count in C
    engine = Engine(lambda e, b: b)
    hook = engine._counted(BackpropEvents.BACKWARD_STARTED)
    hook()
    engine._fire_counted(BackpropEvents.BACKWARD_STARTED)
    hook()
    assert engine.state.backward_started == 3

"""bridge.contrib: CustomPeriodicEvent against a hand-written reference, tbptt trainer against Ignite's."""

from __future__ import annotations

from typing import Any

import ignite.engine as ie
import pytest
import torch
from ignite.contrib.engines import tbptt as itbptt

from bridge.contrib.engines import tbptt as btbptt
from bridge.contrib.handlers.custom_events import CustomPeriodicEvent
from bridge.engine import Engine, Events


def _trace(cpe: CustomPeriodicEvent, data: list, max_epochs: int) -> list[tuple]:
    engine = Engine(lambda e, b: None)
    cpe.attach(engine)
    trace: list[tuple] = []
    counter = cpe.custom_state_attr
    unit = cpe.state_attr
    for event in (*cpe.Events, getattr(Events, f"{unit.upper()}_STARTED"), getattr(Events, f"{unit.upper()}_COMPLETED")):
        engine.add_event_handler(event, lambda e, ev=event: trace.append((ev.name, getattr(e.state, unit), getattr(e.state, counter))))
    engine.run(data, max_epochs=max_epochs)
    return trace


def test_iterations_events_follow_the_reference() -> None:
    trace = _trace(CustomPeriodicEvent(n_iterations=3), [0] * 4, max_epochs=2)
    periodic = [t for t in trace if t[0].startswith("ITERATIONS_3")]
    assert periodic == [
        ("ITERATIONS_3_STARTED", 1, 1), ("ITERATIONS_3_COMPLETED", 3, 1),
        ("ITERATIONS_3_STARTED", 4, 2), ("ITERATIONS_3_COMPLETED", 6, 2),
        ("ITERATIONS_3_STARTED", 7, 3),
    ]  # fmt: skip
    # a periodic event fires from the engine event it belongs to, before later handlers of that event
    assert trace[:3] == [("ITERATIONS_3_STARTED", 1, 1), ("ITERATION_STARTED", 1, 1), ("ITERATION_COMPLETED", 1, 1)]
    assert trace.index(("ITERATIONS_3_COMPLETED", 3, 1)) + 1 == trace.index(("ITERATION_COMPLETED", 3, 1))


def test_epochs_events_follow_the_reference() -> None:
    trace = _trace(CustomPeriodicEvent(n_epochs=2), [0] * 3, max_epochs=5)
    assert [t for t in trace if t[0].startswith("EPOCHS_2")] == [
        ("EPOCHS_2_STARTED", 1, 1), ("EPOCHS_2_COMPLETED", 2, 1),
        ("EPOCHS_2_STARTED", 3, 2), ("EPOCHS_2_COMPLETED", 4, 2),
        ("EPOCHS_2_STARTED", 5, 3),
    ]  # fmt: skip


def test_period_of_one_fires_every_time_and_counters_restart_with_each_run() -> None:
    cpe = CustomPeriodicEvent(n_iterations=1)
    trace = _trace(cpe, [0] * 3, max_epochs=1)
    assert [t for t in trace if t[0].startswith("ITERATIONS_1")] == [
        (f"ITERATIONS_1_{kind}", i, i) for i in (1, 2, 3) for kind in ("STARTED", "COMPLETED")
    ]


def test_filters_on_generated_events_and_attribute_access() -> None:
    cpe = CustomPeriodicEvent(n_iterations=2)
    assert cpe.ITERATIONS_2_COMPLETED is cpe.Events.ITERATIONS_2_COMPLETED
    engine = Engine(lambda e, b: None)
    cpe.attach(engine)
    seen: list[int] = []
    engine.add_event_handler(cpe.ITERATIONS_2_COMPLETED(every=2), lambda e: seen.append(e.state.iteration))
    engine.run([0] * 10)
    assert seen == [4, 8]
    engine.run([0] * 10)  # a new run: the period counter starts again from 0
    assert seen == [4, 8, 4, 8] and engine.state.iterations_2 == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(n_iterations=0), ValueError, "n_iterations should be positive"),
        (dict(n_epochs=-2), ValueError, "n_epochs should be positive"),
        (dict(n_iterations=1.5), TypeError, "n_iterations should be an integer"),
        (dict(n_epochs="2"), TypeError, "n_epochs should be an integer"),
        (dict(), ValueError, "Either n_iterations or n_epochs"),
        (dict(n_iterations=2, n_epochs=2), ValueError, "Either n_iterations or n_epochs"),
    ],
)
def test_custom_periodic_event_bad_input(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        CustomPeriodicEvent(**kwargs)


class TinyRNN(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = torch.nn.GRU(3, 5, batch_first=True)
        self.head = torch.nn.Linear(5, 2)

    def forward(self, x: torch.Tensor, h: Any = None) -> tuple[torch.Tensor, torch.Tensor]:
        y, h = self.rnn(x, h)
        return self.head(y), h


def _tbptt_run(module: Any, events: Any) -> tuple[dict, list, list]:
    torch.manual_seed(7)
    model = TinyRNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    data = [(torch.randn(4, 11, 3), torch.randn(4, 11, 2)) for _ in range(3)]
    trainer = module.create_supervised_tbptt_trainer(model, optimizer, torch.nn.functional.mse_loss, tbtt_step=4, dim=1)
    chunks: list = []
    outputs: list = []
    trainer.add_event_handler(module.Tbptt_Events.TIME_ITERATION_STARTED, lambda e: chunks.append(("start", e.state.iteration)))
    trainer.add_event_handler(module.Tbptt_Events.TIME_ITERATION_COMPLETED, lambda e: chunks.append(("done", e.state.output)))
    trainer.add_event_handler(events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    trainer.run(data, max_epochs=2)
    return model.state_dict(), chunks, outputs


def test_tbptt_trainer_matches_ignite() -> None:
    ours, our_chunks, our_outputs = _tbptt_run(btbptt, Events)
    theirs, their_chunks, their_outputs = _tbptt_run(itbptt, ie.Events)
    assert our_chunks == their_chunks and our_outputs == their_outputs
    assert len(our_chunks) == 2 * 3 * 3 * 2  # epochs x batches x chunks (4 + 4 + 3 steps) x 2 events
    for name in theirs:
        assert torch.equal(ours[name], theirs[name]), name
    assert [e.name for e in btbptt.Tbptt_Events] == [e.name for e in itbptt.Tbptt_Events]


def test_tbptt_bad_input() -> None:
    model = TinyRNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="tbtt_step should be a positive integer"):
        btbptt.create_supervised_tbptt_trainer(model, optimizer, torch.nn.functional.mse_loss, tbtt_step=0)

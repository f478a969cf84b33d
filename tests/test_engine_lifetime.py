"""An engine the user drops is freed by reference counting alone, with its model, optimizer and data (as Ignite's).

The garbage collector is off in each test: whatever a reference cycle holds would stay.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ignite.engine
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import bridge.engine


@contextmanager
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def supervised(engines: Any, runner: str | None) -> tuple[list[weakref.ref], Callable[[], Any]]:
    """A trainer with an evaluator run every epoch (Ignite's FAQ pattern) on a DataLoader; weak references to all."""
    options = {} if runner is None else {"runner": runner}
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(torch.randn(16, 3), torch.randn(16, 1)), batch_size=4)
    trainer = engines.create_supervised_trainer(model, optimizer, torch.nn.functional.mse_loss, **options)
    evaluator = engines.create_supervised_evaluator(model, **options)
    trainer.add_event_handler(engines.Events.EPOCH_COMPLETED, lambda: evaluator.run(loader))
    refs = [weakref.ref(o) for o in (trainer, evaluator, model, optimizer, loader)]
    return refs, lambda: trainer.run(loader, max_epochs=2)


@pytest.mark.parametrize("framework,runner", [(ignite.engine, None), (bridge.engine, "trainer"),
                                              (bridge.engine, "fabric")])  # fmt: skip
def test_a_dropped_trainer_and_evaluator_are_freed_with_their_model_and_data(framework: Any, runner: str | None) -> None:
    refs, run = supervised(framework, runner)
    run()  # a first run imports and caches what a run needs: only the second is measured
    with no_collector():
        refs, run = supervised(framework, runner)
        run()
        del run
        assert [r() for r in refs] == [None] * 5


def test_an_engine_with_its_model_is_freed_and_its_trainer_works_while_it_lives() -> None:
    def build() -> tuple[bridge.engine.Engine, torch.nn.Module]:
        model = torch.nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

        def step(engine: Any, batch: torch.Tensor) -> float:
            optimizer.zero_grad()
            loss = model(batch).sum()
            loss.backward()
            optimizer.step()
            return loss.item()

        return bridge.engine.Engine(step, model=model, optimizers=optimizer), model

    build()[0].run([torch.ones(2, 2)])
    with no_collector():
        engine, model = build()
        engine.run([torch.ones(2, 2)] * 3, max_epochs=2)
        trainer = engine.lightning_trainer
        assert trainer.lightning_module.model is model and trainer.global_step == 6  # the run's Trainer, whole
        refs = [weakref.ref(engine), weakref.ref(model)]
        del engine, model, trainer
        assert [r() for r in refs] == [None, None]

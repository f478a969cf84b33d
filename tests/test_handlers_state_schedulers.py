"""State parameter schedulers and EpochOutputStore: the same values, history, warnings and errors as pytorch-ignite's."""

from __future__ import annotations

import warnings
from typing import Any

import ignite.engine as ie
import ignite.handlers as ih
import pytest

import bridge.engine as be
import bridge.handlers as bh

CASES = [
    ("LambdaStateScheduler", {"lambda_obj": lambda i: 0.9**i}),
    ("PiecewiseLinearStateScheduler", {"milestones_values": [(2, 1.0), (5, 0.25), (5, 3.0), (9, 0.0)]}),
    ("ExpStateScheduler", {"initial_value": 2.0, "gamma": 0.7}),
    ("StepStateScheduler", {"initial_value": 1.0, "gamma": 0.5, "step_size": 3}),
    ("MultiStepStateScheduler", {"initial_value": 1.0, "gamma": 0.3, "milestones": [2, 4, 7]}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_values_history_and_state_dict_match_ignite(name: str, kwargs: dict) -> None:
    def run(engines: Any, handlers: Any) -> tuple[Any, ...]:
        engine = engines.Engine(lambda e, b: None)
        scheduler = getattr(handlers, name)(param_name="weight", save_history=True, create_new=True, **kwargs)
        scheduler.attach(engine, engines.Events.ITERATION_COMPLETED(every=2) | engines.Events.EPOCH_COMPLETED)
        seen: list[float] = []
        engine.add_event_handler(engines.Events.ITERATION_COMPLETED, lambda e: seen.append(e.state.weight))
        state = engine.run(range(5), max_epochs=3)
        saved = {k: v for k, v in scheduler.state_dict().items() if k != "lambda_obj"}
        return seen, state.param_history, saved, getattr(handlers, name).simulate_values(12, param_name="w", **kwargs)

    assert run(be, bh) == run(ie, ih)


def test_attach_warns_and_refuses_as_ignite() -> None:
    for engines, handlers in ((ie, ih), (be, bh)):
        engine = engines.Engine(lambda e, b: None)
        with pytest.warns(UserWarning, match="Attribute 'alpha' is not defined in the engine.state. ExpStateScheduler "
                                             "will create it. Remove this warning by setting create_new=True."):
            handlers.ExpStateScheduler(1.0, 0.5, "alpha").attach(engine)
        with pytest.raises(ValueError, match="Attribute 'alpha' already exists in the engine.state"):
            handlers.ExpStateScheduler(1.0, 0.5, "alpha", create_new=True).attach(engine)
        with pytest.raises(ValueError, match="Expected lambda_obj to be callable."):
            handlers.LambdaStateScheduler(3, "beta")
        for bad, error in [(3, TypeError), ([], ValueError), ([(1, 1.0), (0, 2.0)], ValueError), ([(0.5, 1.0)], TypeError)]:
            with pytest.raises(error):
                handlers.PiecewiseLinearStateScheduler(bad, "gamma")


def test_state_dict_resumes_a_scheduler_as_ignite() -> None:
    def resumed(handlers: Any) -> list[list[Any]]:
        first = handlers.PiecewiseLinearStateScheduler([(0, 1.0), (10, 0.0)], "p", create_new=True)
        engine = (ie if handlers is ih else be).Engine(lambda e, b: None)
        first.attach(engine)
        engine.run(range(4))
        second = handlers.PiecewiseLinearStateScheduler([(0, 1.0), (10, 0.0)], "p", create_new=True)
        second.load_state_dict(first.state_dict())
        other = (ie if handlers is ih else be).Engine(lambda e, b: None)
        second.attach(other)
        values: list[list[Any]] = []
        other.add_event_handler((ie if handlers is ih else be).Events.ITERATION_COMPLETED, lambda e: values.append(e.state.p))
        other.run(range(3))
        return values

    assert resumed(bh) == resumed(ih)


def test_epoch_output_store_as_ignite() -> None:
    def outputs(engines: Any, handlers: Any) -> tuple[Any, ...]:
        engine = engines.Engine(lambda e, b: b * 2)
        store, named = handlers.EpochOutputStore(), handlers.EpochOutputStore(output_transform=lambda out: -out)
        store.attach(engine)
        named.attach(engine, "kept")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = engine.run([1, 2, 3], max_epochs=2)
        return store.data, named.data, state.kept, hasattr(store, "name")

    assert outputs(be, bh) == outputs(ie, ih) == ([2, 4, 6], [-2, -4, -6], [-2, -4, -6], False)

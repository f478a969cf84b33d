"""Parameter schedulers: the same lr sequences as pytorch-ignite's, and clear errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import ignite.engine as ie
import ignite.handlers.param_scheduler as ips
import pytest
import torch

from bridge.engine import Engine, Events
from bridge.handlers import param_scheduler as bps


def _optimizer(lrs: tuple[float, ...] = (0.1,)) -> torch.optim.SGD:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def _lr_trace(make: Callable[[Any, torch.optim.Optimizer], Any], engine_cls: type, event: Any, *, lrs=(0.1,), epochs=3, n=7) -> list:
    """Attach make(module, optimizer) to a fresh engine on `event`; record every group's lr at each iteration."""
    optimizer = _optimizer(lrs)
    module = bps if engine_cls is Engine else ips
    events = Events if engine_cls is Engine else ie.Events
    engine = engine_cls(lambda e, b: [g["lr"] for g in optimizer.param_groups])
    trace: list = []
    engine.add_event_handler(getattr(events, event), make(module, optimizer))
    engine.add_event_handler(events.ITERATION_COMPLETED, lambda e: trace.append(e.state.output))
    engine.run(list(range(n)), max_epochs=epochs)
    return trace


def _same_trace(make: Callable, event: str = "ITERATION_STARTED", **kwargs: Any) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _lr_trace(make, Engine, event, **kwargs)
        theirs = _lr_trace(make, ie.Engine, event, **kwargs)
    assert ours == theirs
    return ours


CYCLICAL_CASES = [
    dict(start_value=1.0, end_value=0.0, cycle_size=4),
    dict(start_value=0.5, end_value=0.1, cycle_size=5, cycle_mult=2.0, start_value_mult=0.5, end_value_mult=0.9),
    dict(start_value=0.0, end_value=1.0, cycle_size=3, cycle_mult=1.5),
]


@pytest.mark.parametrize("kwargs", CYCLICAL_CASES)
@pytest.mark.parametrize("name", ["LinearCyclicalScheduler", "CosineAnnealingScheduler"])
def test_cyclical_schedulers_match_ignite(name: str, kwargs: dict) -> None:
    trace = _same_trace(lambda m, opt: getattr(m, name)(opt, "lr", **kwargs))
    assert len(trace) == 21
    ours = getattr(bps, name).simulate_values(30, param_name="lr", **kwargs)
    assert ours == getattr(ips, name).simulate_values(30, param_name="lr", **kwargs)


def test_monotonic_linear_with_warmup_and_momentum_match_ignite() -> None:
    kwargs = dict(start_value=0.0, end_value=1.0, cycle_size=4, warmup_duration=3, monotonic=True)
    _same_trace(lambda m, opt: m.LinearCyclicalScheduler(opt, "lr", **kwargs), n=6)
    assert bps.LinearCyclicalScheduler.simulate_values(20, param_name="lr", **kwargs) == (
        ips.LinearCyclicalScheduler.simulate_values(20, param_name="lr", **kwargs)
    )
    cos = dict(start_value=0.9, end_value=0.5, cycle_size=6, warmup_duration=2)
    assert bps.CosineAnnealingScheduler.simulate_values(20, param_name="momentum", **cos) == (
        ips.CosineAnnealingScheduler.simulate_values(20, param_name="momentum", **cos)
    )


def test_param_group_index_and_history_match_ignite() -> None:
    def make(m: Any, opt: torch.optim.Optimizer) -> Any:
        return m.CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 5, param_group_index=1)

    trace = _same_trace(make, lrs=(0.1, 0.2))
    assert {lrs[0] for lrs in trace} == {0.1}

    opt = _optimizer()
    engine = Engine(lambda e, b: None)
    bps.LinearCyclicalScheduler(opt, "lr", 1.0, 0.0, 4, save_history=True).attach(engine)
    engine.run([0] * 5)
    assert engine.state.param_history == {"lr": [[1.0], [0.5], [0.0], [0.5], [1.0]]}


TORCH_SCHEDULERS = {
    "StepLR": lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
    "ExponentialLR": lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.8),
    "MultiStepLR": lambda opt: torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 5], gamma=0.1),
    "CosineAnnealingWarmRestarts": lambda opt: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2),
}


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
@pytest.mark.parametrize("event", ["ITERATION_COMPLETED", "EPOCH_COMPLETED"])
def test_lr_scheduler_wrapper_matches_ignite(name: str, event: str) -> None:
    epochs = 7 if event == "EPOCH_COMPLETED" else 3
    trace = _same_trace(lambda m, opt: m.LRScheduler(TORCH_SCHEDULERS[name](opt)), event=event, lrs=(0.1, 0.3), epochs=epochs)
    assert len({tuple(t) for t in trace}) > 1  # the lr did change


@pytest.mark.parametrize("name", sorted(TORCH_SCHEDULERS))
def test_lr_scheduler_simulate_values_match_ignite_and_leave_scheduler_alone(name: str) -> None:
    opt = _optimizer((0.1, 0.3))
    torch_scheduler = TORCH_SCHEDULERS[name](opt)
    before = torch_scheduler.state_dict()
    ours = bps.LRScheduler.simulate_values(12, lr_scheduler=torch_scheduler)
    assert torch_scheduler.state_dict() == before and [g["lr"] for g in opt.param_groups] == [0.1, 0.3]
    assert ours == ips.LRScheduler.simulate_values(12, lr_scheduler=TORCH_SCHEDULERS[name](_optimizer((0.1, 0.3))))


@pytest.mark.parametrize("warmup_end_value", [None, 0.2])
@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR"])
def test_warmup_with_torch_scheduler_matches_ignite(name: str, warmup_end_value: Any) -> None:
    def make(m: Any, opt: torch.optim.Optimizer) -> Any:
        return m.create_lr_scheduler_with_warmup(
            TORCH_SCHEDULERS[name](opt), warmup_start_value=0.0, warmup_duration=4, warmup_end_value=warmup_end_value
        )

    trace = _same_trace(make, lrs=(0.1, 0.3))
    assert trace[0] == [0.0, 0.0]
    ours, theirs = [None] * 15, [None] * 15
    bps.create_lr_scheduler_with_warmup(TORCH_SCHEDULERS[name](_optimizer()), 0.0, 4, warmup_end_value, output_simulated_values=ours)
    ips.create_lr_scheduler_with_warmup(TORCH_SCHEDULERS[name](_optimizer()), 0.0, 4, warmup_end_value, output_simulated_values=theirs)
    assert ours == theirs


@pytest.mark.parametrize("duration", [2, 3, 5])
def test_warmup_with_param_scheduler_matches_ignite(duration: int) -> None:
    def make(m: Any, opt: torch.optim.Optimizer) -> Any:
        cosine = m.CosineAnnealingScheduler(opt, "lr", 0.1, 0.0, 6)
        return m.create_lr_scheduler_with_warmup(cosine, warmup_start_value=0.01, warmup_duration=duration)

    _same_trace(make)


def test_piecewise_linear_and_concat_match_ignite() -> None:
    milestones = [(2, 0.5), (5, 1.0), (5, 0.2), (9, 0.0)]
    _same_trace(lambda m, opt: m.PiecewiseLinear(opt, "lr", milestones_values=milestones), n=4)
    assert bps.PiecewiseLinear.simulate_values(12, param_name="lr", milestones_values=milestones) == (
        ips.PiecewiseLinear.simulate_values(12, param_name="lr", milestones_values=milestones)
    )

    def concat(m: Any, opt: torch.optim.Optimizer) -> Any:
        first = m.LinearCyclicalScheduler(opt, "lr", 0.1, 0.5, 4)
        second = m.CosineAnnealingScheduler(opt, "lr", 0.5, 0.01, 6)
        return m.ConcatScheduler([first, second], durations=[5])

    _same_trace(concat)


def test_state_dict_round_trip_resumes_the_sequence() -> None:
    opt = _optimizer()
    scheduler = bps.CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 4, cycle_mult=2.0)
    for _ in range(5):
        scheduler(None)
    saved = scheduler.state_dict()
    rest = [(scheduler(None), opt.param_groups[0]["lr"])[1] for _ in range(6)]
    other = bps.CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 4, cycle_mult=2.0)
    other.load_state_dict(saved)
    assert [(other(None), opt.param_groups[0]["lr"])[1] for _ in range(6)] == rest
    with pytest.raises(ValueError, match="Required state attribute 'cycle'"):
        other.load_state_dict({k: v for k, v in saved.items() if k != "cycle"})
    with pytest.raises(TypeError, match="should be a dictionary"):
        other.load_state_dict([1])


def test_bad_inputs() -> None:
    opt = _optimizer()
    with pytest.raises(ValueError, match="cycle_size should be positive and larger than 1"):
        bps.LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, cycle_size=1)
    with pytest.raises(ValueError, match="warmup_duration > 0 and monotonic=False"):
        bps.LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4, warmup_duration=2)
    with pytest.raises(TypeError, match="Argument optimizer should be torch.optim.Optimizer"):
        bps.CosineAnnealingScheduler(object(), "lr", 0.0, 1.0, 4)
    with pytest.raises(ValueError, match="Unknown param_name 'learning_rate'"):
        bps.CosineAnnealingScheduler(opt, "learning_rate", 0.0, 1.0, 4)
    with pytest.raises(TypeError, match="Argument lr_scheduler should be a subclass"):
        bps.LRScheduler(opt)
    with pytest.raises(TypeError, match="Argument lr_scheduler should be a subclass"):
        bps.create_lr_scheduler_with_warmup(opt, 0.0, 3)
    step = torch.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.raises(ValueError, match="warmup_duration should be at least 2 events"):
        bps.create_lr_scheduler_with_warmup(step, 0.0, 1)
    with pytest.raises(TypeError, match="warmup_duration should be integer"):
        bps.create_lr_scheduler_with_warmup(step, 0.0, 2.5)
    with pytest.raises(TypeError, match="output_simulated_values should be a list"):
        bps.create_lr_scheduler_with_warmup(step, 0.0, 3, output_simulated_values=(None,))
    with pytest.raises(ValueError, match="Milestones should be increasing"):
        bps.PiecewiseLinear(opt, "lr", [(3, 1.0), (1, 0.0)])
    with pytest.raises(ValueError, match="at least one value"):
        bps.PiecewiseLinear(opt, "lr", [])
    a = bps.LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4)
    with pytest.raises(ValueError, match="Incorrect number schedulers or duration values"):
        bps.ConcatScheduler([a, a], durations=[1, 2])
    with pytest.raises(ValueError, match="same optimizer"):
        bps.ConcatScheduler([a, bps.LinearCyclicalScheduler(_optimizer(), "lr", 0.0, 1.0, 4)], durations=[2])
    with pytest.raises(ValueError, match="same param_name"):
        bps.ConcatScheduler([a, bps.LinearCyclicalScheduler(opt, "momentum", 0.0, 1.0, 4)], durations=[2])


def _history(engine_cls: type, events: Any, module: Any) -> tuple[dict, dict]:
    optimizer = _optimizer((0.1, 0.2))
    step = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    scheduler = module.create_lr_scheduler_with_warmup(step, 0.0, warmup_duration=3, save_history=True)
    engine = engine_cls(lambda e, b: None)
    engine.add_event_handler(events.ITERATION_STARTED, scheduler)
    engine.run([0] * 4, max_epochs=2)
    return engine.state.param_history, scheduler.state_dict()


def test_history_and_state_dict_match_ignite() -> None:
    ours, our_state = _history(Engine, Events, bps)
    theirs, their_state = _history(ie.Engine, ie.Events, ips)
    # Ignite's quirk, kept: during warmup each param group's scheduler appends its own entry
    assert ours == theirs and len(ours["lr"]) == 3 * 2 + 5
    assert our_state.keys() == their_state.keys()
    assert our_state["schedulers"][1].keys() == their_state["schedulers"][1].keys()
    assert our_state["schedulers"][1]["lr_scheduler"] == their_state["schedulers"][1]["lr_scheduler"]


PLATEAU_CASES = [
    dict(mode="min", factor=0.5, patience=1),
    dict(mode="max", factor=0.1, patience=0, threshold=0.05, cooldown=1),
    dict(mode="min", factor=0.5, patience=2, threshold_mode="abs", threshold=0.1),
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES)
def test_reduce_lr_on_plateau_simulate_values_match_ignite(kwargs: dict) -> None:
    torch.manual_seed(0)
    metrics = torch.rand(15).tolist()
    ours = bps.ReduceLROnPlateauScheduler.simulate_values(15, metrics, init_lr=0.3, **kwargs)
    assert ours == ips.ReduceLROnPlateauScheduler.simulate_values(15, metrics, init_lr=0.3, **kwargs)
    assert len({v for _, v in ours}) > 1


def _plateau_run(engine_cls: type, events: Any, module: Any, index: int = 0) -> tuple[list, dict]:
    optimizer = _optimizer((0.1, 0.2))
    trainer = engine_cls(lambda e, b: None)
    evaluator = engine_cls(lambda e, b: None)
    scores = iter([0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7])
    evaluator.add_event_handler(events.COMPLETED, lambda e: e.state.metrics.update(acc=next(scores)))
    scheduler = module.ReduceLROnPlateauScheduler(
        optimizer, "acc", trainer=trainer, save_history=True, param_group_index=index, mode="max", patience=1, min_lr=0.05
    )
    evaluator.add_event_handler(events.COMPLETED, scheduler)
    trainer.add_event_handler(events.EPOCH_COMPLETED, lambda: evaluator.run([0]))
    lrs: list = []
    trainer.add_event_handler(events.EPOCH_COMPLETED, lambda: lrs.append([g["lr"] for g in optimizer.param_groups]))
    trainer.run([0], max_epochs=10)
    return lrs, trainer.state.param_history


def test_reduce_lr_on_plateau_on_an_evaluator_matches_ignite() -> None:
    ours = _plateau_run(Engine, Events, bps)
    assert ours == _plateau_run(ie.Engine, ie.Events, ips)
    assert {lrs[1] for lrs in ours[0]} == {0.2} and ours[0][-1][0] == 0.05
    # another group: bridge bounds it by its own min_lr (Ignite 0.5.5 would use group 0's bound, 0)
    lrs, _ = _plateau_run(Engine, Events, bps, index=1)
    assert {lr[0] for lr in lrs} == {0.1} and lrs[-1][1] == 0.05


def test_reduce_lr_on_plateau_bad_input() -> None:
    opt = _optimizer()
    scheduler = bps.ReduceLROnPlateauScheduler(opt, "acc")
    with pytest.raises(ValueError, match="which itself has the metric acc"):
        scheduler(Engine(lambda e, b: None))
    with pytest.raises(TypeError, match="min_lr should be a float"):
        bps.ReduceLROnPlateauScheduler(opt, "acc", param_group_index=0, min_lr=1)
    with pytest.raises(ValueError, match="Length of argument metric_values"):
        bps.ReduceLROnPlateauScheduler.simulate_values(3, [1.0], init_lr=0.1)


def test_reduce_lr_on_plateau_honours_min_lr_without_param_group_index() -> None:
    values = bps.ReduceLROnPlateauScheduler.simulate_values(8, [1.0] * 8, init_lr=1.0, factor=0.1, patience=0, min_lr=0.05)
    assert values[-1][1] == 0.05  # Ignite 0.5.5 would go down to 1e-8 here, ignoring min_lr

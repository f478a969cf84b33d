"""create_supervised_trainer / create_supervised_evaluator against pytorch-ignite's."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from torch import nn

import bridge.engine as bridge_engine
from bridge.engine import BackpropEvents, Engine, Events

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import ignite.engine as ignite_engine


def data(n: int = 9) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    return [(torch.randn(5, 3, generator=g), torch.randn(5, 2, generator=g)) for _ in range(n)]


def model_and_optimizer() -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    return model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def custom_prepare(batch: Any, device: Any = None, non_blocking: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = batch
    return x * 2, y


OPTIONS = {
    "defaults": {},
    "accumulation": {"gradient_accumulation_steps": 3},
    "transforms": {
        "model_fn": lambda model, x: model(x) + 1.0,
        "model_transform": lambda output: output * 0.5,
        "output_transform": lambda x, y, y_pred, loss: (loss.item(), y_pred.sum().item()),
        "prepare_batch": custom_prepare,
    },
}


def train(module: Any, options: dict) -> tuple[list[Any], nn.Module]:
    model, optimizer = model_and_optimizer()
    trainer = module.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, **options)
    outputs: list[Any] = []
    trainer.add_event_handler(module.Events.ITERATION_COMPLETED, lambda e: outputs.append(e.state.output))
    trainer.run(data(), max_epochs=2)
    return outputs, model


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_trainer_matches_ignite(options: dict) -> None:
    expected_outputs, expected_model = train(ignite_engine, options)
    outputs, model = train(bridge_engine, options)
    flat = [v for out in outputs for v in (out if isinstance(out, tuple) else (out,))]
    expected_flat = [v for out in expected_outputs for v in (out if isinstance(out, tuple) else (out,))]
    assert flat == pytest.approx(expected_flat, abs=1e-6)
    for p, q in zip(model.parameters(), expected_model.parameters()):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=0)


def test_trainer_fires_backprop_events_through_lightning() -> None:
    model, optimizer = model_and_optimizer()
    trainer = bridge_engine.create_supervised_trainer(
        model, optimizer, nn.functional.mse_loss, gradient_accumulation_steps=3
    )
    trace: list[str] = []
    for event in (*BackpropEvents, Events.ITERATION_COMPLETED):
        trainer.add_event_handler(event, lambda _, name=event.name: trace.append(name))
    state = trainer.run(data(6))
    backward = ["BACKWARD_STARTED", "BACKWARD_COMPLETED"]
    step = ["OPTIM_STEP_STARTED", "OPTIM_STEP_COMPLETED"]
    one_cycle = backward + ["ITERATION_COMPLETED"] + backward + ["ITERATION_COMPLETED"] + backward + step
    assert trace == (one_cycle + ["ITERATION_COMPLETED"]) * 2
    assert (state.backward_completed, state.optim_step_completed) == (6, 2)
    assert trainer.lightning_trainer.global_step == 2  # Lightning counted the wrapped optimizer's steps


@pytest.mark.parametrize("with_transforms", [False, True])
def test_evaluator_matches_ignite(with_transforms: bool) -> None:
    model, _ = model_and_optimizer()
    options = (
        {"model_transform": lambda o: o.softmax(dim=1), "output_transform": lambda x, y, y_pred: y_pred.sum().item()}
        if with_transforms
        else {}
    )
    results = []
    for module in (ignite_engine, bridge_engine):
        evaluator = module.create_supervised_evaluator(model, **options)
        outputs: list[Any] = []
        evaluator.add_event_handler(module.Events.ITERATION_COMPLETED, lambda e, outputs=outputs: outputs.append(e.state.output))
        evaluator.run(data(3))
        results.append(outputs)
    ignite_outputs, bridge_outputs = results
    assert repr(bridge_outputs) == repr(ignite_outputs)


class SumOfTargets:
    """A minimal object with Ignite's metric ``attach`` protocol, built on the public Engine API."""

    def attach(self, engine: Engine, name: str) -> None:
        engine.add_event_handler(Events.STARTED, lambda e: e.state.metrics.__setitem__(name, 0.0))
        engine.add_event_handler(
            Events.ITERATION_COMPLETED, lambda e: e.state.metrics.__setitem__(name, e.state.metrics[name] + e.state.output[1].sum().item())
        )


def test_evaluator_attaches_its_metrics() -> None:
    model, _ = model_and_optimizer()
    evaluator = bridge_engine.create_supervised_evaluator(model, metrics={"target_sum": SumOfTargets()})
    batches = data(3)
    state = evaluator.run(batches)
    assert state.metrics["target_sum"] == pytest.approx(sum(y.sum().item() for _, y in batches))


@pytest.mark.filterwarnings("ignore:torch.cuda.amp.GradScaler is enabled, but CUDA is not available")
def test_amp_mode_becomes_lightnings_mixed_precision_with_the_scaler() -> None:
    model, optimizer = model_and_optimizer()
    from bridge.lightning.runner import _trainer_kwargs

    trainer = bridge_engine.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, amp_mode="amp", scaler=True)
    assert trainer.trainer_kwargs == {"precision": "16-mixed", "grad_scaler": trainer.state.scaler}
    assert isinstance(trainer.state.scaler, torch.amp.GradScaler)
    (plugin,) = _trainer_kwargs(trainer._run_spec())["plugins"]  # what the pl.Trainer gets
    assert plugin.precision == "16-mixed" and plugin.scaler is trainer.state.scaler
    scaler = torch.amp.GradScaler("cuda")
    trainer = bridge_engine.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, amp_mode="amp", scaler=scaler)
    assert _trainer_kwargs(trainer._run_spec())["plugins"][0].scaler is scaler and not hasattr(trainer.state, "scaler")


@pytest.mark.parametrize(
    "options,error,match",
    [
        ({"grad_scaler": 1.0}, TypeError, r"trainer_kwargs\['grad_scaler'\] must be a torch.amp.GradScaler; got 1.0"),
        ({"grad_scaler": "scaler", "precision": "bf16-mixed"}, TypeError, "must be a torch.amp.GradScaler"),
    ],
)
def test_grad_scaler_option_is_checked(options: dict, error: type, match: str) -> None:
    from bridge.lightning.runner import _trainer_kwargs

    with pytest.raises(error, match=match):
        _trainer_kwargs(bridge_engine.Engine(lambda e, b: b, trainer_kwargs=options)._run_spec())


@pytest.mark.filterwarnings("ignore:torch.cuda.amp.GradScaler is enabled, but CUDA is not available")
def test_grad_scaler_needs_fp16_mixed_precision() -> None:
    from bridge.lightning.runner import _trainer_kwargs

    engine = bridge_engine.Engine(
        lambda e, b: b, trainer_kwargs={"grad_scaler": torch.amp.GradScaler("cuda"), "precision": "bf16-mixed"}
    )
    with pytest.raises(ValueError, match=r"needs precision='16-mixed'.*got precision='bf16-mixed'"):
        _trainer_kwargs(engine._run_spec())


def test_deterministic_gives_ignites_deterministic_engine_not_lightnings_option() -> None:
    model, optimizer = model_and_optimizer()
    trainer = bridge_engine.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, deterministic=True)
    assert isinstance(trainer, bridge_engine.DeterministicEngine) and trainer.trainer_kwargs == {}
    strict = bridge_engine.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, deterministic=True,
                                                     trainer_kwargs={"deterministic": True})  # fmt: skip
    assert isinstance(strict, bridge_engine.DeterministicEngine) and strict.trainer_kwargs == {"deterministic": True}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"gradient_accumulation_steps": 0}, "Gradient_accumulation_steps must be strictly positive"),
        ({"scaler": True}, "scaler argument is True, but amp_mode is None"),
        ({"amp_mode": "apex"}, "amp_mode='apex' is not supported"),
        ({"device": "xla"}, "XLA devices are not supported"),
        ({"device": "mps", "amp_mode": "amp"}, "amp_mode cannot be used with mps device"),
    ],
)
def test_trainer_refuses_bad_arguments(kwargs: dict, message: str) -> None:
    model, optimizer = model_and_optimizer()
    with pytest.raises(ValueError, match=message):
        bridge_engine.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, **kwargs)


def test_the_helpers_take_the_engines_lightning_options(tmp_path: Any) -> None:
    import pytorch_lightning as pl
    from pytorch_lightning.loggers import CSVLogger

    from bridge.metrics import MeanSquaredError

    class Count(pl.Callback):
        batches = 0

        def on_train_batch_end(self, *args: Any) -> None:
            self.batches += 1

    count = Count()
    model, optimizer = model_and_optimizer()
    logger = CSVLogger(str(tmp_path), name="run", version=0)
    trainer = bridge_engine.create_supervised_trainer(
        model, optimizer, nn.functional.mse_loss, trainer_kwargs={"logger": logger, "log_every_n_steps": 1}, callbacks=[count]
    )
    evaluator = bridge_engine.create_supervised_evaluator(model, metrics={"mse": MeanSquaredError()}, runner="fabric")
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda e: e.log("val_mse", evaluator.run(data(3)).metrics["mse"]))
    trainer.run(data(), max_epochs=2)
    assert count.batches == 18  # the Lightning callback saw every training batch
    assert trainer.trainer_kwargs == {"logger": logger, "log_every_n_steps": 1}
    lines = (tmp_path / "run" / "version_0" / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,") and "val_mse" in lines[0] and len(lines) == 3  # a row per epoch
    # the same weights as without the options: they change where the run goes, not what it computes
    _, plain = train(bridge_engine, {})
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), plain.parameters()))


@pytest.mark.filterwarnings("ignore:torch.cuda.amp.GradScaler is enabled, but CUDA is not available")
def test_user_options_that_contradict_ignites_arguments_are_refused() -> None:
    model, optimizer = model_and_optimizer()
    with pytest.raises(ValueError, match=r"trainer_kwargs \['precision'\] contradict .*amp_mode"):
        bridge_engine.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, amp_mode="amp",
                                                trainer_kwargs={"precision": "bf16-mixed"})  # fmt: skip
    trainer = bridge_engine.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, amp_mode="amp",
                                                      trainer_kwargs={"precision": "16-mixed", "devices": 1})  # fmt: skip
    assert trainer.trainer_kwargs["precision"] == "16-mixed" and trainer.trainer_kwargs["devices"] == 1

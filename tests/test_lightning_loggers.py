"""LightningLogger: Ignite's logging handlers write into the run's own Lightning logger, beside Lightning's values."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Any

import pytest
import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger
from tensorboard.backend.event_processing import event_accumulator as ea
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import bridge.distributed
import bridge.handlers.tensorboard_logger as btb
from bridge.engine import BackpropEvents, Engine, Events, create_supervised_evaluator, create_supervised_trainer
from bridge.handlers.utils import global_step_from_engine
from bridge.lightning import EngineCallback, LightningLogger
from bridge.lightning import loggers as bll
from bridge.metrics import Accuracy, Loss

# Lightning warns when an epoch has fewer batches than its logging interval
QUIET = {"trainer": {"log_every_n_steps": 1}}


def _csv_rows(logger: CSVLogger) -> list[dict[str, str]]:
    with open(Path(logger.log_dir) / "metrics.csv") as f:
        return [{k: v for k, v in row.items() if v} for row in csv.DictReader(f)]


def _csv_series(rows: list[dict[str, str]]) -> dict[str, list[tuple[int, float]]]:
    series: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        for name, value in row.items():
            if name != "step":
                series.setdefault(name, []).append((int(row["step"]), float(value)))
    return series


def _tb_scalars(log_dir: str | Path) -> tuple[dict[str, list[tuple[int, float]]], dict[str, list[int]]]:
    events = ea.EventAccumulator(str(log_dir), size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0})
    events.Reload()
    tags = events.Tags()
    scalars = {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in tags["scalars"]}
    return scalars, {tag: [e.step for e in events.Histograms(tag)] for tag in tags["histograms"]}


def _training(lightning_logger: Any, ignite_logger: btb.TensorboardLogger, **engine_kwargs: Any) -> Engine:
    """Ignite's documented logging, attached to a LightningLogger and to a TensorboardLogger on the same run."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    generator = torch.Generator().manual_seed(1)
    x, y = torch.randn(30, 4, generator=generator), torch.randint(0, 3, (30,), generator=generator)
    trainer = create_supervised_trainer(model, optimizer, nn.functional.cross_entropy, **engine_kwargs)
    evaluator = create_supervised_evaluator(
        model, metrics={"acc": Accuracy(), "nll": Loss(nn.functional.cross_entropy)}
    )
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda: scheduler.step())
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run([(x[24:], y[24:])]))

    @trainer.on(Events.EPOCH_COMPLETED)
    def epoch_metric(engine: Engine) -> None:  # Lightning logs state.metrics itself at each epoch end
        engine.state.metrics["lightning_own"] = engine.state.epoch / 10

    for logger, module in ((lightning_logger, bll), (ignite_logger, btb)):
        logger.attach_output_handler(trainer, Events.ITERATION_COMPLETED(every=2), tag="training",
                                     output_transform=lambda loss: {"loss": loss})  # fmt: skip
        logger.attach_output_handler(evaluator, Events.EPOCH_COMPLETED, tag="validation", metric_names="all",
                                     global_step_transform=global_step_from_engine(trainer))  # fmt: skip
        logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer)
        logger.attach(trainer, module.WeightsScalarHandler(model, whitelist=["2"]), Events.ITERATION_COMPLETED)
        logger.attach(trainer, module.GradsScalarHandler(model, reduction=torch.max), Events.EPOCH_COMPLETED)
        logger.attach(trainer, module.WeightsHistHandler(model), Events.EPOCH_COMPLETED)
        logger.attach(trainer, module.GradsHistHandler(model, tag="m"), Events.EPOCH_COMPLETED)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*nothing is written")  # histograms and a CSV logger
        trainer.run([(x[i : i + 6], y[i : i + 6]) for i in range(0, 24, 6)], max_epochs=2)
    lightning_logger.close()
    ignite_logger.close()
    return trainer


def _assert_same_series(ours: dict[str, list[tuple[int, float]]], theirs: dict[str, list[tuple[int, float]]]) -> None:
    assert sorted(ours) == sorted(theirs)
    for tag, points in theirs.items():
        assert [s for s, _ in ours[tag]] == [s for s, _ in points], tag
        assert [v for _, v in ours[tag]] == pytest.approx([v for _, v in points], rel=1e-6), tag


@pytest.mark.parametrize("runner", ["trainer", "fabric"])
def test_csv_logger_of_an_engine_run_gets_ignites_values_beside_lightnings(tmp_path: Path, runner: str) -> None:
    csv_logger = CSVLogger(tmp_path, name="run")
    _training(LightningLogger(csv_logger), btb.TensorboardLogger(str(tmp_path / "ignite")), runner=runner,
              trainer_kwargs={"logger": csv_logger, **QUIET.get(runner, {})})  # fmt: skip
    series = _csv_series(_csv_rows(csv_logger))
    lightnings = {name: series.pop(name) for name in ("lightning_own", "epoch") if name in series}
    _assert_same_series(series, _tb_scalars(tmp_path / "ignite")[0])
    assert [step for step, _ in series["training/loss"]] == [2, 4, 6, 8]
    assert [step for step, _ in series["validation/acc"]] == [1, 2]  # the trainer's epochs
    assert [v for _, v in series["lr/group_0"]] == [0.1] * 3 + [0.05] * 3 + [0.025] * 2
    assert [v for _, v in lightnings["lightning_own"]] == pytest.approx([0.1, 0.2])  # Lightning's own, same file


def test_tensorboard_logger_of_an_engine_run_gets_scalars_and_histograms(tmp_path: Path) -> None:
    tb = TensorBoardLogger(tmp_path, name="run", default_hp_metric=False)
    _training(
        LightningLogger(tb),
        btb.TensorboardLogger(str(tmp_path / "ignite")),
        trainer_kwargs={"logger": tb, "log_every_n_steps": 1},
    )
    scalars, histograms = _tb_scalars(tb.log_dir)
    expected_scalars, expected_histograms = _tb_scalars(tmp_path / "ignite")
    assert histograms == expected_histograms and "m/grads/0/weight" in histograms
    assert {"lightning_own", "epoch"} <= set(scalars)
    _assert_same_series({k: v for k, v in scalars.items() if k not in ("lightning_own", "epoch")}, expected_scalars)


def test_an_engines_own_loggers_and_a_prefix(tmp_path: Path) -> None:
    # LightningLogger(engine): the loggers of that engine's run, here the TensorBoardLogger Lightning makes itself
    engine = Engine(
        lambda e, b: b * 2.0, trainer_kwargs={"logger": True, "default_root_dir": str(tmp_path), "log_every_n_steps": 1}
    )
    from_engine = LightningLogger(engine)
    from_engine.attach_output_handler(engine, Events.EPOCH_COMPLETED, tag="out", output_transform=lambda out: out)
    from_engine.attach(engine, bll.WeightsHistHandler(nn.Linear(1, 1)), Events.COMPLETED)
    engine.run([1.0, 2.0], max_epochs=2)
    assert isinstance(from_engine.loggers[0], TensorBoardLogger)
    scalars, histograms = _tb_scalars(engine.lightning_trainer.logger.log_dir)  # type: ignore[union-attr]
    assert scalars["out/output"] == [(1, 4.0), (2, 4.0)] and histograms == {"weights/weight": [2], "weights/bias": [2]}
    # a logger's prefix names Ignite's values as it names Lightning's
    tb = TensorBoardLogger(tmp_path, name="prefixed", prefix="fit")
    logger = LightningLogger([tb, CSVLogger(tmp_path, name="both")])
    engine = Engine(lambda e, b: b * 2.0)  # the run itself has no logger: the handlers write all the same
    logger.attach(engine, bll.WeightsHistHandler(nn.Linear(1, 1)), Events.COMPLETED)
    logger.attach_output_handler(engine, Events.COMPLETED, tag="out", output_transform=lambda out: out)
    engine.run([1.0])
    logger.close()
    scalars, histograms = _tb_scalars(tb.log_dir)
    assert scalars == {"fit-out/output": [(1, 2.0)]} and set(histograms) == {"fit-weights/weight", "fit-weights/bias"}
    assert _csv_rows(logger.loggers[1]) == [{"out/output": "2.0", "step": "1"}]  # type: ignore[arg-type]


def test_fabric_run_loggers_through_the_engine(tmp_path: Path) -> None:
    csv_logger = CSVLogger(tmp_path, name="fabric")
    engine = Engine(lambda e, b: b, runner="fabric", trainer_kwargs={"logger": csv_logger})
    LightningLogger(engine).attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="t", output_transform=float)
    engine.run([1.0, 3.0])
    assert _csv_rows(csv_logger) == [{"step": "1", "t/output": "1.0"}, {"step": "2", "t/output": "3.0"}]


class _Regression(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Linear(3, 1)
        self.optimizer = torch.optim.SGD(self.parameters(), lr=0.1)

    def training_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        loss = nn.functional.mse_loss(self.net(batch[0]), batch[1])
        self.log("train_loss", loss)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.log("val_loss", nn.functional.mse_loss(self.net(batch[0]), batch[1]))

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return self.optimizer


def test_engine_callback_on_a_plain_trainer_writes_into_its_logger(tmp_path: Path) -> None:
    torch.manual_seed(0)
    x = torch.randn(32, 3)
    train = DataLoader(TensorDataset(x[:24], x[:24].sum(1, keepdim=True)), batch_size=8)
    val = DataLoader(TensorDataset(x[24:], x[24:].sum(1, keepdim=True)), batch_size=8)
    module, callback = _Regression(), EngineCallback()
    csv_logger = CSVLogger(tmp_path, name="pl")
    logger = LightningLogger(csv_logger)
    losses: list[float] = []
    callback.train.add_event_handler(Events.ITERATION_COMPLETED, lambda e: losses.append(e.state.output["loss"].item()))
    logger.attach_output_handler(callback.train, Events.ITERATION_COMPLETED(every=2), tag="training",
                                 output_transform=lambda out: out["loss"])  # fmt: skip
    logger.attach_opt_params_handler(callback.train, Events.EPOCH_STARTED, module.optimizer)
    logger.attach_output_handler(callback.validation, Events.COMPLETED, tag="validation", metric_names=["val_loss"],
                                 global_step_transform=global_step_from_engine(callback.train))  # fmt: skip
    # Lightning's automatic optimization sets the gradients to None after each step: log them before it
    logger.attach(callback.train, bll.GradsScalarHandler(module.net), BackpropEvents.OPTIM_STEP_STARTED(every=3))
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", logger=csv_logger, log_every_n_steps=1, callbacks=[callback],
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         num_sanity_val_steps=0)  # fmt: skip
    trainer.fit(module, train, val)
    series = _csv_series(_csv_rows(csv_logger))
    assert series["training/output"] == [(2, pytest.approx(losses[1])), (4, pytest.approx(losses[3])),
                                         (6, pytest.approx(losses[5]))]  # fmt: skip
    # Lightning's own logging of the same losses: step counted from 0
    assert [step for step, _ in series["train_loss"]] == [0, 1, 2, 3, 4, 5]
    assert [v for _, v in series["train_loss"]] == pytest.approx(losses)
    assert [step for step, _ in series["validation/val_loss"]] == [1, 2]  # the trainer's epochs
    assert [v for _, v in series["validation/val_loss"]] == pytest.approx([v for _, v in series["val_loss"]])
    assert series["lr/group_0"] == [(1, 0.1), (2, 0.1)]
    assert [step for step, _ in series["grads_norm/bias"]] == [3, 6]  # counted by state.optim_step_started


@pytest.mark.parametrize("rank", [0, 1])
def test_only_rank_zero_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rank: int) -> None:
    monkeypatch.setattr(bridge.distributed, "get_rank", lambda: rank)
    csv_logger = CSVLogger(tmp_path, name="ranked")
    engine = Engine(lambda e, b: b)
    with LightningLogger(csv_logger) as logger:
        logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda out: out)
        engine.run([1.0, 2.0])
    if rank == 0:
        assert _csv_rows(csv_logger) == [{"step": "1", "t/output": "1.0"}, {"step": "2", "t/output": "2.0"}]
    else:
        assert csv_logger._experiment is None and not (tmp_path / "ranked").exists()


def test_bad_input(tmp_path: Path) -> None:
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    engine = Engine(lambda e, b: b)
    engine.state.output = 1.0
    with pytest.raises(TypeError, match="Argument logger should be a Lightning logger"):
        LightningLogger(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Argument logger should be a Lightning logger"):
        LightningLogger([CSVLogger(tmp_path), 3])  # type: ignore[list-item]
    handlers = [
        bll.OutputHandler("t", output_transform=lambda out: out), bll.OptimizerParamsHandler(optimizer),
        bll.WeightsScalarHandler(model), bll.GradsScalarHandler(model), bll.WeightsHistHandler(model),
        bll.GradsHistHandler(model),
    ]  # fmt: skip
    tb_logger = btb.TensorboardLogger(str(tmp_path / "never"))
    for handler in handlers:
        with pytest.raises(RuntimeError, match=f"^Handler '{type(handler).__name__}' works only with LightningLogger$"):
            handler(engine, tb_logger, Events.ITERATION_COMPLETED)
    with pytest.raises(RuntimeError, match="^Handler 'OutputHandler' works only with TensorboardLogger$"):
        btb.OutputHandler("t", output_transform=lambda out: out)(engine, LightningLogger([]), Events.COMPLETED)
    logger = LightningLogger(CSVLogger(tmp_path))
    with pytest.raises(TypeError, match="global_step must be int"):
        bll.OutputHandler("t", output_transform=lambda o: o, global_step_transform=lambda e, ev: "1")(
            engine, logger, Events.COMPLETED
        )
    with pytest.raises(TypeError, match="Output of the reduction function should be a scalar"):
        bll.WeightsScalarHandler(model, reduction=lambda t: t)
    with pytest.raises(RuntimeError, match="Unknown event name 'nope'"):
        logger.attach_output_handler(engine, "nope", tag="t", metric_names="all")
    # no Lightning logger to write into: said once, not at every event
    unlogged = LightningLogger(engine)
    unlogged.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="t", output_transform=lambda out: out)
    unlogged.attach(engine, bll.GradsHistHandler(model), Events.ITERATION_COMPLETED)
    with pytest.warns(UserWarning) as caught:
        engine.run([1.0, 2.0, 3.0])
    assert sorted(str(w.message).split(":")[0] for w in caught) == ["GradsHistHandler", "LightningLogger"]
    assert not tb_logger.client_made

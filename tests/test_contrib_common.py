"""contrib.engines.common and handlers.logger_utils: the same files, metrics, lr, stops, bars and
TensorBoard scalars as pytorch-ignite's for the same training run, and Ignite's errors."""

from __future__ import annotations

import io
import math
import os
import pickle
import re
import sys
import tempfile
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.utils.data.distributed import DistributedSampler

with warnings.catch_warnings():  # ignite.handlers imports torch.distributed.optim, which warns about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.contrib.engines.common as icommon
    import ignite.distributed as idist_ignite
    import ignite.engine as ie
    import ignite.handlers as ih
    import ignite.handlers.logger_utils as ilogger_utils

import bridge.contrib.engines.common as bcommon
import bridge.distributed as idist_bridge
import bridge.engine as be
import bridge.handlers as bh
import bridge.handlers.logger_utils as blogger_utils

LIBS = {
    "ignite": (ie, ih, icommon, ilogger_utils, idist_ignite),
    "bridge": (be, bh, bcommon, blogger_utils, idist_bridge),
}


def _data(n: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n * 4, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(n * 4, 1, generator=g)
    return [(x[i * 4 : (i + 1) * 4], y[i * 4 : (i + 1) * 4]) for i in range(n)]


class _Step:
    """One SGD step; its output a mapping, a sequence or a tensor (an object, so a trainer pickles)."""

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, output_kind: str, nan_at: int | None):
        self.model, self.optimizer, self.output_kind, self.nan_at = model, optimizer, output_kind, nan_at

    def __call__(self, engine: Any, batch: Any) -> Any:
        x, y = batch
        self.optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        value = math.nan if engine.state.iteration == self.nan_at else loss.item()
        if self.output_kind == "mapping":
            return {"loss": value, "double": 2 * value}
        if self.output_kind == "sequence":
            return value, torch.tensor(3 * value)
        return torch.tensor(value)


def _task(lib: str, output_kind: str = "mapping", nan_at: int | None = None) -> tuple[Any, torch.nn.Module, Any]:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    return LIBS[lib][0].Engine(_Step(model, optimizer, output_kind, nan_at)), model, optimizer


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return bool(a == b)


# ------------------------------------------------------------ setup_common_training_handlers


def _train(lib: str, out: str, *, epochs: int, n_batches: int, output_kind: str, scheduler: str | None,
           save_every_iters: int, n_saved: int | None, nan_at: int | None) -> dict[str, Any]:  # fmt: skip
    engines, handlers, common = LIBS[lib][:3]
    trainer, model, optimizer = _task(lib, output_kind, nan_at)
    lr_scheduler: Any = None
    if scheduler == "torch":
        lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    elif scheduler == "ignite":
        lr_scheduler = handlers.PiecewiseLinear(optimizer, "lr", milestones_values=[(0, 0.1), (5, 0.01)])
    names = {"mapping": ["loss", "double"], "sequence": ["loss", "triple"], "tensor": ["loss"]}[output_kind]
    common.setup_common_training_handlers(
        trainer,
        to_save={"model": model, "optimizer": optimizer, "trainer": trainer},
        save_every_iters=save_every_iters,
        output_path=out,
        lr_scheduler=lr_scheduler,
        output_names=names,
        with_pbars=False,
        log_every_iters=2,
        n_saved=n_saved,
    )
    lrs: list[float] = []
    trainer.add_event_handler(engines.Events.ITERATION_COMPLETED, lambda e: lrs.append(optimizer.param_groups[0]["lr"]))
    state = trainer.run(_data(n_batches), max_epochs=epochs)
    files = sorted(os.listdir(out))
    return {
        "files": files,
        "contents": {f: torch.load(Path(out) / f, weights_only=False) for f in files},
        "metrics": dict(state.metrics),
        "lrs": lrs,
        "stopped_at": (state.epoch, state.iteration),
        "weights": {k: v.clone() for k, v in model.state_dict().items()},
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    epochs=st.integers(1, 3),
    n_batches=st.integers(2, 5),
    output_kind=st.sampled_from(["mapping", "sequence", "tensor"]),
    scheduler=st.sampled_from([None, "torch", "ignite"]),
    save_every_iters=st.integers(1, 4),
    n_saved=st.sampled_from([1, 2, None]),
    nan_at=st.one_of(st.none(), st.integers(1, 12)),
)
def test_training_handlers_match_ignite(**options: Any) -> None:
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
        got, expected = _train("bridge", ours, **options), _train("ignite", theirs, **options)
    assert got["files"] == expected["files"]
    assert _same(got["contents"], expected["contents"])
    assert got["metrics"].keys() == expected["metrics"].keys()
    assert _same(got["metrics"], expected["metrics"])
    assert got["lrs"] == expected["lrs"]
    assert got["stopped_at"] == expected["stopped_at"]
    assert _same(got["weights"], expected["weights"])


def test_a_concrete_run_saves_stops_and_averages_as_documented(tmp_path: Path) -> None:
    got = _train("bridge", str(tmp_path), epochs=2, n_batches=4, output_kind="mapping", scheduler="torch",
                 save_every_iters=3, n_saved=2, nan_at=7)  # fmt: skip
    assert got["files"] == ["training_checkpoint_3.pt", "training_checkpoint_6.pt"]  # n_saved=2 of 3 and 6
    assert got["stopped_at"] == (2, 7)  # NaN at iteration 7: the run ends there
    assert got["lrs"] == [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]  # StepLR(2, 0.5) stepped per iteration
    assert math.isnan(got["metrics"]["loss"])
    assert got["contents"]["training_checkpoint_6.pt"]["trainer"]["iteration"] == 6


# torch's scheduler wraps optimizer.step to count its calls: pickling drops the wrapper, then it warns
@pytest.mark.filterwarnings("ignore:Seems like `optimizer.step\\(\\)` has been overridden")
def test_pickles_with_its_handlers(tmp_path: Path) -> None:
    # Lightning's ddp_spawn pickles the trainer with its handlers: none of them may be a closure
    trainer, model, optimizer = _task("bridge")
    bcommon.setup_common_training_handlers(
        trainer, to_save={"model": model}, output_path=str(tmp_path), save_every_iters=2, output_names=["loss"],
        lr_scheduler=torch.optim.lr_scheduler.StepLR(optimizer, 1, gamma=0.5), log_every_iters=1, with_pbars=False,
    )  # fmt: skip
    copy = pickle.loads(pickle.dumps(trainer))
    state = copy.run(_data(2))
    assert sorted(os.listdir(tmp_path)) == ["training_model_2.pt"]
    assert set(state.metrics) == {"loss"}
    assert copy._process_function.optimizer.param_groups[0]["lr"] == 0.025  # its own scheduler stepped twice


def _capture_bars(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Every tqdm bar a ProgressBar makes from now on writes here, redrawn at each update."""
    import tqdm
    import tqdm.autonotebook
    import tqdm.std

    out = io.StringIO()
    monkeypatch.setattr(tqdm.std, "time", lambda: 0.0)  # no elapsed time nor rate in the text: the same every run

    class Captured(tqdm.tqdm):  # type: ignore[misc, type-arg]
        monitor_interval = 0  # no monitor thread refreshing a bar that a slow machine left idle

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # a redraw at each update, whatever the time between updates
            super().__init__(*args, **{**kwargs, "file": out, "mininterval": 0, "miniters": 1, "ncols": 100})

    monkeypatch.setattr(tqdm.autonotebook, "tqdm", Captured)
    return out


def _bars_text(lib: str, monkeypatch: pytest.MonkeyPatch, **options: Any) -> str:
    out = _capture_bars(monkeypatch)
    trainer, _, _ = _task(lib)
    LIBS[lib][2].setup_common_training_handlers(trainer, output_names=["loss"], **options)
    trainer.run(_data(5), max_epochs=2)
    return out.getvalue()


@pytest.mark.parametrize("log_every_iters,with_pbar_on_iters", [(1, True), (2, True), (2, False)])
def test_progress_bars_match_ignite(monkeypatch: pytest.MonkeyPatch, log_every_iters: int, with_pbar_on_iters: bool) -> None:
    options = dict(log_every_iters=log_every_iters, with_pbar_on_iters=with_pbar_on_iters)
    text = _bars_text("bridge", monkeypatch, **options)
    assert text == _bars_text("ignite", monkeypatch, **options)
    assert ("Epoch [2/2]: [5/5] 100%|" in text) == with_pbar_on_iters
    assert ("loss=" in text) == with_pbar_on_iters
    assert text.endswith("\rEpoch: 100%|" + "#" * 66 + "| 2/2 [00:00<?, ?it/s]\n")  # the epochs bar stays


def test_no_bars_without_with_pbars(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _bars_text("bridge", monkeypatch, with_pbars=False) == ""


# ------------------------------------------------------------ several processes


def _distributed_setup(lib: str, monkeypatch: pytest.MonkeyPatch, rank: int, sampler: Any) -> tuple[Any, list]:
    engines, _, common, _, idist = LIBS[lib]
    trainer, model, _ = _task(lib)
    epochs_seen: list = []
    with monkeypatch.context() as patch:  # only while the handlers are set up: the run itself is one process
        patch.setattr(idist, "get_world_size", lambda: 2)
        patch.setattr(idist, "get_rank", lambda: rank)
        common.setup_common_training_handlers(trainer, train_sampler=sampler, output_names=["loss"], log_every_iters=1)
    trainer.add_event_handler(engines.Events.EPOCH_STARTED, lambda e: epochs_seen.append(sampler.epoch))
    return trainer, epochs_seen


@pytest.mark.parametrize("rank", [0, 1])
def test_several_processes_set_the_sampler_epoch_and_show_bars_on_rank_0(monkeypatch: pytest.MonkeyPatch, rank: int) -> None:
    results = {}
    for lib in LIBS:
        out = _capture_bars(monkeypatch)
        sampler = DistributedSampler(list(range(8)), num_replicas=2, rank=rank)
        trainer, epochs_seen = _distributed_setup(lib, monkeypatch, rank, sampler)
        trainer.run(_data(2), max_epochs=3)
        results[lib] = (epochs_seen, out.getvalue())
    assert results["bridge"] == results["ignite"]
    epochs_seen, bars = results["bridge"]
    assert epochs_seen == [0, 1, 2]
    assert ("Epoch [3/3]: [2/2] 100%|" in bars) == (rank == 0)


def test_several_processes_refuse_a_sampler_without_set_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    for lib in LIBS:
        with pytest.raises(TypeError, match=r"^Train sampler should be torch DistributedSampler and have `set_epoch` method$"):
            _distributed_setup(lib, monkeypatch, 0, sampler=[0, 1])


def test_one_process_ignores_a_distributed_sampler_with_ignite_warning() -> None:
    for lib in LIBS:
        trainer, _, _ = _task(lib)
        sampler = DistributedSampler(list(range(8)), num_replicas=2, rank=0)
        with pytest.warns(UserWarning, match=r"^Argument train_sampler is a distributed sampler, but either there is no "
                                             r"distributed setting or world size is < 2. Train sampler argument will be ignored$"):  # fmt: skip
            LIBS[lib][2].setup_common_training_handlers(trainer, train_sampler=sampler, with_pbars=False)


def test_the_distrib_name_is_the_same_function() -> None:
    assert bcommon.setup_common_distrib_training_handlers is bcommon.setup_common_training_handlers


# ------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "options,message",
    [
        ({"to_save": {"m": torch.nn.Linear(1, 1)}}, "If to_save argument is provided then output_path or save_handler arguments should be also defined"),
        ({"output_path": "x", "save_handler": lambda c, f: None}, "Arguments output_path and save_handler are mutually exclusive. Please, define only one of them"),
    ],
)  # fmt: skip
def test_bad_save_arguments_get_ignite_error(options: dict, message: str) -> None:
    for lib in LIBS:
        trainer, _, _ = _task(lib)
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            LIBS[lib][2].setup_common_training_handlers(trainer, with_pbars=False, **options)


def test_an_output_of_another_type_gets_ignite_error() -> None:
    for lib in LIBS:
        engines, _, common = LIBS[lib][:3]
        trainer = engines.Engine(lambda e, b: {1, 2})
        # TerminateOnNan, first, would refuse the set with its own message
        common.setup_common_training_handlers(trainer, output_names=["loss"], with_pbars=False, stop_on_nan=False)
        with pytest.raises(TypeError, match="^Unhandled type of update_function's output. It should either mapping or sequence, but given <class 'set'>$"):  # fmt: skip
            trainer.run([0])


@pytest.fixture
def fake_pynvml(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    smi = types.ModuleType("pynvml.smi")

    class nvidia_smi:  # noqa: N801 - pynvml's name
        @staticmethod
        def getInstance() -> Any:
            return nvidia_smi()

        def DeviceQuery(self, *args: Any) -> dict:  # noqa: N802 - pynvml's name
            return {"gpu": [{"fb_memory_usage": {"used": 1.0, "total": 4.0}, "utilization": {"gpu_util": 50}}]}

    smi.nvidia_smi = nvidia_smi  # type: ignore[attr-defined]
    package = types.ModuleType("pynvml")
    package.smi = smi  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pynvml", package)
    monkeypatch.setitem(sys.modules, "pynvml.smi", smi)
    yield


def test_gpu_stats_without_pynvml_get_ignite_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # not installed (here it is not anyway)
    for lib in LIBS:
        trainer, _, _ = _task(lib)
        with pytest.raises(ModuleNotFoundError, match=r"^This contrib module requires pynvml to be installed. Please install it with command: \n pip install 'pynvml<12'$"):  # fmt: skip
            LIBS[lib][2].setup_common_training_handlers(trainer, with_gpu_stats=True, with_pbars=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without GPU")
def test_gpu_stats_without_gpu_get_ignite_error(fake_pynvml: None) -> None:
    for lib in LIBS:
        trainer, _, _ = _task(lib)
        with pytest.raises(RuntimeError, match="^This contrib module requires available GPU$"):
            LIBS[lib][2].setup_common_training_handlers(trainer, with_gpu_stats=True, with_pbars=False)


@pytest.mark.parametrize("clear_cuda_cache", [True, False])
def test_cuda_cache_emptied_at_each_epoch_end_as_ignite(monkeypatch: pytest.MonkeyPatch, clear_cuda_cache: bool) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # (empty_cache itself is a no-op without CUDA)
    for lib in LIBS:
        engines, _, common = LIBS[lib][:3]
        trainer, _, _ = _task(lib)
        common.setup_common_training_handlers(trainer, with_pbars=False, clear_cuda_cache=clear_cuda_cache)
        assert trainer.has_event_handler(common.empty_cuda_cache, engines.Events.EPOCH_COMPLETED) == clear_cuda_cache
        trainer.run(_data(2), max_epochs=2)


def test_setup_any_logging_raises_ignite_deprecation() -> None:
    for lib in LIBS:
        with pytest.raises(DeprecationWarning, match=r"^This function has been deprecated since version 0.4.0 and will be removed in version 0.6.0.\n Please refer to the documentation for more details.$"):  # fmt: skip
            LIBS[lib][2].setup_any_logging(None, None, None, None, None, 100)


# ------------------------------------------------------------ best models and early stopping

SCORES = st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.5, 0.7, 0.9]), min_size=2, max_size=6)


def _evaluated(lib: str, scores: list[float]) -> tuple[Any, Any, torch.nn.Module]:
    engines = LIBS[lib][0]
    trainer, model, _ = _task(lib)
    evaluator = engines.Engine(lambda e, b: None)

    @evaluator.on(engines.Events.EPOCH_COMPLETED)
    def score(engine: Any) -> None:
        engine.state.metrics["Acc"] = scores[trainer.state.epoch - 1]

    trainer.add_event_handler(engines.Events.EPOCH_COMPLETED, lambda _: evaluator.run([0]))
    return trainer, evaluator, model


def _best_models(lib: str, out: str, scores: list[float], with_trainer: bool = True, **kwargs: Any) -> tuple[list[str], dict]:
    handlers, common = LIBS[lib][1:3]
    trainer, evaluator, model = _evaluated(lib, scores)
    if with_trainer:
        checkpoint = common.save_best_model_by_val_score(out, evaluator, model, "Acc", trainer=trainer, **kwargs)
    else:  # two objects, so the files are "best_checkpoint_..."
        checkpoint = common.gen_save_best_models_by_val_score(handlers.DiskSaver(out), evaluator, {"net": model, "head": model},
                                                              "Acc", **kwargs)  # fmt: skip
    trainer.run(_data(2), max_epochs=len(scores))
    files = sorted(os.listdir(out))
    return files, {"contents": {f: torch.load(Path(out) / f) for f in files}, "last": Path(checkpoint.last_checkpoint).name}


@settings(max_examples=10, deadline=None)
@given(scores=SCORES, n_saved=st.integers(1, 3), score_sign=st.sampled_from([1.0, -1.0]),
       with_trainer=st.booleans(), tag=st.sampled_from(["val", "test"]))  # fmt: skip
def test_save_best_model_by_val_score_matches_ignite(**options: Any) -> None:
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
        got, expected = _best_models("bridge", ours, **options), _best_models("ignite", theirs, **options)
    assert got[0] == expected[0]
    assert _same(got[1], expected[1])


def test_best_model_names_carry_epoch_and_score(tmp_path: Path) -> None:
    files, _ = _best_models("bridge", str(tmp_path), [0.5, 0.9, 0.3, 0.7], n_saved=2)
    assert files == ["best_model_2_val_acc=0.9000.pt", "best_model_4_val_acc=0.7000.pt"]


@settings(max_examples=10, deadline=None)
@given(scores=SCORES, patience=st.integers(1, 3), score_sign=st.sampled_from([1.0, -1.0]))
def test_early_stopping_by_val_score_matches_ignite(scores: list[float], patience: int, score_sign: float) -> None:
    def stopped_at(lib: str) -> tuple[int, int]:
        trainer, evaluator, _ = _evaluated(lib, scores)
        handler = LIBS[lib][2].add_early_stopping_by_val_score(patience, evaluator, trainer, "Acc", score_sign=score_sign)
        trainer.run(_data(2), max_epochs=len(scores))
        return trainer.state.epoch, handler.counter

    assert stopped_at("bridge") == stopped_at("ignite")


def test_early_stopping_stops_after_patience() -> None:
    trainer, evaluator, _ = _evaluated("bridge", [0.5, 0.7, 0.6, 0.7, 0.9, 0.9])
    bcommon.add_early_stopping_by_val_score(2, evaluator, trainer, "Acc")
    assert trainer.run(_data(2), max_epochs=6).epoch == 4  # 0.6 and 0.7 are no better than 0.7


# ------------------------------------------------------------ setup_tb_logging


def _scalars(log_dir: str) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(log_dir)
    accumulator.Reload()
    return {tag: [(s.step, s.value) for s in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}


def _tb_run(lib: str, log_dir: str, *, log_every_iters: int | None, dict_optimizers: bool, dict_evaluators: bool,
            trainer_metric_names: Any) -> dict[str, list[tuple[int, float]]]:  # fmt: skip
    engines, _, common, logger_utils, _ = LIBS[lib]
    trainer, model, optimizer = _task(lib)
    common.setup_common_training_handlers(
        trainer, output_names=["loss", "double"], with_pbars=False, lr_scheduler=torch.optim.lr_scheduler.StepLR(optimizer, 3)
    )  # fmt: skip
    evaluator = engines.Engine(lambda e, b: None)

    @evaluator.on(engines.Events.EPOCH_COMPLETED)
    def score(engine: Any) -> None:
        engine.state.metrics.update(acc=trainer.state.epoch / 10, err=1 - trainer.state.epoch / 10)

    trainer.add_event_handler(engines.Events.EPOCH_COMPLETED, lambda _: evaluator.run([0]))
    optimizers: Any = {"main": optimizer} if dict_optimizers else optimizer
    evaluators: Any = {"val": evaluator, "test": evaluator} if dict_evaluators else evaluator
    tb_logger = logger_utils.setup_tb_logging(
        log_dir, trainer, optimizers, evaluators, log_every_iters=log_every_iters,
        trainer_metric_names=trainer_metric_names, evaluator_metric_names=["acc"],
    )  # fmt: skip
    trainer.run(_data(3), max_epochs=2)
    tb_logger.close()
    return _scalars(log_dir)


@pytest.mark.parametrize(
    "log_every_iters,dict_optimizers,dict_evaluators,trainer_metric_names",
    [(2, False, False, "all"), (None, True, True, ["double"]), (4, True, False, "all")],
)
def test_setup_tb_logging_writes_the_same_scalars_as_ignite(
    log_every_iters: int | None, dict_optimizers: bool, dict_evaluators: bool, trainer_metric_names: Any
) -> None:
    options = dict(log_every_iters=log_every_iters, dict_optimizers=dict_optimizers, dict_evaluators=dict_evaluators,
                   trainer_metric_names=trainer_metric_names)  # fmt: skip
    with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as theirs:
        got, expected = _tb_run("bridge", ours, **options), _tb_run("ignite", theirs, **options)
    assert got == expected
    if options["log_every_iters"] == 2 and not options["dict_optimizers"]:
        assert sorted(got) == ["lr/group_0", "training/double", "training/loss", "validation/acc"]
        assert [step for step, _ in got["training/loss"]] == [2, 4, 6]
        assert [step for step, _ in got["lr/group_0"]] == [2, 4, 6]  # ITERATION_STARTED(every=2)
        assert got["validation/acc"] == [(1, pytest.approx(0.1)), (2, pytest.approx(0.2))]


def test_setup_logging_refuses_bad_optimizers_and_evaluators_as_ignite(tmp_path: Path) -> None:
    for lib in LIBS:
        trainer = LIBS[lib][0].Engine(lambda e, b: None)
        with pytest.raises(TypeError, match="^Argument optimizers should be either a single optimizer or a dictionary or optimizers$"):
            LIBS[lib][3].setup_tb_logging(str(tmp_path / lib), trainer, optimizers=[1])
        with pytest.raises(TypeError, match="^Argument evaluators should be either a single engine or a dictionary or engines$"):
            LIBS[lib][3].setup_tb_logging(str(tmp_path / lib), trainer, evaluators=[1])


def test_logging_helpers_are_importable_from_common_as_in_ignite() -> None:
    for name in ilogger_utils.__all__:
        assert getattr(bcommon, name) is getattr(blogger_utils, name)
    assert blogger_utils.__all__ == ilogger_utils.__all__


# ------------------------------------------------------------ every setup_<tracker>_logging, clients left out

SETUPS = {
    "setup_tb_logging": "TensorboardLogger",
    "setup_visdom_logging": "VisdomLogger",
    "setup_mlflow_logging": "MLflowLogger",
    "setup_neptune_logging": "NeptuneLogger",
    "setup_wandb_logging": "WandBLogger",
    "setup_plx_logging": "PolyaxonLogger",
    "setup_clearml_logging": "ClearMLLogger",
    "setup_trains_logging": "ClearMLLogger",
}


def _recorded_setup(lib: str, monkeypatch: pytest.MonkeyPatch, setup: str, **options: Any) -> list[Any]:
    """What ``setup`` attaches, on which engine and event, with which tag, names and step: the logger is the
    library's own class, with construction and attach recorded instead of reaching its client."""
    engines, _, _, logger_utils, _ = LIBS[lib]
    calls: list[Any] = []
    trainer, model, optimizer = _task(lib)
    evaluator = engines.Engine(lambda e, b: None)
    roles = {id(trainer): "trainer", id(evaluator): "evaluator"}

    class Recording(getattr(logger_utils, SETUPS[setup])):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            calls.append(("logger", args, kwargs))

        def attach(self, engine: Any, log_handler: Any, event_name: Any, *args: Any, **kwargs: Any) -> None:
            fires = [n for n in range(1, 13) if event_name.filter is None or event_name.filter(engine, n)]
            calls.append((roles[id(engine)], event_name.name, fires, type(log_handler).__name__,
                          getattr(log_handler, "tag", None), getattr(log_handler, "metric_names", None),
                          getattr(log_handler, "param_name", None), log_handler))  # fmt: skip

        def close(self) -> None:
            pass

    monkeypatch.setattr(logger_utils, SETUPS[setup], Recording)
    optimizers = {"g": optimizer, "h": optimizer} if options.pop("dict_optimizers", False) else optimizer
    if setup == "setup_tb_logging":
        options["output_path"] = "logs"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        getattr(logger_utils, setup)(trainer=trainer, optimizers=optimizers, evaluators=evaluator, **options)
    trainer.run(_data(3), max_epochs=2)  # iteration 6, epoch 2: the evaluators' step is one of them
    steps = [c[-1].global_step_transform(evaluator, engines.Events.COMPLETED) for c in calls if c[0] == "evaluator"]
    return [c[:-1] if c[0] != "logger" else c for c in calls] + steps + [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_every_setup_logging_attaches_the_same_handlers_as_ignite(monkeypatch: pytest.MonkeyPatch, setup: str) -> None:
    options = dict(log_every_iters=3, trainer_metric_names=["loss"], evaluator_metric_names="all", project="p",
                   dict_optimizers=setup == "setup_mlflow_logging")  # fmt: skip
    ours = _recorded_setup("bridge", monkeypatch, setup, **options)
    assert ours == _recorded_setup("ignite", monkeypatch, setup, **options)
    evaluator_step = ours[-2] if setup == "setup_trains_logging" else ours[-1]
    assert evaluator_step == (6 if setup == "setup_wandb_logging" else 2)  # W&B: the trainer's iteration
    assert ours[0] == ("logger", (), {"log_dir": "logs", "project": "p"} if setup == "setup_tb_logging" else {"project": "p"})
    assert ours[1][:5] == ("trainer", "ITERATION_COMPLETED", [3, 6, 9, 12], "OutputHandler", "training")

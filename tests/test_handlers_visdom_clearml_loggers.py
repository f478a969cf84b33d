"""VisdomLogger and ClearMLLogger: the same client calls as pytorch-ignite's for the same run.

Neither client package is installed: each test installs a fake ``visdom`` / ``clearml`` module
(``sys.modules`` through monkeypatch) that records every call, runs the same script on Ignite and on
bridge with it, and compares the records (names, arguments, values allclose, steps, order).
One file for both loggers: they share the fakes' pattern, the training script and the comparison.
"""

from __future__ import annotations

import copy
import os
import pickle
import re
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import ignite.engine as ie
import ignite.handlers as ih
import ignite.handlers.clearml_logger as icl
import ignite.handlers.visdom_logger as ivl
import ignite.metrics as im
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import bridge.distributed
import bridge.engine as be
import bridge.handlers as bh
import bridge.handlers.checkpoint as bcheckpoint
import bridge.handlers.clearml_logger as bcl
import bridge.handlers.visdom_logger as bvl
import bridge.metrics as bm

Calls = list[tuple[str, dict[str, Any]]]

# ----------------------------------------------------------------------------- comparing records


def _plain(value: Any) -> Any:
    """A record with tensors and arrays as float arrays, so that two records compare allclose."""
    if isinstance(value, (torch.Tensor, np.ndarray, float)) and not isinstance(value, bool):
        return np.asarray(value.detach() if isinstance(value, torch.Tensor) else value, dtype=np.float64)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _assert_same(ours: Any, theirs: Any, path: str = "") -> None:
    ours, theirs = _plain(ours), _plain(theirs)
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape, path
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7, err_msg=path)
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), (path, ours, theirs)
        for key in theirs:
            _assert_same(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (path, ours, theirs)
        for i, (a, b) in enumerate(zip(ours, theirs)):
            _assert_same(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, (path, ours, theirs)


# ----------------------------------------------------------------------------- fake clients


def _fake_visdom(calls: Calls, connected: bool = True) -> types.ModuleType:
    class Visdom:
        def __init__(self, **kwargs: Any) -> None:
            calls.append(("Visdom", dict(kwargs)))
            self.offline = kwargs.get("offline", False)
            self.env = kwargs.get("env") or "main"
            self.windows = 0

        def check_connection(self, timeout_seconds: int = 0) -> bool:
            calls.append(("check_connection", {}))
            return connected

        def line(self, **kwargs: Any) -> str:
            calls.append(("line", copy.deepcopy(kwargs)))
            if kwargs["win"] is None:
                self.windows += 1
                return f"window_{self.windows}"
            return kwargs["win"]

        def save(self, envs: list[str]) -> str:
            calls.append(("save", {"envs": list(envs)}))
            return "saved"

        def close(self, win: Any = None, env: Any = None) -> None:
            calls.append(("close", {"win": win, "env": env}))

    module = types.ModuleType("visdom")
    module.Visdom = Visdom  # type: ignore[attr-defined]
    return module


@pytest.fixture
def visdom_calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    calls: Calls = []
    monkeypatch.setitem(sys.modules, "visdom", _fake_visdom(calls))
    for name in ("VISDOM_SERVER_URL", "VISDOM_PORT", "VISDOM_USERNAME", "VISDOM_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return calls


class _FakeClearML:
    """A fake clearml package: Task, Logger, WeightsGradientHistHelper, WeightsFileHandler, all recording.

    Like clearml's PyTorch binding, a ``torch.save`` to a path while a task runs goes through the
    WeightsFileHandler callbacks (``upload`` and ``model`` records: the upload's name, the model's name
    and comment).
    """

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        record = calls.append

        class Logger:
            def report_scalar(self, title: str, series: str, value: Any, iteration: int) -> None:
                record(("report_scalar", {"title": title, "series": series, "value": value, "iteration": iteration}))

            def report_text(self, msg: str) -> None:
                record(("report_text", {"msg": msg}))

            def report_single_value(self, name: str, value: float) -> None:
                record(("report_single_value", {"name": name, "value": value}))

            def flush(self) -> None:
                record(("flush", {}))

        class Task:
            current: Any = None
            name = "fake-task"

            class TaskTypes:
                training = "training"
                testing = "testing"

            def __init__(self) -> None:
                self.logger = Logger()
                self.artifacts: dict[str, Any] = {}
                self._output_uri: Any = None

            @classmethod
            def current_task(cls) -> Any:
                return cls.current

            @classmethod
            def init(cls, **kwargs: Any) -> Any:
                record(("Task.init", dict(kwargs)))
                cls.current = cls()
                return cls.current

            @classmethod
            def set_offline(cls, offline_mode: bool = False) -> None:
                record(("Task.set_offline", {"offline_mode": offline_mode}))

            def get_logger(self) -> Any:
                record(("get_logger", {}))
                return self.logger

            def close(self) -> None:
                record(("Task.close", {}))

            @property
            def output_uri(self) -> Any:
                return self._output_uri

            @output_uri.setter
            def output_uri(self, value: Any) -> None:
                record(("output_uri", {"value": value}))
                self._output_uri = value

        class WeightsGradientHistHelper:
            def __init__(self, logger: Any, report_freq: int = 1) -> None:
                record(
                    (
                        "WeightsGradientHistHelper",
                        {"report_freq": report_freq, "task_logger": logger is Task.current.logger},
                    )
                )

            def add_histogram(self, title: str, series: str, step: int, hist_data: Any) -> None:
                record(
                    (
                        "add_histogram",
                        {"title": title, "series": series, "step": step, "hist_data": np.array(hist_data)},
                    )
                )

        class WeightsFileHandler:
            class CallbackType(Enum):
                save = "save"
                load = "load"

            pre: dict[int, Callable] = {}
            post: dict[int, Callable] = {}
            ids = iter(range(10**6))

            @classmethod
            def add_pre_callback(cls, callback: Callable) -> int:
                record(("add_pre_callback", {}))
                handle = next(cls.ids)
                cls.pre[handle] = callback
                return handle

            @classmethod
            def add_post_callback(cls, callback: Callable) -> int:
                record(("add_post_callback", {}))
                handle = next(cls.ids)
                cls.post[handle] = callback
                return handle

            @classmethod
            def remove_pre_callback(cls, handle: int) -> bool:
                record(("remove_pre_callback", {}))
                return cls.pre.pop(handle, None) is not None

            @classmethod
            def remove_post_callback(cls, handle: int) -> bool:
                record(("remove_post_callback", {}))
                return cls.post.pop(handle, None) is not None

        self.Task, self.WeightsFileHandler = Task, WeightsFileHandler
        self.modules = {
            "clearml": types.ModuleType("clearml"),
            "clearml.binding": types.ModuleType("clearml.binding"),
            "clearml.binding.frameworks": types.ModuleType("clearml.binding.frameworks"),
            "clearml.binding.frameworks.tensorflow_bind": types.ModuleType(
                "clearml.binding.frameworks.tensorflow_bind"
            ),
        }
        self.modules["clearml"].Task = Task  # type: ignore[attr-defined]
        self.modules["clearml.binding.frameworks"].WeightsFileHandler = WeightsFileHandler  # type: ignore[attr-defined]
        tensorflow_bind = self.modules["clearml.binding.frameworks.tensorflow_bind"]
        tensorflow_bind.WeightsGradientHistHelper = WeightsGradientHistHelper  # type: ignore[attr-defined]

    def saved(self, path: Any, dirname: str) -> None:
        """What clearml's binding does after ``torch.save(obj, path)``: name, upload and describe the model."""
        if self.Task.current is None:
            return
        model = types.SimpleNamespace(name=None, comment=None)
        info = types.SimpleNamespace(
            model=model,
            upload_filename=os.path.basename(path),
            local_model_path=str(path),
            local_model_id=str(path),
            framework="pytorch",
            task=self.Task.current,
        )
        save = self.WeightsFileHandler.CallbackType.save
        for callback in list(self.WeightsFileHandler.pre.values()):
            info = callback(save, info)
        local_id = info.local_model_id.replace(dirname, "<dir>")
        self.calls.append(("upload", {"upload_filename": info.upload_filename, "local_model_id": local_id}))
        for callback in list(self.WeightsFileHandler.post.values()):
            info = callback(save, info)
        self.calls.append(("model", {"name": info.model.name, "comment": info.model.comment}))


@pytest.fixture
def clearml(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], _FakeClearML]]:
    """Installs a fresh fake clearml at each call (one per run), offline mode as the environment says (not CI)."""
    monkeypatch.delenv("CI", raising=False)
    state: dict[str, Any] = {}
    real_save = torch.save

    def install() -> _FakeClearML:
        fake = _FakeClearML([])
        for name, module in fake.modules.items():
            monkeypatch.setitem(sys.modules, name, module)
        state["fake"] = fake
        return fake

    def save(obj: Any, f: Any, *args: Any, **kwargs: Any) -> None:
        real_save(obj, f, *args, **kwargs)
        if isinstance(f, (str, os.PathLike)) and "fake" in state:
            state["fake"].saved(f, os.path.dirname(str(f)))

    monkeypatch.setattr(torch, "save", save)
    yield install
    for cls in (icl.ClearMLLogger, bcl.ClearMLLogger):
        if "_bypass" in vars(cls):
            delattr(cls, "_bypass")


# ----------------------------------------------------------------------------- the training script


class Libs(types.SimpleNamespace):
    engine: Any
    handlers: Any
    metrics: Any
    logger: Any


IGNITE_VISDOM = Libs(engine=ie, handlers=ih, metrics=im, logger=ivl)
BRIDGE_VISDOM = Libs(engine=be, handlers=bh, metrics=bm, logger=bvl)
IGNITE_CLEARML = Libs(engine=ie, handlers=ih, metrics=im, logger=icl)
BRIDGE_CLEARML = Libs(engine=be, handlers=bh, metrics=bm, logger=bcl)


def _identity(output: Any) -> Any:
    return output


def _script(libs: Libs, make_logger: Callable[[], Any], attach: Callable[..., None]) -> Any:
    """A small regression: train 3 epochs of 3 batches, evaluate after each epoch, halve the lr."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    optimizer = torch.optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.05}], lr=0.1
    )
    generator = torch.Generator().manual_seed(1)
    data = [(torch.randn(4, 3, generator=generator), torch.randn(4, 1, generator=generator)) for _ in range(3)]
    events = libs.engine.Events

    def train_step(engine: Any, batch: Any) -> Any:
        model.train()
        optimizer.zero_grad()
        x, y = batch
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return {"loss": loss.item(), "parts": torch.tensor([loss.item(), 2 * loss.item()])}

    def eval_step(engine: Any, batch: Any) -> Any:
        model.eval()
        with torch.no_grad():
            return model(batch[0]), batch[1]

    trainer, evaluator = libs.engine.Engine(train_step), libs.engine.Engine(eval_step)
    libs.metrics.MeanSquaredError().attach(evaluator, "mse")
    libs.metrics.MeanAbsoluteError().attach(evaluator, "mae")

    @trainer.on(events.STARTED)
    def set_alpha(engine: Any) -> None:
        engine.state.alpha = 0.25

    logger = make_logger()
    attach(libs, logger, trainer, evaluator, model, optimizer)

    @trainer.on(events.EPOCH_COMPLETED)
    def evaluate_and_decay(engine: Any) -> None:
        evaluator.run(data)
        for group in optimizer.param_groups:
            group["lr"] *= 0.5

    trainer.run(data, max_epochs=3)
    logger.close()
    return logger


def _attach_visdom(libs: Libs, logger: Any, trainer: Any, evaluator: Any, model: nn.Module, optimizer: Any) -> None:
    events, handlers = libs.engine.Events, libs.logger
    logger.attach_output_handler(
        trainer, events.ITERATION_COMPLETED, tag="training", output_transform=_identity, state_attributes=["alpha"]
    )
    logger.attach_output_handler(
        evaluator,
        events.COMPLETED,
        tag="validation",
        metric_names="all",
        global_step_transform=handlers.global_step_from_engine(trainer),
        show_legend=True,
    )
    logger.attach_opt_params_handler(trainer, events.ITERATION_STARTED, optimizer, tag="opt")
    logger.attach(trainer, handlers.WeightsScalarHandler(model, show_legend=True), events.ITERATION_COMPLETED(every=2))
    logger.attach(
        trainer,
        handlers.GradsScalarHandler(model, reduction=torch.mean, tag="net"),
        events.ITERATION_COMPLETED(every=4) | events.COMPLETED,
    )


def _attach_clearml(libs: Libs, logger: Any, trainer: Any, evaluator: Any, model: nn.Module, optimizer: Any) -> None:
    events, handlers = libs.engine.Events, libs.logger
    logger.attach_output_handler(
        trainer, events.ITERATION_COMPLETED, tag="training", output_transform=_identity, state_attributes=["alpha"]
    )
    logger.attach_output_handler(
        evaluator,
        events.COMPLETED,
        tag="validation",
        metric_names=["mse", "mae"],
        global_step_transform=handlers.global_step_from_engine(trainer),
    )
    logger.attach_opt_params_handler(trainer, events.ITERATION_STARTED, optimizer, param_name="lr", tag="opt")
    logger.attach(trainer, handlers.WeightsScalarHandler(model, whitelist=["0."]), events.ITERATION_COMPLETED(every=2))
    logger.attach(
        trainer,
        handlers.GradsScalarHandler(model, reduction=torch.mean, tag="net"),
        events.ITERATION_COMPLETED(every=4) | events.COMPLETED,
    )
    logger.attach(trainer, handlers.WeightsHistHandler(model, tag="net"), events.EPOCH_COMPLETED)
    logger.attach(trainer, handlers.GradsHistHandler(model, whitelist=lambda n, p: "bias" in n), events.EPOCH_COMPLETED)


def _visdom_run(libs: Libs, calls: Calls, **kwargs: Any) -> Calls:
    calls.clear()
    _script(libs, lambda: libs.logger.VisdomLogger(num_workers=0, **kwargs), _attach_visdom)
    for name, call in calls:
        if name == "line":
            # the x label is str(event): a filtered event shows its filter, Ignite's as a function's address
            call["opts"]["xlabel"] = re.sub(r"\(filter=.*\)$", "(filter=...)", call["opts"]["xlabel"])
    return list(calls)


def _clearml_run(libs: Libs, install: Callable[[], _FakeClearML], **kwargs: Any) -> Calls:
    fake = install()
    _script(libs, lambda: libs.logger.ClearMLLogger(**kwargs), _attach_clearml)
    return fake.calls


# ----------------------------------------------------------------------------- Visdom


def test_visdom_records_the_same_calls_as_ignite(visdom_calls: Calls) -> None:
    theirs = _visdom_run(IGNITE_VISDOM, visdom_calls, env="exp", server="http://host", port=9000)
    ours = _visdom_run(BRIDGE_VISDOM, visdom_calls, env="exp", server="http://host", port=9000)
    _assert_same(ours, theirs)
    names = [c[1]["name"] for c in ours if c[0] == "line"]
    assert {
        "training/loss",
        "training/parts/1",
        "training/alpha",
        "validation/mse",
        "opt/lr/group_1",
        "weights_norm/2/bias",
        "net/grads_mean/0/weight",
    } <= set(names)
    client_kwargs = {"server": "http://host", "port": 9000, "raise_exceptions": True, "env": "exp"}
    assert ours[:2] == [("Visdom", {**client_kwargs, "username": None, "password": None}), ("check_connection", {})]
    assert ours[-1] == ("close", {"win": None, "env": None})


def test_visdom_environment_options_as_ignite(visdom_calls: Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISDOM_SERVER_URL", "http://envhost")
    monkeypatch.setenv("VISDOM_PORT", "8123")
    monkeypatch.setenv("VISDOM_USERNAME", "me")
    monkeypatch.setenv("VISDOM_PASSWORD", "secret")
    created = []
    for module in (ivl, bvl):
        visdom_calls.clear()
        logger = module.VisdomLogger(num_workers=0, password="given", offline=True)
        _ = logger.vis
        created.append(list(visdom_calls))
    expected = {"server": "http://envhost", "port": 8123, "raise_exceptions": True, "password": "given"}
    expected.update(offline=True, username="me")
    assert created[1] == created[0] == [("Visdom", expected)]


def test_visdom_plots_from_a_thread_pool_by_default(visdom_calls: Calls) -> None:
    logger = bvl.VisdomLogger()
    handler = bvl.OutputHandler("t", output_transform=_identity)
    engine = be.Engine(lambda e, b: None)
    for iteration in (1, 2, 3):
        engine.state.iteration, engine.state.output = iteration, float(iteration)
        handler(engine, logger, be.Events.ITERATION_COMPLETED)
    logger.close()
    assert isinstance(logger.executor, bvl.ThreadPoolExecutor)
    lines = [call for call in visdom_calls if call[0] == "line"]
    assert [(c["X"], c["Y"], c["win"], c["update"]) for _, c in lines] == [
        ([1], [1.0], None, None),
        ([2], [2.0], "window_1", "append"),
        ([3], [3.0], "window_1", "append"),
    ]


def test_visdom_connection_failure_is_ignites_error_at_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "visdom", _fake_visdom([], connected=False))
    message = "Failed to connect to Visdom server at http://nowhere. Did you run python -m visdom.server ?"
    with pytest.raises(RuntimeError, match=message.replace(".", r"\.").replace("?", r"\?")):
        ivl.VisdomLogger(server="http://nowhere", num_workers=0)
    logger = bvl.VisdomLogger(server="http://nowhere", num_workers=0)  # the client connects on first use
    with pytest.raises(RuntimeError, match=message.replace(".", r"\.").replace("?", r"\?")):
        _ = logger.vis


def test_visdom_missing_package_as_ignite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "visdom", None)
    for module in (ivl, bvl):
        with pytest.raises(
            ModuleNotFoundError,
            match=r"requires visdom package\. Please install it with command:\n"
            r"pip install git\+https://github.com/fossasia/visdom.git",
        ):
            module.VisdomLogger()


def _bad_handlers(kind: str) -> list[Callable[[Any], Any]]:
    model = nn.Linear(2, 1)
    cases: list[Callable[[Any], Any]] = [
        lambda m: m.OutputHandler("t"),
        lambda m: m.OutputHandler("t", metric_names="some"),
        lambda m: m.OutputHandler("t", output_transform=3),
        lambda m: m.OutputHandler("t", metric_names=["a"], global_step_transform="step"),
        lambda m: m.OptimizerParamsHandler(object()),
        lambda m: m.WeightsScalarHandler(object()),
        lambda m: m.WeightsScalarHandler(model, reduction=3),
        lambda m: m.GradsScalarHandler(model, reduction=lambda t: t),
    ]
    if kind == "clearml":
        cases += [lambda m: m.WeightsHistHandler("model"), lambda m: m.GradsHistHandler(None)]
    return cases


@pytest.mark.parametrize("kind", ["visdom", "clearml"])
def test_bad_handler_arguments_as_ignite(kind: str) -> None:
    modules = {"visdom": (ivl, bvl), "clearml": (icl, bcl)}[kind]
    for build in _bad_handlers(kind):
        found = []
        for module in modules:
            with pytest.raises((TypeError, ValueError)) as info:
                build(module)
            found.append((info.type, str(info.value)))
        assert found[1] == found[0]


def _fake_logger(kind: str, module: Any) -> Any:
    from unittest import mock

    # the client attributes are set on the instance in Ignite: a spec'd mock needs them given, as Ignite's tests do
    logger = mock.MagicMock(spec=module.VisdomLogger if kind == "visdom" else module.ClearMLLogger)
    if kind == "visdom":
        logger.executor, logger.vis = bvl._DummyExecutor(), mock.MagicMock(env="main")
        logger.vis.line.return_value = "window"
    else:
        logger.clearml_logger, logger.grad_helper = mock.MagicMock(), mock.MagicMock()
    return logger


@pytest.mark.parametrize("kind", ["visdom", "clearml"])
def test_handlers_refuse_another_logger_and_a_bad_step_as_ignite(kind: str) -> None:
    modules = {"visdom": (ivl, bvl), "clearml": (icl, bcl)}[kind]
    model = nn.Linear(2, 1)
    names = ["OutputHandler", "OptimizerParamsHandler", "WeightsScalarHandler", "GradsScalarHandler"]
    if kind == "clearml":
        names += ["WeightsHistHandler", "GradsHistHandler"]
    found: list[list[Any]] = [[], []]
    for i, (module, engines) in enumerate(zip(modules, (ie, be))):
        engine = engines.Engine(lambda e, b: None)
        engine.state.iteration, engine.state.output = 1, 0.5
        for name in names:
            args = {
                "OutputHandler": ("t", None, _identity),
                "OptimizerParamsHandler": (torch.optim.SGD(model.parameters(), lr=0.1),),
            }
            handler = getattr(module, name)(*args.get(name, (model,)))
            with pytest.raises(RuntimeError) as info:
                handler(engine, object(), engines.Events.ITERATION_COMPLETED)
            found[i].append(str(info.value))
        handler = module.OutputHandler("t", output_transform=_identity, global_step_transform=lambda e, ev: 1.5)
        with pytest.raises(TypeError) as info:
            handler(engine, _fake_logger(kind, module), engines.Events.ITERATION_COMPLETED)
        found[i].append(str(info.value))
    assert found[1] == found[0]
    logger_name = {"visdom": "VisdomLogger", "clearml": "ClearMLLogger"}[kind]
    quoted = "'OutputHandler'" if kind == "visdom" else "OutputHandler"
    assert found[1][0] == f"Handler {quoted} works only with {logger_name}"


_leaves = st.one_of(
    st.integers(-3, 3),
    st.floats(-2, 2, allow_nan=False),
    st.builds(torch.tensor, st.floats(-2, 2, allow_nan=False)),
    st.builds(lambda n: torch.arange(float(n)), st.integers(1, 3)),
)
_outputs = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=2),
        st.dictionaries(st.sampled_from(["a", "b"]), inner, min_size=1, max_size=2),
    ),
    max_leaves=4,
)


@settings(max_examples=25, deadline=None)
@given(output=_outputs, tag=st.sampled_from(["train", "val/sub"]), iteration=st.integers(1, 9))
@pytest.mark.parametrize("kind", ["visdom", "clearml"])
def test_output_handler_names_and_values_as_ignite(kind: str, output: Any, tag: str, iteration: int) -> None:
    modules = {"visdom": (ivl, bvl), "clearml": (icl, bcl)}[kind]
    recorded = []
    for module, engines in zip(modules, (ie, be)):
        logger = _fake_logger(kind, module)
        engine = engines.Engine(lambda e, b: None)
        engine.state.iteration, engine.state.output = iteration, output
        handler = module.OutputHandler(tag, output_transform=_identity)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            handler(engine, logger, engines.Events.ITERATION_COMPLETED)
            handler(engine, logger, engines.Events.ITERATION_COMPLETED)
        client = logger.vis.line if kind == "visdom" else logger.clearml_logger.report_scalar
        recorded.append([(c.args, c.kwargs) for c in client.call_args_list])
    _assert_same(recorded[1], recorded[0])


def _on_rank_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bridge.distributed, "get_rank", lambda: 1)
    monkeypatch.setattr(bcheckpoint, "get_rank", lambda: 1)


def test_visdom_other_ranks_log_nothing_and_never_connect(visdom_calls: Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    _on_rank_one(monkeypatch)
    assert _visdom_run(BRIDGE_VISDOM, visdom_calls) == []


def test_visdom_logger_pickles_without_its_client(visdom_calls: Calls) -> None:
    logger = bvl.VisdomLogger(num_workers=1)
    handler = bvl.OutputHandler("t", output_transform=_identity)
    engine = be.Engine(lambda e, b: None)
    engine.state.iteration, engine.state.output = 1, 0.5
    handler(engine, logger, be.Events.ITERATION_COMPLETED)
    logger2, handler2 = pickle.loads(pickle.dumps((logger, handler)))
    assert logger2._vis is None and isinstance(logger2.executor, bvl.ThreadPoolExecutor)
    engine.state.iteration = 2
    handler2(engine, logger2, be.Events.ITERATION_COMPLETED)
    logger.close(), logger2.close()
    lines = [(c["win"], c["update"], c["X"]) for name, c in visdom_calls if name == "line"]
    # a new connection, and the window of the first point is appended to
    assert [name for name, _ in visdom_calls].count("Visdom") == 2
    assert lines == [(None, None, [1]), ("window_1", "append", [2])]


# ----------------------------------------------------------------------------- ClearML


def test_clearml_records_the_same_calls_as_ignite(clearml: Callable[[], _FakeClearML]) -> None:
    theirs = _clearml_run(IGNITE_CLEARML, clearml, project_name="p", task_name="t", output_uri="file:///x")
    ours = _clearml_run(BRIDGE_CLEARML, clearml, project_name="p", task_name="t", output_uri="file:///x")
    _assert_same(ours, theirs)
    assert ours[:3] == [
        ("Task.init", {"project_name": "p", "task_name": "t", "task_type": "training", "output_uri": "file:///x"}),
        ("get_logger", {}),
        ("WeightsGradientHistHelper", {"report_freq": 1, "task_logger": True}),
    ]
    titles = {(c["title"], c.get("series")) for name, c in ours if name in ("report_scalar", "add_histogram")}
    assert {
        ("training", "loss"),
        ("training/parts", "1"),
        ("training", "alpha"),
        ("validation", "mae"),
        ("opt/lr", "1"),
        ("weights_norm/0", "bias"),
        ("net/grads_mean/2", "weight"),
        ("net/weights_0", "weight"),
        ("grads_2", "bias"),
    } <= titles
    assert ours[-2:] == [("flush", {}), ("Task.close", {})]


def test_clearml_uses_a_running_task_and_bypass_mode_as_ignite(
    clearml: Callable[[], _FakeClearML], monkeypatch: pytest.MonkeyPatch
) -> None:
    records = []
    for module in (icl, bcl):
        fake = clearml()
        running = fake.Task()
        fake.Task.current = running
        monkeypatch.setenv("CI", "1")
        with pytest.warns(UserWarning, match="ClearMLSaver: running in bypass mode"):
            logger = module.ClearMLLogger(project_name="ignored")
        assert logger.get_task() is running
        monkeypatch.delenv("CI")
        assert module.ClearMLLogger.bypass_mode() is False
        module.ClearMLLogger.set_bypass_mode(True)
        assert module.ClearMLLogger.bypass_mode() is True
        logger.report_single_value("accuracy", 0.72)  # clearml.Logger's own method
        logger.close()
        records.append(fake.calls)
    assert (
        records[1]
        == records[0]
        == [
            ("get_logger", {}),
            ("WeightsGradientHistHelper", {"report_freq": 1, "task_logger": True}),
            ("Task.set_offline", {"offline_mode": True}),
            ("report_single_value", {"name": "accuracy", "value": 0.72}),
            ("flush", {}),
            ("Task.close", {}),
        ]
    )


def test_clearml_missing_package_as_ignite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "clearml", None)
    monkeypatch.setitem(sys.modules, "trains", None)
    message = r"requires clearml to be installed\. You may install clearml using: \n pip install clearml \n"
    for module in (icl, bcl):
        with pytest.raises(ModuleNotFoundError, match=message):
            module.ClearMLLogger()
        with pytest.raises(ModuleNotFoundError, match=message):
            module.ClearMLSaver(dirname="unused")


def test_clearml_other_ranks_log_nothing(clearml: Callable[[], _FakeClearML], monkeypatch: pytest.MonkeyPatch) -> None:
    _on_rank_one(monkeypatch)
    assert _clearml_run(BRIDGE_CLEARML, clearml, project_name="p") == []


def test_clearml_logger_pickles_without_its_task(clearml: Callable[[], _FakeClearML]) -> None:
    fake = clearml()
    logger = bcl.ClearMLLogger(project_name="p")
    handler = bcl.OutputHandler("t", output_transform=_identity)
    engine = be.Engine(lambda e, b: None)
    engine.state.iteration, engine.state.output = 1, 0.5
    handler(engine, logger, be.Events.ITERATION_COMPLETED)
    restored = pickle.loads(pickle.dumps(logger))
    assert restored._task is None and restored._clearml_logger is None
    engine.state.iteration = 2
    handler(engine, restored, be.Events.ITERATION_COMPLETED)  # the current task, not a new one
    assert [name for name, _ in fake.calls] == [
        "Task.init",
        "get_logger",
        "WeightsGradientHistHelper",
        "report_scalar",
        "get_logger",
        "WeightsGradientHistHelper",
        "report_scalar",
    ]
    assert restored.get_task() is logger.get_task()


# ----------------------------------------------------------------------------- ClearMLSaver with Checkpoint


def _checkpoints(
    libs: Libs, install: Callable[[], _FakeClearML], dirname: Path, scores: list[float], **kwargs: Any
) -> Any:
    fake = install()
    logger = libs.logger.ClearMLLogger(project_name="p", task_name="t")
    saver = libs.logger.ClearMLSaver(logger, output_uri="file:///uploads", dirname=str(dirname))
    model = nn.Linear(2, 1)
    engine = libs.engine.Engine(lambda e, b: None)
    if kwargs.pop("scored", False):
        kwargs["score_function"] = lambda engine: scores[engine.state.epoch - 1]
    checkpoint = libs.handlers.Checkpoint({"model": model}, saver, **kwargs)
    engine.add_event_handler(libs.engine.Events.EPOCH_COMPLETED, checkpoint)
    engine.run([0], max_epochs=len(scores))
    return fake.calls, sorted(os.listdir(dirname))


def test_clearml_saver_with_checkpoint_as_ignite(clearml: Callable[[], _FakeClearML], tmp_path: Path) -> None:
    # the same name saved again (a constant step): Ignite removes and rewrites it, bridge overwrites it
    kwargs = {"n_saved": 2, "global_step_transform": lambda e, ev: 7}
    theirs = _checkpoints(IGNITE_CLEARML, clearml, tmp_path / "ignite", [0.1, 0.2, 0.3], **kwargs)
    ours = _checkpoints(BRIDGE_CLEARML, clearml, tmp_path / "bridge", [0.1, 0.2, 0.3], **kwargs)
    assert ours == theirs
    calls, files = ours
    assert files == ["model_7.pt"]
    assert calls[:4] == [
        ("Task.init", {"project_name": "p", "task_name": "t", "task_type": "training"}),
        ("get_logger", {}),
        ("WeightsGradientHistHelper", {"report_freq": 1, "task_logger": True}),
        ("output_uri", {"value": "file:///uploads"}),
    ]
    assert calls[4:10] == [
        ("add_pre_callback", {}),
        ("add_post_callback", {}),
        ("upload", {"upload_filename": "model_0.pt", "local_model_id": "('<dir>', 'model'):model_0.pt"}),
        (
            "model",
            {
                "name": "fake-task: model_7.pt",
                "comment": "\nCheckpoint Metadata: basename=model, score_name=None, priority=7",
            },
        ),
        ("remove_pre_callback", {}),
        ("remove_post_callback", {}),
    ]
    assert [c["upload_filename"] for name, c in calls if name == "upload"] == ["model_0.pt"] * 3


def test_clearml_saver_keeps_the_best_checkpoints(clearml: Callable[[], _FakeClearML], tmp_path: Path) -> None:
    kwargs = {"n_saved": 2, "filename_prefix": "best", "scored": True, "score_name": "acc"}
    scores = [0.1, 0.3, 0.2, 0.5]
    (theirs, their_files) = _checkpoints(IGNITE_CLEARML, clearml, tmp_path / "ignite", scores, **kwargs)
    (ours, our_files) = _checkpoints(BRIDGE_CLEARML, clearml, tmp_path / "bridge", scores, **kwargs)
    assert our_files == their_files == ["best_model_acc=0.3000.pt", "best_model_acc=0.5000.pt"]

    def uploads(calls: Calls) -> list[str]:
        return [c["upload_filename"] for name, c in calls if name == "upload"]

    # Ignite's Checkpoint removes the worst file (freeing its slot) before saving the new one; bridge's
    # removes it after the save succeeded, so the new upload takes another slot: n_saved + 1 slots in turn
    assert uploads(theirs) == ["best_model_0.pt", "best_model_1.pt", "best_model_0.pt", "best_model_0.pt"]
    assert uploads(ours) == ["best_model_0.pt", "best_model_1.pt", "best_model_2.pt", "best_model_0.pt"]
    without_uploads = [call for call in ours if call[0] != "upload"]
    assert without_uploads == [call for call in theirs if call[0] != "upload"]
    comments = [c["comment"] for name, c in ours if name == "model"]
    assert comments[-1] == "\nCheckpoint Metadata: basename=best_model, score_name=acc, priority=0.5"


def test_clearml_saver_arguments_as_ignite(clearml: Callable[[], _FakeClearML], tmp_path: Path) -> None:
    for module in (icl, bcl):
        clearml()
        with pytest.raises(TypeError, match="logger must be an instance of ClearMLLogger"):
            module.ClearMLSaver(logger=object(), dirname=str(tmp_path))
        with pytest.raises(
            RuntimeError,
            match="ClearMLSaver requires a ClearML Task to be initialized. Please use the "
            "`logger` argument or call `clearml.Task.init\\(\\)`.",
        ):
            module.ClearMLSaver(dirname=str(tmp_path))
    fake = clearml()
    fake.Task.init(project_name="manual")
    with pytest.warns(
        UserWarning, match="ClearMLSaver created a temporary checkpoints directory: .*ignite_checkpoints_"
    ):
        saver = bcl.ClearMLSaver()
    assert saver.dirname.is_dir() and saver._atomic is False
    with pytest.warns(UserWarning, match="Checkpoint metadata missing or basename cannot be found"):
        saver({"w": torch.zeros(1)}, "a.pt")
    assert (
        "upload",
        {"upload_filename": "checkpoint_0.pt", "local_model_id": "('<dir>', 'checkpoint'):checkpoint_0.pt"},
    ) in fake.calls
    saver.remove("a.pt")
    assert os.listdir(saver.dirname) == [] and saver._checkpoint_slots[(str(saver.dirname), "checkpoint")] == [None]
    os.rmdir(saver.dirname)


def test_clearml_saver_local_copy(clearml: Callable[[], _FakeClearML], tmp_path: Path) -> None:
    results = []
    for module in (icl, bcl):
        fake = clearml()
        task = fake.Task.init()
        task.artifacts["model.pt"] = types.SimpleNamespace(get_local_copy=lambda: "/cache/model.pt")
        saver = module.ClearMLSaver(dirname=str(tmp_path))
        results.append((saver.get_local_copy("model.pt"), saver.get_local_copy("other.pt"), fake.calls[1:]))
    assert (
        results[1]
        == results[0]
        == ("/cache/model.pt", None, [("get_logger", {}), ("report_text", {"msg": "Can not find artifact other.pt"})])
    )


def test_clearml_saver_on_other_ranks_saves_nothing(
    clearml: Callable[[], _FakeClearML], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = clearml()
    logger = bcl.ClearMLLogger(project_name="p")
    saver = bcl.ClearMLSaver(logger, dirname=str(tmp_path))
    _on_rank_one(monkeypatch)
    checkpoint = bh.Checkpoint({"model": nn.Linear(2, 1)}, saver)
    checkpoint(be.Engine(lambda e, b: None))
    assert fake.calls == [] and os.listdir(tmp_path) == []
    assert pickle.loads(pickle.dumps(saver))._task is None

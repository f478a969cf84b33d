"""MLflow, W&B, Polyaxon and Neptune loggers: the same client calls as pytorch-ignite's for the same run.

The client packages are not installed: each test installs recording stand-ins for ``mlflow``,
``wandb``, ``polyaxon`` / ``polyaxon_client`` and ``neptune`` in ``sys.modules`` (as Ignite's own
tests mock them), runs the same script on Ignite and on bridge with fresh stand-ins, and
compares what each recorded: call names, names of the values, values (allclose), steps, order.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import re
import sys
import types
import warnings
from collections.abc import Iterator
from typing import Any

import ignite.engine as ie
import ignite.handlers as ih
import ignite.handlers.mlflow_logger as i_mlflow
import ignite.handlers.neptune_logger as i_neptune
import ignite.handlers.polyaxon_logger as i_polyaxon
import ignite.handlers.wandb_logger as i_wandb
import ignite.metrics as im
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import bridge.distributed
import bridge.engine as be
import bridge.handlers as bh
import bridge.handlers.mlflow_logger as b_mlflow
import bridge.handlers.neptune_logger as b_neptune
import bridge.handlers.polyaxon_logger as b_polyaxon
import bridge.handlers.wandb_logger as b_wandb
import bridge.metrics as bm

IGNITE = {"engine": ie, "handlers": ih, "metrics": im, "mlflow": i_mlflow, "wandb": i_wandb,
          "polyaxon": i_polyaxon, "neptune": i_neptune}
BRIDGE = {"engine": be, "handlers": bh, "metrics": bm, "mlflow": b_mlflow, "wandb": b_wandb,
          "polyaxon": b_polyaxon, "neptune": b_neptune}
LOGGERS = {"mlflow": "MLflowLogger", "wandb": "WandBLogger", "polyaxon": "PolyaxonLogger", "neptune": "NeptuneLogger"}


# ---------------------------------------------------------------------------------------------
# recording stand-ins for the client packages


class Recorder:
    """Every call made on one stand-in package, in order: ``(name, args, kwargs)``.

    ``files`` gets NeptuneSaver's uploads and deletions apart: bridge's Checkpoint deletes the
    evicted file after saving the new one, Ignite's before (a Checkpoint difference, not a logger's).
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        self.files: list[tuple[str, Any]] = []

    def __call__(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))


def _fake_mlflow(rec: Recorder) -> dict[str, types.ModuleType]:
    mlflow, utils, validation = (types.ModuleType(n) for n in ("mlflow", "mlflow.utils", "mlflow.utils.validation"))
    runs: list[Any] = []

    def active_run() -> Any:
        rec("active_run")
        return runs[-1] if runs else None

    def start_run(**kwargs: Any) -> Any:
        rec("start_run", **kwargs)
        runs.append(types.SimpleNamespace(info=types.SimpleNamespace(run_id=f"run{len(runs)}")))
        return runs[-1]

    def end_run() -> None:
        rec("end_run")
        runs.clear()

    def validate_param_and_metric_name(name: str) -> bool:
        rec("validate_param_and_metric_name", name)
        return re.fullmatch(r"[\w\-./ ]*", name) is not None  # mlflow's rule: no other characters

    mlflow.set_tracking_uri = lambda uri: rec("set_tracking_uri", uri)
    mlflow.active_run, mlflow.start_run, mlflow.end_run = active_run, start_run, end_run
    mlflow.log_metrics = lambda metrics, step=None: rec("log_metrics", dict(metrics), step=step)
    mlflow.log_params = lambda params: rec("log_params", dict(params))
    validation.validate_param_and_metric_name = validate_param_and_metric_name
    mlflow.utils, utils.validation = utils, validation
    return {"mlflow": mlflow, "mlflow.utils": utils, "mlflow.utils.validation": validation}


def _fake_wandb(rec: Recorder) -> dict[str, types.ModuleType]:
    wandb = types.ModuleType("wandb")
    wandb.run = None

    def init(*args: Any, **kwargs: Any) -> Any:
        rec("init", *args, **kwargs)
        wandb.run = types.SimpleNamespace(dir="/runs/1", id="1")
        return wandb.run

    wandb.init = init
    wandb.log = lambda data, step=None, commit=None: rec("log", dict(data), step=step, commit=commit)
    wandb.watch = lambda model, **kwargs: rec("watch", type(model).__name__, **kwargs)
    wandb.finish = lambda: rec("finish")
    return {"wandb": wandb}


class _FakeExperiment:
    """``polyaxon.tracking.Run`` (v1) / ``polyaxon_client.tracking.Experiment`` (v0)."""

    rec: Recorder

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.rec(type(self).__name__, *args, **kwargs)

    def log_metrics(self, **metrics: Any) -> None:
        self.rec("log_metrics", **metrics)

    def log_inputs(self, **inputs: Any) -> None:
        self.rec("log_inputs", **inputs)

    def end(self) -> None:
        self.rec("end")
        raise RuntimeError("a run that cannot end: Ignite's close ignores it")


def _fake_polyaxon(rec: Recorder, v0: bool = False) -> dict[str, Any]:
    name = "Experiment" if v0 else "Run"
    experiment = type(name, (_FakeExperiment,), {"rec": rec})
    package, tracking = types.ModuleType("polyaxon"), types.ModuleType("polyaxon.tracking")
    setattr(tracking, name, experiment)
    package.tracking = tracking
    if v0:  # polyaxon v1 missing: Ignite falls back to polyaxon_client
        return {"polyaxon": None, "polyaxon.tracking": None, "polyaxon_client": package, "polyaxon_client.tracking": tracking}
    return {"polyaxon": package, "polyaxon.tracking": tracking}


class _FakeField:
    def __init__(self, rec: Recorder, key: str) -> None:
        self.rec, self.key = rec, key

    def append(self, value: Any, step: Any = None) -> None:
        self.rec("append", self.key, value, step=step)

    def upload(self, file: Any) -> None:
        self.rec.files.append(("upload", (self.key, file)))


class _FakeRun:
    def __init__(self, rec: Recorder) -> None:
        self.rec = rec

    def __getitem__(self, key: str) -> _FakeField:
        return _FakeField(self.rec, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self.rec("set", key, value)

    def __delitem__(self, key: str) -> None:
        self.rec.files.append(("delete", key))

    def stop(self) -> None:
        self.rec("stop")


def _fake_neptune(rec: Recorder) -> dict[str, types.ModuleType]:
    neptune, neptune_types = types.ModuleType("neptune"), types.ModuleType("neptune.types")

    def init_run(**kwargs: Any) -> _FakeRun:
        rec("init_run", **kwargs)
        return _FakeRun(rec)

    class File:
        @staticmethod
        def from_stream(stream: Any) -> Any:
            return torch.load(io.BytesIO(stream.read()))  # what was uploaded: the checkpoint's contents

    neptune.init_run, neptune_types.File, neptune.types = init_run, File, neptune_types
    return {"neptune": neptune, "neptune.types": neptune_types}


FAKES = {"mlflow": _fake_mlflow, "wandb": _fake_wandb, "polyaxon": _fake_polyaxon, "neptune": _fake_neptune}


@contextlib.contextmanager
def _clients(mp: pytest.MonkeyPatch, *names: str) -> Iterator[dict[str, Recorder]]:
    """Fresh recording stand-ins for the named packages, in sys.modules while the block runs."""
    recorders = {}
    for name in names:
        recorders[name] = Recorder()
        for module_name, module in FAKES[name](recorders[name]).items():
            mp.setitem(sys.modules, module_name, module)
    yield recorders


def _assert_same(got: Any, expected: Any, where: str = "") -> None:
    """Equal, floats and tensors allclose; dicts in the same key order."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, torch.Tensor) and got.shape == expected.shape, where
        assert torch.allclose(got, expected, rtol=1e-5, atol=1e-7), where
    elif isinstance(expected, float):
        assert type(got) is float and got == pytest.approx(expected, rel=1e-5, abs=1e-7), where
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and list(got) == list(expected), where
        for key in expected:
            _assert_same(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert type(got) is type(expected) and len(got) == len(expected), f"{where}: {got} != {expected}"
        for i, (g, e) in enumerate(zip(got, expected)):
            _assert_same(g, e, f"{where}[{i}]")
    else:
        assert type(got) is type(expected) and got == expected, f"{where}: {got!r} != {expected!r}"


# ---------------------------------------------------------------------------------------------
# the training + evaluation script, written once for either library


def _training_output(loss: float) -> dict[str, Any]:
    return {"loss": loss, "parts": torch.tensor([loss, 2 * loss]), "nested": {"half": loss / 2, "count": 3}}


def _script(lib: dict[str, Any], use_client_first: bool = True) -> None:
    """A trainer with an evaluator per epoch, the four loggers attached, a Neptune checkpoint."""
    engine, handlers, metrics = lib["engine"], lib["handlers"], lib["metrics"]
    Events = engine.Events
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    optimizer = torch.optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.05}], lr=0.1, momentum=0.9
    )
    scheduler = handlers.PiecewiseLinear(optimizer, "lr", [(0, 0.1), (8, 0.02)])
    generator = torch.Generator().manual_seed(1)
    data = [(torch.randn(4, 3, generator=generator), torch.randn(4, 1, generator=generator)) for _ in range(4)]
    trainer = engine.create_supervised_trainer(model, optimizer, nn.MSELoss())
    evaluator = engine.create_supervised_evaluator(
        model, metrics={"mse": metrics.MeanSquaredError(), "mae": metrics.MeanAbsoluteError()}
    )
    trainer.add_event_handler(Events.ITERATION_STARTED, scheduler)
    trainer.add_event_handler(Events.STARTED, lambda e: setattr(e.state, "alpha", 0.5))
    trainer.add_event_handler(Events.EPOCH_COMPLETED, lambda: evaluator.run(data[:2]))
    trainer_step = handlers.global_step_from_engine(trainer)

    mlflow = lib["mlflow"].MLflowLogger(tracking_uri="file:///tmp/never-written")
    wandb = lib["wandb"].WandBLogger(project="demo", config={"epochs": 2})
    plx = lib["polyaxon"].PolyaxonLogger(project="demo")
    npt = lib["neptune"].NeptuneLogger(api_token="ANONYMOUS", project="ws/demo", tags=["t"])
    if use_client_first:  # client calls through the logger, before the run (Ignite's examples do)
        mlflow.log_params({"seed": 0})
        plx.log_inputs(seed=0)
    for logger in (mlflow, wandb, plx, npt):
        logger.attach_output_handler(
            trainer, Events.ITERATION_COMPLETED(every=2), tag="training", output_transform=_training_output,
            state_attributes=["alpha"],
        )
        logger.attach_output_handler(
            evaluator, Events.COMPLETED, tag="validation", metric_names="all", global_step_transform=trainer_step
        )
        logger.attach_opt_params_handler(trainer, Events.ITERATION_STARTED, optimizer, tag="opt")
        logger.attach_opt_params_handler(trainer, Events.EPOCH_STARTED, optimizer, param_name="momentum")
    # names only some clients take: text (W&B), a name mlflow refuses
    wandb.attach_output_handler(trainer, Events.EPOCH_COMPLETED, tag="notes", output_transform=lambda _: {"t": "ok"})
    mlflow.attach_output_handler(trainer, Events.EPOCH_COMPLETED, tag="bad", output_transform=lambda x: {"x!": x})
    neptune = lib["neptune"]
    npt.attach(trainer, neptune.WeightsScalarHandler(model, tag="w"), Events.ITERATION_COMPLETED(every=3) | Events.COMPLETED)
    npt.attach(trainer, neptune.GradsScalarHandler(model, reduction=torch.sum, whitelist=["2"]), Events.EPOCH_COMPLETED)
    checkpoint = handlers.Checkpoint(
        {"model": model}, neptune.NeptuneSaver(npt), n_saved=1, global_step_transform=trainer_step
    )
    evaluator.add_event_handler(Events.COMPLETED, checkpoint)

    trainer.run(data, max_epochs=3)
    for logger in (mlflow, wandb, plx, npt):
        logger.close()


def _recorded(lib: dict[str, Any], **kwargs: Any) -> tuple[dict[str, Recorder], list[str]]:
    with pytest.MonkeyPatch.context() as mp, _clients(mp, *FAKES) as recorders:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _script(lib, **kwargs)
    ours = [str(w.message) for w in caught if re.search("MLflowLogger|output_handler|sync argument", str(w.message))]
    return recorders, ours


@pytest.fixture(scope="module")
def recordings() -> tuple[Any, Any]:
    return _recorded(IGNITE), _recorded(BRIDGE)


@pytest.mark.parametrize("client", list(FAKES))
def test_a_training_run_logs_the_same_client_calls_as_ignite(client: str, recordings: tuple[Any, Any]) -> None:
    (ignite_recs, ignite_warnings), (bridge_recs, bridge_warnings) = recordings
    expected, got = ignite_recs[client], bridge_recs[client]
    assert len(expected.calls) > 20
    assert [c[0] for c in got.calls] == [c[0] for c in expected.calls]
    _assert_same(got.calls, expected.calls, client)
    assert bridge_warnings == ignite_warnings
    if client == "neptune":  # NeptuneSaver: the same files uploaded and deleted
        for kind in ("upload", "delete"):
            _assert_same([f for f in got.files if f[0] == kind], [f for f in expected.files if f[0] == kind], kind)
        assert [f[1][0] for f in got.files if f[0] == "upload"] == ["model_1.pt", "model_2.pt", "model_3.pt"]


def test_the_first_logged_value_starts_the_run_as_ignite_s_constructor_did() -> None:
    ignite_recs, _ = _recorded(IGNITE, use_client_first=False)
    bridge_recs, _ = _recorded(BRIDGE, use_client_first=False)
    for client in FAKES:
        _assert_same(bridge_recs[client].calls, ignite_recs[client].calls, client)
    assert [c[0] for c in bridge_recs["mlflow"].calls[:3]] == ["set_tracking_uri", "active_run", "start_run"]


def test_a_rank_other_than_zero_logs_nothing_and_starts_no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bridge.distributed, "get_rank", lambda group=None: 1)
    recorders, _ = _recorded(BRIDGE, use_client_first=False)
    for client, rec in recorders.items():
        assert rec.calls == [] and rec.files == [], client


# ---------------------------------------------------------------------------------------------
# the client API through the logger, the package check, pickling


def _client_use(lib: dict[str, Any], client: str) -> None:
    """What a script does with the logger itself: build it, use the client through it, close twice."""
    module = lib[client]
    if client == "mlflow":
        logger = module.MLflowLogger()
        logger.log_params({"a": 1})
        assert logger.active_run.info.run_id == "run0"
    elif client == "wandb":
        logger = module.WandBLogger("positional", entity="me")
        logger.watch(nn.Linear(1, 1), log="all")
        assert logger.run.dir == "/runs/1" and logger._wandb is sys.modules["wandb"]
    elif client == "polyaxon":
        logger = module.PolyaxonLogger("owner/project", track_code=False)
        logger.log_inputs(batch_size=8)
        assert type(logger.experiment).__name__ in ("Run", "Experiment")
    else:
        logger = module.NeptuneLogger(mode="offline")
        logger["params/lr"] = 0.1
        logger["series"].append(1.0, step=0)
        logger.experiment["direct"] = 2
    logger.close()
    logger.close()


@pytest.mark.parametrize("client", list(FAKES))
def test_the_client_api_through_the_logger_as_ignite(client: str) -> None:
    recorded = []
    for lib in (IGNITE, BRIDGE):
        with pytest.MonkeyPatch.context() as mp, _clients(mp, client) as recorders:
            _client_use(lib, client)
        recorded.append(recorders[client].calls)
    _assert_same(recorded[1], recorded[0], client)
    assert recorded[0]


def test_polyaxon_v0_client_as_ignite() -> None:
    recorded = []
    for lib in (IGNITE, BRIDGE):
        rec = Recorder()
        with pytest.MonkeyPatch.context() as mp:
            for name, module in _fake_polyaxon(rec, v0=True).items():
                mp.setitem(sys.modules, name, module)
            _client_use(lib, "polyaxon")
        recorded.append(rec.calls)
    assert recorded[1] == recorded[0] and recorded[0][0][0] == "Experiment"


@pytest.mark.parametrize("client", list(FAKES))
def test_a_logger_never_used_starts_no_run(client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ignite's constructor starts a run (and close ends it) even if nothing is logged: bridge's does not
    with _clients(monkeypatch, client) as recorders:
        logger = getattr(BRIDGE[client], LOGGERS[client])()
        logger.close()
    assert recorders[client].calls == []


@pytest.mark.parametrize("client", list(FAKES))
def test_a_missing_client_package_fails_at_construction_as_ignite(client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in {"polyaxon": ["polyaxon", "polyaxon_client"]}.get(client, [client]):
        monkeypatch.setitem(sys.modules, name, None)
    errors = []
    for lib in (IGNITE, BRIDGE):
        with pytest.raises(ModuleNotFoundError) as info:
            getattr(lib[client], LOGGERS[client])()
        errors.append(str(info.value))
    assert errors[1] == errors[0] and "pip install" in errors[0]


def test_wandb_with_init_false_leaves_the_run_to_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = []
    for lib in (IGNITE, BRIDGE):
        with _clients(monkeypatch, "wandb") as recorders:
            logger = lib["wandb"].WandBLogger(init=False, project="ignored")
            logger.log({"a": 1}, step=1)
            logger.close()
        recorded.append(recorders["wandb"].calls)
    assert recorded[1] == recorded[0] == [("log", ({"a": 1},), {"step": 1, "commit": None}), ("finish", (), {})]


def _epoch_loss(loss: float) -> dict[str, float]:
    return {"loss": loss}


def _float_step(engine: Any, batch: Any) -> float:
    return float(batch)


@pytest.mark.parametrize("client", list(FAKES))
def test_a_pickled_engine_and_logger_make_their_own_client(client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Lightning's ddp_spawn pickles the engine with its handlers and their logger
    with _clients(monkeypatch, client) as recorders:
        logger = getattr(BRIDGE[client], LOGGERS[client])()
        engine = be.Engine(_float_step)
        logger.attach_output_handler(engine, be.Events.EPOCH_COMPLETED, tag="t", output_transform=_epoch_loss)
        engine.run([1, 2], max_epochs=1)
        assert logger.client_made
        made = len(recorders[client].calls)
        copy = pickle.loads(pickle.dumps(engine))
        assert len(recorders[client].calls) == made  # pickling starts nothing
        copy.run([3, 4], max_epochs=2)
    names = [call[0] for call in recorders[client].calls[made:]]
    made_by, logged_by = {"mlflow": ("active_run", "log_metrics"), "wandb": ("init", "log"),
                          "polyaxon": ("Run", "log_metrics"), "neptune": ("init_run", "append")}[client]
    assert names.count(made_by) == 1 and names.index(made_by) < names.index(logged_by)  # the copy made its own


# ---------------------------------------------------------------------------------------------
# the handlers: values from sampled outputs, bad arguments


_KEYS = st.text(alphabet="ab_!", min_size=1, max_size=3)
_LEAVES = st.one_of(
    st.integers(-5, 5),
    st.floats(-10, 10, allow_nan=False),
    st.builds(torch.tensor, st.floats(-10, 10, allow_nan=False)),
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=3).map(torch.tensor),
    st.sampled_from(["text", None]),
)
_OUTPUTS = st.recursive(_LEAVES, lambda inner: st.dictionaries(_KEYS, inner, max_size=3) | st.lists(inner, max_size=2), max_leaves=6)


def _handle_output(lib: dict[str, Any], client: str, output: Any, iteration: int) -> tuple[list[Any], list[str]]:
    engine = lib["engine"].Engine(lambda e, b: None)
    engine.state.output, engine.state.iteration = output, iteration
    engine.state.metrics = {"m": 0.25}
    rec = Recorder()
    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, module in FAKES[client](rec).items():
            mp.setitem(sys.modules, name, module)
        logger = getattr(lib[client], LOGGERS[client])()
        handler = lib[client].OutputHandler("tag", metric_names=["m", "missing"], output_transform=lambda o: o)
        handler(engine, logger, lib["engine"].Events.ITERATION_COMPLETED)
    return rec.calls, [str(w.message) for w in caught]


@settings(max_examples=40, deadline=None)
@given(output=_OUTPUTS, iteration=st.integers(1, 100))
def test_output_handlers_log_sampled_outputs_as_ignite(output: Any, iteration: int) -> None:
    for client in FAKES:
        got, expected = _handle_output(BRIDGE, client, output, iteration), _handle_output(IGNITE, client, output, iteration)
        _assert_same(got[0], expected[0], client)
        assert got[1] == expected[1], client


def _error(action: Any, *args: Any, **kwargs: Any) -> tuple[type, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            action(*args, **kwargs)
        except Exception as e:
            return type(e), str(e)
    raise AssertionError("no error")


BAD_HANDLERS = [
    ("OutputHandler", ("tag",), {}),
    ("OutputHandler", ("tag",), {"metric_names": "some"}),
    ("OutputHandler", ("tag",), {"output_transform": 1}),
    ("OutputHandler", ("tag",), {"metric_names": "all", "global_step_transform": "epoch"}),
    ("OptimizerParamsHandler", (object(),), {}),
]


@pytest.mark.parametrize("client", list(FAKES))
@pytest.mark.parametrize("name,args,kwargs", BAD_HANDLERS)
def test_bad_handler_arguments_raise_as_ignite(client: str, name: str, args: tuple, kwargs: dict) -> None:
    errors = [_error(getattr(lib[client], name), *args, **kwargs) for lib in (IGNITE, BRIDGE)]
    assert errors[1] == errors[0]


@pytest.mark.parametrize("client", list(FAKES))
def test_handlers_refuse_another_logger_and_a_non_int_step_as_ignite(client: str, monkeypatch: pytest.MonkeyPatch) -> None:
    optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    errors = []
    for lib in (IGNITE, BRIDGE):
        with _clients(monkeypatch, client):
            engine = lib["engine"].Engine(lambda e, b: None)
            engine.state.metrics, engine.state.epoch = {"m": 1.0}, 1
            event = lib["engine"].Events.EPOCH_COMPLETED
            module, logger = lib[client], getattr(lib[client], LOGGERS[client])()
            wrong = lib["handlers"].ProgressBar()
            handlers = [module.OutputHandler("t", metric_names="all"), module.OptimizerParamsHandler(optimizer)]
            if client == "neptune":
                handlers += [module.WeightsScalarHandler(nn.Linear(1, 1)), module.GradsScalarHandler(nn.Linear(1, 1))]
            found = [_error(handler, engine, wrong, event) for handler in handlers]
            fractional = module.OutputHandler("t", metric_names="all", global_step_transform=lambda e, ev: 1.5)
            found.append(_error(fractional, engine, logger, event))
        errors.append(found)
    assert errors[1] == errors[0]
    assert errors[0][-1] == (TypeError, "global_step must be int, got <class 'float'>. "
                                        "Please check the output of global_step_transform.")


def test_neptune_weight_handlers_refuse_bad_arguments_as_ignite() -> None:
    for name in ("WeightsScalarHandler", "GradsScalarHandler"):
        for args, kwargs in [((object(),), {}), ((nn.Linear(1, 1),), {"reduction": 3}),
                             ((nn.Linear(1, 1),), {"reduction": lambda t: t})]:
            errors = [_error(getattr(lib["neptune"], name), *args, **kwargs) for lib in (IGNITE, BRIDGE)]
            assert errors[1] == errors[0]


def test_wandb_sync_argument_warns_as_ignite() -> None:
    optimizer = torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)
    messages = []
    for lib in (IGNITE, BRIDGE):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib["wandb"].OutputHandler("t", metric_names="all", sync=True)
            lib["wandb"].OptimizerParamsHandler(optimizer, sync=False)
            lib["wandb"].OutputHandler("t", metric_names="all")
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[1] == messages[0] and len(messages[0]) == 2


def test_module_exports_as_ignite() -> None:
    for client in FAKES:
        assert BRIDGE[client].__all__ == IGNITE[client].__all__
    assert b_neptune._INTEGRATION_VERSION_KEY == i_neptune._INTEGRATION_VERSION_KEY

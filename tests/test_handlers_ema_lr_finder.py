"""EMAHandler and FastaiLRFinder: the same weights, momenta, lr/loss histories, warnings and errors as pytorch-ignite's.

Each scenario runs once with ``ignite.engine``/``ignite.handlers`` and once with bridge's (on the
default ``pl.Trainer`` runner, on ``runner="fabric"`` and on ``create_supervised_trainer``), from the
same initial weights, and the results are compared exactly.
"""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import ignite.engine as ie
import ignite.handlers.ema_handler as ignite_ema
import ignite.handlers.lr_finder as ignite_lr_finder
import matplotlib
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import bridge.engine as be
from bridge.handlers.ema_handler import EMAHandler, EMAWarmUp
from bridge.handlers.lr_finder import FastaiLRFinder

matplotlib.use("Agg")

IGNITE = "ignite"


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    # the tensors here are tiny: torch's worker threads only add contention on a shared 2-core machine
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _net(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))


def _data(n: int = 6, seed: int = 1) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(8, 3, generator=g), torch.randn(8, 1, generator=g)) for _ in range(n)]


def _trainer(lib: str, model: nn.Module, optimizer: torch.optim.Optimizer, supervised: bool) -> Any:
    """A trainer of ``model``: Ignite's, or bridge's on a runner ("trainer", "fabric")."""
    engines = ie if lib == IGNITE else be
    if supervised:
        kwargs = {} if lib == IGNITE else {"runner": lib}
        return engines.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, **kwargs)

    def step(engine: Any, batch: Any) -> float:
        model.train()
        optimizer.zero_grad()
        x, y = batch
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return engines.Engine(step) if lib == IGNITE else engines.Engine(step, runner=lib)


def _events(lib: str) -> Any:
    return ie.Events if lib == IGNITE else be.Events


# ---------------------------------------------------------------------------------------------- EMAHandler


def _ema_run(lib: str, handle_buffers: str, warmup: bool, supervised: bool, every: int) -> dict[str, Any]:
    model = _net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    handler_cls = ignite_ema.EMAHandler if lib == IGNITE else EMAHandler
    warmup_kwargs: dict[str, Any] = {"momentum_warmup": 0.4, "warmup_iters": 4} if warmup else {}
    ema = handler_cls(model, momentum=0.05, handle_buffers=handle_buffers, **warmup_kwargs)
    trainer = _trainer(lib, model, optimizer, supervised)
    events = _events(lib)
    ema.attach(trainer, event=events.ITERATION_COMPLETED(every=every))
    momenta: list[float] = []
    trainer.add_event_handler(events.ITERATION_COMPLETED, lambda e: momenta.append(e.state.ema_momentum))
    trainer.run(_data(), max_epochs=2)
    return {
        "momenta": momenta,
        "ema": {k: v.clone() for k, v in ema.ema_model.state_dict().items()},
        "online": {k: v.clone() for k, v in model.state_dict().items()},
        "ema_training": ema.ema_model.training,
        "grad": [p.requires_grad for p in ema.ema_model.parameters()],
    }


def _assert_same(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    assert ours.keys() == theirs.keys()
    for key in ours:
        if isinstance(ours[key], dict):
            assert ours[key].keys() == theirs[key].keys(), key
            for name in ours[key]:
                assert torch.equal(ours[key][name], theirs[key][name]), (key, name)
        else:
            assert ours[key] == theirs[key], key


@pytest.mark.parametrize("runner", ["trainer", "fabric"])
@pytest.mark.parametrize(
    "handle_buffers,warmup,supervised,every",
    [("copy", True, False, 1), ("update", True, False, 2), ("ema_train", False, False, 1),
     ("update", False, True, 1), ("copy", True, True, 3)],
)  # fmt: skip
def test_ema_weights_buffers_and_momenta_match_ignite(runner: str, handle_buffers: str, warmup: bool,
                                                      supervised: bool, every: int) -> None:  # fmt: skip
    theirs = _ema_run(IGNITE, handle_buffers, warmup, supervised, every)
    ours = _ema_run(runner, handle_buffers, warmup, supervised, every)
    _assert_same(ours, theirs)
    assert ours["ema_training"] is (handle_buffers == "ema_train") and not any(ours["grad"])
    if warmup:
        assert ours["momenta"][every - 1] == 0.4 and ours["momenta"][-1] == 0.05
    ema_mean, online_mean = ours["ema"]["1.running_mean"], ours["online"]["1.running_mean"]
    # "copy" shares the online buffers, "update" averages them, "ema_train" leaves the copy's own
    assert torch.equal(ema_mean, online_mean) is (handle_buffers == "copy")


@settings(max_examples=40, deadline=None)
@given(
    momentum=st.floats(0.001, 0.999),
    momentum_warmup=st.floats(0.0, 1.0),
    warmup_iters=st.integers(0, 6),
)
def test_warmup_momenta_match_ignite(momentum: float, momentum_warmup: float, warmup_iters: int) -> None:
    ours, theirs = EMAWarmUp(momentum_warmup, warmup_iters, momentum), ignite_ema.EMAWarmUp(
        momentum_warmup, warmup_iters, momentum
    )
    assert [ours(i) for i in range(1, 10)] == [theirs(i) for i in range(1, 10)]


def test_two_handlers_on_one_engine_match_ignite() -> None:
    def run(lib: str) -> list[Any]:
        gen, disc = _net(0), _net(1)
        handler_cls = ignite_ema.EMAHandler if lib == IGNITE else EMAHandler
        gen_ema, disc_ema = handler_cls(gen, momentum=0.3), handler_cls(disc, momentum=0.6, handle_buffers="update")
        optimizer = torch.optim.SGD([*gen.parameters(), *disc.parameters()], lr=0.1)

        def step(engine: Any, batch: Any) -> None:
            optimizer.zero_grad()
            (gen(batch[0]).mean() + disc(batch[0]).pow(2).mean()).backward()
            optimizer.step()

        engines = ie if lib == IGNITE else be
        trainer = engines.Engine(step)
        gen_ema.attach(trainer, "gen_ema_momentum")
        disc_ema.attach(trainer, "disc_ema_momentum", event=engines.Events.ITERATION_COMPLETED(every=2))
        state = trainer.run(_data(5), max_epochs=1)
        return [state.gen_ema_momentum, state.disc_ema_momentum,
                *gen_ema.ema_model.state_dict().values(), *disc_ema.ema_model.state_dict().values()]  # fmt: skip

    ours, theirs = run("trainer"), run(IGNITE)
    assert ours[:2] == theirs[:2] == [0.3, 0.6]
    assert all(torch.equal(a, b) for a, b in zip(ours[2:], theirs[2:]))


def test_a_renamed_handler_warms_up_its_own_momentum() -> None:
    # Ignite's warmup always writes state.ema_momentum, so under another name the model is averaged
    # with the constant momentum: bridge warms up the momentum the handler reads.
    def momenta(lib: str, name: str) -> list[float]:
        engines = ie if lib == IGNITE else be
        handler_cls = ignite_ema.EMAHandler if lib == IGNITE else EMAHandler
        trainer = engines.Engine(lambda e, b: None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Ignite warns that it creates state.ema_momentum
            handler_cls(nn.Linear(1, 1), momentum=0.1, momentum_warmup=0.5, warmup_iters=3).attach(trainer, name)
        seen: list[float] = []
        trainer.add_event_handler(engines.Events.ITERATION_COMPLETED, lambda e: seen.append(getattr(e.state, name)))
        trainer.run(range(4))
        return seen

    assert momenta("trainer", "gen_momentum") == momenta(IGNITE, "ema_momentum") == pytest.approx([0.5, 0.3, 0.1, 0.1])
    assert momenta(IGNITE, "gen_momentum") == [0.1] * 4


def test_existing_momentum_attribute_warns_and_is_kept_as_ignite() -> None:
    for engines, handler_cls in ((ie, ignite_ema.EMAHandler), (be, EMAHandler)):
        trainer = engines.Engine(lambda e, b: None)
        trainer.state.ema_momentum = 0.25
        with pytest.warns(UserWarning, match="Attribute 'ema_momentum' already exists in Engine.state"):
            handler_cls(nn.Linear(1, 1), momentum=0.5).attach(trainer)
        assert trainer.state.ema_momentum == 0.25
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            handler_cls(nn.Linear(1, 1), momentum=0.5).attach(trainer, warn_if_exists=False)


@pytest.mark.parametrize(
    "kwargs,match",
    [({"momentum": 0.0}, "Invalid momentum: 0.0"), ({"momentum": 1.0}, "Invalid momentum: 1.0"),
     ({"momentum": -0.5}, "Invalid momentum"), ({"model": "net"}, "model should be an instance of nn.Module"),
     ({"handle_buffers": "average"}, "handle_buffers can only be one of 'copy', 'update', 'ema_train'")],
)  # fmt: skip
def test_bad_arguments_raise_ignites_errors(kwargs: dict[str, Any], match: str) -> None:
    arguments = {"model": nn.Linear(1, 1), **kwargs}
    for handler_cls in (ignite_ema.EMAHandler, EMAHandler):
        with pytest.raises(ValueError, match=match):
            handler_cls(**arguments)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_wrapped_models_are_handled_as_ignite() -> None:
    model = nn.Linear(2, 2)
    parallel = nn.DataParallel(model)
    for handler_cls in (ignite_ema.EMAHandler, EMAHandler):
        kept = handler_cls(parallel)
        assert kept.model is parallel and isinstance(kept.ema_model, nn.DataParallel)
    torch.distributed.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0, world_size=1)
    try:
        ddp = nn.parallel.DistributedDataParallel(model)
        for handler_cls in (ignite_ema.EMAHandler, EMAHandler):
            unwrapped = handler_cls(ddp)
            assert unwrapped.model is model and type(unwrapped.ema_model) is nn.Linear
            assert torch.equal(unwrapped.ema_model.weight, model.weight)
    finally:
        torch.distributed.destroy_process_group()


def test_the_average_follows_the_model_to_another_device() -> None:
    # Lightning may move a registered model after the handler copied it; "meta" stands in for a GPU here
    model = _net()
    ema = EMAHandler(model, momentum=0.5, handle_buffers="update")
    model.to("meta")
    trainer = be.Engine(lambda e, b: None)
    ema.attach(trainer)
    trainer.run([0])
    assert {t.device.type for t in ema.ema_model.state_dict().values()} == {"meta"}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_the_average_follows_the_model_onto_lightnings_device() -> None:
    model = _net()
    ema = EMAHandler(model, momentum=0.5)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    engines: Any = be
    trainer = engines.create_supervised_trainer(model, optimizer, nn.functional.mse_loss, device="cuda",
                                                trainer_kwargs={"accelerator": "gpu", "devices": 1})  # fmt: skip
    ema.attach(trainer)
    trainer.run(_data(2), max_epochs=1)
    assert next(ema.ema_model.parameters()).device.type == "cuda"


# ---------------------------------------------------------------------------------------------- FastaiLRFinder


def _finder_run(lib: str, supervised: bool = False, groups: bool = False, **attach: Any) -> dict[str, Any]:
    model = _net()
    params: Any = (
        [{"params": model[0].parameters()}, {"params": [*model[1].parameters(), *model[3].parameters()], "lr": 2e-3}]
        if groups else model.parameters()
    )  # fmt: skip
    optimizer = torch.optim.SGD(params, lr=1e-3, momentum=0.9)
    # a few steps first: the optimizer has state (momentum buffers) the test must restore
    warm = _trainer(IGNITE, model, optimizer, supervised=False)
    warm.run(_data(2, seed=5), max_epochs=1)
    before = {"model": deepcopy(model.state_dict()), "optimizer": deepcopy(optimizer.state_dict())}

    trainer = _trainer(lib, model, optimizer, supervised)
    finder = ignite_lr_finder.FastaiLRFinder() if lib == IGNITE else FastaiLRFinder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with finder.attach(trainer, {"model": model, "optimizer": optimizer}, **attach) as inside:
            assert inside is trainer
            inside.run(_data(10), max_epochs=2)
            ran = (inside.state.iteration, inside.state.epoch, inside.state.max_epochs, inside.state.max_iters)
    finder_handlers = [finder._run, finder._warning, finder._reset, finder._log_lr_and_loss,
                       finder._reached_num_iterations, finder._lr_schedule]  # fmt: skip
    results = finder.get_results()
    try:
        suggestion = finder.lr_suggestion()
    except RuntimeError as error:
        suggestion = str(error)
    restored = all(torch.equal(v, before["model"][k]) for k, v in model.state_dict().items())
    out = {
        "lr": results["lr"], "loss": results["loss"], "suggestion": suggestion, "ran": ran,
        "state": (trainer.state.iteration, trainer.state.epoch, trainer.state.max_epochs, trainer.state.max_iters,
                  trainer.state.epoch_length),
        "warnings": sorted({str(w.message) for w in caught if w.category is UserWarning}),
        "restored": restored,
        "optimizer": repr(optimizer.state_dict()) == repr(before["optimizer"]),
        "handlers_left": [trainer.has_event_handler(h) for h in finder_handlers],
    }  # fmt: skip

    # the trainer once more, after the context: a plain run from the restored state
    trainer.run(_data(3), max_epochs=1)
    out["after"] = [v.clone() for v in model.state_dict().values()]
    out["after_lrs"] = [g["lr"] for g in optimizer.param_groups]
    out["history_kept"] = finder.get_results() == results
    return out


def _compare_finder(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    after_ours, after_theirs = ours.pop("after"), theirs.pop("after")
    assert ours == theirs
    assert all(torch.equal(a, b) for a, b in zip(after_ours, after_theirs))


FINDER_CASES: dict[str, dict[str, Any]] = {
    "defaults": {},
    "linear_shorter": {"step_mode": "linear", "num_iter": 7, "end_lr": 1.0},
    "longer_than_run": {"num_iter": 25, "start_lr": 1e-4, "end_lr": 0.5, "diverge_th": 50.0},
    "no_smoothing": {"smooth_f": 0.0, "end_lr": 3.0, "num_iter": 15},
}


@pytest.mark.parametrize("case", FINDER_CASES)
def test_lr_finder_histories_suggestion_and_restore_match_ignite(case: str) -> None:
    theirs = _finder_run(IGNITE, **FINDER_CASES[case])
    ours = _finder_run("trainer", **FINDER_CASES[case])
    assert ours["restored"] and ours["optimizer"] and not any(ours["handlers_left"])
    assert ours["history_kept"] and len(ours["lr"]) > 3
    _compare_finder(ours, theirs)


@pytest.mark.parametrize(
    "lib,supervised,groups,attach",
    [("fabric", False, False, {"end_lr": 2.0}),
     ("trainer", True, False, {"num_iter": 12}),
     ("fabric", True, False, {"step_mode": "linear"}),
     ("trainer", False, True, {"start_lr": [1e-4, 2e-4], "end_lr": [1.0, 5.0], "step_mode": "linear"}),
     ("trainer", False, True, {"end_lr": [1.0, 5.0]})],
)  # fmt: skip
def test_lr_finder_on_other_runners_supervised_and_param_groups_match_ignite(
    lib: str, supervised: bool, groups: bool, attach: dict[str, Any]
) -> None:
    theirs = _finder_run(IGNITE, supervised, groups, **attach)
    ours = _finder_run(lib, supervised, groups, **attach)
    assert ours["restored"] and ours["optimizer"] and not any(ours["handlers_left"])
    _compare_finder(ours, theirs)


def test_divergence_stops_the_run_and_the_suggestion_is_applied_as_ignite() -> None:
    def run(lib: str) -> tuple[Any, ...]:
        engines = ie if lib == IGNITE else be
        model = nn.Linear(1, 1, bias=False)
        nn.init.ones_(model.weight)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)

        def step(engine: Any, batch: Any) -> torch.Tensor:
            optimizer.zero_grad()
            loss = model(batch).pow(2).sum()
            loss.backward()
            optimizer.step()
            return loss.detach().reshape(1)  # a 1-element tensor is a loss too

        trainer = engines.Engine(step)
        finder = ignite_lr_finder.FastaiLRFinder() if lib == IGNITE else FastaiLRFinder()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a diverged run gives no "without loss diverging" warning
            with finder.attach(trainer, {"optimizer": optimizer, "model": model}, end_lr=100.0, num_iter=40) as t:
                t.run([torch.tensor([2.0])] * 40)
                iterations = t.state.iteration
        target = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
        finder.apply_suggested_lr(target)
        return (iterations, finder.get_results(), finder.lr_suggestion(), target.param_groups[0]["lr"],
                model.weight.item())

    ours, theirs = run("trainer"), run(IGNITE)
    assert ours == theirs
    assert ours[0] < 40 and ours[3] == ours[2] and ours[4] == 1.0


def test_plot_draws_the_points_ignite_draws() -> None:
    import matplotlib.pyplot as plt

    finders = {}
    for lib in (IGNITE, "trainer"):
        torch.manual_seed(0)
        model, engines = nn.Linear(3, 1), ie if lib == IGNITE else be
        nn.init.normal_(model.weight)
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)

        def step(engine: Any, batch: Any, model: nn.Module = model, optimizer: Any = optimizer) -> float:
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(batch[0]), batch[1])
            loss.backward()
            optimizer.step()
            return loss.item()

        finder = ignite_lr_finder.FastaiLRFinder() if lib == IGNITE else FastaiLRFinder()
        with finder.attach(engines.Engine(step), {"optimizer": optimizer}, num_iter=40) as t:
            t.run(_data(40))
        finders[lib] = finder

    def drawn(finder: Any, **kwargs: Any) -> tuple[Any, ...]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ax = finder.plot(**kwargs)
        (line,) = ax.get_lines()
        scatter = [c.get_offsets().tolist() for c in ax.collections]
        shown = (line.get_xdata().tolist(), line.get_ydata().tolist(), scatter, ax.get_xscale(), ax.get_xlim(),
                 ax.get_xlabel(), ax.get_ylabel(), [str(w.message) for w in caught], type(ax).__name__,
                 [t.get_text() for t in ax.get_legend().get_texts()], ax.figure.get_size_inches().tolist())  # fmt: skip
        plt.close("all")
        return shown

    options: list[dict[str, Any]] = [{}, {"skip_start": 0, "skip_end": 0, "log_lr": False},
                                     {"skip_start": 30, "display_suggestion": False},
                                     {"skip_start": 20, "skip_end": 0}, {"figsize": (3, 2)}]  # fmt: skip
    for kwargs in options:
        ours, theirs = drawn(finders["trainer"], **kwargs), drawn(finders[IGNITE], **kwargs)
        assert ours == theirs, kwargs
    assert len(drawn(finders["trainer"], skip_start=2, skip_end=3)[0]) == len(finders["trainer"].get_results()["lr"]) - 5
    assert "skip_start is larger than the suggested LR" in drawn(finders["trainer"], skip_start=20)[7][0]

    _, given_ax = plt.subplots()
    assert finders["trainer"].plot(skip_start=0, ax=given_ax) is given_ax
    assert given_ax.get_legend().get_texts()[0].get_text() == "suggested lr for param_groups 0"
    plt.close("all")


def _optimizer() -> torch.optim.SGD:
    return torch.optim.SGD(nn.Linear(1, 1).parameters(), lr=0.1)


BAD_ATTACH = [
    ({"to_save": [1]}, TypeError, "Argument to_save should be a mapping"),
    ({"to_save": {"optimizer": _optimizer(), "x": 1}}, TypeError, "should have `state_dict` method"),
    ({"to_save": {"model": nn.Linear(1, 1)}}, ValueError, "Mapping to_save should contain 'optimizer' key"),
    ({"to_save": {"optimizer": nn.Linear(1, 1)}}, TypeError, "Object to_save\\['optimizer'\\] should be torch optimizer"),
    ({"smooth_f": 1.0}, ValueError, "smooth_f is outside the range \\[0, 1"),
    ({"smooth_f": -0.1}, ValueError, "smooth_f is outside the range"),
    ({"diverge_th": 0.5}, ValueError, "diverge_th should be larger than 1"),
    ({"step_mode": "cosine"}, ValueError, "step_mode should be 'exp' or 'linear', but given cosine"),
    ({"num_iter": 2.5}, TypeError, "if provided, num_iter should be an integer"),
    ({"num_iter": 0}, ValueError, "if provided, num_iter should be positive"),
    ({"start_lr": 1}, TypeError, "start_lr should be a float or list of floats"),
    ({"start_lr": [0.1, 0.2]}, ValueError, "Number of values of start_lr should be equal to optimizer values"),
    ({"end_lr": None}, TypeError, "end_lr should be a float or list of floats"),
    ({"end_lr": [1.0, 2.0]}, ValueError, "Number of values of end_lr should be equal to optimizer values"),
    ({"start_lr": 1.0, "end_lr": 0.5}, ValueError, "start_lr must be less than end_lr"),
]


@pytest.mark.parametrize("kwargs,error,match", BAD_ATTACH, ids=[str(i) for i in range(len(BAD_ATTACH))])
def test_bad_attach_arguments_raise_ignites_errors(kwargs: dict[str, Any], error: type, match: str) -> None:
    arguments = {"to_save": {"optimizer": _optimizer()}, **kwargs}
    for engines, finder in ((ie, ignite_lr_finder.FastaiLRFinder()), (be, FastaiLRFinder())):
        trainer = engines.Engine(lambda e, b: 0.0)
        with pytest.raises(error, match=match):
            with finder.attach(trainer, **arguments):
                pass
        assert not trainer.has_event_handler(finder._run)


@pytest.mark.parametrize(
    "output,error,match",
    [("0.5", TypeError, "output of the engine should be of type float or 0d torch.Tensor"),
     (1, TypeError, "but got output of type int"),
     (torch.ones(2), ValueError, "must be 0d torch.Tensor or 1d torch.Tensor with 1 element")],
)  # fmt: skip
@pytest.mark.parametrize("lib", [IGNITE, "trainer", "fabric"])
def test_a_loss_that_is_not_a_number_raises_ignites_error(lib: str, output: Any, error: type, match: str) -> None:
    engines = ie if lib == IGNITE else be
    trainer = engines.Engine(lambda e, b: output) if lib == IGNITE else engines.Engine(lambda e, b: output, runner=lib)
    finder = ignite_lr_finder.FastaiLRFinder() if lib == IGNITE else FastaiLRFinder()
    with pytest.raises(error, match=match):
        with finder.attach(trainer, {"optimizer": _optimizer()}) as t:
            t.run([0, 0])


def test_results_before_a_run_and_bad_plot_arguments_raise_ignites_errors() -> None:
    for finder in (ignite_lr_finder.FastaiLRFinder(), FastaiLRFinder()):
        assert finder.get_results() == {}
        with pytest.raises(RuntimeError, match="learning rate finder didn't run yet so lr_suggestion can't be returned"):
            finder.lr_suggestion()
        with pytest.raises(RuntimeError, match="learning rate finder didn't run yet so results can't be plotted"):
            finder.plot()
        finder._history = {"lr": [0.1, 0.2, 0.3, 0.4], "loss": [1.0, 0.5, 2.0, 3.0]}
        with pytest.raises(RuntimeError, match="FastaiLRFinder got unexpected curve shape"):
            finder.lr_suggestion()
        with pytest.raises(ValueError, match="skip_start cannot be negative"):
            finder.plot(skip_start=-1)
        with pytest.raises(ValueError, match="skip_end cannot be negative"):
            finder.plot(skip_end=-1)
        finder._history = {"lr": [0.1, 0.2, 0.3, 0.4], "loss": [1.0, 0.9, 0.5, 0.4]}
        two_groups = torch.optim.SGD([{"params": [torch.zeros(1)]}, {"params": [torch.ones(1)]}], lr=0.1)
        with pytest.raises(RuntimeError, match="The number of parameter groups does not match .*: 1 vs 2"):
            finder.apply_suggested_lr(two_groups)


def test_an_iterator_without_length_fails_as_ignite() -> None:
    for engines, finder in ((ie, ignite_lr_finder.FastaiLRFinder()), (be, FastaiLRFinder())):
        with pytest.raises(AssertionError):
            with finder.attach(engines.Engine(lambda e, b: 0.0), {"optimizer": _optimizer()}) as t:
                t.run(iter([1.0, 2.0]))


def test_the_context_restores_even_when_the_block_raises() -> None:
    # Ignite leaves the model trained by the test and its handlers attached when the block raises
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    before = deepcopy(model.state_dict())

    def step(engine: Any, batch: Any) -> float:
        optimizer.zero_grad()
        loss = model(batch).pow(2).mean()
        loss.backward()
        optimizer.step()
        if engine.state.iteration == 3:
            raise KeyError("in the user's step")
        return loss.item()

    trainer, finder = be.Engine(step), FastaiLRFinder()
    with pytest.raises(KeyError, match="in the user's step"):
        with finder.attach(trainer, {"model": model, "optimizer": optimizer}) as t:
            t.run([torch.ones(4, 2)] * 5)
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert not trainer.has_event_handler(finder._run) and not trainer.has_event_handler(finder._warning)
    assert trainer.state.iteration == 0


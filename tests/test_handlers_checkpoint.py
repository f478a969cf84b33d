"""Checkpoint, ModelCheckpoint, DiskSaver, global_step_from_engine: behaviour, errors,
atomic writes, resuming a run, and file names compared with pytorch-ignite's."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

with warnings.catch_warnings():  # ignite.handlers imports torch.distributed.optim, which warns about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.engine as ie
    import ignite.handlers as ih

from bridge.engine import Engine, Events
from bridge.handlers.checkpoint import BaseSaveHandler, Checkpoint, CheckpointEvents, DiskSaver, ModelCheckpoint
from bridge.handlers.utils import global_step_from_engine


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Linear(3, 2)


# ----------------------------------------------------------------- differential: file names


def _scores(n: int) -> list[float]:
    # ties and ups and downs, so n_saved and greater_or_equal matter
    base = [0.5, 0.7, 0.7, 0.6, 0.9, 0.9, 0.2, 0.95, 0.3, 0.95]
    return base[:n]


SCENARIOS: dict[str, dict[str, Any]] = {
    "default": {},
    "n_saved_3": {"n_saved": 3},
    "n_saved_none": {"n_saved": None},
    "prefix": {"filename_prefix": "run"},
    "score": {"score": True, "n_saved": 2},
    "score_name": {"score": True, "score_name": "acc", "n_saved": 2},
    "score_name_only": {"score_name": "acc", "n_saved": 2},
    "score_greater_or_equal": {"score": True, "score_name": "acc", "n_saved": 2, "greater_or_equal": True},
    "global_step": {"global_step": True, "n_saved": 2},
    "global_step_score": {"global_step": True, "score": True, "score_name": "acc", "filename_prefix": "best"},
    "include_self": {"include_self": True, "n_saved": 2},
    "pattern": {"filename_pattern": "{global_step}-{name}-{score}.{ext}", "global_step": True, "score": True},
    "same_name": {"filename_pattern": "latest.{ext}", "global_step": True},
    "two_objects": {"two": True, "n_saved": 2},
}


def _run_scenario(lib: str, tmp: Path, options: dict[str, Any], epochs: int = 10) -> tuple[list[str], list]:
    """Trainer + evaluator (evaluator run at each epoch end), checkpoint on the evaluator's COMPLETED."""
    options = dict(options)
    engine_cls = Engine if lib == "bridge" else ie.Engine
    checkpoint_cls = Checkpoint if lib == "bridge" else ih.Checkpoint
    step_from = global_step_from_engine if lib == "bridge" else ih.global_step_from_engine
    trainer = engine_cls(lambda engine, batch: None)
    evaluator = engine_cls(lambda engine, batch: None)
    scores = iter(_scores(epochs))
    evaluator.add_event_handler(Events.COMPLETED if lib == "bridge" else ie.Events.COMPLETED,
                                lambda engine: engine.state.metrics.__setitem__("acc", next(scores)))
    to_save: dict[str, Any] = {"model": _model()}
    if options.pop("two", False):
        to_save["optimizer"] = torch.optim.SGD(to_save["model"].parameters(), lr=0.1)
    if options.pop("score", False):
        options["score_function"] = lambda engine: engine.state.metrics["acc"]
    if options.pop("global_step", False):
        options["global_step_transform"] = step_from(trainer)
    handler = checkpoint_cls(to_save, str(tmp), **options)
    evaluator.add_event_handler(Events.COMPLETED if lib == "bridge" else ie.Events.COMPLETED, handler)
    trainer.add_event_handler(
        Events.EPOCH_COMPLETED if lib == "bridge" else ie.Events.EPOCH_COMPLETED, lambda engine: evaluator.run([0, 1])
    )
    trainer.run([0, 1, 2], max_epochs=epochs)
    return sorted(os.listdir(tmp)), [tuple(item) for item in handler.state_dict()["_saved"]]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_file_names_match_ignite(tmp_path: Path, name: str) -> None:
    ours = _run_scenario("bridge", tmp_path / "bridge", SCENARIOS[name])
    theirs = _run_scenario("ignite", tmp_path / "ignite", SCENARIOS[name])
    assert ours == theirs
    # the same content too: keys of the saved dict (include_self adds the checkpointer state)
    for filename in ours[0]:
        a = torch.load(tmp_path / "bridge" / filename, weights_only=True)
        b = torch.load(tmp_path / "ignite" / filename, weights_only=True)
        assert a.keys() == b.keys()
        if "checkpointer" in a:
            assert a["checkpointer"] == b["checkpointer"]


@pytest.mark.parametrize(
    "options", [{}, {"n_saved": 2, "filename_prefix": "p"}, {"score_name": "acc", "n_saved": None}]
)
def test_model_checkpoint_file_names_match_ignite(tmp_path: Path, options: dict) -> None:
    def run(lib: str) -> tuple[list[str], str]:
        directory = tmp_path / lib
        engine = (Engine if lib == "bridge" else ie.Engine)(lambda engine, batch: None)
        epoch_completed = Events.EPOCH_COMPLETED if lib == "bridge" else ie.Events.EPOCH_COMPLETED
        handler = (ModelCheckpoint if lib == "bridge" else ih.ModelCheckpoint)(directory, **options)
        scores = iter(_scores(6))
        if "score_name" in options:
            engine.add_event_handler(epoch_completed, lambda e: e.state.metrics.__setitem__("acc", next(scores)))
        engine.add_event_handler(epoch_completed, handler, {"net": _model()})
        engine.run([0, 1, 2, 3], max_epochs=6)
        return sorted(os.listdir(directory)), handler.last_checkpoint.name

    assert run("bridge") == run("ignite")


def test_global_step_from_engine_matches_ignite() -> None:
    ours, theirs = Engine(lambda e, b: None), ie.Engine(lambda e, b: None)
    ours.run([0, 1, 2], max_epochs=2)
    theirs.run([0, 1, 2], max_epochs=2)
    for custom, event in [
        (None, "epoch_completed"),
        (None, "iteration_completed"),
        (None, "completed"),
        ("iteration_completed", "completed"),
    ]:
        a = global_step_from_engine(ours, Events(custom) if custom else None)(None, Events(event))
        b = ih.global_step_from_engine(theirs, ie.Events(custom) if custom else None)(None, ie.Events(event))
        assert a == b
    # an event without a counter: the fallback attribute
    assert global_step_from_engine(ours, fallback_attr="iteration")(None, CheckpointEvents.SAVED_CHECKPOINT) == 6
    assert global_step_from_engine(ours)(None, CheckpointEvents.SAVED_CHECKPOINT) == 2
    # a logger or checkpoint holding the transform pickles with it (ddp_spawn)
    named = Engine(_identity_step)
    named.run([0, 1, 2], max_epochs=2)
    copy = pickle.loads(pickle.dumps(global_step_from_engine(named, Events.ITERATION_COMPLETED)))
    assert copy(None, Events.COMPLETED) == 6


def _identity_step(engine: Engine, batch: Any) -> Any:
    return batch


# ------------------------------------------------------------------------- behaviour


def test_checkpoint_fires_saved_checkpoint_and_saves_unwrapped_models(tmp_path: Path) -> None:
    model = _model()
    trainer = Engine(lambda engine, batch: None)
    handler = Checkpoint({"model": torch.nn.DataParallel(model)}, tmp_path)
    saved: list[int] = []
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    trainer.register_events(*CheckpointEvents)
    trainer.add_event_handler(Checkpoint.SAVED_CHECKPOINT, lambda engine: saved.append(engine.state.epoch))
    trainer.run([0, 1], max_epochs=2)
    assert saved == [1, 2]
    assert set(torch.load(handler.last_checkpoint, weights_only=True)) == {"weight", "bias"}  # no "module."


def test_custom_save_handlers(tmp_path: Path) -> None:
    calls: list[tuple] = []

    class Store(BaseSaveHandler):
        def __call__(self, checkpoint, filename, metadata=None):
            calls.append(("save", filename, dict(metadata)))

        def remove(self, filename):
            calls.append(("remove", filename))

    trainer = Engine(lambda engine, batch: None)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, Checkpoint({"model": _model()}, Store(), filename_prefix="p"))
    trainer.run([0], max_epochs=2)
    assert calls == [
        ("save", "p_model_1.pt", {"basename": "p_model", "score_name": None, "priority": 1}),
        ("save", "p_model_2.pt", {"basename": "p_model", "score_name": None, "priority": 2}),
        ("remove", "p_model_1.pt"),  # after the new one is safely saved
    ]
    # a plain function (checkpoint, filename) works too
    names: list[str] = []
    handler = Checkpoint({"model": _model()}, lambda checkpoint, filename: names.append(filename))
    Engine(lambda e, b: None).add_event_handler(Events.COMPLETED, handler)
    handler(trainer)
    assert names == ["model_2.pt"] and handler.last_checkpoint == "model_2.pt"


def test_state_dict_round_trip_and_reset(tmp_path: Path) -> None:
    handler = Checkpoint({"model": _model()}, tmp_path, n_saved=2)
    handler.load_state_dict({"_saved": [(1, "model_1.pt"), (5, "model_5.pt")]})
    assert handler.state_dict() == {"_saved": [(1, "model_1.pt"), (5, "model_5.pt")]}
    assert handler.last_checkpoint == tmp_path / "model_5.pt"
    handler.reset()
    assert handler.last_checkpoint is None
    with pytest.raises(ValueError, match="_saved"):
        handler.load_state_dict({})


def test_load_objects_and_reload_objects(tmp_path: Path) -> None:
    model, trainer = _model(), Engine(lambda e, b: None)
    handler = ModelCheckpoint(tmp_path, "pre", n_saved=None)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler, {"model": model})
    trainer.run([0, 1], max_epochs=2)
    fresh = torch.nn.Linear(3, 2)
    Checkpoint.load_objects({"model": fresh}, str(tmp_path / "pre_model_4.pt"))  # a single state, not a dict of them
    assert torch.equal(fresh.weight, model.weight)
    fresh = torch.nn.Linear(3, 2)
    handler.reload_objects({"model": fresh}, global_step=2)
    assert torch.equal(fresh.bias, model.bias)
    # kwargs go to nn.Module.load_state_dict
    bigger = torch.nn.Sequential(torch.nn.Linear(3, 2))
    Checkpoint.load_objects({"model": bigger}, {"model": {"0.weight": model.weight.detach()}}, strict=False)
    assert torch.equal(bigger[0].weight, model.weight)
    # nested objects
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    Checkpoint.load_objects({"a": {"m": model, "o": [opt]}}, {"a": {"m": model.state_dict(), "o": [opt.state_dict()]}})


def test_include_self_saves_the_handler_state(tmp_path: Path) -> None:
    trainer = Engine(lambda e, b: None)
    to_save: dict[str, Any] = {"model": _model()}
    handler = Checkpoint(to_save, tmp_path, include_self=True, n_saved=2)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    trainer.run([0], max_epochs=3)
    saved = torch.load(handler.last_checkpoint, weights_only=True)
    # as in Ignite, a single object is named after its key and the handler state goes inside it
    assert saved["checkpointer"]["_saved"] == [(2, "model_2.pt"), (3, "model_3.pt")]
    restored = Checkpoint({"model": _model()}, tmp_path / "other")
    restored.load_state_dict(saved["checkpointer"])
    assert restored.state_dict() == handler.state_dict()


# ---------------------------------------------------------------------- atomic writes


def _broken_save(real: Callable) -> Callable:
    def save(obj: Any, f: Any, **kwargs: Any) -> None:
        f.write(b"half a checkpoint")  # some bytes reach the disk, then the process "dies"
        f.flush()
        raise KeyboardInterrupt("crash mid-write")

    return save


def test_a_crash_mid_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch, "save", _broken_save(torch.save))
    saver = DiskSaver(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        saver({"model": _model().state_dict()}, "model_1.pt")
    assert os.listdir(tmp_path) == []  # neither the final name nor the temporary file


def test_a_crash_mid_write_keeps_the_previous_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model()
    trainer = Engine(lambda e, b: None)
    handler = Checkpoint({"model": model}, tmp_path, n_saved=1)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    real_save = torch.save
    trainer.add_event_handler(
        Events.EPOCH_STARTED(once=2), lambda e: monkeypatch.setattr(torch, "save", _broken_save(real_save))
    )
    with pytest.raises(KeyboardInterrupt):
        trainer.run([0, 1], max_epochs=3)
    # epoch 2's save crashed: epoch 1's file is still there, complete, and still the last checkpoint
    assert os.listdir(tmp_path) == ["model_2.pt"]
    assert handler.state_dict()["_saved"] == [(2, "model_2.pt")]
    state = torch.load(handler.last_checkpoint, weights_only=True)
    assert torch.equal(state["weight"], model.weight)


def test_overwriting_a_file_of_the_same_name_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saver = DiskSaver(tmp_path)
    saver({"x": torch.tensor(1)}, "latest.pt")
    monkeypatch.setattr(torch, "save", _broken_save(torch.save))
    with pytest.raises(KeyboardInterrupt):
        saver({"x": torch.tensor(2)}, "latest.pt")
    assert os.listdir(tmp_path) == ["latest.pt"]
    assert torch.load(tmp_path / "latest.pt", weights_only=True) == {"x": torch.tensor(1)}


def test_non_atomic_saver_writes_in_place(tmp_path: Path) -> None:
    saver = DiskSaver(tmp_path, atomic=False)
    saver({"x": torch.tensor(3)}, "x.pt")
    assert torch.load(tmp_path / "x.pt", weights_only=True) == {"x": torch.tensor(3)}
    saver.remove("x.pt")
    assert os.listdir(tmp_path) == []


def test_saved_files_are_readable_by_group_and_others(tmp_path: Path) -> None:
    DiskSaver(tmp_path)({"x": torch.tensor(3)}, "x.pt")
    assert os.stat(tmp_path / "x.pt").st_mode & 0o044 == 0o044


# --------------------------------------------------------------------------- resume


def _data() -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(4, 3, generator=g), torch.randn(4, 2, generator=g)) for _ in range(5)]


def _trainer(record: list[float]) -> tuple[Engine, torch.nn.Module, torch.optim.Optimizer]:
    from bridge.engine import create_supervised_trainer

    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    # momentum: the optimizer's state matters, so it must be in the checkpoint too
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    trainer = create_supervised_trainer(model, optimizer, torch.nn.functional.mse_loss)
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda e: record.append(e.state.output))
    return trainer, model, optimizer


@pytest.mark.parametrize("stop_epoch", [1, 3])
def test_resume_from_checkpoint_matches_an_uninterrupted_run(tmp_path: Path, stop_epoch: int) -> None:
    data, max_epochs = _data(), 5
    full_losses: list[float] = []
    trainer, full_model, _ = _trainer(full_losses)
    trainer.run(data, max_epochs=max_epochs)

    # stopped after epoch `stop_epoch`, with a checkpoint of that epoch
    losses: list[float] = []
    trainer, model, optimizer = _trainer(losses)
    to_save = {"model": model, "optimizer": optimizer, "trainer": trainer}
    handler = Checkpoint(to_save, tmp_path, n_saved=2)
    trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    trainer.add_event_handler(Events.EPOCH_COMPLETED(once=stop_epoch), lambda e: e.terminate())
    trainer.run(data, max_epochs=max_epochs)
    assert handler.last_checkpoint == tmp_path / f"checkpoint_{stop_epoch * len(data)}.pt"

    # a new process: fresh objects, loaded from the file, then run
    trainer, model, optimizer = _trainer(losses)
    Checkpoint.load_objects({"model": model, "optimizer": optimizer, "trainer": trainer}, handler.last_checkpoint)
    assert (trainer.state.epoch, trainer.state.iteration) == (stop_epoch, stop_epoch * len(data))
    state = trainer.run(data)
    assert (state.epoch, state.iteration) == (max_epochs, max_epochs * len(data))
    assert losses == pytest.approx(full_losses, abs=1e-6)
    for ours, full in zip(model.parameters(), full_model.parameters()):
        torch.testing.assert_close(ours, full, atol=1e-6, rtol=0)


def test_resume_mid_epoch_at_the_saved_iteration(tmp_path: Path) -> None:
    seen: list[int] = []
    trainer = Engine(lambda engine, batch: seen.append(batch))
    handler = Checkpoint({"trainer": trainer}, tmp_path)
    trainer.add_event_handler(Events.ITERATION_COMPLETED(once=7), handler)
    trainer.add_event_handler(Events.ITERATION_COMPLETED(once=7), lambda e: e.terminate())
    trainer.run(list(range(5)), max_epochs=3)
    resumed = Engine(lambda engine, batch: seen.append(batch))
    Checkpoint.load_objects({"trainer": resumed}, handler.last_checkpoint)
    assert (resumed.state.epoch, resumed.state.iteration) == (1, 7)
    seen.clear()
    assert resumed.run(list(range(5))).iteration == 15
    assert len(seen) == 8


# --------------------------------------------------------------- Lightning callback


def test_model_checkpoint_on_engine_callback_validation(tmp_path: Path) -> None:
    import pytorch_lightning as pl

    from bridge.lightning import EngineCallback

    class Model(pl.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Linear(2, 1)

        def training_step(self, batch, batch_idx):
            return self.net(batch).pow(2).mean()

        def validation_step(self, batch, batch_idx):
            self.log("val_loss", self.net(batch).pow(2).mean())

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    torch.manual_seed(0)
    module = Model()
    callback = EngineCallback()
    best = ModelCheckpoint(
        tmp_path, "best", score_function=lambda e: -e.state.metrics["val_loss"], score_name="neg_loss",
        n_saved=2, global_step_transform=global_step_from_engine(callback.train),
    )
    callback.validation.add_event_handler(Events.COMPLETED, best, {"net": module.net})
    loader = torch.utils.data.DataLoader(torch.ones(8, 2), batch_size=4)
    trainer = pl.Trainer(
        max_epochs=3, callbacks=[callback], accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
    )
    trainer.fit(module, loader, loader)
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and all(f.startswith("best_net_") and "_neg_loss=" in f for f in files)
    # loss decreases every epoch: the last two epochs are kept, the best being the last one
    assert [f.split("_")[2] for f in files] == ["2", "3"]
    state = torch.load(best.last_checkpoint, weights_only=True)
    torch.testing.assert_close(state["weight"], module.net.weight)


# --------------------------------------------------------------------------- errors


def test_errors(tmp_path: Path) -> None:
    model = _model()
    with pytest.raises(ValueError, match="n_saved must be a positive integer"):
        Checkpoint({"m": model}, tmp_path, n_saved=0)
    with pytest.raises(ValueError, match="n_saved must be a positive integer"):
        ModelCheckpoint(tmp_path / "a", n_saved=-1)
    with pytest.raises(TypeError, match="score_function should be a function"):
        Checkpoint({"m": model}, tmp_path, score_function=0.5)
    with pytest.raises(TypeError, match="global_step_transform should be a function"):
        Checkpoint({"m": model}, tmp_path, global_step_transform=3)
    with pytest.raises(TypeError, match="`to_save` should be a dictionary"):
        Checkpoint([model], tmp_path)
    with pytest.raises(TypeError, match="should have `state_dict` method"):
        Checkpoint({"m": 3}, tmp_path)
    with pytest.raises(TypeError, match="save_handler"):
        Checkpoint({"m": model}, 3)
    with pytest.raises(ValueError, match="Cannot have key 'checkpointer'"):
        Checkpoint({"checkpointer": model}, tmp_path, include_self=True)
    with pytest.raises(ValueError, match="score_sign"):
        Checkpoint.get_default_score_fn("acc", 2.0)
    with pytest.raises(ValueError, match="At least one of"):
        Checkpoint.setup_filename_pattern(with_score=False, with_global_step=False)
    with pytest.raises(ValueError, match="with_score should be also True"):
        Checkpoint.setup_filename_pattern(with_score=False, with_score_name=True)
    with pytest.raises(TypeError, match="checkpoint should be a string or a dictionary"):
        Checkpoint.load_objects({"m": model}, 3)
    with pytest.raises(TypeError, match="should have `load_state_dict` method"):
        Checkpoint.load_objects({"m": 3}, {"m": {}})
    with pytest.raises(ValueError, match="Key 'o' from x is not found"):
        Checkpoint.load_objects({"m": model, "o": model}, {"m": model.state_dict()})
    with pytest.raises(AttributeError, match="should be of type `DiskSaver`"):
        Checkpoint({"m": model}, lambda c, f: None).reload_objects({"m": model}, global_step=1)


def test_score_function_must_return_a_number(tmp_path: Path) -> None:
    handler = Checkpoint({"m": _model()}, tmp_path, score_function=lambda engine: "high")
    with pytest.raises(ValueError, match="Output of score_function should be a number"):
        handler(Engine(lambda e, b: None))
    with pytest.raises(RuntimeError, match="No objects to checkpoint found"):
        ModelCheckpoint(tmp_path / "m")(Engine(lambda e, b: None), {})


def test_directory_checks(tmp_path: Path) -> None:
    (tmp_path / "old_model_3.pt").write_bytes(b"")
    with pytest.raises(ValueError, match=r"Files \['old_model_3.pt'\] with extension '.pt' are already present"):
        ModelCheckpoint(tmp_path)
    with pytest.raises(ValueError, match="already present"):
        DiskSaver(tmp_path)
    ModelCheckpoint(tmp_path, require_empty=False)  # accepted when asked
    (tmp_path / "notes.txt").write_text("")  # other files do not count
    missing = tmp_path / "missing" / "deeper"
    with pytest.raises(ValueError, match="is not found"):
        DiskSaver(missing, create_dir=False)
    DiskSaver(missing)
    assert missing.is_dir()


def test_a_checkpoint_written_by_ignite_resumes_a_bridge_run(tmp_path: Path) -> None:
    def batches(record: list) -> Callable:
        return lambda engine, batch: record.append((engine.state.epoch, batch))

    full: list = []
    Engine(batches(full)).run([0, 1, 2], max_epochs=4)

    theirs = ie.Engine(lambda engine, batch: None)
    handler = ih.Checkpoint({"trainer": theirs}, str(tmp_path), global_step_transform=lambda e, _: e.state.epoch)
    theirs.add_event_handler(ie.Events.EPOCH_COMPLETED(once=2), handler)
    theirs.add_event_handler(ie.Events.EPOCH_COMPLETED(once=2), lambda e: e.terminate())
    theirs.run([0, 1, 2], max_epochs=4)

    resumed: list = []
    ours = Engine(batches(resumed))
    Checkpoint.load_objects({"trainer": ours}, tmp_path / "trainer_2.pt")
    ours.run([0, 1, 2])
    assert resumed == full[6:]


def test_save_on_another_rank_writes_nothing_here(tmp_path: Path) -> None:
    directory = tmp_path / "ckpt"
    handler = ModelCheckpoint(directory, save_on_rank=1)
    assert not directory.exists()  # only rank 1 creates and checks the directory
    handler(Engine(lambda e, b: None), {"model": _model()})
    assert not directory.exists()

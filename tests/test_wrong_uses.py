"""A table of wrong uses a real user makes, each refused with an error that names the argument or value.

Each case is written once, for either library: ``call(side, tmp)`` does the wrong thing with
``side``'s Engine, handlers and metrics. The bridge side must raise ``error`` with a message
matching ``match``. Then the same call runs on pytorch-ignite:

- ``ignite="raises"``: Ignite raises too, and bridge's error is of Ignite's type (or a subclass);
- ``ignite="accepts"``: Ignite takes it and runs wrong, fails later in the run, or hangs; bridge
  refuses it at once. These are listed in docs/engine.md ("where bridge is stricter"), under ``doc``;
- ``ignite="n/a"``: Lightning options, which Ignite has no counterpart for.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
from lightning_fabric.utilities.exceptions import MisconfigurationException

with warnings.catch_warnings():  # ignite.handlers imports torch.distributed.optim, which warns about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.engine as ie
    import ignite.exceptions as iexc
    import ignite.handlers as ih
    import ignite.metrics as im

import bridge.engine as be
import bridge.exceptions as bexc
import bridge.handlers as bh
import bridge.metrics as bm
from bridge.lightning.trainer_options import TrainerKwargsError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "engine.md"


@dataclass(frozen=True)
class Side:
    """One library's modules, as a case sees them."""

    name: str
    engine: ModuleType
    handlers: ModuleType
    metrics: ModuleType
    exceptions: ModuleType
    #: the other library's Engine (handed where this library's is expected)
    foreign_engine: type


IGNITE = Side("ignite", ie, ih, im, iexc, be.Engine)
BRIDGE = Side("bridge", be, bh, bm, bexc, ie.Engine)


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[Side, Path], Any]
    error: type[BaseException]
    match: str
    ignite: str = "raises"  # "raises", "accepts" or "n/a"
    doc: str = ""  # "accepts": how docs/engine.md names the case


# ------------------------------------------------------------------ helpers for the calls


def _engine(s: Side, **kwargs: Any) -> Any:
    return s.engine.Engine(lambda engine, batch: batch, **kwargs)


def _resumed(s: Side) -> Any:
    """An engine that loaded a checkpoint of epoch 3 of 5, epochs of 2 iterations."""
    engine = _engine(s)
    engine.load_state_dict({"epoch": 3, "max_epochs": 5, "epoch_length": 2})
    return engine


def _load(s: Side, state_dict: Any) -> None:
    _engine(s).load_state_dict(state_dict)


def _custom_event(s: Side) -> Any:
    class CheckpointEvents(s.engine.EventEnum):  # type: ignore[name-defined]
        SAVED = "saved"

    return CheckpointEvents.SAVED


def _add_unregistered_custom_event(s: Side) -> None:
    _engine(s).add_event_handler(_custom_event(s), lambda engine: None)


def _on(s: Side, event: Any, handler: Any, *args: Any) -> None:
    _engine(s).add_event_handler(event, handler, *args)


def _opt() -> torch.optim.Optimizer:
    return torch.optim.SGD(torch.nn.Linear(1, 1).parameters(), lr=0.1)


def _dir_with_checkpoint(tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "model_1.pt").write_bytes(b"")
    return tmp


def _a_file(tmp: Path) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "checkpoints"
    path.write_text("not a directory")
    return path


def _model_checkpoint_without_state_dict(s: Side, tmp: Path) -> None:
    saver = s.handlers.ModelCheckpoint(tmp, "model")
    saver(_engine(s), {"model": object()})


def _update(metric: Any, y_pred: Any, y: Any) -> Any:
    metric.update((y_pred, y))
    return metric.compute()


def _classes_change(s: Side) -> None:
    accuracy = s.metrics.Accuracy()
    accuracy.update((torch.eye(3)[[0, 1, 2, 1]], torch.tensor([0, 1, 2, 1])))
    accuracy.update((torch.eye(2)[[0, 1, 1, 0]], torch.tensor([0, 1, 1, 0])))


def _run_engine(s: Side, **trainer_kwargs: Any) -> Any:
    return _engine(s, trainer_kwargs=trainer_kwargs).run([1, 2])


def _run_fabric(s: Side, **trainer_kwargs: Any) -> Any:
    return _engine(s, trainer_kwargs=trainer_kwargs, runner="fabric").run([1, 2])


SCORES = torch.tensor([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]])
LABELS = torch.tensor([0, 1, 2, 1])
IC = re.escape  # literal pieces of a message

# --------------------------------------------------------------------------- the table

CASES = [
    # events
    Case("unknown event attribute", lambda s, t: s.engine.Events.ITERATION_DONE, AttributeError, "ITERATION_DONE"),
    Case("unknown event name", lambda s, t: _on(s, "iteration_done", lambda e: None), ValueError,
         "Event iteration_done is not a valid event"),
    Case("unregistered custom event", lambda s, t: _add_unregistered_custom_event(s), ValueError,
         r"Event .*SAVED.* is not a valid event"),
    Case("fire an unregistered event", lambda s, t: _engine(s).fire_event("saved"), ValueError,
         "Event saved is not a valid event"),
    Case("register_events with a number", lambda s, t: _engine(s).register_events(3), TypeError,
         "Value at 0 of event_names should be a str or EventEnum, but given 3"),
    Case("every=0", lambda s, t: s.engine.Events.ITERATION_COMPLETED(every=0), ValueError,
         "Argument every should be integer and greater than zero"),
    Case("every=-1", lambda s, t: s.engine.Events.ITERATION_COMPLETED(every=-1), ValueError,
         "Argument every should be integer"),
    Case("every='2'", lambda s, t: s.engine.Events.ITERATION_COMPLETED(every="2"), ValueError,
         "Argument every should be integer"),
    Case("every with once", lambda s, t: s.engine.Events.ITERATION_COMPLETED(every=2, once=3), ValueError,
         "Only one of the input arguments should be specified, except before, after and every"),
    Case("once=[]", lambda s, t: s.engine.Events.EPOCH_COMPLETED(once=[]), ValueError,
         IC("Argument once should either be a positive integer or a list of positive integers, got []")),
    Case("once=0", lambda s, t: s.engine.Events.EPOCH_COMPLETED(once=0), ValueError, "Argument once .*got 0"),
    Case("once=[1, '2']", lambda s, t: s.engine.Events.EPOCH_COMPLETED(once=[1, "2"]), ValueError,
         IC("Argument once should either be a positive integer or a list of positive integers, got [1, '2']")),
    Case("before=-1", lambda s, t: s.engine.Events.EPOCH_COMPLETED(before=-1), ValueError,
         "Argument before should be integer and greater or equal to zero"),
    Case("after='3'", lambda s, t: s.engine.Events.EPOCH_COMPLETED(after="3"), ValueError,
         "Argument after should be integer"),
    Case("event without a filter argument", lambda s, t: s.engine.Events.EPOCH_COMPLETED(), ValueError,
         "Only one of the input arguments should be specified"),
    Case("event_filter not callable", lambda s, t: s.engine.Events.EPOCH_COMPLETED(event_filter=3), TypeError,
         "Argument event_filter should be a callable"),
    Case("event_filter with one parameter", lambda s, t: s.engine.Events.EPOCH_COMPLETED(event_filter=lambda e: True),
         ValueError, IC("'event_filter': takes parameters ['e'] but will be called with ['engine', 'event']")),
    Case("event_filter with every", lambda s, t: s.engine.Events.EPOCH_COMPLETED(event_filter=lambda e, n: True, every=2),
         ValueError, "Only one of the input arguments should be specified"),
    Case("| with a number", lambda s, t: s.engine.Events.STARTED | 3, TypeError,
         "Argument event should be Events or CallableEventWithFilter, got: <class 'int'>"),
    # handler signatures
    Case("handler with three parameters", lambda s, t: _on(s, s.engine.Events.STARTED, lambda a, b, c: None),
         ValueError, IC("'handler': takes parameters ['a', 'b', 'c']")),
    Case("handler given arguments it does not take",
         lambda s, t: _on(s, s.engine.Events.STARTED, lambda engine: None, "tag", 2), ValueError,
         IC("'handler': takes parameters ['engine']")),
    Case("EXCEPTION_RAISED handler without the exception",
         lambda s, t: _on(s, s.engine.Events.EXCEPTION_RAISED, lambda: None), ValueError,
         IC("'handler': takes parameters [] but will be called with [Exception()]")),
    Case("handler not callable", lambda s, t: _on(s, s.engine.Events.STARTED, 3), TypeError, "3 is not a callable object"),
    Case("@on on a non-callable", lambda s, t: _engine(s).on(s.engine.Events.STARTED)("log"), TypeError,
         "'log' is not a callable object"),
    Case("process_function with one parameter", lambda s, t: s.engine.Engine(lambda batch: batch), ValueError,
         IC("'process_function': takes parameters ['batch']")),
    # run arguments
    Case("max_epochs below the resumed epoch", lambda s, t: _resumed(s).run([1, 2], max_epochs=2), ValueError,
         "Argument max_epochs should be greater than or equal to the start epoch defined in the state: 2 vs 3"),
    Case("epoch_length=0", lambda s, t: _engine(s).run([1, 2], epoch_length=0), ValueError,
         "Input data has zero size"),
    Case("epoch_length=-1", lambda s, t: _engine(s).run([1, 2], epoch_length=-1), ValueError,
         "Input data has zero size"),
    Case("epoch_length='2'", lambda s, t: _engine(s).run([1, 2], epoch_length="2"), TypeError,
         "Argument epoch_length should be an integer, got '2'"),
    Case("max_epochs='3'", lambda s, t: _engine(s).run([1, 2], max_epochs="3"), TypeError,
         "Argument max_epochs should be an integer, got '3'"),
    Case("max_epochs=2.5", lambda s, t: _engine(s).run([1, 2], max_epochs=2.5), TypeError,
         IC("Argument max_epochs should be an integer, got 2.5 (float)"), "accepts", "`run(max_epochs=2.5)`"),
    Case("max_epochs=0", lambda s, t: _engine(s).run([1, 2], max_epochs=0), ValueError,
         "Argument max_epochs is invalid", "accepts", "`run(max_epochs=0)`"),
    Case("max_iters=0", lambda s, t: _engine(s).run([1, 2], max_iters=0), ValueError,
         "Argument max_iters is invalid", "accepts", "`run(max_iters=0)`"),
    Case("data=None without epoch_length", lambda s, t: _engine(s).run(None, max_epochs=2), ValueError,
         "epoch_length should be provided if data is None"),
    Case("empty data", lambda s, t: _engine(s).run([], max_epochs=2), ValueError,
         "Input data has zero size. Please provide non-empty data"),
    Case("data not iterable", lambda s, t: _engine(s).run(5), TypeError, "Argument data should be iterable"),
    Case("max_iters with max_epochs", lambda s, t: _engine(s).run([1, 2], max_epochs=2, max_iters=3), ValueError,
         "Arguments max_iters and max_epochs are mutually exclusive"),
    Case("another epoch_length on resume", lambda s, t: _resumed(s).run([1, 2, 3], epoch_length=3), ValueError,
         "Argument epoch_length should be same as in the state, but given 3 vs 2"),
    Case("max_iters on a max_epochs resume", lambda s, t: _resumed(s).run([1, 2], max_iters=20), ValueError,
         "To switch from max_epochs to max_iters mode during resume"),
    # load_state_dict
    Case("state_dict not a mapping", lambda s, t: _load(s, [3, 2]), TypeError,
         "Argument state_dict should be a dictionary, but given <class 'list'>"),
    Case("state_dict without epoch_length", lambda s, t: _load(s, {"iteration": 3, "max_epochs": 3}), ValueError,
         "epoch_length must be a positive integer to calculate missing 'iteration' or 'epoch' key"),
    Case("state_dict without max_epochs", lambda s, t: _load(s, {"iteration": 3, "epoch_length": 2}), ValueError,
         IC("state_dict should contain exactly one of '('max_epochs', 'max_iters')' keys")),
    Case("state_dict with max_epochs and max_iters",
         lambda s, t: _load(s, {"iteration": 3, "epoch_length": 2, "max_epochs": 3, "max_iters": 6}), ValueError,
         "state_dict should contain exactly one of"),
    Case("state_dict with iteration and epoch",
         lambda s, t: _load(s, {"iteration": 3, "epoch": 1, "epoch_length": 2, "max_epochs": 3}), ValueError,
         "State dictionary should contain only one of 'iteration' or 'epoch' keys. Found both: iteration=3, epoch=1"),
    Case("state_dict without a declared user key", lambda s, t: _declared_alpha(s).load_state_dict(
        {"iteration": 3, "epoch_length": 2, "max_epochs": 3}), ValueError,
         "Required user state attribute 'alpha' is absent"),
    Case("state_dict with an undeclared key",
         lambda s, t: _load(s, {"iteration": 3, "epoch_length": 2, "max_epochs": 3, "alpha": 0.1}), ValueError,
         IC("state_dict has keys ['alpha'] that Engine.load_state_dict does not restore"), "accepts",
         "`load_state_dict` with a key not in `state_dict_user_keys`"),
    Case("state_dict iteration='3'", lambda s, t: _load(s, {"iteration": "3", "epoch_length": 2, "max_epochs": 3}),
         TypeError, "state_dict\\['iteration'\\] should be an integer, got '3'"),
    Case("state_dict max_epochs='3'", lambda s, t: _load(s, {"iteration": 3, "epoch_length": 2, "max_epochs": "3"}),
         TypeError, "state_dict\\['max_epochs'\\] should be an integer, got '3'"),
    Case("state_dict epoch_length='2'", lambda s, t: _load(s, {"iteration": 3, "epoch_length": "2", "max_epochs": 3}),
         TypeError, "state_dict\\['epoch_length'\\] should be an integer, got '2'"),
    Case("state_dict iteration=3.5", lambda s, t: _load(s, {"iteration": 3.5, "epoch_length": 2, "max_epochs": 3}),
         TypeError, IC("state_dict['iteration'] should be an integer, got 3.5 (float)"), "accepts",
         "`load_state_dict({'iteration': 3.5, ...})`"),
    Case("state_dict iteration=-3", lambda s, t: _load(s, {"iteration": -3, "epoch_length": 2, "max_epochs": 3}),
         ValueError, IC("state_dict['iteration'] should be an integer >= 0, got -3"), "accepts",
         "`load_state_dict({'iteration': -3, ...})`"),
    Case("state_dict max_epochs below its epoch",
         lambda s, t: _load(s, {"iteration": 10, "epoch_length": 2, "max_epochs": 3}), ValueError,
         "Argument max_epochs should be greater than or equal to the start epoch defined in the state: 3 vs 5"),
    # Checkpoint, ModelCheckpoint, DiskSaver
    Case("DiskSaver require_empty on a used directory",
         lambda s, t: s.handlers.DiskSaver(_dir_with_checkpoint(t)), ValueError,
         IC("Files ['model_1.pt'] with extension '.pt' are already present")),
    Case("ModelCheckpoint require_empty on a used directory",
         lambda s, t: s.handlers.ModelCheckpoint(_dir_with_checkpoint(t), "model"), ValueError,
         IC("Files ['model_1.pt'] with extension '.pt' are already present")),
    Case("DiskSaver on a file", lambda s, t: s.handlers.DiskSaver(_a_file(t)), NotADirectoryError,
         "checkpoints"),
    Case("DiskSaver on a file, require_empty=False",
         lambda s, t: s.handlers.DiskSaver(_a_file(t), require_empty=False), NotADirectoryError,
         "Directory path '.*checkpoints' is a file, not a directory", "accepts",
         "`DiskSaver(a_file, require_empty=False)`"),
    Case("DiskSaver on a missing directory, create_dir=False",
         lambda s, t: s.handlers.DiskSaver(t / "missing", create_dir=False), ValueError,
         "Directory path '.*missing' is not found"),
    Case("Checkpoint n_saved=0", lambda s, t: s.handlers.Checkpoint({"m": torch.nn.Linear(1, 1)}, t, n_saved=0),
         ValueError, "n_saved must be a positive integer or None, got 0"),
    Case("Checkpoint n_saved=-1", lambda s, t: s.handlers.Checkpoint({"m": torch.nn.Linear(1, 1)}, t, n_saved=-1),
         ValueError, "n_saved must be a positive integer or None, got -1"),
    Case("Checkpoint n_saved='2'", lambda s, t: s.handlers.Checkpoint({"m": torch.nn.Linear(1, 1)}, t, n_saved="2"),
         TypeError, "n_saved must be a positive integer or None, got '2'"),
    Case("ModelCheckpoint n_saved=1.5", lambda s, t: s.handlers.ModelCheckpoint(t, "model", n_saved=1.5),
         TypeError, "n_saved must be a positive integer or None, got 1.5", "accepts", "`n_saved=1.5`"),
    Case("Checkpoint score_function not callable",
         lambda s, t: s.handlers.Checkpoint({"m": torch.nn.Linear(1, 1)}, t, score_function=3), TypeError,
         "Argument score_function should be a function, got <class 'int'>", "accepts",
         "`Checkpoint(score_function=3)`"),
    Case("ModelCheckpoint score_function not callable",
         lambda s, t: s.handlers.ModelCheckpoint(t, "model", score_function="accuracy"), TypeError,
         "Argument score_function should be a function, got <class 'str'>", "accepts",
         "`ModelCheckpoint(score_function='accuracy')`"),
    Case("Checkpoint of an object without state_dict",
         lambda s, t: s.handlers.Checkpoint({"model": object()}, t), TypeError,
         "Object <class 'object'> should have `state_dict` method"),
    Case("ModelCheckpoint of an object without state_dict",
         lambda s, t: _model_checkpoint_without_state_dict(s, t), TypeError,
         "Object <class 'object'> should have `state_dict` method"),
    Case("Checkpoint to_save a list", lambda s, t: s.handlers.Checkpoint([torch.nn.Linear(1, 1)], t), TypeError,
         "Argument `to_save` should be a dictionary, but given <class 'list'>"),
    Case("Checkpoint save_handler a number", lambda s, t: s.handlers.Checkpoint({"m": torch.nn.Linear(1, 1)}, 3),
         TypeError, "Argument `save_handler` should be a string or Path object or callable"),
    Case("load_objects into an object without load_state_dict",
         lambda s, t: s.handlers.Checkpoint.load_objects({"model": object()}, {"model": {}}), TypeError,
         "Object <class 'object'> should have `load_state_dict` method"),
    Case("load_objects from a number",
         lambda s, t: s.handlers.Checkpoint.load_objects({"m": torch.nn.Linear(1, 1)}, 3), TypeError,
         "Argument checkpoint should be a string or a dictionary, but given <class 'int'>"),
    # EarlyStopping
    Case("EarlyStopping patience=0", lambda s, t: s.handlers.EarlyStopping(0, lambda e: 1.0, _engine(s)), ValueError,
         "Argument patience should be positive integer"),
    Case("EarlyStopping patience=-1", lambda s, t: s.handlers.EarlyStopping(-1, lambda e: 1.0, _engine(s)),
         ValueError, "Argument patience should be positive integer"),
    Case("EarlyStopping patience='3'", lambda s, t: s.handlers.EarlyStopping("3", lambda e: 1.0, _engine(s)),
         TypeError, "Argument patience should be positive integer, got '3'"),
    Case("EarlyStopping trainer not an Engine", lambda s, t: s.handlers.EarlyStopping(3, lambda e: 1.0, object()),
         TypeError, "Argument trainer should be an instance of Engine"),
    Case("EarlyStopping trainer the other library's Engine",
         lambda s, t: s.handlers.EarlyStopping(3, lambda e: 1.0, s.foreign_engine(lambda e, b: b)), TypeError,
         "Argument trainer should be an instance of Engine"),
    Case("EarlyStopping score_function not callable", lambda s, t: s.handlers.EarlyStopping(3, 1.0, _engine(s)),
         TypeError, "Argument score_function should be a function"),
    Case("EarlyStopping mode='maximum'",
         lambda s, t: s.handlers.EarlyStopping(3, lambda e: 1.0, _engine(s), mode="maximum"), ValueError,
         "Argument mode should be either 'min' or 'max'"),
    # metrics
    Case("Accuracy with shapes that differ", lambda s, t: _update(s.metrics.Accuracy(), SCORES, torch.tensor([0] * 5)),
         ValueError, "y and y_pred must have compatible shapes"),
    Case("Accuracy with one dimension too many",
         lambda s, t: _update(s.metrics.Accuracy(), torch.rand(4, 3, 2, 2), LABELS), ValueError,
         IC("y must have shape of (batch_size, ...) and y_pred must have shape of (batch_size, num_categories, ...)")),
    Case("Accuracy binary y of 0, 1, 2",
         lambda s, t: _update(s.metrics.Accuracy(), torch.tensor([0, 1, 1, 0]), torch.tensor([0, 1, 2, 1])),
         ValueError, "For binary cases, y must be comprised of 0's and 1's"),
    Case("Accuracy binary y_pred of probabilities",
         lambda s, t: _update(s.metrics.Accuracy(), torch.tensor([0.2, 0.7, 1.0, 0.0]), torch.tensor([0, 1, 1, 1])),
         ValueError, "For binary cases, y_pred must be comprised of 0's and 1's"),
    Case("Accuracy classes change between updates", lambda s, t: _classes_change(s), ValueError,
         "Input data number of classes has changed from 3 to 2"),
    Case("Precision label above the classes",
         lambda s, t: _update(s.metrics.Precision(average=True), SCORES, torch.tensor([0, 1, 5, 1])), ValueError,
         "y_pred contains fewer classes than y"),
    Case("ConfusionMatrix float labels",
         lambda s, t: _update(s.metrics.ConfusionMatrix(3), SCORES, LABELS.float()), NotImplementedError,
         "ConfusionMatrix: y should be an integer tensor of class indices, got dtype torch.float32"),
    Case("ConfusionMatrix labels as y_pred", lambda s, t: _update(s.metrics.ConfusionMatrix(3), LABELS, LABELS),
         ValueError, IC("y_pred must have shape (batch_size, num_classes (currently set to 3), ...)")),
    Case("ConfusionMatrix num_classes not the scores'",
         lambda s, t: _update(s.metrics.ConfusionMatrix(4), SCORES, LABELS), ValueError,
         "y_pred does not have correct number of classes: 3 vs 4"),
    Case("MeanSquaredError with sizes that differ",
         lambda s, t: _update(s.metrics.MeanSquaredError(), torch.rand(4, 3), torch.rand(4, 2)), RuntimeError,
         IC("MeanSquaredError: y_pred and y should have the same number of elements, got shapes (4, 3) and (4, 2)")),
    Case("MeanAbsoluteError with sizes that differ",
         lambda s, t: _update(s.metrics.MeanAbsoluteError(), torch.rand(4), torch.rand(5)), RuntimeError,
         IC("MeanAbsoluteError: y_pred and y should have the same number of elements, got shapes (4,) and (5,)")),
    Case("Accuracy compute before update", lambda s, t: s.metrics.Accuracy().compute(), bexc.NotComputableError,
         "Accuracy must have at least one example before it can be computed"),
    Case("Loss compute before update", lambda s, t: s.metrics.Loss(torch.nn.functional.mse_loss).compute(),
         bexc.NotComputableError, "Loss must have at least one example"),
    Case("MeanSquaredError compute before update", lambda s, t: s.metrics.MeanSquaredError().compute(),
         bexc.NotComputableError, "MeanSquaredError must have at least one example"),
    Case("Precision average='foo'", lambda s, t: s.metrics.Precision(average="foo"), ValueError,
         "Argument average should be None or a boolean or one of values 'macro', 'micro', 'weighted' and 'samples'"),
    Case("attach with usage='foo'", lambda s, t: s.metrics.Accuracy().attach(_engine(s), "acc", usage="foo"),
         ValueError, "Argument usage should be .* got foo"),
    Case("RunningAverage alpha=2", lambda s, t: s.metrics.RunningAverage(output_transform=lambda x: x, alpha=2.0),
         ValueError, "Argument alpha should be a float between 0.0 and 1.0"),
    # parameter schedulers
    Case("scheduler of an unknown param", lambda s, t: s.handlers.LinearCyclicalScheduler(_opt(), "lrr", 0.0, 1.0, 10),
         ValueError, "Unknown param_name 'lrr': the optimizer's param groups have .*'lr'", "accepts",
         "a parameter scheduler of a `param_name` the optimizer lacks"),
    Case("PiecewiseLinear of an unknown param",
         lambda s, t: s.handlers.PiecewiseLinear(_opt(), "learning_rate", milestones_values=[(0, 1.0), (5, 0.0)]),
         ValueError, "Unknown param_name 'learning_rate'", "accepts",
         "a parameter scheduler of a `param_name` the optimizer lacks"),
    Case("cycle_size=-10", lambda s, t: s.handlers.LinearCyclicalScheduler(_opt(), "lr", 0.0, 1.0, -10), ValueError,
         "Argument cycle_size should be positive and larger than 1, but given -10"),
    Case("start_value='0.1'", lambda s, t: s.handlers.CosineAnnealingScheduler(_opt(), "lr", "0.1", 1.0, 10),
         TypeError, "Argument start_value should be a number, but given '0.1'", "accepts",
         "a cyclical scheduler's `start_value='0.1'`"),
    Case("cycle_mult=0", lambda s, t: s.handlers.LinearCyclicalScheduler(_opt(), "lr", 0.0, 1.0, 4, cycle_mult=0),
         ValueError, "Argument cycle_mult should be positive .*but given 0", "accepts", "`cycle_mult=0`"),
    Case("scheduler of a non-optimizer", lambda s, t: s.handlers.LinearCyclicalScheduler(object(), "lr", 0.0, 1.0, 10),
         TypeError, "Argument optimizer should be torch.optim.Optimizer or has attribute 'param_groups'"),
    Case("PiecewiseLinear milestones going back",
         lambda s, t: s.handlers.PiecewiseLinear(_opt(), "lr", milestones_values=[(5, 1.0), (2, 0.0)]), ValueError,
         "Milestones should be increasing integers, but given 2 is smaller than the previous milestone 5"),
    Case("LRScheduler of an optimizer", lambda s, t: s.handlers.LRScheduler(_opt()), TypeError,
         "Argument lr_scheduler should be a subclass of torch.optim.lr_scheduler.LRScheduler"),
    Case("warmup_duration=0", lambda s, t: s.handlers.create_lr_scheduler_with_warmup(
        torch.optim.lr_scheduler.StepLR(_opt(), 2), 0.0, warmup_duration=0), ValueError,
         "Argument warmup_duration should be at least 2 events, but given 0"),
    Case("ParamGroupScheduler of numbers", lambda s, t: s.handlers.ParamGroupScheduler([1, 2], names=["a", "b"]),
         ValueError, IC("Argument schedulers should be a list/tuple of parameter schedulers, but given [1, 2]")),
    # Lightning options of an Engine
    Case("trainer_kwargs with a typo", lambda s, t: _run_engine(s, precison="bf16-mixed"), TypeError,
         "trainer_kwargs\\['precison'\\] is not a pl.Trainer option; did you mean 'precision'\\?", "n/a"),
    Case("trainer_kwargs unknown key", lambda s, t: _run_engine(s, epochs=3), TypeError,
         "trainer_kwargs\\['epochs'\\] is not a pl.Trainer option", "n/a"),
    Case("trainer_kwargs precision='17'", lambda s, t: _run_engine(s, precision="17"), ValueError,
         IC("trainer_kwargs['precision']='17': Precision '17' is invalid"), "n/a"),
    Case("trainer_kwargs accelerator='nope'", lambda s, t: _run_engine(s, accelerator="nope"), ValueError,
         IC("trainer_kwargs['accelerator']='nope': You selected an invalid accelerator name"), "n/a"),
    Case("trainer_kwargs devices=0", lambda s, t: _run_engine(s, devices=0), MisconfigurationException,
         IC("trainer_kwargs['devices']=0: `Trainer(devices=0)` value is not a valid input"), "n/a"),
    Case("trainer_kwargs strategy='nope'", lambda s, t: _run_engine(s, strategy="nope"), ValueError,
         IC("trainer_kwargs['strategy']='nope': You selected an invalid strategy name"), "n/a"),
    Case("trainer_kwargs gradient_clip_val='x'", lambda s, t: _run_engine(s, gradient_clip_val="x"), TypeError,
         IC("trainer_kwargs['gradient_clip_val']='x': `gradient_clip_val` should be an int or a float"), "n/a"),
    Case("trainer_kwargs logger an int", lambda s, t: _run_engine(s, logger=3), TypeError,
         IC("trainer_kwargs['logger'] should be a Lightning logger"), "n/a"),
    Case("trainer_kwargs max_epochs", lambda s, t: _run_engine(s, max_epochs=3), ValueError,
         IC("trainer_kwargs['max_epochs'] is not allowed: Engine.run controls it, use run(max_epochs=...)"), "n/a"),
    Case("trainer_kwargs grad_scaler not a GradScaler", lambda s, t: _run_engine(s, grad_scaler=1.0), TypeError,
         IC("trainer_kwargs['grad_scaler'] must be a torch.amp.GradScaler"), "n/a"),
    Case("runner='nope'", lambda s, t: _engine(s, runner="nope"), ValueError,
         IC("Engine(runner=...) must be one of"), "n/a"),
    Case("fabric runner with a Trainer-only option", lambda s, t: _run_fabric(s, gradient_clip_val=1.0), ValueError,
         IC("trainer_kwargs['gradient_clip_val'] is a pl.Trainer option that runner='fabric' does not take"), "n/a"),
    Case("fabric runner with an unknown option", lambda s, t: _run_fabric(s, precison="bf16-mixed"), TypeError,
         IC("trainer_kwargs['precison'] is not a pl.Trainer or Fabric option; did you mean 'precision'?"), "n/a"),
    Case("fabric runner precision='17'", lambda s, t: _run_fabric(s, precision="17"), ValueError,
         IC("trainer_kwargs['precision']='17': Precision '17' is invalid") + ".*raised by Fabric", "n/a"),
    Case("fabric runner accelerator='nope'", lambda s, t: _run_fabric(s, accelerator="nope"), ValueError,
         IC("trainer_kwargs['accelerator']='nope'"), "n/a"),
    Case("fabric runner with Lightning callbacks",
         lambda s, t: _engine(s, runner="fabric", callbacks=[_lr_monitor()]).run([1]), ValueError,
         IC("Engine(callbacks=...) are Lightning callbacks, which run in a pl.Trainer"), "n/a"),
]  # fmt: skip


def _declared_alpha(s: Side) -> Any:
    engine = _engine(s)
    engine.state_dict_user_keys.append("alpha")
    return engine


def _lr_monitor() -> Any:
    from pytorch_lightning.callbacks import LearningRateMonitor

    return LearningRateMonitor()


def _same_kind(bridge_type: type[BaseException], ignite_type: type[BaseException]) -> bool:
    """bridge's error is Ignite's type or a subclass (Ignite's own exception classes match by name)."""
    if ignite_type.__module__ == "builtins":
        return issubclass(bridge_type, ignite_type)
    return any(base.__name__ == ignite_type.__name__ for base in bridge_type.__mro__)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_wrong_use(case: Case, tmp_path: Path) -> None:
    with pytest.raises(case.error, match=case.match) as raised:
        case.call(BRIDGE, tmp_path / "bridge")
    if case.ignite == "n/a":
        return
    if case.ignite == "accepts":
        case.call(IGNITE, tmp_path / "ignite")  # Ignite takes it: bridge is stricter here, and docs/engine.md says so
        return
    assert case.ignite == "raises", case.ignite
    with pytest.raises(BaseException) as ignite_raised:
        case.call(IGNITE, tmp_path / "ignite")
    assert _same_kind(type(raised.value), type(ignite_raised.value)), (type(raised.value), type(ignite_raised.value))


def test_the_table_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


def test_docs_list_where_bridge_is_stricter() -> None:
    section = DOCS.read_text().split("## Ignite semantics, and where bridge is stricter", 1)[1].split("\n## ", 1)[0]
    for case in CASES:
        if case.ignite == "accepts":
            assert case.doc and case.doc in section, f"docs/engine.md does not list {case.id!r} as {case.doc!r}"


def _unwritable_directory(tmp_path: Path) -> Path | None:
    """A directory this process may not write to: a read-only one, or (as root, who may write anywhere) /proc/sys."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    for candidate in (locked, Path("/proc/sys")):
        if candidate.is_dir() and not os.access(candidate, os.W_OK):
            return candidate
    return None


def test_unwritable_checkpoint_directory(tmp_path: Path) -> None:
    # Ignite finds out at the first save, an epoch (or hours) into the run
    directory = _unwritable_directory(tmp_path)
    try:
        if directory is None:
            pytest.skip("every directory is writable here")
        with pytest.raises(PermissionError, match=f"Directory path '{re.escape(str(directory))}' is not writable"):
            bh.DiskSaver(directory, require_empty=False)
        with pytest.raises(PermissionError, match="is not writable"):
            bh.ModelCheckpoint(directory, "model", require_empty=False)
        ih.DiskSaver(directory, require_empty=False)  # Ignite: accepted
    finally:
        (tmp_path / "locked").chmod(stat.S_IRWXU)


@pytest.mark.parametrize(
    ("runner", "options", "lightning_error"),
    [
        ("trainer", {"precision": "17"}, ValueError),
        ("trainer", {"devices": 0}, MisconfigurationException),
        ("fabric", {"accelerator": "nope"}, ValueError),
    ],
)
def test_lightning_errors_name_the_option(runner: str, options: dict[str, Any], lightning_error: type) -> None:
    """Lightning's own error, re-raised at bridge's frame, naming the option: of a subclass of Lightning's type,
    chained from Lightning's error, and not a traceback that ends deep in Lightning."""
    with pytest.raises(lightning_error) as raised:
        _engine(BRIDGE, trainer_kwargs=options, runner=runner).run([1, 2])
    error = raised.value
    assert isinstance(error, TrainerKwargsError) and type(error) is not lightning_error
    assert type(error.__cause__) is lightning_error and str(error.__cause__) in str(error)
    key = next(iter(options))
    assert str(error).startswith(f"trainer_kwargs[{key!r}]={options[key]!r}: ")
    assert Path(raised.traceback[-1].path).name == "trainer_options.py"  # the raise is bridge's, Lightning's is the cause
    assert type(error).__name__ == lightning_error.__name__  # printed as Lightning's type


def test_unknown_engine_state_keys_still_load_from_other_engines() -> None:
    """What is refused is a user's key the engine would drop; keys other engines write still load."""
    from bridge.engine.deterministic import DeterministicEngine

    deterministic = DeterministicEngine(lambda e, b: b)
    deterministic.run([1, 2], max_epochs=2)
    engine = _engine(BRIDGE)
    engine.load_state_dict(deterministic.state_dict())  # rng_states: DeterministicEngine's own key
    assert engine.state.iteration == 4
    declared = _declared_alpha(BRIDGE)
    declared.load_state_dict({"iteration": 3, "epoch_length": 2, "max_epochs": 3, "alpha": 0.1})
    assert declared.state.alpha == 0.1

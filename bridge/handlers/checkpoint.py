"""Checkpointing handlers, as ``ignite.handlers.checkpoint`` (pytorch-ignite 0.5.5).

:class:`Checkpoint` saves a dict of objects with ``state_dict`` (models, optimizers,
schedulers, the Engine itself, other handlers) through a save handler, keeps the
``n_saved`` best (or latest) files and names them as Ignite does. :class:`DiskSaver`
writes atomically: a crash mid-write never leaves a truncated file under the final name.
:meth:`Checkpoint.load_objects` restores them; an Engine restored this way resumes its
run at the saved epoch and iteration. Built only on the public Engine API.

Why one file past 400 lines: it is Ignite's module of this path, and saving, rotating,
naming and loading checkpoints are one concept that ``ModelCheckpoint`` and ``DiskSaver``
only configure.

Example:
    >>> import os, tempfile, torch
    >>> from bridge.engine import Engine, Events
    >>> from bridge.handlers.checkpoint import Checkpoint
    >>> model = torch.nn.Linear(2, 1)
    >>> trainer = Engine(lambda engine, batch: None)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     handler = Checkpoint({"model": model, "trainer": trainer}, tmp, n_saved=2)
    ...     _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    ...     _ = trainer.run([0, 1, 2], max_epochs=3)
    ...     sorted(os.listdir(tmp))
    ['checkpoint_6.pt', 'checkpoint_9.pt']
"""

from __future__ import annotations

import numbers
import os
import re
import socket
import stat
import sys
import tempfile
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any, NamedTuple, Optional, Union

import torch
import torch.nn as nn

from bridge.base.mixins import Serializable
from bridge.distributed.utils import get_rank
from bridge.engine.engine import Engine
from bridge.engine.events import EventEnum, Events

__all__ = ["Checkpoint", "DiskSaver", "ModelCheckpoint", "BaseSaveHandler", "CheckpointEvents"]

_WRAPPERS = (nn.DataParallel, nn.parallel.DistributedDataParallel)


def _is_zero_optimizer(obj: Any) -> bool:
    # importing torch.distributed.optim warns (torch.jit); a ZeRO optimizer implies it is loaded
    module = sys.modules.get("torch.distributed.optim")
    return module is not None and isinstance(obj, module.ZeroRedundancyOptimizer)


def _tree_map(func: Callable[[Any], Any], x: Any) -> Any:
    # Ignite's to_save may nest dicts and lists of objects; leaves are the objects
    if isinstance(x, Mapping):
        return type(x)({k: _tree_map(func, v) for k, v in x.items()})  # type: ignore[call-arg]
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return type(x)(_tree_map(func, v) for v in x)
    return func(x)


def _tree_apply2(func: Callable[[Any, Any], None], x: Any, y: Any) -> None:
    # walks the objects `x` and their saved states `y` together (Ignite's _tree_apply2)
    if isinstance(x, dict) and isinstance(y, Mapping):
        for k, v in x.items():
            if k not in y:
                raise ValueError(f"Key '{k}' from x is not found in y: {y.keys()}")
            _tree_apply2(func, v, y[k])
    elif isinstance(x, list) and isinstance(y, (list, tuple)):
        if len(x) != len(y):
            raise ValueError(f"Size of y: {len(y)} does not match the size of x: '{len(x)}'")
        for v1, v2 in zip(x, y):
            _tree_apply2(func, v1, v2)
    else:
        func(x, y)


class CheckpointEvents(EventEnum):
    """Events fired by :class:`Checkpoint` on the engine it is attached to.

    - ``SAVED_CHECKPOINT``: fired after the handler has saved a checkpoint.

    Example:
        >>> import tempfile, torch
        >>> from bridge.engine import Engine, Events
        >>> saved = []
        >>> trainer = Engine(lambda engine, batch: None)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     handler = Checkpoint({"model": torch.nn.Linear(1, 1)}, tmp)
        ...     _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
        ...     trainer.register_events(*CheckpointEvents)
        ...     _ = trainer.add_event_handler(CheckpointEvents.SAVED_CHECKPOINT, lambda e: saved.append(e.state.epoch))
        ...     _ = trainer.run([0, 1], max_epochs=2)
        >>> saved
        [1, 2]
    """

    SAVED_CHECKPOINT = "saved_checkpoint"


class BaseSaveHandler(metaclass=ABCMeta):
    """Base class of save handlers: override ``__call__`` (save) and ``remove``.

    ``__call__(checkpoint, filename, metadata)`` gets the dict to save, the file name and
    ``metadata`` (``basename``, ``score_name``, ``priority``).

    Example:
        >>> class InMemory(BaseSaveHandler):
        ...     def __init__(self):
        ...         self.files = {}
        ...     def __call__(self, checkpoint, filename, metadata=None):
        ...         self.files[filename] = checkpoint
        ...     def remove(self, filename):
        ...         del self.files[filename]
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> store = InMemory()
        >>> trainer = Engine(lambda engine, batch: None)
        >>> _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, Checkpoint({"model": torch.nn.Linear(1, 1)}, store))
        >>> _ = trainer.run([0, 1], max_epochs=3)
        >>> list(store.files)
        ['model_6.pt']
    """

    @abstractmethod
    def __call__(self, checkpoint: Mapping, filename: str, metadata: Optional[Mapping] = None) -> None:
        """Save ``checkpoint`` under ``filename``."""

    @abstractmethod
    def remove(self, filename: str) -> None:
        """Remove the checkpoint saved under ``filename``."""


class Checkpoint(Serializable):
    """Saves objects having ``state_dict`` / ``load_state_dict`` when attached to an event.

    Args:
        to_save: dict of objects to save (models, optimizers, the trainer Engine, ...).
            ``DataParallel`` / ``DistributedDataParallel`` models are saved unwrapped.
        save_handler: a directory (``str`` / ``Path``: a :class:`DiskSaver` with
            ``create_dir=True``), a :class:`BaseSaveHandler`, or a callable
            ``(checkpoint, filename[, metadata])``.
        filename_prefix: prefix of the file names.
        score_function: ``engine -> number``; files with the highest scores are kept.
        score_name: name of the score in file names; alone, it makes the score function
            ``Checkpoint.get_default_score_fn(score_name)``.
        n_saved: number of files kept (``None``: all).
        global_step_transform: ``(engine, event_name) -> int`` giving the step in file names
            (e.g. :func:`~bridge.handlers.utils.global_step_from_engine`).
        filename_pattern: a ``str.format`` pattern over ``filename_prefix``, ``name``,
            ``score``, ``score_name``, ``global_step``, ``ext``.
        include_self: also save this handler's ``state_dict`` under ``"checkpointer"``.
        greater_or_equal: with equal scores, keep the latest file instead of the first.
        save_on_rank: rank that writes, in a distributed run.

    File names are Ignite's: ``{filename_prefix}_{name}_{global_step}_{score_name}={score}.pt``
    with the parts that apply (``name`` is the key of ``to_save`` if there is one object,
    else ``"checkpoint"``; without score and step, the step is ``engine.state.iteration``).

    Example:
        >>> import os, tempfile, torch
        >>> from bridge.engine import Engine, Events
        >>> model = torch.nn.Linear(2, 1)
        >>> evaluator = Engine(lambda engine, batch: None)
        >>> scores = iter([0.5, 0.9, 0.7])
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     best = Checkpoint({"model": model}, tmp, filename_prefix="best", score_name="acc",
        ...                       score_function=lambda engine: next(scores), n_saved=2)
        ...     _ = evaluator.add_event_handler(Events.COMPLETED, best)
        ...     for _ in range(3):
        ...         _ = evaluator.run([0])
        ...     sorted(os.listdir(tmp)), best.last_checkpoint.name
        (['best_model_acc=0.7000.pt', 'best_model_acc=0.9000.pt'], 'best_model_acc=0.9000.pt')
    """

    SAVED_CHECKPOINT = CheckpointEvents.SAVED_CHECKPOINT
    Item = NamedTuple("Item", [("priority", Union[int, float]), ("filename", str)])  # noqa: UP014 (Ignite's own shape)
    _state_dict_all_req_keys = ("_saved",)

    def __init__(
        self,
        to_save: Mapping,
        save_handler: Union[str, Path, Callable, BaseSaveHandler],
        filename_prefix: str = "",
        score_function: Optional[Callable[[Engine], Union[int, float]]] = None,
        score_name: Optional[str] = None,
        n_saved: Optional[int] = 1,
        global_step_transform: Optional[Callable] = None,
        filename_pattern: Optional[str] = None,
        include_self: bool = False,
        greater_or_equal: bool = False,
        save_on_rank: int = 0,
    ) -> None:
        if not isinstance(to_save, Mapping):
            raise TypeError(f"Argument `to_save` should be a dictionary, but given {type(to_save)}")
        self._check_objects(to_save, "state_dict")
        if include_self:
            if not isinstance(to_save, MutableMapping):
                raise TypeError(
                    f"If `include_self` is True, then `to_save` must be mutable, but given {type(to_save)}."
                )
            if "checkpointer" in to_save:
                raise ValueError(f"Cannot have key 'checkpointer' if `include_self` is True: {to_save}")
        if not (isinstance(save_handler, (str, Path)) or callable(save_handler)):
            raise TypeError(
                "Argument `save_handler` should be a string or Path object or callable or inherit from BaseSaveHandler"
            )
        if score_function is not None and not callable(score_function):
            # Ignite fails later, at the first save; refusing here is clearer
            raise TypeError(f"Argument score_function should be a function, got {type(score_function)} instead.")
        if global_step_transform is not None and not callable(global_step_transform):
            raise TypeError(f"global_step_transform should be a function, got {type(global_step_transform)} instead.")
        if n_saved is not None and not isinstance(n_saved, (int, numbers.Integral)):
            # Ignite fails on a str with an unrelated message, and keeps 2 files for n_saved=1.5
            raise TypeError(f"n_saved must be a positive integer or None, got {n_saved!r}")
        if n_saved is not None and n_saved < 1:
            raise ValueError(f"n_saved must be a positive integer or None, got {n_saved}")

        self.to_save = to_save
        self.filename_prefix = filename_prefix
        self.save_handler: Any
        if isinstance(save_handler, (str, Path)):
            self.save_handler = DiskSaver(save_handler, create_dir=True, save_on_rank=save_on_rank)
        else:
            self.save_handler = save_handler
        self.score_function = score_function
        self.score_name = score_name
        if self.score_name is not None and self.score_function is None:
            self.score_function = self.get_default_score_fn(self.score_name)
        self.n_saved = n_saved
        self.ext = "pt"
        self.global_step_transform = global_step_transform
        self.filename_pattern = filename_pattern
        self._saved: list[Checkpoint.Item] = []
        self.include_self = include_self
        self.greater_or_equal = greater_or_equal
        self.save_on_rank = save_on_rank

    def _get_filename_pattern(self, global_step: Optional[int]) -> str:
        if self.filename_pattern is not None:
            return self.filename_pattern
        return self.setup_filename_pattern(
            with_prefix=len(self.filename_prefix) > 0,
            with_score=self.score_function is not None,
            with_score_name=self.score_name is not None,
            with_global_step=global_step is not None,
        )

    def reset(self) -> None:
        """Forget the saved files (the files stay), e.g. before an independent new run.

        Example:
            >>> import tempfile, torch
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     handler = Checkpoint({"model": torch.nn.Linear(1, 1)}, tmp)
            ...     handler._saved.append(Checkpoint.Item(1, "model_1.pt"))
            ...     handler.reset()
            ...     handler.last_checkpoint is None
            True
        """
        self._saved = []

    @property
    def last_checkpoint(self) -> Optional[Union[str, Path]]:
        """The last saved file: a ``Path`` with a :class:`DiskSaver`, else the file name (``None`` before any).

        Example:
            >>> import tempfile, torch
            >>> from bridge.engine import Engine, Events
            >>> trainer = Engine(lambda engine, batch: None)
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     handler = Checkpoint({"model": torch.nn.Linear(1, 1)}, tmp)
            ...     _ = trainer.add_event_handler(Events.COMPLETED, handler)
            ...     _ = trainer.run([0, 1, 2])
            ...     handler.last_checkpoint.name
            'model_3.pt'
        """
        if len(self._saved) < 1:
            return None
        if not isinstance(self.save_handler, DiskSaver):
            return self._saved[-1].filename
        return self.save_handler.dirname / self._saved[-1].filename

    def _check_lt_n_saved(self, or_equal: bool = False) -> bool:
        if self.n_saved is None:
            return True
        return len(self._saved) < self.n_saved + int(or_equal)

    def _compare_fn(self, new: Union[int, float]) -> bool:
        if self.greater_or_equal:
            return new >= self._saved[0].priority
        return new > self._saved[0].priority

    def __call__(self, engine: Engine, *args: Any, **kwargs: Any) -> None:
        if not engine.has_registered_events(CheckpointEvents.SAVED_CHECKPOINT):
            engine.register_events(*CheckpointEvents)
        global_step = None
        if self.global_step_transform is not None:
            global_step = self.global_step_transform(engine, engine.last_event_name)

        if self.score_function is not None:
            priority = self.score_function(engine)
            if not isinstance(priority, numbers.Number):
                raise ValueError("Output of score_function should be a number")
        else:
            if global_step is None:
                global_step = engine.state.get_event_attrib_value(Events.ITERATION_COMPLETED)
            priority = global_step

        if not (self._check_lt_n_saved() or self._compare_fn(priority)):
            return

        priority_str = f"{priority}" if isinstance(priority, numbers.Integral) else f"{priority:.4f}"
        checkpoint = self._setup_checkpoint()
        name = "checkpoint"
        if len(checkpoint) == 1:
            # a single object is saved as its state_dict itself, named after its key
            name = next(iter(checkpoint))
            checkpoint = checkpoint[name]

        filename = self._get_filename_pattern(global_step).format(
            filename_prefix=self.filename_prefix,
            ext=self.ext,
            name=name,
            score_name=self.score_name,
            score=priority_str if self.score_function is not None else None,
            global_step=global_step,
        )
        metadata = {
            "basename": f"{self.filename_prefix}{'_' * int(len(self.filename_prefix) > 0)}{name}",
            "score_name": self.score_name,
            "priority": priority,
        }

        # a file of the same name is overwritten; otherwise the worst one goes when full
        previous = list(self._saved)
        same = [i for i, item in enumerate(self._saved) if item.filename == filename]
        index, to_remove = (same[0], True) if same else (0, not self._check_lt_n_saved())
        evicted = self._saved.pop(index) if to_remove else None
        self._saved.append(Checkpoint.Item(priority, filename))
        self._saved.sort(key=lambda it: it[0])
        can_remove = isinstance(self.save_handler, BaseSaveHandler)
        if evicted is not None and same and can_remove and not isinstance(self.save_handler, DiskSaver):
            # Ignite removes a same-named file before saving; DiskSaver's os.replace overwrites it instead
            self.save_handler.remove(evicted.filename)

        if self.include_self:
            # after updating _saved, so the saved list includes this very file
            checkpoint["checkpointer"] = self.state_dict()
        try:
            try:
                self.save_handler(checkpoint, filename, metadata)
            except TypeError:
                # a plain callable save_handler(checkpoint, filename), as Ignite allows
                self.save_handler(checkpoint, filename)
        except BaseException:
            # the save failed: the files on disk are unchanged, so is the list of them
            self._saved = previous
            raise
        # Ignite removes the evicted file before saving; after is safer: a failed save keeps it
        if evicted is not None and not same and can_remove:
            self.save_handler.remove(evicted.filename)
        engine.fire_event(CheckpointEvents.SAVED_CHECKPOINT)

    def _setup_checkpoint(self) -> dict[str, Any]:
        def func(obj: Any) -> Any:
            if isinstance(obj, _WRAPPERS):
                obj = obj.module
            elif _is_zero_optimizer(obj):
                obj.consolidate_state_dict(to=self.save_on_rank)
                if self.save_on_rank != get_rank():
                    return {}
            return obj.state_dict()

        return dict(_tree_map(func, self.to_save)) if self.to_save is not None else {}

    @staticmethod
    def setup_filename_pattern(
        with_prefix: bool = True, with_score: bool = True, with_score_name: bool = True, with_global_step: bool = True
    ) -> str:
        """The default file name pattern for the given parts.

        Example:
            >>> Checkpoint.setup_filename_pattern()
            '{filename_prefix}_{name}_{global_step}_{score_name}={score}.{ext}'
            >>> Checkpoint.setup_filename_pattern(False, False, False)
            '{name}_{global_step}.{ext}'
        """
        if not (with_global_step or with_score):
            raise ValueError("At least one of with_score and with_global_step should be True.")
        pattern = "{name}"
        if with_global_step:
            pattern += "_{global_step}"
        if with_score_name and with_score:
            pattern += "_{score_name}={score}"
        elif with_score:
            pattern += "_{score}"
        elif with_score_name:
            raise ValueError("If with_score_name is True, with_score should be also True")
        if with_prefix:
            pattern = "{filename_prefix}_" + pattern
        return pattern + ".{ext}"

    @staticmethod
    def _check_objects(objs: Mapping, attr: str) -> None:
        def func(obj: Any) -> None:
            if not hasattr(obj, attr):
                raise TypeError(f"Object {type(obj)} should have `{attr}` method")

        _tree_map(func, objs)

    @staticmethod
    def load_objects(to_load: Mapping, checkpoint: Union[str, Mapping, Path], **kwargs: Any) -> None:
        """Call ``load_state_dict`` on each object of ``to_load`` with its state in ``checkpoint``.

        Args:
            to_load: dict of objects, e.g. ``{"model": model, "optimizer": optimizer, "trainer": trainer}``.
            checkpoint: a file path or a dict of states. If ``to_load`` has one key that is
                not in ``checkpoint``, ``checkpoint`` is that object's state itself.
            kwargs: passed to ``nn.Module.load_state_dict`` (e.g. ``strict=False``).

        An Engine loaded this way resumes its run where the checkpoint was taken: the next
        ``run(data)`` continues at the saved epoch and iteration.

        Example:
            >>> import tempfile, torch
            >>> from pathlib import Path
            >>> from bridge.engine import Engine, Events
            >>> model = torch.nn.Linear(2, 1)
            >>> trainer = Engine(lambda engine, batch: None)
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     handler = Checkpoint({"model": model, "trainer": trainer}, tmp)
            ...     _ = trainer.add_event_handler(Events.EPOCH_COMPLETED(once=2), handler)
            ...     _ = trainer.run([0, 1, 2], max_epochs=4)
            ...     new_model, new_trainer = torch.nn.Linear(2, 1), Engine(lambda engine, batch: None)
            ...     Checkpoint.load_objects({"model": new_model, "trainer": new_trainer}, Path(tmp) / "checkpoint_6.pt")
            >>> new_trainer.state.epoch, new_trainer.state.iteration
            (2, 6)
            >>> torch.equal(new_model.weight, model.weight)
            True
            >>> new_trainer.run([0, 1, 2]).iteration  # resumes epochs 3 and 4
            12
        """
        if not isinstance(checkpoint, (Mapping, str, Path)):
            raise TypeError(f"Argument checkpoint should be a string or a dictionary, but given {type(checkpoint)}")
        Checkpoint._check_objects(to_load, "load_state_dict")
        checkpoint_obj: Any = checkpoint
        if isinstance(checkpoint, (str, Path)):
            checkpoint_obj = torch.load(checkpoint, weights_only=True)

        def _load_object(obj: Any, chkpt_obj: Any) -> None:
            if isinstance(obj, _WRAPPERS):
                obj = obj.module
            if isinstance(obj, nn.Module):
                obj.load_state_dict(chkpt_obj, **kwargs)
            else:
                obj.load_state_dict(chkpt_obj)

        if len(to_load) == 1:
            key, obj = next(iter(to_load.items()))
            if key not in checkpoint_obj:
                # single object and checkpoint is directly its state_dict
                _load_object(obj, checkpoint_obj)
                return
        _tree_apply2(_load_object, to_load, checkpoint_obj)

    def reload_objects(self, to_load: Mapping, load_kwargs: Optional[dict] = None, **filename_components: Any) -> None:
        """Load ``to_load`` from a file this handler saved, named by ``name``, ``score``, ``global_step``.

        Works only with a :class:`DiskSaver` (or a directory) as save handler.

        Example:
            >>> import tempfile, torch
            >>> from bridge.engine import Engine, Events
            >>> model = torch.nn.Linear(2, 1)
            >>> trainer = Engine(lambda engine, batch: None)
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     handler = ModelCheckpoint(tmp, "myprefix", n_saved=None)
            ...     _ = trainer.add_event_handler(Events.EPOCH_COMPLETED(every=2), handler, {"weights": model})
            ...     _ = trainer.run([0, 1], max_epochs=4)
            ...     handler.reload_objects({"weights": torch.nn.Linear(2, 1)}, global_step=4)
        """
        if not isinstance(self.save_handler, DiskSaver):
            raise AttributeError(
                f"Checkpoint's `save_handler` should be of type `DiskSaver`, given {type(self.save_handler)}"
            )
        global_step = filename_components.get("global_step", None)
        filename_pattern = self._get_filename_pattern(global_step)
        checkpoint = self._setup_checkpoint()
        name = next(iter(checkpoint)) if len(checkpoint) == 1 else "checkpoint"
        filename = filename_pattern.format(
            filename_prefix=self.filename_prefix,
            ext=self.ext,
            name=filename_components.get("name", name),
            score_name=self.score_name,
            score=filename_components.get("score", None),
            global_step=global_step,
        )
        Checkpoint.load_objects(to_load, self.save_handler.dirname / filename, **(load_kwargs or {}))

    def state_dict(self) -> OrderedDict:
        """The saved files as ``{"_saved": [(priority, filename), ...]}`` (worst first).

        Example:
            >>> import tempfile, torch
            >>> from bridge.engine import Engine, Events
            >>> trainer = Engine(lambda engine, batch: None)
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     handler = Checkpoint({"model": torch.nn.Linear(1, 1)}, tmp, n_saved=2)
            ...     _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
            ...     _ = trainer.run([0], max_epochs=3)
            >>> dict(handler.state_dict())
            {'_saved': [(2, 'model_2.pt'), (3, 'model_3.pt')]}
        """
        return OrderedDict([(k, [(p, f) for p, f in getattr(self, k)]) for k in self._state_dict_all_req_keys])

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore the list of saved files from :meth:`state_dict`.

        Example:
            >>> import tempfile, torch
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     handler = Checkpoint({"model": torch.nn.Linear(1, 1)}, tmp)
            ...     handler.load_state_dict({"_saved": [(5, "model_5.pt")]})
            ...     handler.last_checkpoint.name
            'model_5.pt'
        """
        super().load_state_dict(state_dict)
        self._saved = [Checkpoint.Item(p, f) for p, f in state_dict["_saved"]]

    @staticmethod
    def get_default_score_fn(metric_name: str, score_sign: float = 1.0) -> Callable[[Engine], float]:
        """A score function returning ``score_sign * engine.state.metrics[metric_name]``.

        Use ``score_sign=-1.0`` for error-like metrics (lower is better).

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> engine.state.metrics = {"loss": 0.25}
            >>> Checkpoint.get_default_score_fn("loss", -1.0)(engine)
            -0.25
        """
        if score_sign not in (1.0, -1.0):
            raise ValueError("Argument score_sign should be 1 or -1")

        def wrapper(engine: Engine) -> float:
            return score_sign * engine.state.metrics[metric_name]

        return wrapper


class DiskSaver(BaseSaveHandler):
    """Save handler writing checkpoints to ``dirname`` with ``torch.save``.

    Args:
        dirname: directory of the checkpoints.
        atomic: write to a temporary file in ``dirname`` (``.{filename}.tmp-{pid}@{host}-*``,
            synced to disk), then rename it to the final name, so that a crash or a kill mid-write
            never leaves a truncated checkpoint under a final name. The temporary files of writes
            that a killed process left are removed when a DiskSaver is created for ``dirname``
            (on the saving rank).
        create_dir: create ``dirname`` if missing.
        require_empty: refuse a directory that already holds ``.pt`` files.
        save_on_rank: rank that writes, in a distributed run.
        kwargs: passed to ``torch.save``.

    Example:
        >>> import os, tempfile, torch
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     saver = DiskSaver(tmp)
        ...     saver({"w": torch.zeros(2)}, "weights.pt")
        ...     files = os.listdir(tmp)
        ...     saver.remove("weights.pt")
        ...     files, os.listdir(tmp)
        (['weights.pt'], [])
    """

    def __init__(
        self,
        dirname: Union[str, Path],
        atomic: bool = True,
        create_dir: bool = True,
        require_empty: bool = True,
        save_on_rank: int = 0,
        **kwargs: Any,
    ) -> None:
        self.dirname = Path(dirname).expanduser()
        self._atomic = atomic
        self.save_on_rank = save_on_rank
        if get_rank() == save_on_rank:
            self._check_and_setup(self.dirname, create_dir, require_empty)
            _remove_stale_temp_files(self.dirname)
        self.kwargs = kwargs

    @staticmethod
    def _check_and_setup(dirname: Path, create_dir: bool, require_empty: bool) -> None:
        if create_dir and not dirname.exists():
            dirname.mkdir(parents=True)
        if not dirname.exists():
            raise ValueError(f"Directory path '{dirname}' is not found")
        if not dirname.is_dir():
            raise NotADirectoryError(f"Directory path '{dirname}' is a file, not a directory")
        if not os.access(dirname, os.W_OK | os.X_OK):
            # Ignite finds out at the first save, after the first epoch (or hours) of training
            raise PermissionError(f"Directory path '{dirname}' is not writable: checkpoints could not be saved there")
        if require_empty:
            matched = [fname for fname in os.listdir(dirname) if fname.endswith(".pt")]
            if len(matched) > 0:
                raise ValueError(
                    f"Files {matched} with extension '.pt' are already present "
                    f"in the directory {dirname}. If you want to use this "
                    "directory anyway, pass `require_empty=False`."
                )

    def __call__(self, checkpoint: Mapping, filename: str, metadata: Optional[Mapping] = None) -> None:
        """Write ``checkpoint`` to ``dirname / filename`` (on ``save_on_rank`` only)."""
        if self.save_on_rank == get_rank():
            self._save_func(checkpoint, self.dirname / filename, torch.save)

    def _save_func(self, checkpoint: Mapping, path: Path, func: Callable) -> None:
        if not self._atomic:
            func(checkpoint, path, **self.kwargs)
            return
        # same directory as the target, so os.replace is an atomic rename on one file system; the
        # name says whose it is (never ``*.pt``), so a later DiskSaver can clean it after a kill
        tmp = tempfile.NamedTemporaryFile(delete=False, dir=self.dirname, prefix=_temp_prefix(path.name))
        try:
            func(checkpoint, tmp.file, **self.kwargs)
            tmp.file.flush()
            os.fsync(tmp.file.fileno())  # on disk before the rename: a machine crash leaves no empty file either
        except BaseException:
            tmp.close()
            os.remove(tmp.name)
            raise
        tmp.close()
        os.replace(tmp.name, path)
        # NamedTemporaryFile is private (0600); give group/others read as a plain file would
        os.chmod(path, os.stat(path).st_mode | stat.S_IRGRP | stat.S_IROTH)

    def remove(self, filename: str) -> None:
        """Delete ``dirname / filename`` (on ``save_on_rank`` only)."""
        if get_rank() == self.save_on_rank:
            (self.dirname / filename).unlink()


# ".{final name}.tmp-{pid}@{host}-{random}": what DiskSaver writes before renaming it to the final name
_TEMP_NAME = re.compile(r"^\..+\.tmp-(?P<pid>\d+)@(?P<host>.*)-[a-z0-9_]+$")


def _temp_prefix(filename: str) -> str:
    return f".{filename}.tmp-{os.getpid()}@{socket.gethostname()}-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def _remove_stale_temp_files(dirname: Path) -> list[str]:
    """Delete the temporary files of DiskSaver writes that never finished (the process was killed).

    Only those written on this host by a process that is gone: another process writing into the
    same directory keeps its temporary file.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     stale = Path(tmp) / f".model_3.pt.tmp-{2**22 + 1}@{socket.gethostname()}-abc123"
        ...     _ = stale.write_bytes(b"half a checkpoint")
        ...     live = Path(tmp) / (_temp_prefix("model_4.pt") + "xyz")
        ...     _ = live.write_bytes(b"being written")
        ...     _remove_stale_temp_files(Path(tmp)), sorted(p.name == live.name for p in Path(tmp).iterdir())
        (['.model_3.pt.tmp-4194305@...-abc123'], [True])
    """
    removed = []
    host = socket.gethostname()
    for name in os.listdir(dirname):
        match = _TEMP_NAME.match(name)
        if match is None or match["host"] != host:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            os.remove(dirname / name)
        except OSError:
            continue  # another process cleaned it first, or it is not ours to remove: it is ignored anyway
        removed.append(name)
    return removed


class ModelCheckpoint(Checkpoint):
    """A :class:`Checkpoint` to disk whose objects are given when attaching it.

    Attach with ``engine.add_event_handler(event, handler, {"name": obj, ...})``. Arguments
    are :class:`Checkpoint`'s and :class:`DiskSaver`'s (``atomic``, ``require_empty``,
    ``create_dir``, ``kwargs`` for ``torch.save``).

    Example:
        >>> import os, tempfile, torch
        >>> from bridge.engine import Engine, Events
        >>> trainer = Engine(lambda engine, batch: None)
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     handler = ModelCheckpoint(tmp, "myprefix", n_saved=2)
        ...     to_save = {"mymodel": torch.nn.Linear(3, 3)}
        ...     _ = trainer.add_event_handler(Events.EPOCH_COMPLETED(every=2), handler, to_save)
        ...     _ = trainer.run([0, 1, 2, 3, 4], max_epochs=6)
        ...     sorted(os.listdir(tmp)), handler.last_checkpoint.name
        (['myprefix_mymodel_20.pt', 'myprefix_mymodel_30.pt'], 'myprefix_mymodel_30.pt')
    """

    def __init__(
        self,
        dirname: Union[str, Path],
        filename_prefix: str = "",
        score_function: Optional[Callable] = None,
        score_name: Optional[str] = None,
        n_saved: Optional[int] = 1,
        atomic: bool = True,
        require_empty: bool = True,
        create_dir: bool = True,
        global_step_transform: Optional[Callable] = None,
        filename_pattern: Optional[str] = None,
        include_self: bool = False,
        greater_or_equal: bool = False,
        save_on_rank: int = 0,
        **kwargs: Any,
    ) -> None:
        disk_saver = DiskSaver(
            dirname,
            atomic=atomic,
            create_dir=create_dir,
            require_empty=require_empty,
            save_on_rank=save_on_rank,
            **kwargs,
        )
        super().__init__(
            to_save={},
            save_handler=disk_saver,
            filename_prefix=filename_prefix,
            score_function=score_function,
            score_name=score_name,
            n_saved=n_saved,
            global_step_transform=global_step_transform,
            filename_pattern=filename_pattern,
            include_self=include_self,
            greater_or_equal=greater_or_equal,
            save_on_rank=save_on_rank,
        )

    @property
    def last_checkpoint(self) -> Optional[Union[str, Path]]:
        """Path of the last saved file (``None`` before any).

        Example:
            >>> import tempfile
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     ModelCheckpoint(tmp).last_checkpoint is None
            True
        """
        if len(self._saved) < 1:
            return None
        if not isinstance(self.save_handler, DiskSaver):
            raise RuntimeError(f"Internal error, save_handler should be DiskSaver, but has {type(self.save_handler)}.")
        return self.save_handler.dirname / self._saved[-1].filename

    def __call__(self, engine: Engine, to_save: Mapping) -> None:
        if len(to_save) == 0:
            raise RuntimeError("No objects to checkpoint found.")
        self._check_objects(to_save, "state_dict")
        self.to_save = to_save
        super().__call__(engine)

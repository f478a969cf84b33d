"""What both runners set up around an Engine run: quiet Lightning, the model's device, the
fp16 scaler option, a Lightning constructor without its per-instance package and environment
scans, the random streams through Lightning's setup, and the end of a multi-process run's
process group.

Example:
    >>> import torch
    >>> placement(torch.nn.Linear(1, 1))
    device(type='cpu')
"""

from __future__ import annotations

import atexit
import functools
import importlib.metadata
import itertools
import logging
import os
import signal
from argparse import Namespace
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Optional

import pytorch_lightning as pl
import pytorch_lightning.utilities.argparse as lightning_argparse
import torch
from lightning_fabric.plugins.environments import SLURMEnvironment
from lightning_fabric.utilities.seed import _collect_rng_states, _set_rng_states
from pytorch_lightning.plugins import MixedPrecision

from bridge.engine.runners import RunSpec

__all__ = [
    "cheap_init",
    "destroy_process_group",
    "end_process_group_at_exit",
    "fewer_signals_restored",
    "model_accelerator",
    "no_env_defaults_scan",
    "placement",
    "quiet_lightning",
    "random_states_before_setup",
    "restore_placement",
    "srun_checked_once",
    "undo_setup_reseed",
    "with_grad_scaler",
]

@contextmanager
def quiet_lightning() -> Iterator[None]:
    """Lightning's info messages (device summary, tips, 'fit stopped') are off during an Engine run.

    Example:
        >>> with quiet_lightning():
        ...     logging.getLogger("lightning_fabric").getEffectiveLevel() >= logging.WARNING
        True
    """
    loggers = [logging.getLogger(name) for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric")]
    # only the loggers changed here are set back: each setLevel clears the cache of every logger of the
    # process, and a nested evaluator's run finds them quiet already
    changed = [(logger, logger.level) for logger in loggers if logger.level in (logging.NOTSET, logging.INFO)]
    _set_levels([(logger, logging.WARNING) for logger, _ in changed])
    try:
        yield
    finally:
        _set_levels(changed)


def _set_levels(levels: list[tuple[logging.Logger, int]]) -> None:
    # Logger.setLevel clears the level cache of every logger in the process (~20 us with torch and
    # Lightning loaded): setting several levels clears it once, as setLevel would after the last one
    clear = getattr(logging.Logger.manager, "_clear_cache", None)
    for logger, level in levels:
        if clear is None:
            logger.setLevel(level)
        else:
            logger.level = level
    if clear is not None and levels:
        clear()


def placement(model: Optional[torch.nn.Module]) -> Optional[torch.device]:
    """The device of ``model``'s first parameter or buffer (None without model or tensors).

    Example:
        >>> placement(torch.nn.Linear(1, 1)), placement(None)
        (device(type='cpu'), None)
    """
    tensor = next(itertools.chain(model.parameters(), model.buffers()), None) if model is not None else None
    return tensor.device if tensor is not None else None


def with_grad_scaler(kwargs: dict[str, Any], plugin: type = MixedPrecision) -> dict[str, Any]:
    """``grad_scaler=`` (bridge's option, e.g. Ignite's ``amp_mode="amp"``) as Lightning's fp16
    mixed-precision ``plugin`` (the Trainer's, or Fabric's), scaling the loss with that scaler.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")  # no CUDA here: the scaler disables itself
        ...     options = with_grad_scaler({"grad_scaler": torch.amp.GradScaler("cuda"), "precision": "16-mixed"})
        >>> sorted(options), options["plugins"][0].precision
        (['plugins'], '16-mixed')
    """
    scaler = kwargs.pop("grad_scaler")
    precision = kwargs.pop("precision", "16-mixed")
    if not isinstance(scaler, torch.amp.GradScaler):
        raise TypeError(f"trainer_kwargs['grad_scaler'] must be a torch.amp.GradScaler; got {scaler!r}.")
    if str(precision) not in ("16-mixed", "16"):
        raise ValueError(
            f"trainer_kwargs['grad_scaler'] needs precision='16-mixed' (the only one that scales the loss); "
            f"got precision={precision!r}."
        )
    plugins = kwargs.get("plugins") or []
    plugins = list(plugins) if isinstance(plugins, (list, tuple)) else [plugins]
    kwargs["plugins"] = [*plugins, plugin("16-mixed", "cuda", scaler=scaler)]
    return kwargs


def model_accelerator(spec: RunSpec) -> dict[str, Any]:
    """With no ``accelerator`` given, a model on a GPU makes the run use that GPU.

    Lightning puts a registered model on the run's accelerator: by default the one the user chose.

    Example:
        >>> from bridge.engine import Engine
        >>> model_accelerator(Engine(lambda e, b: b, model=torch.nn.Linear(1, 1))._run_spec())
        {}
    """
    device = placement(spec.model)
    if device is not None and device.type == "cuda" and "accelerator" not in spec.trainer_kwargs:
        return {"accelerator": "cuda", "devices": [device.index or 0]}
    return {}


def restore_placement(model: Optional[torch.nn.Module], device: Optional[torch.device], optimizers: list[Any]) -> None:
    """Put the model (and its optimizers' state) back on ``device``, where the user had it.

    Lightning moves the module and optimizer state to the CPU when a fit ends; an Ignite
    user's model stays where they put it (an evaluator run after training, a nested run).

    Example:
        >>> model = torch.nn.Linear(1, 1)
        >>> restore_placement(model, torch.device("cpu"), [])  # already there: nothing to do
        >>> placement(model)
        device(type='cpu')
    """
    if model is None or device is None or placement(model) == device:
        return
    model.to(device)
    for optimizer in optimizers:
        for state in optimizer.state.values():
            for key, value in state.items():
                if isinstance(value, torch.Tensor) and key != "step":
                    state[key] = value.to(device)


def random_states_before_setup() -> Optional[dict[str, Any]]:
    """The random streams' states now, if a Lightning strategy's setup may reseed them; else None.

    After ``seed_everything`` (``PL_GLOBAL_SEED`` is set), the setup of Lightning's multi-process
    strategies (DDP, FSDP, DeepSpeed, ...) calls ``reset_seed()`` at every ``fit`` or ``launch``:
    each Engine run, an evaluator's too, would restart ``random``/``torch``/``numpy`` from the
    seed. Ignite's runs continue the streams, so the runners put these states back once the
    strategy is set up (:func:`undo_setup_reseed`). CUDA's states are kept only when CUDA is
    already initialized (reading them would initialize it before a fork).

    Example:
        >>> random_states_before_setup() if "PL_GLOBAL_SEED" not in os.environ else None  # nothing to undo
    """
    if os.environ.get("PL_GLOBAL_SEED") is None:
        return None
    return _collect_rng_states(include_cuda=torch.cuda.is_initialized())


def undo_setup_reseed(states: Optional[dict[str, Any]]) -> None:
    """Put back the states :func:`random_states_before_setup` took (None: nothing to do).

    Example:
        >>> from lightning_fabric.utilities.seed import _collect_rng_states
        >>> states = _collect_rng_states(include_cuda=False); a = torch.rand(1)
        >>> undo_setup_reseed(states); bool(torch.equal(a, torch.rand(1)))
        True
    """
    if states is not None:
        _set_rng_states(states)


# entry-point group -> whether any installed package registers a callback factory in it
_has_callback_factories: dict[str, bool] = {}


@contextmanager
def no_env_defaults_scan() -> Iterator[None]:
    """Skip ``pl.Trainer``'s look-up of ``PL_TRAINER_*`` defaults when the environment has none.

    Lightning's constructor reads the signature of ``pl.Trainer`` and one environment variable per
    argument on every construction: a tenth of a short Engine run (a nested evaluator's). When no
    variable of the family is set, that look-up finds nothing, so it is skipped; when one is,
    Lightning reads them as usual.

    Example:
        >>> import pytorch_lightning as pl
        >>> options = dict(logger=False, enable_progress_bar=False, enable_model_summary=False)
        >>> with no_env_defaults_scan():
        ...     pl.Trainer(**options).max_epochs is None
        True
        >>> os.environ["PL_TRAINER_MAX_EPOCHS"] = "3"  # one is set: Lightning reads them all
        >>> with no_env_defaults_scan():
        ...     pl.Trainer(**options).max_epochs
        3
        >>> del os.environ["PL_TRAINER_MAX_EPOCHS"]
    """
    if any(name.startswith("PL_TRAINER_") for name in os.environ):
        yield
        return
    original = getattr(lightning_argparse, "_parse_env_variables")  # noqa: B009 (a module's private name)
    setattr(lightning_argparse, "_parse_env_variables", _no_env_variables)
    try:
        yield
    finally:
        setattr(lightning_argparse, "_parse_env_variables", original)


def _no_env_variables(cls: type, template: str = "") -> Namespace:
    return Namespace()


@contextmanager
def cheap_init(module: ModuleType, group: str) -> Iterator[None]:
    """Skip Lightning's scan of installed packages for callback factories of ``group`` when none exist.

    ``pl.Trainer.__init__`` and ``Fabric.__init__`` read every installed distribution's entry
    points (``module._load_external_callbacks(group)``): about half of an Engine run's setup, paid
    again by every nested evaluator run. Whether ``group`` has any factory is looked up once per
    process; if one does, Lightning loads it as usual.

    Example:
        >>> import pytorch_lightning as pl
        >>> from pytorch_lightning.trainer.connectors import callback_connector
        >>> with cheap_init(callback_connector, "pytorch_lightning.callbacks_factory"):
        ...     trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    """
    if group not in _has_callback_factories:
        _has_callback_factories[group] = bool(importlib.metadata.entry_points(group=group))
    if _has_callback_factories[group]:
        yield
        return
    original = getattr(module, "_load_external_callbacks")  # noqa: B009 (a module's private name)
    setattr(module, "_load_external_callbacks", lambda group: [])
    try:
        yield
    finally:
        setattr(module, "_load_external_callbacks", original)


def fewer_signals_restored(trainer: pl.Trainer) -> None:
    """Let ``trainer``'s fit save and restore the handlers of only the signals Lightning may set.

    A fit registers Lightning's SIGTERM handler (and, on SLURM with auto-requeue, one for the
    requeue signal). It saves the handler of every signal first, ~60 of them, and its teardown
    registers each one again: ~0.2 ms, a tenth of a short Engine run (a nested evaluator's), paid
    at every run. The handlers it restores are the same when only the signals it may set are saved.

    Example:
        >>> trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
        >>> fewer_signals_restored(trainer)
        >>> signal.SIGTERM in trainer._signal_connector._get_current_signal_handlers()
        True
    """
    environment = trainer._accelerator_connector.cluster_environment
    signals = {signal.SIGTERM, getattr(signal, "SIGUSR1", None)}  # SIGUSR1: not on Windows
    if isinstance(environment, SLURMEnvironment):
        signals.add(environment.requeue_signal)
    saved = frozenset(signum for signum in signals if signum is not None)
    # an instance attribute standing for Lightning's staticmethod; a partial, so ddp_spawn can pickle the Trainer
    trainer._signal_connector._get_current_signal_handlers = functools.partial(_handlers_of, saved)  # type: ignore[method-assign]


def _handlers_of(signals: frozenset[int]) -> dict[int, Any]:
    return {signum: signal.getsignal(signum) for signum in signals}


_srun_checked = False


@contextmanager
def srun_checked_once() -> Iterator[None]:
    """Lightning's check for an ``srun`` it could warn about, at the first Engine run of the process only.

    A ``pl.Trainer``'s construction and its fit each look ``srun`` up on the PATH
    (``SLURMEnvironment._validate_srun_used``) only to warn when it exists but launched nothing:
    ~0.1 ms of every Engine run. The first run in the process checks and warns as usual; later
    runs skip it.

    Example:
        >>> import pytorch_lightning as pl
        >>> with srun_checked_once():
        ...     trainer = pl.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
        >>> _srun_checked
        True
    """
    global _srun_checked
    if not _srun_checked:
        _srun_checked = True
        yield
        return
    original = SLURMEnvironment.__dict__["_validate_srun_used"]  # the staticmethod object itself
    SLURMEnvironment._validate_srun_used = staticmethod(_checked_already)  # type: ignore[method-assign]
    try:
        yield
    finally:
        SLURMEnvironment._validate_srun_used = original  # type: ignore[method-assign]


def _checked_already() -> None:
    """Stands for ``SLURMEnvironment._validate_srun_used`` once it has run in this process."""


_registered_exit = False


def end_process_group_at_exit() -> None:
    """Destroy the process group of a multi-process run when the interpreter exits.

    Later runs use the group, so it stays up until then. Left to the interpreter's shutdown,
    gloo's threads can abort the process ("terminate called without an active exception").
    Registered once per process.

    Example:
        >>> end_process_group_at_exit()  # no process group here: at exit, nothing to destroy
    """
    global _registered_exit
    if not _registered_exit:
        _registered_exit = True
        atexit.register(destroy_process_group)


def destroy_process_group() -> None:
    """End this process's process group, if it has one.

    Example:
        >>> destroy_process_group()  # none here: nothing to do
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()

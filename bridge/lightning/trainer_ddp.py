"""What an Engine run on several processes of a ``pl.Trainer`` needs beyond Lightning's own DDP.

Lightning never sees the user's DataLoader in an Engine run (it iterates the run loop), and
an unmodified Ignite process function calls the user's own model and ``loss.backward()``,
not Lightning's DDP wrapper and ``manual_backward``. So, for the run:

- :func:`train_shard`: the run's DataLoader becomes this rank's shard, made by Lightning's
  own processing of a train dataloader (its ``DistributedSampler``, shuffled from the seed as
  Lightning does for training), its epoch set from the engine's on every new pass;
- :func:`sync_raw_backward`: each forward pass of the user's model, with gradients enabled,
  prepares DDP's reducer for a backward, as Lightning's ``manual_backward`` does, so that
  a plain ``loss.backward()`` averages gradients over the ranks;
- :func:`no_wrapper_without_gradients`: an evaluator's module, with nothing to train, is not
  wrapped in DDP (which refuses such a module); its states are synchronised as Lightning does
  outside fitting.

Example:
    >>> import torch
    >>> handle = sync_raw_backward(None, torch.nn.Linear(1, 1))  # no DDP wrapper: nothing to do
    >>> handle is None
    True
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from typing import Any, Optional

import pytorch_lightning as pl
import torch
from pytorch_lightning.overrides.distributed import _sync_module_states, prepare_for_backward
from pytorch_lightning.strategies import DDPStrategy, Strategy
from pytorch_lightning.trainer.connectors.data_connector import _process_dataloader
from pytorch_lightning.trainer.states import RunningStage, TrainerFn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.hooks import RemovableHandle

__all__ = ["end_launched_processes", "no_wrapper_without_gradients", "restore_strategy", "sync_raw_backward",
           "train_shard"]  # fmt: skip


def train_shard(trainer: pl.Trainer, loader: DataLoader) -> DataLoader:
    """This rank's shard of ``loader``, as ``trainer.fit`` would make it of a train dataloader.

    (Its sampler's epoch follows the engine's: :class:`~bridge.lightning.sharding.EpochShard`.)
    """
    processed = _process_dataloader(trainer, TrainerFn.FITTING, RunningStage.TRAINING, loader)
    assert isinstance(processed, DataLoader)  # a DataLoader in, a DataLoader out
    return processed


def sync_raw_backward(wrapper: Optional[torch.nn.Module], model: Optional[torch.nn.Module]) -> Optional[RemovableHandle]:
    """A forward hook on ``model`` preparing the DDP ``wrapper``'s reducer for the step's backward.

    DDP averages gradients only after its reducer was prepared for the backward; its own
    forward does that when it returns, too late for a backward inside the step. Nothing is
    done without a DDP wrapper or a model. Remove the returned handle when the run ends.
    """
    if not isinstance(wrapper, DistributedDataParallel) or model is None:
        return None

    def prepare(module: torch.nn.Module, args: Any, output: Any) -> None:
        prepare_for_backward(wrapper, output)  # does nothing under no_grad (an evaluation)

    return model.register_forward_hook(prepare)


def no_wrapper_without_gradients(strategy: Strategy, module: pl.LightningModule) -> bool:
    """Keep a DDP ``strategy`` from wrapping ``module`` when none of its parameters needs a gradient.

    Call it before the strategy's setup (a callback's ``setup`` hook), and
    :func:`restore_strategy` when the run ends (a strategy object may serve several runs).
    Returns whether it did.
    """
    if not isinstance(strategy, DDPStrategy) or any(p.requires_grad for p in module.parameters()):
        return False

    def configure_ddp() -> None:  # no gradients to reduce: as Lightning does when not fitting
        assert strategy.model is not None
        _sync_module_states(strategy.model)

    strategy.configure_ddp = configure_ddp  # type: ignore[method-assign]  # for this run only
    return True


def restore_strategy(strategy: Strategy) -> None:
    """Undo :func:`no_wrapper_without_gradients` on ``strategy`` (nothing if it did nothing)."""
    vars(strategy).pop("configure_ddp", None)


def end_launched_processes(trainer: pl.Trainer, grace: float = 5.0) -> None:
    """On the process that launched the others (``ddp``, ``ddp_spawn``), after a Ctrl-C ended the run: they end too.

    They usually got the Ctrl-C as well and are ending: wait ``grace`` seconds for that, then
    forward a SIGINT, then kill. Each is waited for, so none is left behind. Elsewhere (one
    process, another rank) nothing is done.

    Example:
        >>> end_launched_processes(pl.Trainer(accelerator="cpu", logger=False))  # one process: nothing to end
    """
    launcher = trainer.strategy.launcher
    processes: list[Any] = list(getattr(launcher, "procs", []))  # Popen (ddp) or multiprocessing (ddp_spawn)
    for signum in (None, signal.SIGINT, signal.SIGKILL):
        alive = [p for p in processes if _alive(p)]
        if not alive:
            return
        for process in alive:
            if signum is not None:
                os.kill(process.pid, signum)
        deadline = time.monotonic() + grace
        for process in alive:
            _wait(process, max(0.0, deadline - time.monotonic()))


def _alive(process: Any) -> bool:
    return process.poll() is None if isinstance(process, subprocess.Popen) else bool(process.is_alive())


def _wait(process: Any, timeout: float) -> None:
    if isinstance(process, subprocess.Popen):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    else:
        process.join(timeout)

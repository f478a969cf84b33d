"""What an Engine run on several processes of a ``pl.Trainer`` needs beyond Lightning's own DDP.

Lightning never sees the user's DataLoader in an Engine run (it iterates the run loop), and
an unmodified Ignite process function calls the user's own model and ``loss.backward()``,
not Lightning's DDP wrapper and ``manual_backward``. So, for the run:

- :func:`train_shard`: the run's DataLoader becomes this rank's shard, made by Lightning's
  own processing of a train dataloader (its ``DistributedSampler``, shuffled from the seed as
  Lightning does for training), with ``set_epoch`` called on every new pass;
- :func:`sync_raw_backward`: each forward pass of the user's model, with gradients enabled,
  prepares DDP's reducer for a backward, as Lightning's ``manual_backward`` does, so that
  a plain ``loss.backward()`` averages gradients over the ranks.

Example:
    >>> import torch
    >>> handle = sync_raw_backward(None, torch.nn.Linear(1, 1))  # no DDP wrapper: nothing to do
    >>> handle is None
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

import pytorch_lightning as pl
import torch
from lightning_fabric.wrappers import _FabricDataLoader
from pytorch_lightning.overrides.distributed import prepare_for_backward
from pytorch_lightning.trainer.connectors.data_connector import _process_dataloader
from pytorch_lightning.trainer.states import RunningStage, TrainerFn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.hooks import RemovableHandle

__all__ = ["sync_raw_backward", "train_shard"]


def train_shard(trainer: pl.Trainer, loader: DataLoader) -> Iterable[Any]:
    """This rank's shard of ``loader``, as ``trainer.fit`` would make it of a train dataloader.

    The sampler's epoch is set on every ``iter()``, as Lightning sets it every epoch.
    """
    processed = _process_dataloader(trainer, TrainerFn.FITTING, RunningStage.TRAINING, loader)
    assert isinstance(processed, DataLoader)  # a DataLoader in, a DataLoader out
    return _FabricDataLoader(processed)


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

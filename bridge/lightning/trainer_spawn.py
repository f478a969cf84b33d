"""Engine runs whose processes get the run by pickling or forking (``strategy="ddp_spawn"``, ``"ddp_fork"``).

Lightning's multiprocessing launcher hands the Trainer, with its module and callbacks, to new
processes (pickled for ``spawn``, inherited for ``fork``), fits there, and gives the main
process back rank 0's weights and ``callback_metrics``. An Engine run also needs, and
:class:`EngineRunLauncher` (Lightning's launcher with its two documented extension points,
``get_extra_results`` / ``update_main_process_results``) adds:

- Lightning as quiet in the new processes as in the main one;
- rank 0's engine ``state`` back in the main process (``iteration``, ``epoch``, ``metrics``,
  ``output``, ``times``, custom attributes; not ``dataloader``, which stays the user's), with
  the state of the optimizers and LR schedulers given to the Engine, so that a next ``run``
  continues where rank 0 stopped;
- in spawned processes, the optimizers' state (momentum, ...) copied out of the shared
  memory that ``torch.multiprocessing`` puts every pickled tensor in, as Lightning does for
  the module's parameters: each rank's steps update its own (:func:`own_optimizer_state`);
- in spawned processes, a check that the process function trains the model that travelled
  with the engine (:class:`FirstStepCheck`): a function reaching a model through the script's
  globals would train the copy the script made again on import, unsynchronised and lost.

Example:
    >>> values = state_values(State(iteration=4, dataloader=[1, 2], custom="kept"))
    >>> values["iteration"], values["custom"], "dataloader" in values
    (4, 'kept', False)
"""

from __future__ import annotations

import io
import pickle
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import pytorch_lightning as pl
import torch
from pytorch_lightning.core.optimizer import _configure_optimizers
from pytorch_lightning.strategies.launchers.multiprocessing import _MultiProcessingLauncher

from bridge.engine.engine import Engine
from bridge.engine.events import State
from bridge.engine.loop import RunLoop
from bridge.engine.runners import OptimizersConfig
from bridge.lightning.run_setup import destroy_process_group, quiet_lightning

__all__ = ["EngineRunLauncher", "FirstStepCheck", "engine_run_launcher", "own_optimizer_state", "state_values"]

_KEY = "bridge_engine_run"


def state_values(state: State) -> dict[str, Any]:
    """What of ``state`` goes back to the main process: every attribute that pickles, but ``dataloader``.

    Attributes that do not pickle stay behind, with a warning naming them.

    Example:
        >>> state_values(State(iteration=2, dataloader=[1]))["iteration"]
        2
    """
    values, left = {}, []
    for name, value in vars(state).items():
        if name == "dataloader":
            continue
        try:
            pickle.dumps(value)
        except Exception:
            left.append(name)
        else:
            values[name] = value
    if left:
        warnings.warn(f"engine.state attributes {left} do not pickle: the main process keeps its own.", stacklevel=2)
    return values


class EngineRunLauncher(_MultiProcessingLauncher):
    """Lightning's multiprocessing launcher for an Engine run: rank 0's state comes back to the main process.

    ``optimizers`` is what the Engine was given (None when a LightningModule brings its own,
    ``create_lightning_trainer``): their states come back too.

    Example:
        >>> from bridge.engine import Engine
        >>> trainer = pl.Trainer(accelerator="cpu", devices=2, strategy="ddp_spawn", logger=False)
        >>> engine = Engine(lambda e, b: b)
        >>> launcher = EngineRunLauncher(trainer.strategy.launcher, engine, RunLoop(engine), None)
        >>> launcher.spawned, launcher._start_method  # in the main process: not a started one
        (False, 'spawn')
    """

    def __init__(self, launcher: _MultiProcessingLauncher, engine: Engine, loop: RunLoop,
                 optimizers: OptimizersConfig) -> None:  # fmt: skip
        super().__init__(launcher._strategy, launcher._start_method)
        self.engine, self.loop, self.optimizers = engine, loop, optimizers
        #: True in the processes the launcher started
        self.in_worker = False

    @property
    def spawned(self) -> bool:
        """Whether this is a process that got the run by unpickling it (not a fork)."""
        return self.in_worker and self._start_method != "fork"

    def _wrapping_function(self, *args: Any, **kwargs: Any) -> None:
        self.in_worker = True
        try:
            with quiet_lightning():
                super()._wrapping_function(*args, **kwargs)
        finally:
            # the process ends with the run; left to its exit, gloo's threads can abort it
            destroy_process_group()

    def get_extra_results(self, trainer: pl.Trainer) -> dict[str, Any]:
        extra = super().get_extra_results(trainer)
        buffer = io.BytesIO()
        schedulers = [config.scheduler for config in trainer.lr_scheduler_configs]
        torch.save({"state": state_values(self.engine.state), "shard_lengths": self.engine._shard_lengths,
                    "optimizers": [o.state_dict() for o in trainer.optimizers],
                    "schedulers": [s.state_dict() for s in schedulers]}, buffer)  # fmt: skip
        return {**extra, _KEY: buffer.getvalue()}

    def update_main_process_results(self, trainer: pl.Trainer, extra: dict[str, Any]) -> None:
        super().update_main_process_results(trainer, extra)
        # bridge's own bytes, from the process it started
        result = torch.load(io.BytesIO(extra[_KEY]), weights_only=False)
        vars(self.engine.state).update(result["state"])
        self.engine._shard_lengths = result["shard_lengths"]  # the state counts rank 0's shard
        if self.optimizers is not None:
            config = self.optimizers
            # Lightning's parser takes the configure_optimizers forms as dict / list
            parsed = dict(config) if isinstance(config, Mapping) else list(config) if isinstance(config, Sequence) else config
            optimizers, schedulers, _ = _configure_optimizers(parsed)
            for optimizer, state in zip(optimizers, result["optimizers"]):
                optimizer.load_state_dict(state)
            for scheduler, state in zip(schedulers, result["schedulers"]):
                (scheduler["scheduler"] if isinstance(scheduler, dict) else scheduler).load_state_dict(state)
        self.loop.close()  # the run happened in the processes: this loop, never started, fires nothing


def own_optimizer_state(optimizers: Sequence[torch.optim.Optimizer]) -> None:
    """Give each optimizer's state tensors memory of this process's own.

    ``torch.multiprocessing`` sends pickled tensors through shared memory: without this, the
    momentum buffers of a continued run would be one buffer stepped by every rank.

    Example:
        >>> model = torch.nn.Linear(1, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> model(torch.ones(1)).sum().backward(); optimizer.step()
        >>> before = optimizer.state[model.weight]["momentum_buffer"]
        >>> own_optimizer_state([optimizer])
        >>> optimizer.state[model.weight]["momentum_buffer"] is before, torch.equal(optimizer.state[model.weight]["momentum_buffer"], before)
        (False, True)
    """
    for optimizer in optimizers:
        for state in optimizer.state.values():
            for key, value in state.items():
                if isinstance(value, torch.Tensor):
                    state[key] = value.clone()


class FirstStepCheck:
    """Stands for ``driver.step`` for the first step of a spawned run, then removes itself.

    Raises when that step did not call ``model`` (the engine's, unpickled in this process).

    Example:
        >>> class Driver:
        ...     def step(self):
        ...         return model(torch.ones(1))
        >>> model, driver = torch.nn.Linear(1, 1), Driver()
        >>> driver.step = FirstStepCheck(driver, model)
        >>> _ = driver.step()  # called the model: passes, and the class's step is back
        >>> "step" in vars(driver)
        False
    """

    def __init__(self, driver: Any, model: torch.nn.Module) -> None:
        self.driver, self.model = driver, model

    def __call__(self) -> Any:
        called: list[bool] = []
        handle = self.model.register_forward_hook(lambda *args: called.append(True))
        try:
            output = type(self.driver).step(self.driver)
        finally:
            handle.remove()
            del self.driver.step  # the class's step from now on
        if not called:
            raise RuntimeError(
                "strategy='ddp_spawn': the process function did not call the model given to the Engine. Each spawned "
                "process unpickles its own copy of the engine with its model and optimizers; a process function that "
                "reaches a model through the script's globals trains another copy (the one the script made again on "
                "import), whose gradients are not synchronised and whose weights never come back. Give the step its "
                "model through the engine (a callable object or functools.partial holding model and optimizer, "
                "create_supervised_trainer), or use strategy='ddp', which runs the script itself on every process."
            )
        return output


def engine_run_launcher(trainer: pl.Trainer) -> Optional[EngineRunLauncher]:
    """The trainer's launcher when it is bridge's (a run in processes started by pickling or forking).

    Example:
        >>> engine_run_launcher(pl.Trainer(accelerator="cpu", logger=False)) is None
        True
    """
    launcher = trainer.strategy.launcher
    return launcher if isinstance(launcher, EngineRunLauncher) else None

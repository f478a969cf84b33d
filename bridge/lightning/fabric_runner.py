"""The lean runner: Ignite's loop in a plain Python loop over Lightning Fabric (``Engine(runner="fabric")``).

The same :class:`~bridge.engine.loop.RunLoop` as the ``pl.Trainer`` runner, advanced phase
by phase in a ``while`` loop, with Fabric underneath for what Lightning adds below the loop:
the accelerator and device placement, precision (the process function's step runs under
Fabric's autocast, ``engine.manual_backward`` scales the loss), and Fabric loggers. There
are no Lightning fit-loop hooks to pass through, so an iteration costs about what Ignite's
costs.

Several processes (``strategy="ddp"``, ``devices=N``): ``Fabric.launch`` starts the other
ranks, which run the script again up to the same ``run``, as Lightning's Trainer does. Each
rank iterates its shard of a ``DataLoader`` (``Fabric.setup_dataloaders`` puts a
``DistributedSampler`` in; ``state.epoch_length`` follows the shard). The model is wrapped by
the strategy, and calls of the user's own ``model(x)`` go through that wrapper for the run,
so an unmodified Ignite process function synchronises its gradients. Strategies that
start processes by pickling or forking the run (``ddp_spawn``, ``ddp_fork``) are refused:
the ``pl.Trainer`` runner takes them.

What the ``pl.Trainer`` runner has and this one has not: Lightning callbacks
(``Engine(callbacks=...)`` is refused), ``trainer.fit(ckpt_path=...)``, Trainer-only options
(``gradient_clip_val``, ``enable_progress_bar``, ...) and ``engine.lightning_trainer``.
``trainer_kwargs`` may hold only what Fabric shares with the Trainer
(:data:`FABRIC_OPTIONS`); anything else is refused with an error naming it.

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> model = torch.nn.Linear(2, 1)
    >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> def step(engine, batch):
    ...     optimizer.zero_grad()
    ...     loss = model(batch).pow(2).mean()
    ...     loss.backward()
    ...     optimizer.step()
    ...     return loss.item()
    >>> engine = Engine(step, model=model, optimizers=optimizer, runner="fabric")
    >>> engine.run([torch.ones(4, 2)] * 3, max_epochs=2).iteration
    6
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import lightning_fabric.fabric as fabric_module
import torch
from lightning_fabric import Fabric
from lightning_fabric.plugins import MixedPrecision
from lightning_fabric.strategies.launchers import _MultiProcessingLauncher
from lightning_fabric.wrappers import _FabricModule
from torch.utils.data import DataLoader

from bridge.engine.engine import Engine
from bridge.engine.events import BackpropEvents
from bridge.engine.loop import Phase, RunLoop
from bridge.engine.runners import OptimizersConfig, RunSpec
from bridge.lightning.hook_table import hook
from bridge.lightning.hooks import is_scalar
from bridge.lightning.run_setup import (
    cheap_init,
    end_process_group_at_exit,
    model_accelerator,
    placement,
    quiet_lightning,
    random_states_before_setup,
    restore_placement,
    undo_setup_reseed,
    with_grad_scaler,
)
from bridge.lightning.sharding import shard_run_data
from bridge.lightning.trainer_options import TRAINER_OPTIONS, check_trainer_options, trainer_kwargs_named

__all__ = ["FABRIC_OPTIONS", "FabricRunner"]

#: The ``trainer_kwargs`` a Fabric run takes (``logger`` is the Trainer's name for ``loggers``;
#: ``grad_scaler`` is bridge's, as for the Trainer runner).
FABRIC_OPTIONS = ("accelerator", "strategy", "devices", "num_nodes", "precision", "plugins", "loggers", "logger",
                  "grad_scaler")  # fmt: skip

# the backprop rows of the hook table: the same events as under the pl.Trainer runner
_BACKWARD = hook("on_before_backward").events, hook("on_after_backward").events
_STEP = hook("on_before_optimizer_step").events, hook("LightningOptimizer.step").events


def _fabric_kwargs(spec: RunSpec) -> dict[str, Any]:
    check_trainer_options(spec.trainer_kwargs, TRAINER_OPTIONS | set(FABRIC_OPTIONS), "pl.Trainer or Fabric")
    unknown = [key for key in spec.trainer_kwargs if key not in FABRIC_OPTIONS]
    if unknown:
        raise ValueError(
            f"trainer_kwargs[{unknown[0]!r}] is a pl.Trainer option that runner='fabric' does not take: "
            f"it takes {', '.join(FABRIC_OPTIONS[:-2])} (use runner='trainer' for the others)."
        )
    if spec.callbacks:
        raise ValueError(
            "Engine(callbacks=...) are Lightning callbacks, which run in a pl.Trainer: runner='fabric' has none "
            "(use Ignite handlers, or runner='trainer')."
        )
    if spec.module is not None:
        raise ValueError("create_lightning_trainer fits a LightningModule in a pl.Trainer: it needs runner='trainer'.")
    kwargs: dict[str, Any] = {"accelerator": "cpu", "devices": 1, **spec.trainer_kwargs, **model_accelerator(spec)}
    if "logger" in kwargs:
        logger = kwargs.pop("logger")
        kwargs.setdefault("loggers", [] if logger in (None, False) else logger)
    if "grad_scaler" in kwargs:
        kwargs = with_grad_scaler(kwargs, MixedPrecision)  # Fabric's plugin
    return kwargs


def _optimizers(config: OptimizersConfig) -> list[torch.optim.Optimizer]:
    """The optimizers of a ``configure_optimizers``-style value (schedulers are the user's to step)."""
    if config is None:
        return []
    items: Sequence[object] = config if isinstance(config, Sequence) else [config]
    found: list[torch.optim.Optimizer] = []
    for item in items:
        if isinstance(item, Mapping):
            item = item.get("optimizer")
        if isinstance(item, Sequence):  # Lightning's ([optimizers], [schedulers])
            found.extend(o for o in item if isinstance(o, torch.optim.Optimizer))
        elif isinstance(item, torch.optim.Optimizer):
            found.append(item)
    return found


class _StepEvents:
    """Fires OPTIM_STEP_STARTED / _COMPLETED around a Fabric optimizer's step, as Lightning's hooks do."""

    def __init__(self, engine: Engine, optimizer: Any) -> None:
        self._optimizer = optimizer
        self._before, self._after = ([engine._counted(event) for event in events] for events in _STEP)

    def step(self, closure: Any = None) -> Any:
        for fire in self._before:
            fire()
        output = self._optimizer.step(closure)
        for fire in self._after:
            fire()
        return output

    def __getattr__(self, name: str) -> Any:  # zero_grad, param_groups, state_dict, optimizer, ...
        return getattr(self._optimizer, name)


class FabricDriver:
    """What a Fabric run lends its engine: ``engine.optimizers``, ``manual_backward``, ``log``.

    Example:
        >>> driver = FabricDriver(Fabric(accelerator="cpu", devices=1), Engine(lambda e, b: b), None, [])
        >>> driver.optimizers()
        []
    """

    def __init__(self, fabric: Fabric, engine: Engine, module: Any, optimizers: list[Any]) -> None:
        self.fabric, self._engine, self._module = fabric, engine, module
        self._optimizers = [_StepEvents(engine, optimizer) for optimizer in optimizers]
        self._before, self._after = ([engine._counted(event) for event in events] for events in _BACKWARD)

    def optimizers(self) -> list[Any]:
        return list(self._optimizers)

    def manual_backward(self, loss: torch.Tensor, *args: Any, **kwargs: Any) -> None:
        for fire in self._before:
            fire()
        self.fabric.backward(loss, *args, model=self._module, **kwargs)
        for fire in self._after:
            fire()

    def log(self, name: str, value: Any, **kwargs: Any) -> None:
        # Lightning's LightningModule.log options (on_step, on_epoch, ...) have no Fabric meaning
        value = value.item() if isinstance(value, torch.Tensor) and value.numel() == 1 else value
        self.fabric.log(name, value, step=self._engine.state.iteration)


class FabricRunner:
    """Runs (or resumes) an engine's loop in a ``while`` loop over Lightning Fabric.

    Example:
        >>> from bridge.engine.runners import get_runner
        >>> type(get_runner("fabric")).__name__
        'FabricRunner'
    """

    def run(self, spec: RunSpec, loop: RunLoop) -> None:
        engine = spec.engine
        kwargs = _fabric_kwargs(spec)
        device = placement(spec.model)
        random_states = random_states_before_setup()
        with quiet_lightning(), cheap_init(fabric_module, "lightning_fabric.callbacks_factory"):
            with trainer_kwargs_named(spec.trainer_kwargs, "Fabric"):  # Lightning's errors name the option
                fabric = Fabric(**kwargs)
            if isinstance(fabric.strategy.launcher, _MultiProcessingLauncher):
                raise ValueError(
                    f"trainer_kwargs['strategy']={kwargs.get('strategy')!r} starts processes that get the run by "
                    "pickling or forking it: runner='fabric' takes strategy='ddp' (the other ranks run the script "
                    "again, as with Lightning's Trainer); runner='trainer' takes both."
                )
            fabric.launch()  # several processes: the other ranks start here; later runs find them started
        undo_setup_reseed(random_states)  # the strategy's setup may reseed (FSDP, DeepSpeed): Ignite's runs do not
        if fabric.world_size > 1:
            end_process_group_at_exit()
        module = fabric.setup_module(spec.model) if spec.model is not None else None
        raw = _optimizers(spec.optimizers)
        wrapped = list(fabric.setup_optimizers(*raw)) if len(raw) > 1 else [fabric.setup_optimizers(*raw)] if raw else []
        previous = engine._set_driver(FabricDriver(fabric, engine, module, wrapped))
        move_batches = fabric.device.type != "cpu"
        status = "failed"
        try:
            shard_run_data(engine, loop, fabric.world_size, lambda data: _fabric_shard(fabric, data))
            with _calls_through(spec.model, module):
                self._drive(loop, fabric, engine, move_batches)
            status = "success"
        finally:
            engine._set_driver(previous)
            engine._count_in_python(*BackpropEvents)  # the driver's stand-ins are done counting
            restore_placement(spec.model, device, raw)
            for logger in fabric.loggers:  # as a Trainer's teardown does: flush what was logged
                logger.finalize(status)

    @staticmethod
    def _drive(loop: RunLoop, fabric: Fabric, engine: Engine, move_batches: bool) -> None:
        # Ignite's loop, advanced phase by phase; what Fabric adds is the step's precision context,
        # the batch's device and, at each epoch end, the numbers of state.metrics to the loggers.
        autocast, state, log = fabric.autocast, engine.state, bool(fabric.loggers)
        # full precision's context does nothing: not entered at every step (~0.5 us)
        plain = isinstance(autocast(), nullcontext)
        # each Phase.MEMBER read costs ~0.1 us on Python 3.11 (the enum metaclass's attribute hook)
        step, iteration_start, epoch_end, interrupted = Phase.STEP, Phase.ITERATION_START, Phase.EPOCH_END, Phase.INTERRUPTED
        # a run resumed after interrupt() goes on from where it paused
        waiting = loop.advance() if loop.suspended else loop.waiting
        try:
            while waiting < interrupted:
                # resume() rather than advance(): no Python frame per phase; read each time, as an
                # unpickled loop (ddp_spawn) puts its generator's in place at the first use
                if waiting is step and not plain:
                    with autocast():
                        waiting = loop.resume()
                    continue
                if waiting is iteration_start and move_batches and state.batch is not None:
                    state.batch = fabric.to_device(state.batch)
                was, waiting = waiting, loop.resume()
                if was is epoch_end and log:  # EPOCH_COMPLETED's handlers (metrics) just ran
                    _log_metrics(fabric, engine)
        except StopIteration:
            pass  # the loop ended (FINISHED)


def _fabric_shard(fabric: Fabric, loader: DataLoader) -> DataLoader:
    """This rank's shard of ``loader``, as ``Fabric.setup_dataloaders`` makes it.

    Without Fabric's wrapper, which adds only the sampler's epoch (set from the engine's
    epoch here, :class:`~bridge.lightning.sharding.EpochShard`) and the device moves (the
    process function does them).
    """
    wrapped = fabric.setup_dataloaders(loader, move_to_device=False)
    return wrapped._dataloader  # type: ignore[union-attr]


@contextmanager
def _calls_through(model: torch.nn.Module | None, module: _FabricModule | None) -> Iterator[None]:
    """For the run, ``model(x)`` goes through the strategy's wrapper of ``model`` (DDP, ...).

    An Ignite process function calls the user's own module, not Fabric's wrapper; DDP only
    synchronises gradients for a forward pass through itself. So the module's ``forward``
    becomes the wrapper's for the run; the wrapper calling the module back reaches the
    original ``forward``. Nothing changes when the strategy does not wrap the module.
    """
    wrapper = module._forward_module if module is not None else None
    if model is None or wrapper is None or wrapper is model:
        yield
        return
    original = model.forward
    inside = False

    def forward(*args: Any, **kwargs: Any) -> Any:
        nonlocal inside
        if inside:  # the wrapper calling the module
            return original(*args, **kwargs)
        inside = True
        try:
            return wrapper(*args, **kwargs)
        finally:
            inside = False

    model.forward = forward
    try:
        yield
    finally:
        del model.forward


def _log_metrics(fabric: Fabric, engine: Engine) -> None:
    scalars = {name: value for name, value in engine.state.metrics.items() if is_scalar(value)}
    if scalars:
        fabric.log_dict({k: v.item() if isinstance(v, torch.Tensor) else v for k, v in scalars.items()},
                        step=engine.state.epoch)  # fmt: skip

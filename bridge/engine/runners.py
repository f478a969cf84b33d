"""The seam between an Engine and what runs it: run descriptions, runners, drivers.

``Engine.run`` checks its arguments, then hands a :class:`RunSpec` (the engine's options
for this run) and the engine's :class:`~bridge.engine.loop.RunLoop` to a :class:`Runner`
chosen by name (``Engine(runner=...)``). The runner owns the framework (a ``pl.Trainer``
by default) and drives the loop through the loop's contract. While it runs, it gives the
engine an :class:`EngineDriver`: what ``engine.optimizers``, ``engine.manual_backward``
and ``engine.log`` reach.

Runners are looked up lazily, so this module (and ``bridge.engine``) imports no framework:
``"trainer"`` is :class:`bridge.lightning.runner.TrainerRunner`, ``"fabric"``
:class:`bridge.lightning.fabric_runner.FabricRunner`. :func:`register_runner`
adds one, e.g. a test runner that drives the loop with nothing underneath.

Example:
    >>> from bridge.engine import Engine
    >>> from bridge.engine.loop import Phase
    >>> class PlainRunner:  # Ignite's loop in a plain for-loop: nothing underneath
    ...     def run(self, spec, loop):
    ...         while loop.advance() < Phase.INTERRUPTED:
    ...             pass
    >>> register_runner("plain", PlainRunner())
    >>> Engine(lambda engine, batch: batch * 2, runner="plain").run([1, 2, 3]).output
    6
    >>> unregister_runner("plain")
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Union

if TYPE_CHECKING:
    import pytorch_lightning as pl
    import torch

    from bridge.engine.engine import Engine
    from bridge.engine.loop import RunLoop

__all__ = [
    "DrivenOptimizer",
    "EngineDriver",
    "OptimizersConfig",
    "RunSpec",
    "Runner",
    "get_runner",
    "register_runner",
    "runner_names",
    "unregister_runner",
]

#: What ``configure_optimizers`` may return: an optimizer, a list of them, Lightning's
#: ``{"optimizer": ..., "lr_scheduler": ...}`` dict (or a list of such), or None.
OptimizersConfig = Union[
    "torch.optim.Optimizer",
    Sequence["torch.optim.Optimizer"],
    Mapping[str, object],
    Sequence[Mapping[str, object]],
    None,
]


@dataclass(frozen=True)
class RunSpec:
    """What an engine asks of its runner for one ``run`` call (its constructor's options).

    Example:
        >>> from bridge.engine import Engine
        >>> Engine(lambda e, b: b, trainer_kwargs={"precision": "bf16-mixed"})._run_spec().trainer_kwargs
        {'precision': 'bf16-mixed'}
    """

    engine: Engine
    #: options for the framework (``pl.Trainer`` keyword arguments)
    trainer_kwargs: Mapping[str, object]
    #: Lightning callbacks that run beside the engine's handlers
    callbacks: Sequence[pl.Callback]
    #: the model the process function trains; the framework manages it (device, precision, strategy)
    model: torch.nn.Module | None
    #: what the run's ``configure_optimizers`` returns
    optimizers: OptimizersConfig
    #: a LightningModule to fit itself, its ``training_step`` being the loop's step
    #: (``create_lightning_trainer``); None: the runner makes its own module
    module: pl.LightningModule | None = None


class Runner(Protocol):
    """Runs (or resumes) one engine run: drives ``loop`` until it finishes or pauses.

    Before returning, the loop waits at ``Phase.FINISHED`` or ``Phase.INTERRUPTED``, or its
    exception propagates. Framework failures go to ``loop.fail(exception)``.
    """

    def run(self, spec: RunSpec, loop: RunLoop) -> None: ...


class DrivenOptimizer(Protocol):
    """An optimizer as the driving framework wraps it (Lightning's ``LightningOptimizer``, Fabric's):
    stepping it goes through the framework's precision and strategy handling."""

    def step(self, closure: Callable[[], object] | None = None) -> object: ...

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """The torch optimizer it wraps."""
        ...


class EngineDriver(Protocol):
    """What the framework driving an engine lends it: ``engine.optimizers``, ``manual_backward``, ``log``."""

    def optimizers(self) -> Sequence[DrivenOptimizer]: ...

    def manual_backward(self, loss: torch.Tensor, *args: object, **kwargs: object) -> None: ...

    def log(self, name: str, value: object, **kwargs: object) -> None: ...


# name -> a Runner, or "module:attribute" of a Runner class, imported on first use
_RUNNERS: dict[str, Runner | str] = {
    "trainer": "bridge.lightning.runner:TrainerRunner",
    "fabric": "bridge.lightning.fabric_runner:FabricRunner",
}


def register_runner(name: str, runner: Runner | str) -> None:
    """Make ``runner`` available as ``Engine(..., runner=name)``.

    ``runner`` is an object with ``run(spec, loop)``, or ``"package.module:Class"`` of a
    class made (without arguments) when first used.

    Example:
        >>> register_runner("trainer", "bridge.lightning.runner:TrainerRunner")  # the default
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_runner(name=...) must be a non-empty string; got {name!r}.")
    if not isinstance(runner, str) and not callable(getattr(runner, "run", None)):
        raise TypeError(f"register_runner(runner=...) must have a run(spec, loop) method or be 'module:Class'; got {runner!r}.")
    _RUNNERS[name] = runner


def unregister_runner(name: str) -> None:
    """Forget a runner added with :func:`register_runner`.

    Example:
        >>> register_runner("mine", "bridge.lightning.runner:TrainerRunner")
        >>> unregister_runner("mine"); "mine" in runner_names()
        False
    """
    if name in ("trainer", "fabric"):
        raise ValueError(f"unregister_runner: bridge's own runner {name!r} cannot be removed.")
    _RUNNERS.pop(name, None)


def runner_names() -> list[str]:
    """The names ``Engine(runner=...)`` accepts.

    Example:
        >>> "trainer" in runner_names()
        True
    """
    return sorted(_RUNNERS)


def check_runner_name(name: object) -> str:
    """``name`` if a runner is registered under it, else a ``ValueError`` naming the argument.

    Example:
        >>> check_runner_name("trainer")
        'trainer'
    """
    if not isinstance(name, str) or name not in _RUNNERS:
        raise ValueError(f"Engine(runner=...) must be one of {runner_names()}; got {name!r}.")
    return name


def get_runner(name: str) -> Runner:
    """The runner registered as ``name`` (imported and made on first use).

    Example:
        >>> type(get_runner("trainer")).__name__
        'TrainerRunner'
    """
    runner = _RUNNERS[check_runner_name(name)]
    if isinstance(runner, str):
        module, _, attribute = runner.partition(":")
        runner = getattr(importlib.import_module(module), attribute)()
        _RUNNERS[name] = runner
    return runner

"""Engines whose step is an existing LightningModule's ``training_step`` / ``validation_step``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Optional

import pytorch_lightning as pl
import torch
from torch import Tensor

from bridge.engine import Engine, Events
from bridge.engine.runners import RunSpec
from bridge.lightning.hooks import LightningLink

__all__ = ["create_lightning_evaluator", "create_lightning_trainer"]


def _check_module(module: Any, step: str) -> None:
    if not isinstance(module, pl.LightningModule):
        raise TypeError(f"Argument module should be a pytorch_lightning.LightningModule, but given {type(module)}")
    if not callable(getattr(type(module), step, None)) or getattr(type(module), step) is getattr(
        pl.LightningModule, step
    ):
        raise ValueError(f"{type(module).__name__} does not define {step}(), which this engine runs.")


class _ModuleTrainingStep:
    """The process function of :func:`create_lightning_trainer`: the module's own ``training_step``.

    Objects rather than closures, here and in :class:`_ModuleValidationStep`: ``ddp_spawn`` pickles the engine.
    """

    def __init__(self, module: pl.LightningModule) -> None:
        self.module = module

    def __call__(self, engine: Engine, batch: Any) -> Any:
        module = self.module
        # back to train mode after an evaluator switched the module to eval (a recursive
        # module.train() every step would cost ~10 us and undo submodules the user froze)
        if not module.training:
            module.train()
        # only the Trainer runner fits a module: its driver is a LightningLink (not checked every step)
        link: LightningLink = engine._driver  # type: ignore[assignment]
        # what Lightning passed training_step after the batch (batch_idx, ...)
        args, kwargs = link.step_args
        return type(module).training_step(module, batch, *args, **kwargs)


class _ModuleValidationStep:
    """The process function of :func:`create_lightning_evaluator`: the module's ``validation_step``, no gradients."""

    def __init__(self, module: pl.LightningModule) -> None:
        self.module = module

    def __call__(self, engine: Engine, batch: Any) -> Any:
        module = self.module
        module.eval()
        batch_idx = engine.state.iteration - 1
        if engine.state.epoch_length:
            batch_idx %= engine.state.epoch_length
        # the module is fit as a child of the run's module: its self.log needs the hook name
        outer_fx_name, module._current_fx_name = module._current_fx_name, "validation_step"
        try:
            with torch.no_grad():
                return type(module).validation_step(module, batch, batch_idx)
        finally:
            module._current_fx_name = outer_fx_name


class _ModuleEngine(Engine):
    """An Engine whose runs fit ``module`` itself, its ``training_step`` being the loop's step."""

    def __init__(
        self,
        module: pl.LightningModule,
        trainer_kwargs: Optional[Mapping[str, Any]],
        callbacks: Optional[Iterable[pl.Callback]],
    ) -> None:
        super().__init__(_ModuleTrainingStep(module), trainer_kwargs=trainer_kwargs, callbacks=callbacks)
        self._module = module
        #: what the module's configure_optimizers returned at the first run, for every later one
        self._configured: Any = None

    def _run_spec(self) -> RunSpec:
        return dataclasses.replace(super()._run_spec(), module=self._module)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """:meth:`Engine.run`, the module's optimizers configured at its first run only.

        Each run is a new fit, and Lightning calls ``configure_optimizers`` at every fit; Ignite's
        runs share one optimizer, so a continued or resumed run keeps its momentum and its LR
        schedulers' steps.
        """
        module = self._module
        own = module.__dict__.get("configure_optimizers")  # an instance attribute the user set
        configure = own if own is not None else module.configure_optimizers

        def configure_once() -> Any:
            if self._configured is None:
                self._configured = configure()
            return self._configured

        module.configure_optimizers = configure_once  # type: ignore[method-assign]
        try:
            return super().run(*args, **kwargs)
        finally:
            if own is not None:
                module.configure_optimizers = own  # type: ignore[method-assign]
            else:
                del module.configure_optimizers


def create_lightning_trainer(
    module: pl.LightningModule,
    *,
    trainer_kwargs: Optional[Mapping[str, Any]] = None,
    callbacks: Optional[Iterable[pl.Callback]] = None,
) -> Engine:
    """An Engine whose iteration is ``module.training_step``, optimized the way the module says.

    ``Engine.run`` fits ``module`` itself: ``configure_optimizers`` (with LR schedulers),
    automatic or manual optimization, and Trainer options such as ``gradient_clip_val`` or
    ``accumulate_grad_batches`` (in ``trainer_kwargs``) work as in ``pl.Trainer.fit``.
    ``engine.state.output`` is what ``training_step`` returned; BackpropEvents fire.
    ``configure_optimizers`` is called at the engine's first run only: its later runs (a
    continued or resumed run) step the same optimizers, as Ignite's runs share one.

    Example:
        >>> import torch, pytorch_lightning as pl
        >>> class Regression(pl.LightningModule):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.layer = torch.nn.Linear(1, 1)
        ...     def training_step(self, batch, batch_idx):
        ...         x, y = batch
        ...         return torch.nn.functional.mse_loss(self.layer(x), y)
        ...     def configure_optimizers(self):
        ...         return torch.optim.SGD(self.parameters(), lr=0.1)
        >>> x = torch.linspace(0, 1, 8).unsqueeze(1)
        >>> trainer = create_lightning_trainer(Regression())
        >>> state = trainer.run([(x, 2 * x)] * 4, max_epochs=25)
        >>> state.iteration, state.output.item() < 0.05  # output: the loss training_step returned
        (100, True)
    """
    _check_module(module, "training_step")
    return _ModuleEngine(module, trainer_kwargs, callbacks)


def _callback_metrics(engine: Engine) -> None:
    # what validation_step logged with self.log, as numbers in state.metrics
    trainer = engine.lightning_trainer
    assert trainer is not None  # set for the run whose EPOCH_COMPLETED this is
    for name, value in trainer.callback_metrics.items():
        engine.state.metrics[name] = value.item() if isinstance(value, Tensor) and value.numel() == 1 else value


def create_lightning_evaluator(
    module: pl.LightningModule,
    *,
    trainer_kwargs: Optional[Mapping[str, Any]] = None,
    callbacks: Optional[Iterable[pl.Callback]] = None,
) -> Engine:
    """An Engine whose iteration is ``module.validation_step``, in eval mode without gradients.

    ``engine.state.output`` is what ``validation_step`` returned. What ``validation_step``
    logs with ``self.log`` (epoch means) is in ``engine.state.metrics`` at
    EPOCH_COMPLETED, so Ignite handlers such as early stopping can read it.

    Example:
        >>> import torch, pytorch_lightning as pl
        >>> class Classifier(pl.LightningModule):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.layer = torch.nn.Linear(2, 2)
        ...     def validation_step(self, batch, batch_idx):
        ...         x, y = batch
        ...         accuracy = (self.layer(x).argmax(1) == y).float().mean()
        ...         self.log("val_acc", accuracy)
        ...         return accuracy
        >>> torch.manual_seed(0) and None
        >>> batches = [(torch.randn(4, 2), torch.randint(0, 2, (4,))) for _ in range(3)]
        >>> evaluator = create_lightning_evaluator(Classifier())
        >>> state = evaluator.run(batches)
        >>> sorted(state.metrics)
        ['val_acc']
    """
    _check_module(module, "validation_step")
    engine = Engine(_ModuleValidationStep(module), model=module, trainer_kwargs=trainer_kwargs, callbacks=callbacks)
    engine.add_event_handler(Events.EPOCH_COMPLETED, _callback_metrics)
    return engine

"""``EngineModule``: an Ignite process function as a LightningModule for a plain ``pl.Trainer``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional

import pytorch_lightning as pl
import torch

from bridge.engine.engine import Engine
from bridge.engine.events import _check_signature
from bridge.lightning.callback import EngineCallback
from bridge.lightning.hooks import StepCounter, is_scalar, lightning_step_output

__all__ = ["EngineModule"]

_OPTIMIZERS_HELP = (
    "an optimizer, a list or tuple of optimizers, Lightning's dict "
    "{'optimizer': ..., 'lr_scheduler': ...} (or a list of such dicts), or None"
)


def _is_optimizer_config(value: Any) -> bool:
    return isinstance(value, torch.optim.Optimizer) or (
        isinstance(value, Mapping) and isinstance(value.get("optimizer"), torch.optim.Optimizer)
    )


def _check_optimizers(optimizers: Any) -> None:
    """Refuse early what ``configure_optimizers`` could not return (Lightning would fail mid-setup)."""
    if optimizers is None or _is_optimizer_config(optimizers):
        return
    if isinstance(optimizers, Sequence) and not isinstance(optimizers, str):
        if all(_is_optimizer_config(item) for item in optimizers):
            return
        # Lightning's ([optimizers], [schedulers]) form
        if (
            len(optimizers) == 2
            and isinstance(optimizers[0], Sequence)
            and isinstance(optimizers[1], Sequence)
            and all(isinstance(item, torch.optim.Optimizer) for item in optimizers[0])
        ):
            return
    raise TypeError(f"EngineModule(optimizers=...) must be {_OPTIMIZERS_HELP}; got {optimizers!r}.")


_MISSING = object()


class EngineModule(pl.LightningModule):
    """A LightningModule (manual optimization) whose ``training_step`` is an Ignite process function.

    ``pl.Trainer(...).fit(EngineModule(step, model, optimizer), loader)`` trains Ignite-style
    code with Lightning's machinery, callbacks (``ModelCheckpoint``, ``EarlyStopping``,
    ``LearningRateMonitor``), loggers and progress bar.

    - ``self.engine`` is the ``.train`` engine of the module's :class:`EngineCallback`
      (``self.callback``, returned by ``configure_callbacks``): add Ignite handlers to it.
    - ``training_step`` calls ``process_function(self.engine, batch)``; its return value is
      ``engine.state.output`` (Lightning gets it too when it is a tensor or a mapping).
    - ``model`` becomes the submodule ``self.model``: Lightning moves it to the device,
      applies precision plugins and saves it in checkpoints (keys ``"model.*"``).
    - ``optimizers`` is what ``configure_optimizers`` returns. As in any manual-optimization
      module, the process function steps them; ``engine.optimizers`` /
      ``engine.manual_backward`` are the Lightning-wrapped ones (precision, strategy,
      BackpropEvents). ``trainer.global_step`` counts steps of the raw optimizers too, or each
      iteration when ``optimizers`` is None (the process function steps its own).
      LR schedulers are stepped by your code (e.g. a handler), as in manual optimization.
    - At each epoch end the numeric ``engine.state.metrics`` (what Ignite metrics and
      handlers wrote) are logged with ``self.log(name, value, on_epoch=True)``, so loggers
      and ``monitor=`` callbacks see them; ``engine.log(name, value)`` logs from the step.

    Args:
        process_function: ``process_function(engine, batch) -> output``, as for ``Engine``.
        model: the ``torch.nn.Module`` being trained, or None.
        optimizers: an optimizer, a list, Lightning's ``{"optimizer": ..., "lr_scheduler": ...}``, or None.

    Example:
        >>> import torch, pytorch_lightning as pl
        >>> from bridge.engine import Events
        >>> model = torch.nn.Linear(2, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> def step(engine, batch):
        ...     optimizer.zero_grad()
        ...     loss = model(batch).pow(2).mean()
        ...     loss.backward()
        ...     optimizer.step()
        ...     return loss.item()
        >>> module = EngineModule(step, model, optimizer)
        >>> _ = module.engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: print(e.state.iteration))
        >>> trainer = pl.Trainer(max_epochs=2, accelerator="cpu", logger=False, enable_checkpointing=False,
        ...                      enable_progress_bar=False, enable_model_summary=False)
        >>> trainer.fit(module, torch.utils.data.DataLoader(torch.ones(6, 2), batch_size=2))
        3
        6
    """

    def __init__(
        self,
        process_function: Callable[[Engine, Any], Any],
        model: Optional[torch.nn.Module] = None,
        optimizers: Any = None,
    ) -> None:
        super().__init__()
        # the process function does its own backward and optimizer steps, as in Ignite
        self.automatic_optimization = False
        if not callable(process_function):
            raise TypeError(f"EngineModule(process_function=...) must be callable; got {process_function!r}.")
        if model is not None and not isinstance(model, torch.nn.Module):
            raise TypeError(f"EngineModule(model=...) must be a torch.nn.Module or None; got {type(model).__name__}.")
        _check_optimizers(optimizers)
        self.callback = EngineCallback()
        self.callback._train.outputs_from_lightning = False  # training_step keeps the real output
        self.engine: Engine = self.callback.train
        _check_signature(process_function, "process_function", self.engine, None)
        self.process_function = process_function
        if model is not None:
            self.model = model
        self._optimizers_config = optimizers
        self._steps = StepCounter()  # Lightning's global_step follows Ignite-style code

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.model(*args, **kwargs)

    def configure_callbacks(self) -> list[pl.Callback]:
        return [self.callback]

    def configure_optimizers(self) -> Any:
        return [] if self._optimizers_config is None else self._optimizers_config

    def on_train_start(self) -> None:
        self._steps.start(self.trainer)

    def on_train_end(self) -> None:
        self._steps.stop()

    def on_exception(self, exception: BaseException) -> None:
        self._steps.stop()

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> Optional[int]:
        # a handler terminated the run at GET_BATCH_*/ITERATION_STARTED: as in Ignite, no step runs
        return -1 if self.callback._train.terminated else None

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        state = self.engine.state
        state.batch = batch  # Lightning's (device-placed) batch
        state.output = self.process_function(self.engine, batch)
        self._steps.iteration_done()
        return lightning_step_output(state.output)

    def on_train_epoch_end(self) -> None:
        # Runs after EngineCallback's EPOCH_COMPLETED (where Ignite metrics write) and before
        # Lightning's monitoring callbacks. Values copied in from Lightning are not logged back.
        copied = self.callback.train._from_lightning
        with_logger = bool(self.trainer.loggers)
        for name, value in self.engine.state.metrics.items():
            if copied.get(name, _MISSING) is not value and is_scalar(value):
                self.log(name, value, on_step=False, on_epoch=True, logger=with_logger)
                # next epoch, Lightning's value of it is this one: not copied over a RunningAverage's fresh value
                self.callback.train._to_lightning.add(name)

"""What an Engine reaches of the framework that drives it: optimizers, backward, logging.

While a runner (``Engine.run``) or ``EngineCallback`` drives an engine, it lends the
engine an :class:`~bridge.engine.runners.EngineDriver`; :class:`DrivenMixin` gives the
engine's public side of it: :attr:`~DrivenMixin.optimizers`,
:meth:`~DrivenMixin.manual_backward`, :meth:`~DrivenMixin.log`, and the counted
:class:`~bridge.engine.events.BackpropEvents`. Nothing here imports the framework.

Example:
    >>> from bridge.engine import Engine
    >>> Engine(lambda e, b: b).optimizers
    Traceback (most recent call last):
    ...
    RuntimeError: engine.optimizers is available while Lightning drives the engine: inside run() (or a Lightning fit with EngineCallback / EngineModule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import pytorch_lightning as pl
    import torch

    from bridge.engine.runners import DrivenOptimizer, EngineDriver

__all__ = ["DrivenMixin"]


class DrivenMixin:
    """The engine's side of its driver (see the module docstring).

    Example:
        >>> from bridge.engine import Engine
        >>> Engine(lambda e, b: b).lightning_trainer is None
        True
    """

    #: the ``pl.Trainer`` of the current or last run (None before the first run)
    lightning_trainer: Optional[pl.Trainer] = None
    _driver: Optional[EngineDriver] = None

    def _set_driver(self, driver: Optional[EngineDriver]) -> Optional[EngineDriver]:
        """Lend the engine ``driver`` (None: take it back); return the one it had.

        Called by what drives the engine: a runner for the length of a run, ``EngineCallback``
        between a Trainer's setup and teardown.
        """
        previous, self._driver = self._driver, driver
        return previous

    def _require_driver(self, what: str) -> EngineDriver:
        if self._driver is None:
            raise RuntimeError(
                f"engine.{what} is available while Lightning drives the engine: inside run() "
                "(or a Lightning fit with EngineCallback / EngineModule)."
            )
        return self._driver

    @property
    def optimizers(self) -> list[DrivenOptimizer]:
        """The run's optimizers as Lightning wraps them (``LightningOptimizer``; Fabric's under ``runner="fabric"``), a list.

        Stepping them goes through Lightning's precision and strategy handling and fires
        ``OPTIM_STEP_STARTED`` / ``OPTIM_STEP_COMPLETED``.

        Example:
            >>> import torch
            >>> from bridge.engine import Engine, BackpropEvents
            >>> model = torch.nn.Linear(2, 1)
            >>> def step(engine, batch):
            ...     engine.optimizers[0].zero_grad()
            ...     engine.manual_backward(model(batch).sum())
            ...     engine.optimizers[0].step()
            >>> engine = Engine(step, model=model, optimizers=torch.optim.SGD(model.parameters(), lr=0.1))
            >>> engine.run([torch.ones(1, 2)] * 3).optim_step_completed
            3
        """
        # the driver is read inline (not through _require_driver): the process function's hot path
        driver = self._driver
        return list((driver if driver is not None else self._require_driver("optimizers")).optimizers())

    def manual_backward(self, loss: torch.Tensor, *args: object, **kwargs: object) -> None:
        """``loss.backward()`` through Lightning (precision scaling, strategy), firing BACKWARD events.

        Lightning callbacks of the run see their ``on_before_backward`` / ``on_after_backward``.

        Example:
            >>> import torch
            >>> from bridge.engine import Engine, BackpropEvents
            >>> weight = torch.nn.Parameter(torch.ones(2))
            >>> engine = Engine(lambda e, b: e.manual_backward((weight * b).sum()), model=torch.nn.ParameterList([weight]))
            >>> _ = engine.add_event_handler(BackpropEvents.BACKWARD_COMPLETED, lambda e: print(weight.grad))
            >>> _ = engine.run([torch.tensor([1.0, 2.0])])
            tensor([1., 2.])
        """
        driver = self._driver
        if driver is None:
            driver = self._require_driver("manual_backward")
        if args or kwargs:
            driver.manual_backward(loss, *args, **kwargs)
        else:  # a call with positional arguments only is cheaper for Python (no argument unpacking)
            driver.manual_backward(loss)

    def log(self, name: str, value: object, **kwargs: object) -> None:
        """Log ``value`` to the Lightning loggers of the run (``LightningModule.log``'s options).

        Logged values also reach ``trainer.callback_metrics``, so Lightning's
        ``EarlyStopping`` and ``ModelCheckpoint(monitor=...)`` can watch them. Call it from
        the process function or a handler of an iteration or epoch event.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: e.log("double", 2.0 * b))
            >>> _ = engine.run([1.0, 4.0])
            >>> float(engine.lightning_trainer.callback_metrics["double"])
            8.0
        """
        self._require_driver("log").log(name, value, **kwargs)

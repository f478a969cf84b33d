"""Ignite's Weights & Biases logger and its handlers (``ignite.handlers.wandb_logger``).

:class:`WandBLogger` is also a stand-in for the ``wandb`` module (``wandb_logger.watch(model)``,
``wandb_logger.run.dir``): its handlers call ``wandb.log(values, step=...)`` with the same
names, values and steps as Ignite 0.5.5 (checked in ``tests/test_handlers_tracker_loggers.py``
against a recording stand-in for wandb).

``wandb.init`` runs on first use, not in the constructor: only rank 0 logs, so the other ranks
of a multi-process job never start a run. Lightning's own ``WandbLogger`` (in
``trainer_kwargs={"logger": ...}``) is the alternative for ``self.log`` values of a
LightningModule.

Example:
    >>> from unittest import mock
    >>> from bridge.engine import Engine, Events
    >>> wandb = mock.MagicMock(name="wandb")  # stands in for the wandb package here
    >>> engine = Engine(lambda e, b: b / 10)
    >>> with mock.patch.dict("sys.modules", {"wandb": wandb}):
    ...     wandb_logger = WandBLogger(project="demo", config={"max_epochs": 1})
    ...     _ = wandb_logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="training",
    ...                                            output_transform=lambda loss: {"loss": loss})
    ...     _ = engine.run([1.0, 2.0])
    ...     wandb_logger.close()
    >>> wandb.mock_calls  # doctest: +NORMALIZE_WHITESPACE
    [call.init(project='demo', config={'max_epochs': 1}),
     call.log({'training/loss': 0.1}, step=1), call.log({'training/loss': 0.2}, step=2), call.finish()]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, Union
from warnings import warn

from torch.optim import Optimizer

from bridge.engine.engine import Engine
from bridge.handlers._client_logger import ClientLogger, checked_step, optimizer_params
from bridge.handlers.base_logger import BaseOptimizerParamsHandler, BaseOutputHandler
from bridge.handlers.utils import global_step_from_engine

__all__ = ["WandBLogger", "OutputHandler", "OptimizerParamsHandler", "global_step_from_engine"]

_SYNC_DEPRECATED = "The sync argument for the WandBLoggers is no longer used, and may be removed in the future"


def _import_wandb() -> Any:
    try:
        import wandb
    except ImportError:
        raise ModuleNotFoundError(
            "This contrib module requires wandb to be installed. "
            "You man install wandb with the command:\n pip install wandb\n"
        )
    return wandb


class WandBLogger(ClientLogger):
    """Ignite's W&B logger: its handlers log an engine's output, metrics and optimizer parameters with ``wandb.log``.

    Args:
        args: positional arguments of ``wandb.init``.
        kwargs: keyword arguments of ``wandb.init`` (``project``, ``entity``, ``name``,
            ``config``, ``tags``, ...). ``init=False`` skips ``wandb.init`` (the script
            starts the run itself).

    The logger is also the ``wandb`` module: any other attribute is wandb's
    (``wandb_logger.watch(model)``, ``wandb_logger.config``, ``wandb_logger.run.dir`` for a
    ``ModelCheckpoint``), and reading one runs ``wandb.init(*args, **kwargs)`` first if it has
    not run yet. :meth:`close` calls ``wandb.finish()`` if the logger started the run (or with
    ``init=False``, always, as Ignite). Without wandb installed the constructor raises
    Ignite's ``ModuleNotFoundError``.

    Example:
        >>> from unittest import mock
        >>> wandb = mock.MagicMock(name="wandb")  # stands in for the wandb package here
        >>> with mock.patch.dict("sys.modules", {"wandb": wandb}):
        ...     wandb_logger = WandBLogger(project="demo")
        ...     started = wandb.init.called  # not yet: the run starts on first use
        ...     _ = wandb_logger.watch("model")
        >>> started, wandb.mock_calls
        (False, [call.init(project='demo'), call.watch('model')])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _import_wandb()  # a missing package fails now; the run starts on first use
        self._client_init = kwargs.pop("init", True)
        self._client_args = args
        self._client_kwargs = kwargs

    def _create_client(self) -> Any:
        wandb = _import_wandb()
        if not self._client_init:
            return None
        return wandb.init(*self._client_args, **self._client_kwargs)

    @property
    def _wandb(self) -> Any:
        """The ``wandb`` module, with the logger's run started (Ignite's attribute).

        Example:
            >>> from unittest import mock
            >>> wandb = mock.MagicMock(name="wandb")
            >>> with mock.patch.dict("sys.modules", {"wandb": wandb}):
            ...     module = WandBLogger(init=False)._wandb
            >>> module is wandb, wandb.init.called
            (True, False)
        """
        self._client_or_create()
        return _import_wandb()

    def _forward_target(self) -> Any:
        return self._wandb

    def close(self) -> None:
        """Finish the W&B run (``wandb.finish()``) if this logger started it, or always with ``init=False``.

        Example:
            >>> from unittest import mock
            >>> wandb = mock.MagicMock(name="wandb")
            >>> with mock.patch.dict("sys.modules", {"wandb": wandb}):
            ...     WandBLogger(project="demo").close()  # no run was started here: nothing to finish
            >>> wandb.mock_calls
            []
        """
        if self.client_made or not self._client_init:
            _import_wandb().finish()

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class OutputHandler(BaseOutputHandler):
    """Logs an engine's output, metrics and state attributes with one ``wandb.log({"<tag>/<name>": value}, step=...)``.

    Args:
        tag: prefix of the names, e.g. ``"training"``.
        metric_names: names in ``engine.state.metrics``, or ``"all"``.
        output_transform: ``engine.state.output -> number`` or a dict of numbers or strings
            (tensors, lists and nested dicts are flattened: ``"training/parts/0"``).
        global_step_transform: ``(engine, event_name) -> int``; by default the engine's own
            counter for the event. :func:`global_step_from_engine` takes another engine's.
        sync: deprecated and unused (a warning), kept for Ignite's signature.
        state_attributes: names of ``engine.state`` attributes.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Engine, Events
        >>> wandb = mock.MagicMock(name="wandb")
        >>> evaluator = Engine(lambda e, b: None)
        >>> evaluator.state.metrics = {"accuracy": 0.75, "best": "epoch 3"}
        >>> handler = OutputHandler("validation", metric_names="all", global_step_transform=lambda e, ev: 7)
        >>> with mock.patch.dict("sys.modules", {"wandb": wandb}):
        ...     handler(evaluator, WandBLogger(), Events.COMPLETED)
        >>> wandb.log.call_args
        call({'validation/accuracy': 0.75, 'validation/best': 'epoch 3'}, step=7)
    """

    def __init__(
        self,
        tag: str,
        metric_names: Optional[Union[str, list[str]]] = None,
        output_transform: Optional[Callable] = None,
        global_step_transform: Optional[Callable[[Engine, Any], int]] = None,
        sync: Optional[bool] = None,
        state_attributes: Optional[list[str]] = None,
    ) -> None:
        super().__init__(tag, metric_names, output_transform, global_step_transform, state_attributes)
        if sync is not None:
            warn(_SYNC_DEPRECATED)

    def __call__(self, engine: Engine, logger: WandBLogger, event_name: Any) -> None:
        if not isinstance(logger, WandBLogger):
            raise RuntimeError(f"Handler '{self.__class__.__name__}' works only with WandBLogger.")
        step = checked_step(self.global_step_transform(engine, event_name))
        logger.log(self._setup_output_metrics_state_attrs(engine, log_text=True, key_tuple=False), step=step)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Logs one parameter (``"lr"`` by default) of each optimizer group: ``wandb.log({"<tag>/lr/group_<i>": ...})``.

    Args:
        optimizer: a ``torch.optim.Optimizer``, or anything with a ``param_groups`` sequence.
        param_name: the group parameter to log.
        tag: prefix of the names, e.g. ``"generator"``.
        sync: deprecated and unused (a warning), kept for Ignite's signature.

    The step is the engine's counter for the event (the iteration at ``ITERATION_STARTED``).

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> wandb = mock.MagicMock(name="wandb")
        >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.01)
        >>> trainer = Engine(lambda e, b: None)
        >>> trainer.state.iteration = 5
        >>> with mock.patch.dict("sys.modules", {"wandb": wandb}):
        ...     OptimizerParamsHandler(optimizer)(trainer, WandBLogger(), Events.ITERATION_STARTED)
        >>> wandb.log.call_args
        call({'lr/group_0': 0.01}, step=5)
    """

    def __init__(
        self, optimizer: Optimizer, param_name: str = "lr", tag: Optional[str] = None, sync: Optional[bool] = None
    ) -> None:
        super().__init__(optimizer, param_name, tag)
        if sync is not None:
            warn(_SYNC_DEPRECATED)

    def __call__(self, engine: Engine, logger: WandBLogger, event_name: Any) -> None:
        if not isinstance(logger, WandBLogger):
            raise RuntimeError("Handler OptimizerParamsHandler works only with WandBLogger")
        step = engine.state.get_event_attrib_value(event_name)
        logger.log(optimizer_params(self), step=step)

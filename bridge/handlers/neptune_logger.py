"""Ignite's Neptune logger, its handlers and ``NeptuneSaver`` (``ignite.handlers.neptune_logger``).

:class:`NeptuneLogger` logs into a Neptune run (``neptune.init_run``): its handlers append each
value to a series, ``run[name].append(value, step=...)``, and :class:`NeptuneSaver` uploads
:class:`~bridge.handlers.checkpoint.Checkpoint` files to the run; the same names, values, steps
and files as Ignite 0.5.5 (checked in ``tests/test_handlers_tracker_loggers.py`` against a
recording stand-in for neptune).

The run is made on first use, not by the constructor: only rank 0 logs and saves, so the
other ranks of a multi-process job never make one. Lightning's own ``NeptuneLogger`` (in
``trainer_kwargs={"logger": ...}``) is the alternative for ``self.log`` values of a
LightningModule.

Example:
    >>> from unittest import mock
    >>> from bridge.engine import Engine, Events
    >>> neptune = mock.MagicMock(name="neptune")  # stands in for the neptune package here
    >>> engine = Engine(lambda e, b: b / 10)
    >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
    ...     npt_logger = NeptuneLogger(project="workspace/demo")
    ...     _ = npt_logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="training",
    ...                                          output_transform=lambda loss: {"loss": loss})
    ...     _ = engine.run([1.0, 2.0])
    ...     npt_logger.close()
    >>> run = neptune.init_run.return_value
    >>> run.__getitem__.call_args_list  # run["training/loss"].append(value, step=...)
    [call('training/loss'), call('training/loss')]
    >>> run["training/loss"].append.call_args_list
    [call(0.1, step=1), call(0.2, step=2)]
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping
from typing import Any, Optional

import torch

import bridge.distributed as idist
from bridge import __ignite_version__
from bridge.engine.engine import Engine
from bridge.handlers._client_logger import ClientLogger, checked_step, optimizer_params, parameter_scalars
from bridge.handlers.base_logger import BaseOptimizerParamsHandler, BaseOutputHandler, BaseWeightsScalarHandler
from bridge.handlers.checkpoint import BaseSaveHandler
from bridge.handlers.utils import global_step_from_engine

__all__ = [
    "NeptuneLogger",
    "NeptuneSaver",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "GradsScalarHandler",
    "global_step_from_engine",
]

#: where Ignite's logger records its version in the run (bridge records the Ignite API version it implements)
_INTEGRATION_VERSION_KEY = "source_code/integrations/neptune-pytorch-ignite"


def _import_neptune() -> Any:
    try:
        import neptune
    except ImportError:
        raise ModuleNotFoundError(
            "This contrib module requires the Neptune client library to be installed. "
            "Install neptune with the command: \n pip install neptune \n"
        )
    return neptune


class NeptuneLogger(ClientLogger):
    """Ignite's Neptune logger: its handlers log an engine's output, metrics, optimizer parameters and
    model weights or gradients to a Neptune run.

    Args:
        api_token: Neptune API token; ``None`` reads ``NEPTUNE_API_TOKEN``.
        project: ``"workspace/project"``; ``None`` reads ``NEPTUNE_PROJECT``.
        kwargs: other arguments of ``neptune.init_run`` (``name``, ``tags``, ``mode``, ...).

    ``experiment`` is the run, made on first use by
    ``neptune.init_run(api_token=..., project=..., **kwargs)``, which then records the
    integration version under ``"source_code/integrations/neptune-pytorch-ignite"``.
    ``npt_logger[name]`` is ``experiment[name]`` (read and assign), other attributes are the
    run's. :meth:`close` stops the run if it was made. Without neptune installed the
    constructor raises Ignite's ``ModuleNotFoundError``.

    Example:
        >>> from unittest import mock
        >>> neptune = mock.MagicMock(name="neptune")  # stands in for the neptune package here
        >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
        ...     npt_logger = NeptuneLogger(api_token="ANONYMOUS", project="workspace/demo", tags=["mnist"])
        ...     made = neptune.init_run.called  # not yet: the run is made on first use
        ...     npt_logger["parameters"] = {"max_epochs": 10}
        >>> made, neptune.mock_calls  # doctest: +NORMALIZE_WHITESPACE
        (False, [call.init_run(api_token='ANONYMOUS', project='workspace/demo', tags=['mnist']),
                 call.init_run().__setitem__('source_code/integrations/neptune-pytorch-ignite', '0.5.5'),
                 call.init_run().__setitem__('parameters', {'max_epochs': 10})])
    """

    def __init__(self, api_token: Optional[str] = None, project: Optional[str] = None, **kwargs: Any) -> None:
        _import_neptune()  # a missing package fails now; the run is made on first use
        self._client_kwargs = {"api_token": api_token, "project": project, **kwargs}

    def _create_client(self) -> Any:
        run = _import_neptune().init_run(**self._client_kwargs)
        run[_INTEGRATION_VERSION_KEY] = __ignite_version__
        return run

    @property
    def experiment(self) -> Any:
        """The Neptune run, made on first use.

        Example:
            >>> from unittest import mock
            >>> neptune = mock.MagicMock(name="neptune")
            >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
            ...     run = NeptuneLogger().experiment
            >>> run is neptune.init_run.return_value
            True
        """
        return self._client_or_create()

    def __getitem__(self, key: str) -> Any:
        return self.experiment[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.experiment[key] = value

    def _close_client(self, client: Any) -> None:
        client.stop()

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class OutputHandler(BaseOutputHandler):
    """Appends an engine's output, metrics and state attributes to Neptune series ``"<tag>/<name>"``.

    Args:
        tag: prefix of the names, e.g. ``"training"``.
        metric_names: names in ``engine.state.metrics``, or ``"all"``.
        output_transform: ``engine.state.output -> number`` or a dict of numbers (tensors,
            lists and nested dicts are flattened: ``"training/parts/0"``).
        global_step_transform: ``(engine, event_name) -> int``; by default the engine's own
            counter for the event. :func:`global_step_from_engine` takes another engine's.
        state_attributes: names of ``engine.state`` attributes.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Engine, Events
        >>> neptune = mock.MagicMock(name="neptune")
        >>> evaluator = Engine(lambda e, b: None)
        >>> evaluator.state.metrics = {"accuracy": 0.75}
        >>> handler = OutputHandler("validation", metric_names=["accuracy"], global_step_transform=lambda e, ev: 7)
        >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
        ...     handler(evaluator, NeptuneLogger(), Events.COMPLETED)
        >>> run = neptune.init_run.return_value
        >>> run.__getitem__.call_args, run["validation/accuracy"].append.call_args
        (call('validation/accuracy'), call(0.75, step=7))
    """

    def __call__(self, engine: Engine, logger: NeptuneLogger, event_name: Any) -> None:
        if not isinstance(logger, NeptuneLogger):
            raise TypeError("Handler OutputHandler works only with NeptuneLogger")
        metrics: dict[Any, Any] = self._setup_output_metrics_state_attrs(engine, key_tuple=False)
        step = checked_step(self.global_step_transform(engine, event_name))
        for name, value in metrics.items():
            logger[name].append(value, step=step)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Appends one parameter (``"lr"`` by default) of each optimizer group to series ``"<tag>/lr/group_<i>"``.

    Args:
        optimizer: a ``torch.optim.Optimizer``, or anything with a ``param_groups`` sequence.
        param_name: the group parameter to log.
        tag: prefix of the names, e.g. ``"generator"``.

    The step is the engine's counter for the event (the iteration at ``ITERATION_STARTED``).

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> neptune = mock.MagicMock(name="neptune")
        >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.01)
        >>> trainer = Engine(lambda e, b: None)
        >>> trainer.state.iteration = 5
        >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
        ...     OptimizerParamsHandler(optimizer, tag="gen")(trainer, NeptuneLogger(), Events.ITERATION_STARTED)
        >>> run = neptune.init_run.return_value
        >>> run.__getitem__.call_args, run["gen/lr/group_0"].append.call_args
        (call('gen/lr/group_0'), call(0.01, step=5))
    """

    def __call__(self, engine: Engine, logger: NeptuneLogger, event_name: Any) -> None:
        if not isinstance(logger, NeptuneLogger):
            raise TypeError("Handler OptimizerParamsHandler works only with NeptuneLogger")
        step = engine.state.get_event_attrib_value(event_name)
        for name, value in optimizer_params(self).items():
            logger[name].append(value, step=step)


class _ScalarHandler(BaseWeightsScalarHandler):
    """Appends ``reduction`` of each parameter that has a gradient (of the gradient with ``_grads``)."""

    _grads = False

    def __call__(self, engine: Engine, logger: NeptuneLogger, event_name: Any) -> None:
        if not isinstance(logger, NeptuneLogger):
            raise TypeError(f"Handler {type(self).__name__} works only with NeptuneLogger")
        step = engine.state.get_event_attrib_value(event_name)
        # Ignite's Neptune handlers leave out the parameters without a gradient, for the weights too
        trained = [(name, parameter) for name, parameter in self.weights if parameter.grad is not None]
        for name, value in parameter_scalars(self, self._grads, trained).items():
            logger[name].append(value, step=step)


class WeightsScalarHandler(_ScalarHandler):
    """Appends ``reduction(weight)`` (the norm by default) of each parameter to series ``"<tag>/weights_<reduction>/<name>"``.

    Args:
        model: the model whose parameters are logged.
        reduction: ``tensor -> number``, e.g. ``torch.norm``.
        tag: prefix of the names, e.g. ``"generator"``.
        whitelist: parameter name prefixes to log, or ``(name, parameter) -> bool``; ``None``: all.

    As in Ignite, only the parameters that have a gradient are logged; names use "/" for ".".
    The step is the engine's counter for the event; the values appended are what
    ``reduction`` returns (0-d tensors for ``torch.norm``).

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> neptune = mock.MagicMock(name="neptune")
        >>> model = torch.nn.Linear(2, 1)
        >>> model(torch.ones(1, 2)).sum().backward()
        >>> trainer = Engine(lambda e, b: None)
        >>> trainer.state.epoch = 1
        >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
        ...     WeightsScalarHandler(model, whitelist=["bias"])(trainer, NeptuneLogger(), Events.EPOCH_COMPLETED)
        >>> neptune.init_run.return_value.__getitem__.call_args
        call('weights_norm/bias')
    """


class GradsScalarHandler(_ScalarHandler):
    """Appends ``reduction(gradient)`` (the norm by default) of each parameter to series ``"<tag>/grads_<reduction>/<name>"``.

    Args:
        model: the model whose gradients are logged.
        reduction: ``tensor -> number``, e.g. ``torch.norm``.
        tag: prefix of the names, e.g. ``"generator"``.
        whitelist: parameter name prefixes to log, or ``(name, parameter) -> bool``; ``None``: all.

    Parameters without a gradient are left out; names use "/" for ".". The step is the
    engine's counter for the event.

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> neptune = mock.MagicMock(name="neptune")
        >>> model = torch.nn.Linear(2, 1)
        >>> model(torch.ones(1, 2)).sum().backward()
        >>> trainer = Engine(lambda e, b: None)
        >>> trainer.state.iteration = 3
        >>> with mock.patch.dict("sys.modules", {"neptune": neptune}):
        ...     GradsScalarHandler(model, tag="net")(trainer, NeptuneLogger(), Events.ITERATION_COMPLETED)
        >>> neptune.init_run.return_value.__getitem__.call_args_list
        [call('net/grads_norm/weight'), call('net/grads_norm/bias')]
        >>> neptune.init_run.return_value["net/grads_norm/bias"].append.call_args
        call(tensor(1.), step=3)
    """

    _grads = True


def _neptune_file_class() -> Any:
    """neptune's ``File`` (``neptune.new.types`` before neptune 1.0, ``neptune.types`` since)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # neptune.new warns that it is deprecated
            from neptune.new.types import File
    except ImportError:
        from neptune.types import File
    return File


class NeptuneSaver(BaseSaveHandler):
    """A :class:`~bridge.handlers.checkpoint.Checkpoint` save handler that uploads checkpoints to a Neptune run.

    Args:
        neptune_logger: the :class:`NeptuneLogger` whose run gets the files.

    Each checkpoint is ``torch.save`` d to a temporary file and uploaded under its file name
    (``run[filename].upload(File.from_stream(...))``); a removed checkpoint is deleted from the
    run. Rank 0 uploads and deletes; every rank waits for the deletion (a barrier), as in Ignite.

    Example:
        >>> from unittest import mock
        >>> import sys, types, torch
        >>> from bridge.engine import Engine, Events
        >>> from bridge.handlers.checkpoint import Checkpoint
        >>> neptune = mock.MagicMock(name="neptune")
        >>> neptune_types = types.ModuleType("neptune.types")  # neptune.types.File, recording the upload
        >>> neptune_types.File = mock.MagicMock(name="File")
        >>> trainer = Engine(lambda e, b: None)
        >>> with mock.patch.dict("sys.modules", {"neptune": neptune, "neptune.types": neptune_types}):
        ...     saver = NeptuneSaver(NeptuneLogger())
        ...     _ = trainer.add_event_handler(Events.EPOCH_COMPLETED,
        ...                                   Checkpoint({"model": torch.nn.Linear(1, 1)}, saver, n_saved=1))
        ...     _ = trainer.run([0], max_epochs=2)
        >>> run = neptune.init_run.return_value
        >>> [c.args for c in run.__getitem__.call_args_list], run.__delitem__.call_args
        ([('model_1.pt',), ('model_2.pt',)], call('model_1.pt'))
    """

    def __init__(self, neptune_logger: NeptuneLogger) -> None:
        self._logger = neptune_logger

    def __call__(self, checkpoint: Mapping, filename: str, metadata: Optional[Mapping] = None) -> None:
        if idist.get_rank() != 0:
            return
        file_class = _neptune_file_class()
        # NamedTemporaryFile's name cannot be opened twice on Windows: upload from its open stream
        with tempfile.NamedTemporaryFile() as tmp:
            torch.save(checkpoint, tmp.file)
            tmp.file.seek(0)
            self._logger[filename].upload(file_class.from_stream(tmp.file))

    def remove(self, filename: str) -> None:
        if idist.get_rank() == 0:
            del self._logger.experiment[filename]
        idist.barrier()

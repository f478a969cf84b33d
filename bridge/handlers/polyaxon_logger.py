"""Ignite's Polyaxon logger and its handlers (``ignite.handlers.polyaxon_logger``).

:class:`PolyaxonLogger` logs through a Polyaxon tracking run (``polyaxon.tracking.Run``, or
``polyaxon_client.tracking.Experiment`` for Polyaxon v0): its handlers call
``experiment.log_metrics(**values, step=...)`` with the same names, values and steps as Ignite
0.5.5 (checked in ``tests/test_handlers_tracker_loggers.py`` against a recording stand-in).

The run is made on first use, not by the constructor: only rank 0 logs, so the other ranks
of a multi-process job never make one.

Example:
    >>> from unittest import mock
    >>> from bridge.engine import Engine, Events
    >>> polyaxon = mock.MagicMock(name="polyaxon")  # stands in for the polyaxon package here
    >>> engine = Engine(lambda e, b: b / 10)
    >>> with mock.patch.dict("sys.modules", {"polyaxon": polyaxon, "polyaxon.tracking": polyaxon.tracking}):
    ...     plx_logger = PolyaxonLogger()
    ...     _ = plx_logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="training",
    ...                                          output_transform=lambda loss: {"loss": loss})
    ...     _ = engine.run([1.0, 2.0])
    ...     plx_logger.close()
    >>> polyaxon.tracking.Run.return_value.mock_calls
    [call.log_metrics(training/loss=0.1, step=1), call.log_metrics(training/loss=0.2, step=2), call.end()]
"""

from __future__ import annotations

from typing import Any

from bridge.engine.engine import Engine
from bridge.handlers._client_logger import ClientLogger, checked_step, optimizer_params
from bridge.handlers.base_logger import BaseOptimizerParamsHandler, BaseOutputHandler
from bridge.handlers.utils import global_step_from_engine

__all__ = ["PolyaxonLogger", "OutputHandler", "OptimizerParamsHandler", "global_step_from_engine"]


def _tracking_class() -> Any:
    """Polyaxon v1's ``Run``, else v0's ``Experiment`` (Ignite's order and error)."""
    try:
        from polyaxon.tracking import Run
    except ImportError:
        try:
            from polyaxon_client.tracking import Experiment
        except ImportError:
            raise ModuleNotFoundError(
                "This contrib module requires polyaxon to be installed.\n"
                "For Polyaxon v1.x please install it with command: \n pip install polyaxon\n"
                "For Polyaxon v0.x please install it with command: \n pip install polyaxon-client"
            )
        return Experiment
    return Run


class PolyaxonLogger(ClientLogger):
    """Ignite's Polyaxon logger: its handlers log an engine's output, metrics and optimizer parameters to Polyaxon.

    Args:
        args: positional arguments of ``polyaxon.tracking.Run`` (or of v0's ``Experiment``).
        kwargs: keyword arguments of ``Run`` (or of ``Experiment``).

    ``experiment`` is the ``Run``, made on first use; other attributes are its
    (``plx_logger.log_inputs(seed=12)``). :meth:`close` ends it (``experiment.end()``, errors
    ignored as in Ignite) if it was made. Without polyaxon nor polyaxon-client installed the
    constructor raises Ignite's ``ModuleNotFoundError``.

    Example:
        >>> from unittest import mock
        >>> polyaxon = mock.MagicMock(name="polyaxon")  # stands in for the polyaxon package here
        >>> with mock.patch.dict("sys.modules", {"polyaxon": polyaxon, "polyaxon.tracking": polyaxon.tracking}):
        ...     plx_logger = PolyaxonLogger(project="demo")
        ...     made = polyaxon.tracking.Run.called  # not yet: the run is made on first use
        ...     _ = plx_logger.log_inputs(seed=12)
        >>> made, polyaxon.tracking.mock_calls
        (False, [call.Run(project='demo'), call.Run().log_inputs(seed=12)])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _tracking_class()  # a missing package fails now; the run is made on first use
        self._client_args = args
        self._client_kwargs = kwargs

    def _create_client(self) -> Any:
        return _tracking_class()(*self._client_args, **self._client_kwargs)

    @property
    def experiment(self) -> Any:
        """The Polyaxon ``Run`` (v0: ``Experiment``), made on first use.

        Example:
            >>> from unittest import mock
            >>> polyaxon = mock.MagicMock(name="polyaxon")
            >>> with mock.patch.dict("sys.modules", {"polyaxon": polyaxon, "polyaxon.tracking": polyaxon.tracking}):
            ...     run = PolyaxonLogger().experiment
            >>> run is polyaxon.tracking.Run.return_value
            True
        """
        return self._client_or_create()

    def _close_client(self, client: Any) -> None:
        try:
            client.end()
        except Exception:
            pass  # Ignite's close ignores a run that cannot end (v0, offline)

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class OutputHandler(BaseOutputHandler):
    """Logs an engine's output, metrics and state attributes: ``experiment.log_metrics(**{"<tag>/<name>": v}, step=s)``.

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
        >>> polyaxon = mock.MagicMock(name="polyaxon")
        >>> evaluator = Engine(lambda e, b: None)
        >>> evaluator.state.metrics = {"accuracy": 0.75}
        >>> handler = OutputHandler("validation", metric_names=["accuracy"], global_step_transform=lambda e, ev: 7)
        >>> with mock.patch.dict("sys.modules", {"polyaxon": polyaxon, "polyaxon.tracking": polyaxon.tracking}):
        ...     handler(evaluator, PolyaxonLogger(), Events.COMPLETED)
        >>> polyaxon.tracking.Run.return_value.log_metrics.call_args
        call(validation/accuracy=0.75, step=7)
    """

    def __call__(self, engine: Engine, logger: PolyaxonLogger, event_name: Any) -> None:
        if not isinstance(logger, PolyaxonLogger):
            raise RuntimeError("Handler 'OutputHandler' works only with PolyaxonLogger")
        metrics: dict[Any, Any] = self._setup_output_metrics_state_attrs(engine, key_tuple=False)
        metrics["step"] = checked_step(self.global_step_transform(engine, event_name))
        logger.log_metrics(**metrics)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Logs one parameter (``"lr"`` by default) of each optimizer group: ``log_metrics(**{"<tag>/lr/group_<i>": v})``.

    Args:
        optimizer: a ``torch.optim.Optimizer``, or anything with a ``param_groups`` sequence.
        param_name: the group parameter to log.
        tag: prefix of the names, e.g. ``"generator"``.

    The step is the engine's counter for the event (the iteration at ``ITERATION_STARTED``).

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> polyaxon = mock.MagicMock(name="polyaxon")
        >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.01)
        >>> trainer = Engine(lambda e, b: None)
        >>> trainer.state.iteration = 5
        >>> with mock.patch.dict("sys.modules", {"polyaxon": polyaxon, "polyaxon.tracking": polyaxon.tracking}):
        ...     OptimizerParamsHandler(optimizer, tag="gen")(trainer, PolyaxonLogger(), Events.ITERATION_STARTED)
        >>> polyaxon.tracking.Run.return_value.log_metrics.call_args
        call(gen/lr/group_0=0.01, step=5)
    """

    def __call__(self, engine: Engine, logger: PolyaxonLogger, event_name: Any) -> None:
        if not isinstance(logger, PolyaxonLogger):
            raise RuntimeError("Handler OptimizerParamsHandler works only with PolyaxonLogger")
        params: dict[str, Any] = dict(optimizer_params(self))
        params["step"] = engine.state.get_event_attrib_value(event_name)
        logger.log_metrics(**params)

"""Ignite's MLflow logger and its handlers (``ignite.handlers.mlflow_logger``).

:class:`MLflowLogger` logs through mlflow's module-level API (``mlflow.log_metrics``, ...) into
the active run: the same metric names, values and steps, in the same calls, as Ignite 0.5.5
(checked in ``tests/test_handlers_tracker_loggers.py`` against a recording stand-in for mlflow).

The run is started on first use, not by the constructor: only rank 0 logs, so the other
ranks of a multi-process job never start one. Lightning's own ``MLFlowLogger`` (in
``trainer_kwargs={"logger": ...}``) is the alternative for ``self.log`` values of a
LightningModule; this one logs what Ignite's handlers pick (engine output, metrics,
optimizer parameters).

Example:
    >>> from unittest import mock
    >>> from bridge.engine import Engine, Events
    >>> mlflow = mock.MagicMock(name="mlflow")  # stands in for the mlflow package here
    >>> engine = Engine(lambda e, b: b / 10)
    >>> with mock.patch.dict("sys.modules", {"mlflow": mlflow, "mlflow.utils.validation": mlflow.utils.validation}):
    ...     mlflow_logger = MLflowLogger()
    ...     _ = mlflow_logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="training",
    ...                                             output_transform=lambda loss: {"loss": loss})
    ...     _ = engine.run([1.0, 2.0])
    ...     mlflow_logger.close()
    >>> mlflow.log_metrics.call_args_list
    [call({'training loss': 0.1}, step=1), call({'training loss': 0.2}, step=2)]
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

from bridge.engine.engine import Engine
from bridge.handlers._client_logger import ClientLogger, checked_step, optimizer_params
from bridge.handlers.base_logger import BaseOptimizerParamsHandler, BaseOutputHandler
from bridge.handlers.utils import global_step_from_engine

__all__ = ["MLflowLogger", "OutputHandler", "OptimizerParamsHandler", "global_step_from_engine"]


def _import_mlflow() -> Any:
    try:
        import mlflow
    except ImportError:
        raise ModuleNotFoundError(
            "This contrib module requires mlflow to be installed. "
            "Please install it with command: \n pip install mlflow"
        )
    return mlflow


class MLflowLogger(ClientLogger):
    """Ignite's MLflow logger: its handlers log an engine's output, metrics and optimizer parameters to MLflow.

    Args:
        tracking_uri: MLflow tracking URI (``mlflow.set_tracking_uri``); ``None`` keeps mlflow's.

    ``active_run`` is the run the values go to: mlflow's active run, or one started by
    ``mlflow.start_run()``, on first use. Other attributes are mlflow's
    (``mlflow_logger.log_params({...})`` is ``mlflow.log_params`` into that run). :meth:`close`
    ends the run (``mlflow.end_run()``) if the logger got one. Without mlflow installed the
    constructor raises Ignite's ``ModuleNotFoundError``.

    Example:
        >>> from unittest import mock
        >>> mlflow = mock.MagicMock(name="mlflow")  # stands in for the mlflow package here
        >>> mlflow.active_run.return_value = None
        >>> with mock.patch.dict("sys.modules", {"mlflow": mlflow}):
        ...     mlflow_logger = MLflowLogger(tracking_uri="file:///tmp/mlruns")
        ...     started = mlflow.start_run.called  # not yet: the run starts on first use
        ...     _ = mlflow_logger.log_params({"seed": 12})
        >>> started, mlflow.mock_calls[:3]
        (False, [call.set_tracking_uri('file:///tmp/mlruns'), call.active_run(), call.start_run()])
        >>> mlflow.log_params.call_args
        call({'seed': 12})
    """

    def __init__(self, tracking_uri: Optional[str] = None) -> None:
        _import_mlflow()  # a missing package fails now; the run starts on first use
        self._client_tracking_uri = tracking_uri

    def _create_client(self) -> Any:
        mlflow = _import_mlflow()
        if self._client_tracking_uri is not None:
            mlflow.set_tracking_uri(self._client_tracking_uri)
        run = mlflow.active_run()
        if run is None:
            run = mlflow.start_run()
        return run

    @property
    def active_run(self) -> Any:
        """The MLflow run values are logged to (``mlflow.ActiveRun``), started on first use.

        Example:
            >>> from unittest import mock
            >>> mlflow = mock.MagicMock(name="mlflow")
            >>> with mock.patch.dict("sys.modules", {"mlflow": mlflow}):
            ...     run = MLflowLogger().active_run  # mlflow's active run: one was active here
            >>> run is mlflow.active_run.return_value, mlflow.start_run.called
            (True, False)
        """
        return self._client_or_create()

    def _forward_target(self) -> Any:
        # Ignite's logger forwards to the mlflow module, whose calls go to the logger's run
        self._client_or_create()
        return _import_mlflow()

    def _close_client(self, client: Any) -> None:
        _import_mlflow().end_run()

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class OutputHandler(BaseOutputHandler):
    """Logs an engine's output, metrics and state attributes as MLflow metrics ``"<tag> <name>"``.

    Args:
        tag: first word of the names, e.g. ``"training"`` (``"training loss"``).
        metric_names: names in ``engine.state.metrics``, or ``"all"``.
        output_transform: ``engine.state.output -> number`` or a dict of numbers (tensors,
            lists and nested dicts are flattened: ``"training parts 0"``).
        global_step_transform: ``(engine, event_name) -> int``; by default the engine's own
            counter for the event. :func:`global_step_from_engine` takes another engine's.
        state_attributes: names of ``engine.state`` attributes.

    Names mlflow refuses (``mlflow.utils.validation.validate_param_and_metric_name``) are left
    out with a warning, as Ignite does.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Engine, Events
        >>> mlflow = mock.MagicMock(name="mlflow")
        >>> evaluator = Engine(lambda e, b: None)
        >>> evaluator.state.metrics = {"accuracy": 0.75}
        >>> handler = OutputHandler("validation", metric_names=["accuracy"], global_step_transform=lambda e, ev: 7)
        >>> with mock.patch.dict("sys.modules", {"mlflow": mlflow, "mlflow.utils.validation": mlflow.utils.validation}):
        ...     handler(evaluator, MLflowLogger(), Events.COMPLETED)
        >>> mlflow.log_metrics.call_args
        call({'validation accuracy': 0.75}, step=7)
    """

    def __call__(self, engine: Engine, logger: MLflowLogger, event_name: Any) -> None:
        if not isinstance(logger, MLflowLogger):
            raise TypeError("Handler 'OutputHandler' works only with MLflowLogger")
        values = self._setup_output_metrics_state_attrs(engine)
        step = checked_step(self.global_step_transform(engine, event_name))
        logger.active_run  # noqa: B018 - the run starts before mlflow is asked anything, as in Ignite

        # mlflow raises on a name it refuses: leave those out, as Ignite does
        from mlflow.utils.validation import validate_param_and_metric_name

        metrics = {" ".join(key): value for key, value in values.items()}
        for name in list(metrics):
            if not validate_param_and_metric_name(name):
                warnings.warn(
                    f"MLflowLogger output_handler encountered an invalid metric name '{name}' that "
                    "will be ignored and not logged to MLflow"
                )
                del metrics[name]
        logger.log_metrics(metrics, step=step)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Logs one parameter (``"lr"`` by default) of each optimizer group as MLflow metrics ``"<tag> lr group_<i>"``.

    Args:
        optimizer: a ``torch.optim.Optimizer``, or anything with a ``param_groups`` sequence.
        param_name: the group parameter to log.
        tag: first word of the names, e.g. ``"generator"``.

    The step is the engine's counter for the event (the iteration at ``ITERATION_STARTED``).

    Example:
        >>> from unittest import mock
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> mlflow = mock.MagicMock(name="mlflow")
        >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.01)
        >>> trainer = Engine(lambda e, b: None)
        >>> trainer.state.iteration = 5
        >>> with mock.patch.dict("sys.modules", {"mlflow": mlflow}):
        ...     OptimizerParamsHandler(optimizer, tag="gen")(trainer, MLflowLogger(), Events.ITERATION_STARTED)
        >>> mlflow.log_metrics.call_args
        call({'gen lr group_0': 0.01}, step=5)
    """

    def __call__(self, engine: Engine, logger: MLflowLogger, event_name: Any) -> None:
        if not isinstance(logger, MLflowLogger):
            raise TypeError("Handler OptimizerParamsHandler works only with MLflowLogger")
        step = engine.state.get_event_attrib_value(event_name)
        logger.log_metrics(optimizer_params(self, sep=" "), step=step)

"""Ignite's Visdom logger (``ignite.handlers.visdom_logger``): engine outputs, metrics, optimizer parameters
and weight/gradient norms as line plots on a `visdom <https://github.com/fossasia/visdom>`_ server.

Each logged name gets a window (title and y label the name, x label the event); its first point
creates the window and later points append to it, and every handler call ends by saving the env.
The client calls (``Visdom(...)``, ``line``, ``save``, ``close``) and their arguments are Ignite
0.5.5's for the same run (``tests/test_handlers_visdom_clearml_loggers.py``).

The ``visdom`` package is imported (and checked) when a :class:`VisdomLogger` is built, but the
``visdom.Visdom`` client connects on first use (``vd_logger.vis``): in a multi-process run only
rank 0 logs, so the other ranks never connect. A server that cannot be reached is therefore
reported by the first logged value (Ignite: by the constructor); read ``vd_logger.vis`` to check
early.

Example:
    >>> import sys
    >>> from unittest import mock
    >>> from bridge.engine import Engine, Events
    >>> visdom = mock.MagicMock()  # a stand-in for the visdom package
    >>> visdom.Visdom.return_value.offline = True
    >>> sys.modules["visdom"] = visdom
    >>> vd_logger = VisdomLogger(num_workers=0)
    >>> engine = Engine(lambda e, batch: batch * 0.5)
    >>> _ = vd_logger.attach_output_handler(engine, Events.ITERATION_COMPLETED, tag="training",
    ...                                     output_transform=lambda loss: {"loss": loss})
    >>> _ = engine.run([1.0, 2.0])
    >>> vd_logger.close()
    >>> del sys.modules["visdom"]
    >>> [(call.kwargs["name"], call.kwargs["X"], call.kwargs["Y"]) for call in vd_logger.vis.line.call_args_list]
    [('training/loss', [1], [0.5]), ('training/loss', [2], [1.0])]
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional, Union

import torch
from torch import nn
from torch.optim import Optimizer

from bridge.engine.engine import Engine
from bridge.handlers._client_logger import checked_step, optimizer_params, parameter_scalars
from bridge.handlers.base_logger import (
    BaseLogger,
    BaseOptimizerParamsHandler,
    BaseOutputHandler,
    BaseWeightsScalarHandler,
)
from bridge.handlers.utils import global_step_from_engine

__all__ = [
    "VisdomLogger",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "GradsScalarHandler",
    "global_step_from_engine",
]


def _import_visdom() -> Any:
    try:
        return importlib.import_module("visdom")
    except ImportError:
        raise ModuleNotFoundError(
            "This contrib module requires visdom package. "
            "Please install it with command:\n"
            "pip install git+https://github.com/fossasia/visdom.git"
        )


class _DummyExecutor:
    """The executor of ``num_workers=0``: runs each call at once, in the calling thread.

    Example:
        >>> _DummyExecutor().submit(lambda a, b: a + b, a=1, b=2).result()
        3
    """

    class _DummyFuture:
        def __init__(self, result: Any) -> None:
            self._output = result

        def result(self) -> Any:
            return self._output

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def submit(self, fn: Callable, **kwargs: Any) -> _DummyExecutor._DummyFuture:
        return _DummyExecutor._DummyFuture(fn(**kwargs))

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        pass


def _make_executor(num_workers: int) -> Union[_DummyExecutor, ThreadPoolExecutor]:
    return ThreadPoolExecutor(max_workers=num_workers) if num_workers > 0 else _DummyExecutor()


class VisdomLogger(BaseLogger):
    """Logs to a visdom server: attach its handlers (or any of this module's) to engines.

    Args:
        server: the server's URL; default ``$VISDOM_SERVER_URL``, else ``"localhost"``.
        port: the server's port; default ``$VISDOM_PORT``, else 8097.
        num_workers: threads posting to the server (``concurrent.futures.ThreadPoolExecutor``);
            0 posts from the calling thread, in order (deterministic, slower when logging often).
        raise_exceptions: passed to ``visdom.Visdom``.
        kwargs: passed to ``visdom.Visdom`` (``env``, ``offline``, ``log_to_filename``, ...);
            ``username`` / ``password`` default to ``$VISDOM_USERNAME`` / ``$VISDOM_PASSWORD``.

    The options (and environment variables) are read here; the client is created, and the
    connection checked, on first use of :attr:`vis`. ``close()`` stops the workers and, if a
    client was created, calls its ``close()`` (visdom then closes the env's windows, as in Ignite).

    Example:
        >>> import sys
        >>> from unittest import mock
        >>> visdom = mock.MagicMock()  # a stand-in for the visdom package
        >>> sys.modules["visdom"] = visdom
        >>> with mock.patch.dict(os.environ, {"VISDOM_PORT": "9000"}):
        ...     vd_logger = VisdomLogger(server="http://host", num_workers=0, env="exp1")
        >>> _ = vd_logger.vis  # connects now
        >>> del sys.modules["visdom"]
        >>> visdom.Visdom.call_args.kwargs["port"], visdom.Visdom.call_args.kwargs["env"]
        (9000, 'exp1')
    """

    def __init__(
        self,
        server: Optional[str] = None,
        port: Optional[int] = None,
        num_workers: int = 1,
        raise_exceptions: bool = True,
        **kwargs: Any,
    ) -> None:
        _import_visdom()
        self.server = os.environ.get("VISDOM_SERVER_URL", "localhost") if server is None else server
        self.port = int(os.environ.get("VISDOM_PORT", 8097)) if port is None else port
        for name in ("username", "password"):
            if name not in kwargs:
                kwargs[name] = os.environ.get(f"VISDOM_{name.upper()}", None)
        self.raise_exceptions = raise_exceptions
        self.num_workers = num_workers
        self.client_kwargs = kwargs
        self.executor: Union[_DummyExecutor, ThreadPoolExecutor] = _make_executor(num_workers)
        self._vis: Any = None

    @property
    def vis(self) -> Any:
        """The ``visdom.Visdom`` client, connected on first use (Ignite's error if the server is unreachable)."""
        if self._vis is None:
            client = _import_visdom().Visdom(
                server=self.server, port=self.port, raise_exceptions=self.raise_exceptions, **self.client_kwargs
            )
            if not client.offline and not client.check_connection():
                raise RuntimeError(
                    f"Failed to connect to Visdom server at {self.server}. Did you run python -m visdom.server ?"
                )
            self._vis = client
        return self._vis

    @vis.setter
    def vis(self, client: Any) -> None:
        self._vis = client

    def _save(self) -> None:
        self.vis.save([self.vis.env])

    def close(self) -> None:
        """Stop the posting threads and close the client, if one was created."""
        self.executor.shutdown()
        if self._vis is not None:
            self._vis.close()

    def __getstate__(self) -> dict[str, Any]:
        # neither a connection nor a thread pool crosses a pickle: both come back on first use
        state = dict(self.__dict__)
        state["_vis"] = None
        del state["executor"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.executor = _make_executor(self.num_workers)

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


class _BaseVisDrawer:
    """One visdom window per logged name: the first point creates it, later points append to it."""

    def __init__(self, show_legend: bool = False) -> None:
        self.windows: dict[str, Any] = {}
        self.show_legend = show_legend

    def add_scalar(
        self, logger: VisdomLogger, k: str, v: Union[str, float, torch.Tensor], event_name: Any, global_step: int
    ) -> None:
        """Plot ``v`` at x ``global_step`` in the window of ``k`` (x label: ``event_name``).

        Example:
            >>> from unittest import mock
            >>> logger = mock.MagicMock(spec=VisdomLogger)
            >>> logger.executor = _DummyExecutor()
            >>> drawer = _BaseVisDrawer()
            >>> drawer.add_scalar(logger, "loss", 0.5, "ITERATION_COMPLETED", 1)
            >>> drawer.add_scalar(logger, "loss", 0.25, "ITERATION_COMPLETED", 2)
            >>> [call.kwargs["update"] for call in logger.vis.line.call_args_list]
            [None, 'append']
        """
        if k not in self.windows:
            opts = {"title": k, "xlabel": str(event_name), "ylabel": k, "showlegend": self.show_legend}
            self.windows[k] = {"win": None, "opts": opts}
        window = self.windows[k]
        future = logger.executor.submit(
            logger.vis.line,
            X=[global_step],
            Y=[v],
            env=logger.vis.env,
            win=window["win"],
            update=None if window["win"] is None else "append",
            opts=window["opts"],
            name=k,
        )
        if window["win"] is None:
            # later points need the window's id: wait for the one visdom gives the new window
            window["win"] = future.result()


def _check_logger(logger: Any, handler: str) -> None:
    if not isinstance(logger, VisdomLogger):
        raise RuntimeError(f"Handler {handler} works only with VisdomLogger")


class OutputHandler(BaseOutputHandler, _BaseVisDrawer):
    """Plots an engine's output, metrics and state attributes, one window per name (``"tag/name"``).

    Args:
        tag: prefix of every name, e.g. ``"training"``.
        metric_names: names in ``engine.state.metrics`` to plot, or ``"all"``.
        output_transform: ``engine.state.output -> value`` (a number, or a dict of them).
        global_step_transform: ``(engine, event_name) -> int``, the x value; by default the engine's
            counter for the event. ``global_step_from_engine(trainer)`` plots an evaluator at the trainer's epoch.
        show_legend: show the legend in the windows.
        state_attributes: names of ``engine.state`` attributes to plot.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=VisdomLogger)
        >>> logger.executor = _DummyExecutor()
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration, engine.state.output = 7, 0.5
        >>> handler = OutputHandler("training", output_transform=lambda loss: {"loss": loss})
        >>> handler(engine, logger, Events.ITERATION_COMPLETED)
        >>> call = logger.vis.line.call_args
        >>> call.kwargs["name"], call.kwargs["X"], call.kwargs["Y"], call.kwargs["opts"]["xlabel"]
        ('training/loss', [7], [0.5], 'Events.ITERATION_COMPLETED')
    """

    def __init__(
        self,
        tag: str,
        metric_names: Optional[Union[list[str], str]] = None,
        output_transform: Optional[Callable] = None,
        global_step_transform: Optional[Callable[[Engine, Any], int]] = None,
        show_legend: bool = False,
        state_attributes: Optional[list[str]] = None,
    ) -> None:
        super().__init__(tag, metric_names, output_transform, global_step_transform, state_attributes)
        _BaseVisDrawer.__init__(self, show_legend=show_legend)

    def __call__(self, engine: Engine, logger: VisdomLogger, event_name: Any) -> None:
        _check_logger(logger, "'OutputHandler'")
        metrics = self._setup_output_metrics_state_attrs(engine, key_tuple=False)
        global_step = checked_step(self.global_step_transform(engine, event_name))
        for key, value in metrics.items():
            self.add_scalar(logger, str(key), value, event_name, global_step)
        logger._save()


class OptimizerParamsHandler(BaseOptimizerParamsHandler, _BaseVisDrawer):
    """Plots one parameter (``"lr"`` by default) of each of an optimizer's groups: ``"tag/lr/group_0"``, ...

    Args:
        optimizer: a torch optimizer, or anything with a sequence of ``param_groups``.
        param_name: the group key to plot.
        tag: prefix of the names, e.g. ``"generator"``.
        show_legend: show the legend in the windows.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=VisdomLogger)
        >>> logger.executor = _DummyExecutor()
        >>> optimizer = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration = 3
        >>> OptimizerParamsHandler(optimizer, tag="generator")(engine, logger, Events.ITERATION_STARTED)
        >>> logger.vis.line.call_args.kwargs["name"], logger.vis.line.call_args.kwargs["Y"]
        ('generator/lr/group_0', [0.1])
    """

    def __init__(
        self, optimizer: Optimizer, param_name: str = "lr", tag: Optional[str] = None, show_legend: bool = False
    ) -> None:
        super().__init__(optimizer, param_name, tag)
        _BaseVisDrawer.__init__(self, show_legend=show_legend)

    def __call__(self, engine: Engine, logger: VisdomLogger, event_name: Any) -> None:
        _check_logger(logger, "OptimizerParamsHandler")
        global_step = engine.state.get_event_attrib_value(event_name)
        for key, value in optimizer_params(self).items():
            self.add_scalar(logger, key, value, event_name, global_step)
        logger._save()


class _ParamsScalarHandler(BaseWeightsScalarHandler, _BaseVisDrawer):
    """Plots ``reduction`` of each parameter (of its gradient with ``_grads``): ``"tag/weights_norm/layer/weight"``."""

    _grads = False

    def __init__(
        self,
        model: nn.Module,
        reduction: Callable = torch.norm,
        tag: Optional[str] = None,
        show_legend: bool = False,
    ) -> None:
        super().__init__(model, reduction, tag=tag)
        _BaseVisDrawer.__init__(self, show_legend=show_legend)

    def __call__(self, engine: Engine, logger: VisdomLogger, event_name: Any) -> None:
        _check_logger(logger, f"'{type(self).__name__}'")
        global_step = engine.state.get_event_attrib_value(event_name)
        # Ignite's visdom handlers take no whitelist and read the model's parameters at each call
        for name, value in parameter_scalars(self, self._grads, self.model.named_parameters()).items():
            self.add_scalar(logger, name, value, event_name, global_step)
        logger._save()


class WeightsScalarHandler(_ParamsScalarHandler):
    """Plots ``reduction(weights)`` (the norm by default) of each of a model's parameters.

    Args:
        model: the model.
        reduction: ``tensor -> scalar``, its ``__name__`` is part of the names (``"weights_norm/fc/weight"``).
        tag: prefix of the names, e.g. ``"generator"``.
        show_legend: show the legend in the windows.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=VisdomLogger)
        >>> logger.executor = _DummyExecutor()
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration = 1
        >>> WeightsScalarHandler(nn.Sequential(nn.Linear(2, 1)))(engine, logger, Events.ITERATION_COMPLETED)
        >>> [call.kwargs["name"] for call in logger.vis.line.call_args_list]
        ['weights_norm/0/weight', 'weights_norm/0/bias']
    """


class GradsScalarHandler(_ParamsScalarHandler):
    """Plots ``reduction(gradient)`` (the norm by default) of each of a model's parameters that has one.

    Args:
        model: the model.
        reduction: ``tensor -> scalar``, its ``__name__`` is part of the names (``"grads_norm/fc/weight"``).
        tag: prefix of the names, e.g. ``"generator"``.
        show_legend: show the legend in the windows.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=VisdomLogger)
        >>> logger.executor = _DummyExecutor()
        >>> model = nn.Linear(2, 1)
        >>> model(torch.ones(1, 2)).sum().backward()
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration = 1
        >>> GradsScalarHandler(model, tag="net")(engine, logger, Events.ITERATION_COMPLETED)
        >>> [(call.kwargs["name"], float(call.kwargs["Y"][0])) for call in logger.vis.line.call_args_list]
        [('net/grads_norm/weight', 1.4142135381698608), ('net/grads_norm/bias', 1.0)]
    """

    _grads = True

"""Ignite's ClearML logger (``ignite.handlers.clearml_logger``): engine outputs, metrics, optimizer
parameters, weights and gradients (scalars and histograms) reported to a `ClearML <https://clear.ml>`_
task, and :class:`ClearMLSaver`, which uploads :class:`~bridge.handlers.checkpoint.Checkpoint` files
as the task's output models.

The client calls (``Task.init``, ``report_scalar``, ``add_histogram``, the ``WeightsFileHandler``
callbacks, ...) and their arguments are Ignite 0.5.5's for the same run
(``tests/test_handlers_visdom_clearml_loggers.py``).

The ``clearml`` package is imported (and checked) when a :class:`ClearMLLogger` is built; the
task (the current one, else ``Task.init(**kwargs)``) is taken on first use. In a multi-process
run only rank 0 logs and saves, so the other ranks create no task.

Why one file past 400 lines: it is Ignite's module of this path, and its logger, the handlers that
report through it and the saver that uploads through its task are one concept, writing a run to
ClearML; the handlers are a few lines each, the rest is their docstrings.

Example:
    >>> import sys
    >>> from unittest import mock
    >>> from bridge.engine import Engine, Events
    >>> clearml = mock.MagicMock()  # a stand-in for the clearml package
    >>> clearml.Task.current_task.return_value = None
    >>> sys.modules.update(dict.fromkeys(_CLIENT_MODULES, clearml))
    >>> with mock.patch.dict(os.environ, {"CI": ""}):  # not offline: no warning
    ...     clearml_logger = ClearMLLogger(project_name="demo", task_name="run-1")
    >>> engine = Engine(lambda e, batch: batch * 0.5)
    >>> _ = clearml_logger.attach_output_handler(engine, Events.EPOCH_COMPLETED, tag="training",
    ...                                          output_transform=lambda loss: {"loss": loss})
    >>> _ = engine.run([1.0, 2.0], max_epochs=2)
    >>> clearml_logger.close()
    >>> for name in _CLIENT_MODULES: del sys.modules[name]
    >>> clearml.Task.init.call_args.kwargs["task_name"]
    'run-1'
    >>> for call in clearml_logger.clearml_logger.report_scalar.call_args_list: print(call)
    call(title='training', series='loss', iteration=1, value=1.0)
    call(title='training', series='loss', iteration=2, value=1.0)
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Optional, Union

import torch
from torch import nn

import bridge.distributed as idist
from bridge.engine.engine import Engine
from bridge.handlers._client_logger import checked_step, parameter_tensors, tag_prefix
from bridge.handlers.base_logger import (
    BaseLogger,
    BaseOptimizerParamsHandler,
    BaseOutputHandler,
    BaseWeightsHandler,
    BaseWeightsScalarHandler,
)
from bridge.handlers.checkpoint import DiskSaver
from bridge.handlers.utils import global_step_from_engine

__all__ = [
    "ClearMLLogger",
    "ClearMLSaver",
    "OptimizerParamsHandler",
    "OutputHandler",
    "WeightsScalarHandler",
    "WeightsHistHandler",
    "GradsScalarHandler",
    "GradsHistHandler",
    "global_step_from_engine",
]

# the client modules the logger imports (a stand-in client provides them all)
_CLIENT_MODULES = (
    "clearml",
    "clearml.binding",
    "clearml.binding.frameworks",
    "clearml.binding.frameworks.tensorflow_bind",
)

_MISSING = (
    "This contrib module requires clearml to be installed. You may install clearml using: \n pip install clearml \n"
)


def _clearml_task_class() -> Any:
    try:
        from clearml import Task
    except ImportError:
        raise ModuleNotFoundError(_MISSING)
    return Task


def _client(legacy: bool = False) -> tuple[Any, Any]:
    """``(Task, WeightsFileHandler)`` from clearml, or from its predecessor trains when ``legacy``."""
    try:
        from clearml import Task
        from clearml.binding.frameworks import WeightsFileHandler
    except ImportError:
        if not legacy:
            raise ModuleNotFoundError(_MISSING)
        try:
            from trains import Task
            from trains.binding.frameworks import WeightsFileHandler
        except ImportError:
            raise ModuleNotFoundError(_MISSING)
    return Task, WeightsFileHandler


class ClearMLLogger(BaseLogger):
    """Reports to a ClearML task: attach its handlers (or any of this module's) to engines.

    Args:
        kwargs: ``Task.init`` arguments (``project_name``, ``task_name``, ``task_type`` (default
            training), ``output_uri``, ...), unused if a ClearML task is already running.

    The task is the current one (``clearml.Task.current_task()``), else a new one from
    ``Task.init(**kwargs)``, taken on first use (a report, :meth:`get_task`, ``clearml_logger``).
    Unknown attributes are ``clearml.Logger``'s (``clearml_logger.report_single_value(...)``).
    Under a ``CI`` environment variable the task runs offline (:meth:`bypass_mode`) unless
    :meth:`set_bypass_mode` says otherwise.

    Example:
        >>> import sys
        >>> from unittest import mock
        >>> clearml = mock.MagicMock()  # a stand-in for the clearml package
        >>> sys.modules.update(dict.fromkeys(_CLIENT_MODULES, clearml))
        >>> with mock.patch.dict(os.environ, {"CI": ""}):
        ...     clearml_logger = ClearMLLogger(project_name="demo")
        >>> _ = clearml_logger.report_single_value("accuracy", 0.72)  # clearml.Logger's
        >>> for name in _CLIENT_MODULES: del sys.modules[name]
        >>> clearml_logger.get_task() is clearml.Task.current_task()
        True
        >>> clearml_logger.clearml_logger.report_single_value.call_args
        call('accuracy', 0.72)
    """

    def __init__(self, **kwargs: Any) -> None:
        _clearml_task_class()
        try:
            from clearml.binding.frameworks.tensorflow_bind import WeightsGradientHistHelper  # noqa: F401
        except ImportError:
            raise ModuleNotFoundError(_MISSING)
        self._task_kwargs = kwargs
        if self.bypass_mode():
            warnings.warn("ClearMLSaver: running in bypass mode")
        self._task: Any = None
        self._clearml_logger: Any = None
        self._grad_helper: Any = None

    @classmethod
    def set_bypass_mode(cls, bypass: bool) -> None:
        """Run ClearML offline (``bypass=True``): no server, the task is kept in a local session folder.

        Example:
            >>> from unittest import mock
            >>> clearml = mock.MagicMock()  # a stand-in for the clearml package
            >>> with mock.patch.dict("sys.modules", {"clearml": clearml}):
            ...     ClearMLLogger.set_bypass_mode(True)
            >>> clearml.Task.set_offline.call_args, ClearMLLogger.bypass_mode()
            (call(offline_mode=True), True)
            >>> del ClearMLLogger._bypass  # back to the default: the CI variable decides
        """
        task_class = _clearml_task_class()
        setattr(cls, "_bypass", bypass)
        task_class.set_offline(offline_mode=bypass)

    @classmethod
    def bypass_mode(cls) -> bool:
        """Whether ClearML runs offline: as :meth:`set_bypass_mode` said, else whether ``$CI`` is set.

        Example:
            >>> from unittest import mock
            >>> with mock.patch.dict(os.environ, {"CI": "1"}):
            ...     ClearMLLogger.bypass_mode()
            True
        """
        return getattr(cls, "_bypass", bool(os.environ.get("CI")))

    def _connect(self) -> None:
        task_class = _clearml_task_class()
        from clearml.binding.frameworks.tensorflow_bind import WeightsGradientHistHelper

        task = task_class.current_task()
        if task is None:
            kwargs = self._task_kwargs
            task = task_class.init(
                project_name=kwargs.get("project_name"),
                task_name=kwargs.get("task_name"),
                task_type=kwargs.get("task_type", task_class.TaskTypes.training),
                **{k: v for k, v in kwargs.items() if k not in ("project_name", "task_name", "task_type")},
            )
        self._task = task
        if self._clearml_logger is None:
            self._clearml_logger = task.get_logger()
        if self._grad_helper is None:
            self._grad_helper = WeightsGradientHistHelper(logger=self._clearml_logger, report_freq=1)

    @property
    def clearml_logger(self) -> Any:
        """The task's ``clearml.Logger``."""
        if self._clearml_logger is None:
            self._connect()
        return self._clearml_logger

    @clearml_logger.setter
    def clearml_logger(self, client: Any) -> None:
        self._clearml_logger = client

    @property
    def grad_helper(self) -> Any:
        """The ``WeightsGradientHistHelper`` that reports histograms through :attr:`clearml_logger`."""
        if self._grad_helper is None:
            self._connect()
        return self._grad_helper

    @grad_helper.setter
    def grad_helper(self, helper: Any) -> None:
        self._grad_helper = helper

    def get_task(self) -> Any:
        """The ``clearml.Task`` this logger reports to (the current task).

        Example:
            >>> from unittest import mock
            >>> clearml = mock.MagicMock()  # a stand-in for the clearml package
            >>> with mock.patch.dict("sys.modules", dict.fromkeys(_CLIENT_MODULES, clearml)):
            ...     with mock.patch.dict(os.environ, {"CI": ""}):
            ...         clearml_logger = ClearMLLogger(project_name="demo")
            ...     _ = clearml_logger.get_task().upload_artifact("config", {"lr": 0.1})
            >>> clearml.Task.current_task.return_value.upload_artifact.call_args
            call('config', {'lr': 0.1})
        """
        if self._task is None:
            self._connect()
        return self._task

    def __getattr__(self, attr: str) -> Any:
        # only missing attributes arrive here; private ones (and a half-unpickled logger's) are never forwarded
        if attr.startswith("_"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")
        return getattr(self.clearml_logger, attr)

    def __getstate__(self) -> dict[str, Any]:
        # a task is a live connection: an unpickled logger takes the current task (or a new one) on first use
        return {**self.__dict__, "_task": None, "_clearml_logger": None, "_grad_helper": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def close(self) -> None:
        """Flush the reports and close the task, if one was taken."""
        if self._clearml_logger is not None:
            self._clearml_logger.flush()
        if self._task:
            self._task.close()

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> OutputHandler:
        return OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> OptimizerParamsHandler:
        return OptimizerParamsHandler(*args, **kwargs)


def _check_logger(logger: Any, handler: str) -> None:
    if not isinstance(logger, ClearMLLogger):
        raise RuntimeError(f"Handler {handler} works only with ClearMLLogger")


class OutputHandler(BaseOutputHandler):
    """Reports an engine's output, metrics and state attributes as scalars: title ``tag``, series the name.

    A nested name (a dict in a dict, a 1-d tensor, ...) gets title ``"tag/name"`` and series the rest
    (``"training/parts"``, ``"0"``).

    Args:
        tag: the title, e.g. ``"training"``.
        metric_names: names in ``engine.state.metrics`` to report, or ``"all"``.
        output_transform: ``engine.state.output -> value`` (a number, or a dict of them).
        global_step_transform: ``(engine, event_name) -> int``, the iteration reported; by default the
            engine's counter for the event. ``global_step_from_engine(trainer)`` reports an evaluator at the
            trainer's epoch.
        state_attributes: names of ``engine.state`` attributes to report.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=ClearMLLogger)
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration, engine.state.output = 7, (0.5, torch.tensor([1.0, 2.0]))
        >>> OutputHandler("training", output_transform=lambda out: {"loss": out[0], "parts": out[1]})(
        ...     engine, logger, Events.ITERATION_COMPLETED)
        >>> for call in logger.clearml_logger.report_scalar.call_args_list: print(call)
        call(title='training', series='loss', iteration=7, value=0.5)
        call(title='training/parts', series='0', iteration=7, value=1.0)
        call(title='training/parts', series='1', iteration=7, value=2.0)
    """

    def __call__(self, engine: Engine, logger: ClearMLLogger, event_name: Any) -> None:
        _check_logger(logger, "OutputHandler")
        metrics = self._setup_output_metrics_state_attrs(engine)
        global_step = checked_step(self.global_step_transform(engine, event_name))
        for key, value in metrics.items():
            if len(key) == 2:
                title, series = key[0], key[1]
            elif len(key) >= 3:
                title, series = f"{key[0]}/{key[1]}", "/".join(key[2:])
            else:
                continue  # no tag: Ignite reports nothing
            logger.clearml_logger.report_scalar(title=title, series=series, iteration=global_step, value=value)


class OptimizerParamsHandler(BaseOptimizerParamsHandler):
    """Reports one parameter (``"lr"`` by default) of each optimizer group: title ``"tag/lr"``, series the group index.

    Args:
        optimizer: a torch optimizer, or anything with a sequence of ``param_groups``.
        param_name: the group key to report.
        tag: prefix of the title, e.g. ``"generator"``.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=ClearMLLogger)
        >>> optimizer = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration = 3
        >>> OptimizerParamsHandler(optimizer, tag="generator")(engine, logger, Events.ITERATION_STARTED)
        >>> logger.clearml_logger.report_scalar.call_args
        call(title='generator/lr', series='0', value=0.1, iteration=3)
    """

    def __call__(self, engine: Engine, logger: ClearMLLogger, event_name: Any) -> None:
        _check_logger(logger, "OptimizerParamsHandler")
        global_step = engine.state.get_event_attrib_value(event_name)
        title = f"{tag_prefix(self.tag)}{self.param_name}"
        for i, group in enumerate(self.optimizer.param_groups):
            logger.clearml_logger.report_scalar(
                title=title, series=str(i), value=float(group[self.param_name]), iteration=global_step
            )


class _ParamsHandler:
    """What the weights/gradients handlers share: the whitelisted parameters' tensors, named as Ignite names them.

    A parameter ``"layer.sub.weight"`` is reported under title ``"<prefix>/layer"``, series ``"sub.weight"``.
    """

    weights: tuple[tuple[str, nn.Parameter], ...]
    tag: Optional[str]
    _grads = False  # the gradients (parameters without one are skipped) or the weights

    def _tensors(self) -> Iterator[tuple[str, str, torch.Tensor]]:
        for name, tensor in parameter_tensors(self.weights, self._grads):
            title, _, series = name.partition(".")
            yield title, series, tensor

    def _kind(self) -> str:
        return f"{tag_prefix(self.tag)}{'grads' if self._grads else 'weights'}"


class _ScalarHandler(_ParamsHandler, BaseWeightsScalarHandler):
    def __call__(self, engine: Engine, logger: ClearMLLogger, event_name: Any) -> None:
        _check_logger(logger, type(self).__name__)
        global_step = engine.state.get_event_attrib_value(event_name)
        for title, series, tensor in self._tensors():
            logger.clearml_logger.report_scalar(
                title=f"{self._kind()}_{self.reduction.__name__}/{title}",
                series=series,
                value=self.reduction(tensor),
                iteration=global_step,
            )


class _HistHandler(_ParamsHandler, BaseWeightsHandler):
    def __call__(self, engine: Engine, logger: ClearMLLogger, event_name: Any) -> None:
        _check_logger(logger, f"'{type(self).__name__}'")
        global_step = engine.state.get_event_attrib_value(event_name)
        for title, series, tensor in self._tensors():
            logger.grad_helper.add_histogram(
                title=f"{self._kind()}_{title}", series=series, step=global_step, hist_data=tensor.cpu().numpy()
            )


class WeightsScalarHandler(_ScalarHandler):
    """Reports ``reduction(weights)`` (the norm by default) of each whitelisted parameter.

    Args:
        model: the model; its parameters are listed (and ``whitelist`` applied) here.
        reduction: ``tensor -> scalar``, its ``__name__`` is part of the title (``"weights_norm/fc"``).
        tag: prefix of the titles, e.g. ``"generator"``.
        whitelist: parameter name prefixes (``["fc"]``), or ``(name, parameter) -> bool``; default all.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=ClearMLLogger)
        >>> model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration = 1
        >>> WeightsScalarHandler(model, whitelist=["1."])(engine, logger, Events.ITERATION_COMPLETED)
        >>> [(c.kwargs["title"], c.kwargs["series"]) for c in logger.clearml_logger.report_scalar.call_args_list]
        [('weights_norm/1', 'weight'), ('weights_norm/1', 'bias')]
    """


class WeightsHistHandler(_HistHandler):
    """Reports each whitelisted parameter's weights as a histogram (title ``"tag/weights_<layer>"``).

    Args:
        model: the model; its parameters are listed (and ``whitelist`` applied) here.
        tag: prefix of the titles, e.g. ``"generator"``.
        whitelist: parameter name prefixes (``["fc"]``), or ``(name, parameter) -> bool``; default all.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=ClearMLLogger)
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.epoch = 2
        >>> WeightsHistHandler(nn.Linear(3, 1), tag="net")(engine, logger, Events.EPOCH_COMPLETED)
        >>> [(c.kwargs["title"], c.kwargs["series"], c.kwargs["step"], c.kwargs["hist_data"].shape)
        ...  for c in logger.grad_helper.add_histogram.call_args_list]
        [('net/weights_weight', '', 2, (1, 3)), ('net/weights_bias', '', 2, (1,))]
    """


class GradsScalarHandler(_ScalarHandler):
    """Reports ``reduction(gradient)`` (the norm by default) of each whitelisted parameter that has one.

    Args:
        model: the model; its parameters are listed (and ``whitelist`` applied) here.
        reduction: ``tensor -> scalar``, its ``__name__`` is part of the title (``"grads_norm/fc"``).
        tag: prefix of the titles, e.g. ``"generator"``.
        whitelist: parameter name prefixes (``["fc"]``), or ``(name, parameter) -> bool``; default all.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=ClearMLLogger)
        >>> model = nn.Sequential(nn.Linear(2, 1))
        >>> model(torch.ones(1, 2)).sum().backward()
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration = 1
        >>> handler = GradsScalarHandler(model, whitelist=lambda name, p: "bias" in name)
        >>> handler(engine, logger, Events.ITERATION_COMPLETED)
        >>> logger.clearml_logger.report_scalar.call_args
        call(title='grads_norm/0', series='bias', value=tensor(1.), iteration=1)
    """

    _grads = True


class GradsHistHandler(_HistHandler):
    """Reports each whitelisted parameter's gradient as a histogram (title ``"tag/grads_<layer>"``).

    Args:
        model: the model; its parameters are listed (and ``whitelist`` applied) here.
        tag: prefix of the titles, e.g. ``"generator"``.
        whitelist: parameter name prefixes (``["fc"]``), or ``(name, parameter) -> bool``; default all.

    Example:
        >>> from unittest import mock
        >>> from bridge.engine import Events
        >>> logger = mock.MagicMock(spec=ClearMLLogger)
        >>> model = nn.Sequential(nn.Linear(2, 1))
        >>> model(torch.ones(1, 2)).sum().backward()
        >>> engine = Engine(lambda e, b: None)
        >>> engine.state.iteration = 1
        >>> GradsHistHandler(model)(engine, logger, Events.ITERATION_COMPLETED)
        >>> [(c.kwargs["title"], c.kwargs["series"], c.kwargs["hist_data"].tolist())
        ...  for c in logger.grad_helper.add_histogram.call_args_list]
        [('grads_0', 'weight', [[1.0, 1.0]]), ('grads_0', 'bias', [1.0])]
    """

    _grads = True


class ClearMLSaver(DiskSaver):
    """Saves :class:`~bridge.handlers.checkpoint.Checkpoint` files to disk and has ClearML upload them as models.

    ClearML uploads what ``torch.save`` writes while a task runs; this saver names the uploads
    ``"<basename>_<slot>.pt"``, reusing a removed checkpoint's slot, so the task keeps as many
    models as the ``Checkpoint`` keeps files, and notes the checkpoint's metadata in each model's
    comment.

    Args:
        logger: the :class:`ClearMLLogger` whose task uploads; without it, a task must already run
            (``clearml.Task.init()``).
        output_uri: where ClearML uploads the models (sets the task's ``output_uri``).
        dirname: the local directory; default a new temporary one (with a warning naming it).
        args, kwargs: :class:`~bridge.handlers.checkpoint.DiskSaver`'s; ``atomic`` defaults to ``False``
            (ClearML sees the final file name).

    Example:
        >>> import sys, tempfile
        >>> from unittest import mock
        >>> from bridge.handlers.checkpoint import Checkpoint
        >>> clearml = mock.MagicMock()  # a stand-in for the clearml package
        >>> sys.modules.update(dict.fromkeys(_CLIENT_MODULES, clearml))
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     saver = ClearMLSaver(dirname=tmp, output_uri="s3://bucket/models")
        ...     checkpoint = Checkpoint({"model": nn.Linear(2, 1)}, saver, n_saved=1)
        ...     checkpoint(Engine(lambda e, b: None))
        ...     os.listdir(tmp)
        ['model_0.pt']
        >>> for name in _CLIENT_MODULES: del sys.modules[name]
        >>> clearml.Task.current_task().output_uri
        's3://bucket/models'
    """

    def __init__(
        self,
        logger: Optional[ClearMLLogger] = None,
        output_uri: Optional[str] = None,
        dirname: Optional[str] = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        self._logger = logger
        self._output_uri = output_uri
        self._task: Any = None
        if idist.get_rank() == 0:
            task_class, _ = _client(legacy=True)
            if logger and not isinstance(logger, ClearMLLogger):
                raise TypeError("logger must be an instance of ClearMLLogger")
            if logger is None:
                # the logger's task may come on first use; a saver without one needs a running task now
                self._get_task(task_class)
        if not dirname:
            dirname = ""
            if idist.get_rank() == 0:
                dirname = tempfile.mkdtemp(prefix=f"ignite_checkpoints_{datetime.now().strftime('%Y_%m_%d_%H_%M_%S_')}")
            if idist.get_world_size() > 1:
                dirname = idist.all_gather(dirname)[0]
            warnings.warn(f"ClearMLSaver created a temporary checkpoints directory: {dirname}")
            idist.barrier()
        kwargs.setdefault("atomic", False)  # a temporary name would become the upload's
        self._checkpoint_slots: defaultdict[Union[str, tuple[str, str]], list[Any]] = defaultdict(list)
        super().__init__(*args, dirname=dirname, **kwargs)  # type: ignore[misc]  # as Ignite: args clash with dirname

    def _get_task(self, task_class: Any = None) -> Any:
        if self._task is None:
            if self._logger is not None:
                task = self._logger.get_task()
            else:
                task = (task_class or _client(legacy=True)[0]).current_task()
                if not task:
                    raise RuntimeError(
                        "ClearMLSaver requires a ClearML Task to be initialized. "
                        "Please use the `logger` argument or call `clearml.Task.init()`."
                    )
            if self._output_uri:
                task.output_uri = self._output_uri
            self._task = task
        return self._task

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_task": None}

    class _CallbacksContext:
        """The ``WeightsFileHandler`` callbacks of one save: pick the upload's slot name, then describe the model."""

        def __init__(
            self,
            callback_type: type[Enum],
            slots: list,
            checkpoint_key: str,
            filename: str,
            basename: str,
            metadata: Optional[Mapping] = None,
        ) -> None:
            self._callback_type = callback_type
            self._slots = slots
            self._checkpoint_key = str(checkpoint_key)
            self._filename = filename
            self._basename = basename
            self._metadata = metadata

        def pre_callback(self, action: Any, model_info: Any) -> Any:
            if action != self._callback_type.save:  # type: ignore[attr-defined]
                return model_info
            name = model_info.upload_filename
            # a file saved again under its name frees its slot: Ignite's Checkpoint removes it first, bridge's
            # overwrites it
            free = name if name in self._slots else None
            try:
                slot = self._slots.index(free)
                self._slots[slot] = name
            except ValueError:
                self._slots.append(name)
                slot = len(self._slots) - 1
            model_info.upload_filename = f"{self._basename}_{slot}{os.path.splitext(self._filename)[1]}"
            model_info.local_model_id = f"{self._checkpoint_key}:{model_info.upload_filename}"
            return model_info

        def post_callback(self, action: Any, model_info: Any) -> Any:
            if action != self._callback_type.save:  # type: ignore[attr-defined]
                return model_info
            model_info.model.name = f"{model_info.task.name}: {self._filename}"
            prefix = "Checkpoint Metadata: "
            items = ", ".join(f"{k}={v}" for k, v in self._metadata.items()) if self._metadata else "none"
            metadata = f"{prefix}{items}"
            lines = (model_info.model.comment or "").split("\n")
            comment = "\n".join(metadata if line.startswith(prefix) else line for line in lines)
            if prefix not in comment:
                comment += "\n" + metadata
            model_info.model.comment = comment
            return model_info

    def __call__(self, checkpoint: Mapping, filename: str, metadata: Optional[Mapping] = None) -> None:
        """Save ``checkpoint`` as ``dirname/filename`` while ClearML's callbacks name its upload."""
        _, handler = _client(legacy=True)
        try:
            basename = metadata["basename"]  # type: ignore[index]
        except (TypeError, KeyError):
            warnings.warn("Checkpoint metadata missing or basename cannot be found")
            basename = "checkpoint"
        if idist.get_rank() != self.save_on_rank:
            return  # only the saving rank writes, so only it uploads
        self._get_task()  # ClearML uploads only what is saved while a task runs
        checkpoint_key = (str(self.dirname), basename)
        context = self._CallbacksContext(
            callback_type=handler.CallbackType,
            slots=self._checkpoint_slots[checkpoint_key],
            checkpoint_key=str(checkpoint_key),
            filename=filename,
            basename=basename,
            metadata=metadata,
        )
        pre_id = handler.add_pre_callback(context.pre_callback)
        post_id = handler.add_post_callback(context.post_callback)
        try:
            super().__call__(checkpoint, filename, metadata)
        finally:
            handler.remove_pre_callback(pre_id)
            handler.remove_post_callback(post_id)

    def get_local_copy(self, filename: str) -> Optional[str]:
        """A local path to the task's artifact ``filename`` (downloaded if needed), on rank 0; None elsewhere.

        Example:
            >>> import tempfile
            >>> from unittest import mock
            >>> clearml = mock.MagicMock()  # a stand-in for the clearml package
            >>> task = clearml.Task.current_task.return_value
            >>> task.artifacts = {"best_model_0.pt": mock.Mock(**{"get_local_copy.return_value": "/cache/best_model_0.pt"})}
            >>> with mock.patch.dict("sys.modules", dict.fromkeys(_CLIENT_MODULES, clearml)):
            ...     with tempfile.TemporaryDirectory() as tmp:
            ...         ClearMLSaver(dirname=tmp).get_local_copy("best_model_0.pt")
            '/cache/best_model_0.pt'
        """
        if idist.get_rank() != 0:
            return None
        task = self._get_task()
        artifact = task.artifacts.get(filename)
        if artifact:
            return artifact.get_local_copy()
        task.get_logger().report_text(f"Can not find artifact {filename}")
        return None

    def remove(self, filename: str) -> None:
        """Delete ``dirname/filename`` and free its upload slot for the next checkpoint (on rank 0)."""
        if idist.get_rank() != 0:
            return
        super().remove(filename)
        for slots in self._checkpoint_slots.values():
            if filename in slots:
                slots[slots.index(filename)] = None
                break

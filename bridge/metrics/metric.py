"""Ignite's ``Metric`` protocol and metric usages (``ignite.metrics.metric``).

A metric is ``reset`` / ``update`` / ``compute``; ``attach`` wires these onto an
engine's events with the public Engine API only (``add_event_handler``,
``has_event_handler``, ``remove_event_handler``, ``state``), so a metric works on an
``Engine.run`` and on the engines of ``bridge.lightning.EngineCallback`` alike.

Why one file past 400 lines: it is Ignite's module of this path, which clients subclass
from, and it is one concept: the protocol, its usages (when reset/update/compute run) and the
decorators (``reinit__is_reduced``, ``sync_all_reduce``) that keep its distributed state right.

Example:
    >>> import torch
    >>> from bridge.engine import Engine
    >>> from bridge.metrics import Accuracy
    >>> engine = Engine(lambda e, batch: batch)
    >>> Accuracy().attach(engine, "acc")
    >>> data = [(torch.tensor([[0.9, 0.1], [0.2, 0.8]]), torch.tensor([0, 0]))]
    >>> engine.run(data).metrics["acc"]
    0.5
"""

from __future__ import annotations

import operator
import sys
import traceback
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from numbers import Number
from typing import TYPE_CHECKING, Any, Literal, cast

import torch

import bridge.distributed as idist
from bridge.base.mixins import Serializable
from bridge.engine.events import CallableEventWithFilter, Events
from bridge.utils import _identity

if TYPE_CHECKING:
    from bridge.engine import Engine
    from bridge.metrics.metrics_lambda import MetricsLambda

__all__ = [
    "Metric",
    "MetricUsage",
    "EpochWise",
    "BatchWise",
    "BatchFiltered",
    "RunningEpochWise",
    "RunningBatchWise",
    "SingleEpochRunningBatchWise",
    "sync_all_reduce",
    "reinit__is_reduced",
]


class MetricUsage:
    """The three events a metric uses: when it starts (reset), updates, and completes.

    Example:
        >>> from bridge.engine import Events
        >>> u = MetricUsage(Events.STARTED, Events.COMPLETED, Events.ITERATION_COMPLETED)
        >>> u.STARTED, u.COMPLETED, u.ITERATION_COMPLETED
        (Events.STARTED, Events.COMPLETED, Events.ITERATION_COMPLETED)
    """

    usage_name: str

    def __init__(self, started: Any, completed: Any, iteration_completed: CallableEventWithFilter) -> None:
        self.__started = started
        self.__completed = completed
        self.__iteration_completed = iteration_completed

    @property
    def STARTED(self) -> Any:
        return self.__started

    @property
    def COMPLETED(self) -> Any:
        return self.__completed

    @property
    def ITERATION_COMPLETED(self) -> CallableEventWithFilter:
        return self.__iteration_completed


class EpochWise(MetricUsage):
    """Default usage: reset on ``EPOCH_STARTED``, update on ``ITERATION_COMPLETED``, compute on ``EPOCH_COMPLETED``.

    Example:
        >>> EpochWise.usage_name, EpochWise().COMPLETED
        ('epoch_wise', Events.EPOCH_COMPLETED)
    """

    usage_name: str = "epoch_wise"

    def __init__(self) -> None:
        super().__init__(Events.EPOCH_STARTED, Events.EPOCH_COMPLETED, Events.ITERATION_COMPLETED)


class RunningEpochWise(EpochWise):
    """Reset on ``STARTED``, update and compute on every ``EPOCH_COMPLETED``.

    Example:
        >>> RunningEpochWise.usage_name, RunningEpochWise().STARTED
        ('running_epoch_wise', Events.STARTED)
    """

    usage_name: str = "running_epoch_wise"

    def __init__(self) -> None:
        MetricUsage.__init__(self, Events.STARTED, Events.EPOCH_COMPLETED, Events.EPOCH_COMPLETED)


class BatchWise(MetricUsage):
    """Reset on ``ITERATION_STARTED``, update and compute on ``ITERATION_COMPLETED``.

    Example:
        >>> BatchWise.usage_name, BatchWise().STARTED
        ('batch_wise', Events.ITERATION_STARTED)
    """

    usage_name: str = "batch_wise"

    def __init__(self) -> None:
        super().__init__(Events.ITERATION_STARTED, Events.ITERATION_COMPLETED, Events.ITERATION_COMPLETED)


class RunningBatchWise(BatchWise):
    """Reset on ``STARTED``, update and compute on every ``ITERATION_COMPLETED``.

    Example:
        >>> RunningBatchWise.usage_name, RunningBatchWise().STARTED
        ('running_batch_wise', Events.STARTED)
    """

    usage_name: str = "running_batch_wise"

    def __init__(self) -> None:
        MetricUsage.__init__(self, Events.STARTED, Events.ITERATION_COMPLETED, Events.ITERATION_COMPLETED)


class SingleEpochRunningBatchWise(BatchWise):
    """Reset on ``EPOCH_STARTED``, update and compute on every ``ITERATION_COMPLETED``.

    Example:
        >>> SingleEpochRunningBatchWise.usage_name, SingleEpochRunningBatchWise().STARTED
        ('single_epoch_running_batch_wise', Events.EPOCH_STARTED)
    """

    usage_name: str = "single_epoch_running_batch_wise"

    def __init__(self) -> None:
        MetricUsage.__init__(self, Events.EPOCH_STARTED, Events.ITERATION_COMPLETED, Events.ITERATION_COMPLETED)


class BatchFiltered(MetricUsage):
    """Like :class:`EpochWise`, but updates only on a filtered ``ITERATION_COMPLETED(*args, **kwargs)``.

    Example:
        >>> BatchFiltered(every=2).ITERATION_COMPLETED
        Events.ITERATION_COMPLETED(filter=every(2))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(Events.EPOCH_STARTED, Events.EPOCH_COMPLETED, Events.ITERATION_COMPLETED(*args, **kwargs))


_USAGES = (EpochWise, RunningEpochWise, BatchWise, RunningBatchWise, SingleEpochRunningBatchWise)


def _is_list_of_tensors_or_numbers(x: Any) -> bool:
    return isinstance(x, Sequence) and all(isinstance(t, (torch.Tensor, Number)) for t in x)


def _to_batched_tensor(x: torch.Tensor | Number, device: torch.device | None = None) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.unsqueeze(dim=0)
    return torch.tensor([x], device=device)


def _true_divide(x: Any, y: Any) -> Any:
    return x.__truediv__(y)  # Ignite's spelling of `/` (no reflected fallback), kept


class _MethodCall:
    """``metric.<attr>(...)`` on the metric's result; named where ``attr`` was written when it fails."""

    def __init__(self, attr: str, stack: traceback.StackSummary) -> None:
        self.attr, self.stack = attr, stack

    def __call__(self, x: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(x, self.attr)(*args, **kwargs)
        except AttributeError:
            raise AttributeError(
                f"Metric result of type '{type(x)}' has no attribute '{self.attr}'. "
                f"Note: '{self.attr}' was accessed on the metric at:\n{''.join(self.stack.format())}"
            ) from None


class Metric(Serializable, metaclass=ABCMeta):
    """Base class of all metrics: Ignite's protocol over any accumulation.

    Args:
        output_transform: maps ``engine.state.output`` to what ``update`` takes
            (default: ``(y_pred, y)`` or a dict with ``required_output_keys``).
        device: where the accumulated state lives.
        skip_unrolling: do not unroll ``(list_of_preds, list_of_targets)`` outputs.
        metrics_result_mode: how a Mapping result goes into ``state.metrics``:
            ``"flatten"``, ``"named"`` or ``"both"``.

    Example:
        >>> import torch
        >>> class Count(Metric):
        ...     def reset(self): self.n = 0
        ...     def update(self, output): self.n += len(output[1])
        ...     def compute(self): return self.n
        >>> m = Count()
        >>> double = m * 2  # a MetricsLambda; creating it resets m
        >>> m.update((torch.zeros(3), torch.zeros(3)))
        >>> m.compute(), double.compute()
        (3, 6)
    """

    required_output_keys: tuple | None = ("y_pred", "y")
    _required_output_keys = required_output_keys

    def __init__(
        self,
        output_transform: Callable = _identity,
        device: str | torch.device = torch.device("cpu"),
        skip_unrolling: bool = False,
        metrics_result_mode: Literal["flatten", "named", "both"] = "both",
    ) -> None:
        if not callable(output_transform):
            raise TypeError(f"Argument output_transform should be callable, got {type(output_transform)}")
        self._output_transform = output_transform
        if torch.device(device).type == "xla":
            raise ValueError("Cannot create metric on an XLA device. Use device='cpu' instead.")
        self._device = torch.device(device)
        self._skip_unrolling = skip_unrolling
        valid_modes = ("flatten", "named", "both")
        if not isinstance(metrics_result_mode, str) or metrics_result_mode not in valid_modes:
            raise ValueError(f"Argument metrics_result_mode should be one of {valid_modes}, got {metrics_result_mode}")
        self._metrics_result_mode = metrics_result_mode
        # MPS has no float64
        self._double_dtype = torch.float32 if self._device.type == "mps" else torch.float64
        self.reset()

    @abstractmethod
    def reset(self) -> None:
        """Reset the accumulated state (by default at each epoch start)."""

    @abstractmethod
    def update(self, output: Any) -> None:
        """Accumulate one batch's (transformed) output."""

    @abstractmethod
    def compute(self) -> Any:
        """Return the metric from the accumulated state; ``NotComputableError`` if there is none."""

    def started(self, engine: Engine) -> None:
        """Handler of the usage's STARTED event: ``reset()``."""
        self.reset()

    @torch.no_grad()
    def iteration_completed(self, engine: Engine) -> None:
        """Handler of the usage's ITERATION_COMPLETED event: ``update(output_transform(engine.state.output))``."""
        output = self._output_transform(engine.state.output)
        if isinstance(output, Mapping):
            if self.required_output_keys is None:
                raise TypeError(
                    f"Transformed engine output for {self.__class__.__name__} metric should be a tuple/list, "
                    f"but given {type(output)}"
                )
            if not all(k in output for k in self.required_output_keys):
                raise ValueError(
                    "When transformed engine's output is a mapping, "
                    f"it should contain {self.required_output_keys} keys, but given {list(output.keys())}"
                )
            output = tuple(output[k] for k in self.required_output_keys)

        if (
            not self._skip_unrolling
            and isinstance(output, Sequence)
            and all(_is_list_of_tensors_or_numbers(o) for o in output)
        ):
            # (list of preds, list of targets): one update per pair, as Ignite
            if not (len(output) == 2 and len(output[0]) == len(output[1])):
                raise ValueError(
                    f"Output should have 2 items of the same length, "
                    f"got {len(output)} and {len(output[0])}, {len(output[1])}"
                )
            for o1, o2 in zip(output[0], output[1]):
                t1 = _to_batched_tensor(o1)
                self.update((t1, _to_batched_tensor(o2, device=t1.device)))
        else:
            self.update(output)

    def completed(self, engine: Engine, name: str) -> None:
        """Handler of the usage's COMPLETED event: writes ``compute()`` into ``engine.state.metrics[name]``.

        A 0-d tensor becomes a python number, other tensors go to the CPU, a Mapping result is
        flattened and/or stored under ``name`` according to ``metrics_result_mode``.
        """
        result = self.compute()
        if isinstance(result, Mapping):
            if self._metrics_result_mode in ("named", "both") and name in result.keys():
                raise ValueError(f"Argument name '{name}' is conflicting with mapping keys: {list(result.keys())}")
            if self._metrics_result_mode in ("flatten", "both"):
                for key, value in result.items():
                    engine.state.metrics[key] = value
            if self._metrics_result_mode in ("named", "both"):
                engine.state.metrics[name] = result
        else:
            if isinstance(result, torch.Tensor):
                if len(result.size()) == 0:
                    result = result.item()
                elif "cpu" not in result.device.type:
                    result = result.cpu()
            engine.state.metrics[name] = result

    def _check_usage(self, usage: str | MetricUsage) -> MetricUsage:
        if isinstance(usage, str):
            for usage_cls in _USAGES:
                if usage == usage_cls.usage_name:
                    usage = usage_cls()
                    break
            if not isinstance(usage, MetricUsage):
                raise ValueError(
                    "Argument usage should be '(Running)EpochWise.usage_name' or "
                    f"'((SingleEpoch)Running)BatchWise.usage_name', got {usage}"
                )
        if not isinstance(usage, MetricUsage):
            raise TypeError(f"Unhandled usage type {type(usage)}")
        return usage

    def attach(self, engine: Engine, name: str, usage: str | MetricUsage = EpochWise()) -> None:
        """Compute the metric on ``engine`` under ``name`` in ``engine.state.metrics``, following ``usage``.

        Example:
            >>> import torch
            >>> from bridge.engine import Engine
            >>> from bridge.metrics import MeanSquaredError
            >>> engine = Engine(lambda e, b: b)
            >>> mse = MeanSquaredError()
            >>> mse.attach(engine, "mse", usage="batch_wise")
            >>> mse.is_attached(engine, usage="batch_wise"), mse.is_attached(engine)
            (True, False)
            >>> engine.run([(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 4.0]))]).metrics
            {'mse': 2.0}
        """
        usage = self._check_usage(usage)
        if not engine.has_event_handler(self.started, usage.STARTED):
            engine.add_event_handler(usage.STARTED, self.started)
        if not engine.has_event_handler(self.iteration_completed, usage.ITERATION_COMPLETED):
            engine.add_event_handler(usage.ITERATION_COMPLETED, self.iteration_completed)
        engine.add_event_handler(usage.COMPLETED, self.completed, name)

    def detach(self, engine: Engine, usage: str | MetricUsage = EpochWise()) -> None:
        """Remove the metric's handlers for ``usage`` from ``engine``.

        Example:
            >>> from bridge.engine import Engine
            >>> from bridge.metrics import Accuracy
            >>> engine = Engine(lambda e, b: b)
            >>> acc = Accuracy()
            >>> acc.attach(engine, "acc"); acc.detach(engine)
            >>> acc.is_attached(engine)
            False
        """
        usage = self._check_usage(usage)
        if engine.has_event_handler(self.completed, usage.COMPLETED):
            engine.remove_event_handler(self.completed, usage.COMPLETED)
        if engine.has_event_handler(self.started, usage.STARTED):
            engine.remove_event_handler(self.started, usage.STARTED)
        if engine.has_event_handler(self.iteration_completed, usage.ITERATION_COMPLETED):
            engine.remove_event_handler(self.iteration_completed, usage.ITERATION_COMPLETED)

    def is_attached(self, engine: Engine, usage: str | MetricUsage = EpochWise()) -> bool:
        """Whether the metric writes its value on ``engine`` under ``usage``.

        Example:
            >>> from bridge.engine import Engine
            >>> from bridge.metrics import Accuracy
            >>> Accuracy().is_attached(Engine(lambda e, b: b))
            False
        """
        usage = self._check_usage(usage)
        return engine.has_event_handler(self.completed, usage.COMPLETED)

    # -- state dict: Ignite's per-rank layout, for the attributes named in _state_dict_all_req_keys

    __state_dict_key_per_rank: str = "__metric_state_per_rank"

    def _state_dict_per_rank(self) -> OrderedDict:
        def convert(x: Any) -> Any:
            if isinstance(x, Metric):
                return x._state_dict_per_rank()
            if x is None or isinstance(x, (int, float, torch.Tensor)):
                return x
            if isinstance(x, (list, tuple)):
                return type(x)(convert(v) for v in x)
            if isinstance(x, Mapping):
                return {k: convert(v) for k, v in x.items()}
            raise TypeError(
                "Found attribute of unsupported type. Currently, supported types include"
                " numeric types, tensor, Metric or sequence/mapping of metrics."
            )

        state: OrderedDict = OrderedDict()
        for attr_name in self._state_dict_all_req_keys:
            if attr_name not in self.__dict__:
                raise ValueError(
                    f"Found a value in _state_dict_all_req_keys that is not among metric attributes: {attr_name}"
                )
            state[attr_name] = convert(getattr(self, attr_name))
        return state

    def state_dict(self) -> OrderedDict:
        """The attributes in ``_state_dict_all_req_keys``, in Ignite's per-rank layout.

        Example:
            >>> import torch
            >>> from bridge.metrics import Accuracy
            >>> acc = Accuracy(); acc.update((torch.tensor([1, 0]), torch.tensor([1, 1])))
            >>> other = Accuracy(); other.load_state_dict(acc.state_dict()); other.compute()
            0.5
        """
        state = self._state_dict_per_rank()
        if idist.get_world_size() > 1:
            return OrderedDict([(Metric.__state_dict_key_per_rank, idist.all_gather(state))])
        return OrderedDict([(Metric.__state_dict_key_per_rank, [state])])

    def _load_state_dict_per_rank(self, state_dict: Mapping) -> None:
        Serializable.load_state_dict(self, state_dict)

        def load(current: Any, value: Any) -> Any:
            if isinstance(current, Metric):
                current._load_state_dict_per_rank(value)
                return current
            # recurse only where the structure matches, to load metrics in place; else take the saved value
            if isinstance(current, (list, tuple)) and isinstance(value, (list, tuple)) and len(current) == len(value):
                return type(current)(load(c, v) for c, v in zip(current, value))
            if isinstance(current, Mapping) and isinstance(value, Mapping) and current.keys() == value.keys():
                return {k: load(current[k], v) for k, v in value.items()}
            return list(value) if isinstance(value, tuple) and isinstance(current, list) else value

        for attr_name in self._state_dict_all_req_keys:
            setattr(self, attr_name, load(getattr(self, attr_name), state_dict[attr_name]))

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what :meth:`state_dict` saved (this rank's entry)."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a dictionary, but given {type(state_dict)}")
        if not (len(state_dict) == 1 and Metric.__state_dict_key_per_rank in state_dict):
            raise ValueError(
                "Incorrect state_dict object. Argument state_dict should be a dictionary "
                "provided by Metric.state_dict(). "
                f"Expected single key: {Metric.__state_dict_key_per_rank}, but given {state_dict.keys()}"
            )
        per_rank = state_dict[Metric.__state_dict_key_per_rank]
        world_size = idist.get_world_size()
        if len(per_rank) != world_size:
            raise ValueError(
                "Incorrect state_dict object. Argument state_dict should be a dictionary "
                "provided by Metric.state_dict(). "
                f"Expected a list of state_dicts of size equal world_size: {world_size}, but got {len(per_rank)}"
            )
        self._load_state_dict_per_rank(per_rank[idist.get_rank()])

    # -- arithmetic: every operation builds a MetricsLambda, as in Ignite

    def _lambda(self, f: Callable, *args: Any) -> MetricsLambda:
        from bridge.metrics.metrics_lambda import MetricsLambda

        return MetricsLambda(f, *args)

    def __add__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.add, self, other)

    def __radd__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.add, other, self)

    def __sub__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.sub, self, other)

    def __rsub__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.sub, other, self)

    def __mul__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.mul, self, other)

    def __rmul__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.mul, other, self)

    def __pow__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.pow, self, other)

    def __rpow__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.pow, other, self)

    def __mod__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.mod, self, other)

    def __truediv__(self, other: Any) -> MetricsLambda:
        return self._lambda(_true_divide, self, other)

    def __rtruediv__(self, other: Any) -> MetricsLambda:
        return self._lambda(_true_divide, other, self)

    def __floordiv__(self, other: Any) -> MetricsLambda:
        return self._lambda(operator.floordiv, self, other)

    def __getattr__(self, attr: str) -> Callable:
        # `metric.mean()`, `metric.sum(dim=0)`...: a MetricsLambda calling the method on the result
        if attr.startswith("__") and attr.endswith("__"):
            return object.__getattribute__(self, attr)
        # where the attribute was written, to point at a typo; source lines are read only on error
        stack = traceback.StackSummary.extract(traceback.walk_stack(sys._getframe(1)), lookup_lines=False)
        stack.reverse()

        def wrapper(*args: Any, **kwargs: Any) -> MetricsLambda:
            from bridge.metrics.metrics_lambda import MetricsLambda

            return MetricsLambda(_MethodCall(attr, stack), self, *args, **kwargs)

        return wrapper

    def __getitem__(self, index: Any) -> MetricsLambda:
        return self._lambda(operator.itemgetter(index), self)

    def __getstate__(self) -> dict:
        return self.__dict__

    def __setstate__(self, d: dict) -> None:
        self.__dict__.update(d)


def sync_all_reduce(*attrs: str) -> Callable:
    """Decorator for ``compute``: all-reduce the named attributes across processes first.

    ``"name:OP"`` picks the reduction (SUM, MIN, MAX, PRODUCT). A no-op in a single process.

    Example:
        >>> class Total(Metric):
        ...     def reset(self): self.total = 0.0
        ...     def update(self, output): self.total += float(output)
        ...     @sync_all_reduce("total:SUM")
        ...     def compute(self): return self.total
        >>> t = Total(); t.update(2); t.compute()
        2.0
    """

    def wrapper(func: Callable) -> Callable:
        @wraps(func)
        def another_wrapper(self: Metric, *args: Any, **kwargs: Any) -> Any:
            if not isinstance(self, Metric):
                raise RuntimeError(
                    "Decorator sync_all_reduce should be used on bridge.metrics.Metric class methods only"
                )
            ws = idist.get_world_size()
            unreduced: dict[str, Any] = {}
            if len(attrs) > 0 and ws > 1:
                for attr in attrs:
                    op_kwargs = {}
                    if ":" in attr:
                        attr, op = attr.split(":")
                        valid_ops = ["MIN", "MAX", "SUM", "PRODUCT"]
                        if op not in valid_ops:
                            raise ValueError(f"Reduction operation is not valid (expected : {valid_ops}, got: {op}")
                        op_kwargs["op"] = op
                    if attr not in self.__dict__:
                        raise ValueError(f"Metric {type(self)} has no attribute named `{attr}`.")
                    t = getattr(self, attr)
                    if not isinstance(t, (Number, torch.Tensor)):
                        raise TypeError(
                            "Attribute provided to sync_all_reduce should be a "
                            f"number or tensor but `{attr}` has type {type(t)}"
                        )
                    unreduced[attr] = t
                    # clone: all_reduce may work in place on a tensor
                    reduced = idist.all_reduce(cast(float, t) if isinstance(t, Number) else t.clone(), **op_kwargs)
                    setattr(self, attr, reduced)
            result = func(self, *args, **kwargs)
            for attr, value in unreduced.items():
                setattr(self, attr, value)
            return result

        return another_wrapper

    setattr(wrapper, "_decorated", True)
    return wrapper


def reinit__is_reduced(func: Callable) -> Callable:
    """Decorator for ``reset`` / ``update``: clears a cached ``_result`` after the call.

    Example:
        >>> class Last(Metric):
        ...     def reset(self): self._result = None; self.v = None
        ...     @reinit__is_reduced
        ...     def update(self, output): self.v = output
        ...     def compute(self):
        ...         self._result = self._result if self._result is not None else self.v
        ...         return self._result
        >>> m = Last(); m.update(1); m.compute(); m.update(2); m.compute()
        1
        2
    """

    @wraps(func)
    def wrapper(self: Metric, *args: Any, **kwargs: Any) -> None:
        func(self, *args, **kwargs)
        if "_result" in self.__dict__:
            self._result = None  # type: ignore[attr-defined]

    setattr(wrapper, "_decorated", True)
    return wrapper

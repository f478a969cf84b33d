"""Ignite's parameter schedulers: set an optimizer parameter (``lr``, ``momentum``, ...) on engine events.

Same values as Ignite 0.5.5 for the same scheduler over the same events (checked against
pytorch-ignite in ``tests/test_handlers_schedulers.py``). Built only on the public Engine
API: a scheduler is an event handler, attached with ``add_event_handler``.

Provided: ``BaseParamScheduler``, ``ParamScheduler``, ``CyclicalScheduler``,
``LinearCyclicalScheduler``, ``CosineAnnealingScheduler``, ``PiecewiseLinear``,
``ParamGroupScheduler``, ``ConcatScheduler``, ``LRScheduler``, ``ReduceLROnPlateauScheduler``
and ``create_lr_scheduler_with_warmup``; ``BatchSizeScheduler``, from
``bridge.handlers.batch_size_scheduler``.

Why one file past 400 lines: it is Ignite's module of this path, and it holds one family:
every scheduler is a ``BaseParamScheduler`` whose values the composite ones (``ConcatScheduler``,
``ParamGroupScheduler``, the warmup helper) simulate and chain through that base's protocol.
"""

from __future__ import annotations

import copy
import math
import numbers
from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union, cast

import torch
from torch.optim.lr_scheduler import CosineAnnealingWarmRestarts, ReduceLROnPlateau
from torch.optim.lr_scheduler import LRScheduler as PyTorchLRScheduler
from torch.optim.optimizer import Optimizer

from bridge.engine.events import Events

if TYPE_CHECKING:
    from bridge.handlers.batch_size_scheduler import BatchSizeScheduler

__all__ = [
    "BaseParamScheduler",
    "BatchSizeScheduler",
    "ConcatScheduler",
    "CosineAnnealingScheduler",
    "CyclicalScheduler",
    "LRScheduler",
    "LinearCyclicalScheduler",
    "ParamGroupScheduler",
    "ParamScheduler",
    "PiecewiseLinear",
    "ReduceLROnPlateauScheduler",
    "create_lr_scheduler_with_warmup",
    "parse_milestones",
    "piecewise_value",
]


def _fake_optimizer(param_name: str = "lr") -> torch.optim.SGD:
    # simulate_values runs a scheduler on a throwaway optimizer, as Ignite does
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01)
    optimizer.param_groups[0].setdefault(param_name, None)
    return optimizer


def _check_optimizer(optimizer: Any) -> None:
    if not (isinstance(optimizer, Optimizer) or isinstance(getattr(optimizer, "param_groups", None), Sequence)):
        raise TypeError(
            "Argument optimizer should be torch.optim.Optimizer or has attribute 'param_groups' as list/tuple, "
            f"but given {type(optimizer)}"
        )


class BaseParamScheduler(metaclass=ABCMeta):
    """Base of the schedulers: the event counter, ``state_dict`` / ``load_state_dict``.

    Example:
        >>> class Constant(BaseParamScheduler):
        ...     def get_param(self): return 1.0
        ...     @classmethod
        ...     def simulate_values(cls, num_events, **kwargs): return [[i, 1.0] for i in range(num_events)]
        >>> dict(Constant("lr").state_dict())
        {'event_index': 0, 'param_name': 'lr', 'save_history': False}
    """

    def __init__(self, param_name: str, save_history: bool = False) -> None:
        self.param_name = param_name
        self.event_index = 0
        self._save_history = save_history
        self._state_attrs = ["event_index", "param_name", "save_history"]

    @property
    def save_history(self) -> bool:
        """Whether each call appends the values to ``engine.state.param_history``."""
        return self._save_history

    @save_history.setter
    def save_history(self, value: bool) -> None:
        self._save_history = value

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's progress and settings (nested ``state_dict`` for a wrapped torch scheduler).

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4).state_dict()["cycle_size"]
            4
        """
        destination: dict[str, Any] = OrderedDict()
        for name in self._state_attrs:
            if hasattr(self, name):
                value = getattr(self, name)
                destination[name] = copy.copy(value.state_dict() if hasattr(value, "state_dict") else value)
        return destination

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what :meth:`state_dict` returned.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> s = LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4)
            >>> s.load_state_dict({**s.state_dict(), "event_index": 3}); s.event_index
            3
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a dictionary, but given {type(state_dict)}")
        for name in self._state_attrs:
            if name not in state_dict:
                raise ValueError(
                    f"Required state attribute '{name}' is absent in provided state_dict '{state_dict.keys()}'"
                )
            value, current = state_dict[name], getattr(self, name)
            if isinstance(value, Mapping) and hasattr(current, "load_state_dict"):
                current.load_state_dict(value)
            else:
                setattr(self, name, value)

    @abstractmethod
    def get_param(self) -> Union[list[float], float]:
        """The parameter value(s) for the current event index."""

    @classmethod
    @abstractmethod
    def simulate_values(cls, num_events: int, **scheduler_kwargs: Any) -> list[list[Any]]:
        """``[[event_index, value], ...]`` the scheduler would set over ``num_events`` events."""


class ParamScheduler(BaseParamScheduler):
    """Sets ``optimizer.param_groups[...][param_name]`` to :meth:`get_param` each time it is called.

    Subclass it and define :meth:`get_param`. ``param_group_index`` restricts it to one
    param group. ``param_name`` must be a key of the optimizer's param groups (bridge
    refuses a typo such as ``"learning_rate"``, which Ignite would silently add).

    Example:
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> class Halving(ParamScheduler):
        ...     def get_param(self): return 1.0 / 2 ** self.event_index
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> engine = Engine(lambda e, b: opt.param_groups[0]["lr"])
        >>> Halving(opt, "lr").attach(engine)   # on ITERATION_STARTED by default
        >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED, lambda e: print(e.state.output))
        >>> _ = engine.run(range(3))
        1.0
        0.5
        0.25
    """

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        save_history: bool = False,
        param_group_index: Optional[int] = None,
    ) -> None:
        super().__init__(param_name, save_history)
        _check_optimizer(optimizer)
        groups = optimizer.param_groups if param_group_index is None else [optimizer.param_groups[param_group_index]]
        if not all(param_name in group for group in groups):
            raise ValueError(
                f"Unknown param_name {param_name!r}: the optimizer's param groups have {sorted(groups[0])}"
            )
        self.optimizer = optimizer
        self.param_group_index = param_group_index
        self._state_attrs += ["param_group_index"]

    def attach(self, engine: Any, event: Any = Events.ITERATION_STARTED) -> None:
        """Call this scheduler on ``event`` (default ``ITERATION_STARTED``).

        Example:
            >>> import torch
            >>> from bridge.engine import Engine
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 10)
            >>> s.attach(Engine(lambda e, b: None))
        """
        engine.add_event_handler(event, self)

    def __call__(self, engine: Optional[Any], name: Optional[str] = None) -> None:
        value = self._get_param()
        groups = self.optimizer_param_groups
        if isinstance(value, list):
            if len(value) != len(groups):
                raise ValueError(f"size of value is different than optimizer_param_groups {len(value)} != {len(groups)}")
            for group, v in zip(groups, value):
                group[self.param_name] = v
        else:
            for group in groups:
                group[self.param_name] = value
        if self.save_history and engine:
            if getattr(engine.state, "param_history", None) is None:
                engine.state.param_history = {}
            history = engine.state.param_history.setdefault(name or self.param_name, [])
            history.append([group[self.param_name] for group in groups])
        self.event_index += 1

    @property
    def optimizer_param_groups(self) -> list[dict[str, Any]]:
        """The param groups this scheduler writes to."""
        if self.param_group_index is None:
            return self.optimizer.param_groups
        return [self.optimizer.param_groups[self.param_group_index]]

    @classmethod
    def simulate_values(cls, num_events: int, **scheduler_kwargs: Any) -> list[list[Any]]:
        """``[[i, value], ...]`` over ``num_events`` calls, on a throwaway optimizer.

        Example:
            >>> LinearCyclicalScheduler.simulate_values(4, param_name="lr", start_value=1.0,
            ...                                         end_value=0.0, cycle_size=4)
            [[0, 1.0], [1, 0.5], [2, 0.0], [3, 0.5]]
        """
        kwargs = {k: v for k, v in scheduler_kwargs.items() if k not in ("optimizer", "save_history")}
        scheduler = cls(optimizer=_fake_optimizer(kwargs.get("param_name", "lr")), save_history=False, **kwargs)
        values = []
        for i in range(num_events):
            scheduler(engine=None)
            values.append([i, scheduler.optimizer_param_groups[0][scheduler.param_name]])
        return values

    def _get_param(self) -> Union[list[float], float]:
        # the hook where CyclicalScheduler inserts its warmup phase
        return self.get_param()


class CyclicalScheduler(ParamScheduler):
    """Base of cyclical schedulers: cycles of ``cycle_size`` events from ``start_value`` to ``end_value``.

    After each cycle the cycle size is multiplied by ``cycle_mult``, the start and end values by
    ``start_value_mult`` / ``end_value_mult``; ``warmup_duration`` events go back from the end to
    the start value between cycles.

    Example:
        >>> import torch
        >>> class Saw(CyclicalScheduler):
        ...     def get_param(self): return self.event_index / self.cycle_size
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = Saw(opt, "lr", 0.0, 1.0, cycle_size=2)
        >>> [(s(None), opt.param_groups[0]["lr"])[1] for _ in range(5)]
        [0.0, 0.5, 0.0, 0.5, 0.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        start_value: float,
        end_value: float,
        cycle_size: int,
        cycle_mult: float = 1.0,
        start_value_mult: float = 1.0,
        end_value_mult: float = 1.0,
        warmup_duration: int = 0,
        save_history: bool = False,
        param_group_index: Optional[int] = None,
    ) -> None:
        super().__init__(optimizer, param_name, save_history=save_history, param_group_index=param_group_index)
        if cycle_size < 2:
            raise ValueError(f"Argument cycle_size should be positive and larger than 1, but given {cycle_size}")
        # Ignite takes these and fails in the run: a str at the first event, cycle_mult <= 0 at the second cycle
        numeric = {"start_value": start_value, "end_value": end_value, "cycle_mult": cycle_mult,
                   "start_value_mult": start_value_mult, "end_value_mult": end_value_mult}  # fmt: skip
        for name, value in numeric.items():
            if not isinstance(value, (int, float, numbers.Real, torch.Tensor)):
                raise TypeError(f"Argument {name} should be a number, but given {value!r}")
        if cycle_mult <= 0:
            raise ValueError(f"Argument cycle_mult should be positive (it scales cycle_size), but given {cycle_mult}")
        self.start_value = start_value
        self.end_value = end_value
        self.cycle_size = cycle_size
        self.cycle_mult = cycle_mult
        self.cycle = 0
        self.start_value_mult = start_value_mult
        self.end_value_mult = end_value_mult
        self.warmup_duration = warmup_duration
        self.total_cycle_size = warmup_duration + cycle_size
        self._state_attrs += [
            "start_value", "end_value", "cycle_size", "cycle_mult", "cycle",
            "start_value_mult", "end_value_mult", "warmup_duration", "total_cycle_size",
        ]  # fmt: skip

    def __call__(self, engine: Optional[Any], name: Optional[str] = None) -> None:
        if self.event_index != 0 and self.event_index == self.cycle_size:
            self.start_value *= self.start_value_mult
        if self.event_index != 0 and self.event_index == self.total_cycle_size:
            # a new cycle
            self.event_index = 0
            self.cycle_size = int(self.cycle_size * self.cycle_mult)
            self.warmup_duration = int(self.warmup_duration * self.cycle_mult)
            self.total_cycle_size = self.warmup_duration + self.cycle_size
            self.cycle += 1
            self.end_value *= self.end_value_mult
        super().__call__(engine, name)

    def _get_param(self) -> Union[list[float], float]:
        if self.event_index > self.cycle_size:
            # warmup between cycles: linear from end_value back to start_value
            progress = (self.event_index - self.cycle_size) / self.warmup_duration
            return self.end_value + (self.start_value - self.end_value) * progress
        return self.get_param()


class LinearCyclicalScheduler(CyclicalScheduler):
    """Linear ramp from ``start_value`` to ``end_value`` and back within each cycle (Ignite's).

    With ``monotonic=True`` a cycle only ramps up (then ``warmup_duration`` may be used).

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = LinearCyclicalScheduler(opt, "lr", start_value=1.0, end_value=0.0, cycle_size=4)
        >>> [(s(None), opt.param_groups[0]["lr"])[1] for _ in range(6)]
        [1.0, 0.5, 0.0, 0.5, 1.0, 0.5]
    """

    def __init__(self, *args: Any, monotonic: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.monotonic = monotonic
        if self.warmup_duration > 0 and not self.monotonic:
            raise ValueError(
                "Invalid combination when warmup_duration > 0 and monotonic=False, "
                "please use either set warmup_duration=0 or monotonic=True"
            )

    def get_param(self) -> float:
        """Value at the current point of the cycle.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 10).get_param()
            0.0
        """
        progress = self.event_index / self.cycle_size
        if self.monotonic:
            return self.start_value + (self.end_value - self.start_value) * progress
        return self.end_value + (self.start_value - self.end_value) * abs(progress - 0.5) * 2


class CosineAnnealingScheduler(CyclicalScheduler):
    """Cosine from ``start_value`` to ``end_value`` over each cycle (SGDR, as Ignite's).

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = CosineAnnealingScheduler(opt, "lr", start_value=1.0, end_value=0.0, cycle_size=4)
        >>> [round((s(None), opt.param_groups[0]["lr"])[1], 4) for _ in range(5)]
        [1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    def get_param(self) -> float:
        """Value at the current point of the cycle.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 10).get_param()
            1.0
        """
        progress = self.event_index / self.cycle_size
        return self.start_value + ((self.end_value - self.start_value) / 2) * (1 - math.cos(math.pi * progress))


def parse_milestones(milestones_values: Sequence[tuple[int, float]]) -> tuple[list[int], list[float]]:
    """Ignite's checks of ``(milestone, value)`` pairs: the milestones and the values.

    Example:
        >>> parse_milestones([(0, 1.0), (4, 0.5)])
        ([0, 4], [1.0, 0.5])
    """
    if not isinstance(milestones_values, Sequence):
        raise TypeError(f"Argument milestones_values should be a list or tuple, but given {type(milestones_values)}")
    if len(milestones_values) < 1:
        raise ValueError(f"Argument milestones_values should be with at least one value, but given {milestones_values}")
    milestones: list[int] = []
    values: list[float] = []
    for pair in milestones_values:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ValueError("Argument milestones_values should be a list of pairs (milestone, param_value)")
        if not isinstance(pair[0], numbers.Integral):
            raise TypeError(f"Value of a milestone should be integer, but given {type(pair[0])}")
        if milestones and pair[0] < milestones[-1]:
            raise ValueError(
                f"Milestones should be increasing integers, but given {pair[0]} is smaller "
                f"than the previous milestone {milestones[-1]}"
            )
        milestones.append(int(pair[0]))
        values.append(pair[1])
    return milestones, values


def piecewise_value(milestones: list[int], values: list[float], index: int, segment: int) -> tuple[float, int]:
    """The value at event ``index`` of the line through ``(milestone, value)`` points, and its piece's number.

    Constant before the first milestone and from the last one on. ``segment`` is where the last
    look-up ended (events only move forward). Both piecewise schedulers use it.

    Example:
        >>> piecewise_value([2, 6], [1.0, 0.0], 4, 0), piecewise_value([2, 6], [1.0, 0.0], 9, 0)
        ((0.5, 0), (0.0, 0))
    """
    if index < milestones[0]:
        return values[0], segment
    if index >= milestones[-1]:
        return values[-1], segment
    while not milestones[segment] <= index < milestones[segment + 1]:
        segment += 1
    start, end = milestones[segment], milestones[segment + 1]
    start_value, end_value = values[segment], values[segment + 1]
    return start_value + (end_value - start_value) * (index - start) / (end - start), segment


class PiecewiseLinear(ParamScheduler):
    """Linear interpolation between ``(event_index, value)`` milestones, constant outside them.

    Example:
        >>> PiecewiseLinear.simulate_values(5, param_name="lr", milestones_values=[(1, 1.0), (3, 0.0)])
        [[0, 1.0], [1, 1.0], [2, 0.5], [3, 0.0], [4, 0.0]]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        milestones_values: list[tuple[int, float]],
        save_history: bool = False,
        param_group_index: Optional[int] = None,
    ) -> None:
        super().__init__(optimizer, param_name, save_history, param_group_index=param_group_index)
        self.milestones, self.values = parse_milestones(milestones_values)
        self._index = 0
        self._state_attrs += ["values", "milestones", "_index"]

    def get_param(self) -> float:
        """Interpolated value at the current event index.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> PiecewiseLinear(opt, "lr", [(0, 2.0), (10, 0.0)]).get_param()
            2.0
        """
        value, self._index = piecewise_value(self.milestones, self.values, self.event_index, self._index)
        return value


class ParamGroupScheduler:
    """Several schedulers (e.g. one per param group) called together as one handler.

    Example:
        >>> import torch
        >>> w1, w2 = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
        >>> opt = torch.optim.SGD([{"params": [w1]}, {"params": [w2]}], lr=1.0)
        >>> s = ParamGroupScheduler([
        ...     LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4, param_group_index=0),
        ...     LinearCyclicalScheduler(opt, "lr", 1.0, 0.0, 4, param_group_index=1),
        ... ], names=["lr0", "lr1"])
        >>> s(None); s(None); [g["lr"] for g in opt.param_groups]
        [0.5, 0.5]
    """

    def __init__(
        self, schedulers: list[ParamScheduler], names: Optional[list[str]] = None, save_history: bool = False
    ) -> None:
        if not isinstance(schedulers, Sequence):
            raise TypeError(f"Argument schedulers should be a list/tuple, but given {schedulers}")
        if not all(isinstance(s, ParamScheduler) for s in schedulers):
            raise ValueError(f"Argument schedulers should be a list/tuple of parameter schedulers, but given {schedulers}")
        if names is None:
            names = [s.param_name for s in schedulers]
        if not isinstance(names, (list, tuple)):
            raise TypeError(f"Argument names should be a list/tuple, but given {names}")
        if not all(isinstance(n, str) for n in names):
            raise ValueError(f"Argument names should be a list/tuple of parameter scheduler's names, but given {names}")
        if len(names) != len(schedulers):
            raise ValueError(f"{len(schedulers)} should be equal {len(names)}")
        self.schedulers = schedulers
        self.names = names
        for s in schedulers:
            s.save_history = save_history
        self.optimizer = [s.optimizer for s in schedulers]
        self.param_name = [s.param_name for s in schedulers]

    def __call__(self, engine: Optional[Any], name: Optional[str] = None) -> None:
        for scheduler, scheduler_name in zip(self.schedulers, self.names):
            scheduler(engine, scheduler_name)

    def attach(self, engine: Any, event: Any = Events.ITERATION_STARTED) -> None:
        """Call the schedulers on ``event`` (default ``ITERATION_STARTED``).

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> from bridge.engine import Engine
            >>> ParamGroupScheduler([LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4)]).attach(Engine(lambda e, b: None))
        """
        engine.add_event_handler(event, self)

    @property
    def optimizer_param_groups(self) -> list[dict[str, Any]]:
        """The param groups of all the schedulers."""
        return [group for s in self.schedulers for group in s.optimizer_param_groups]

    @property
    def save_history(self) -> bool:
        """Whether the schedulers record ``engine.state.param_history``."""
        return self.schedulers[0].save_history

    @save_history.setter
    def save_history(self, value: bool) -> None:
        for s in self.schedulers:
            s.save_history = value

    def state_dict(self) -> dict[str, list[Any]]:
        """``{"schedulers": [(name, state_dict), ...]}``.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = ParamGroupScheduler([LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4)], names=["a"])
            >>> [name for name, _ in s.state_dict()["schedulers"]]
            ['a']
        """
        return OrderedDict(schedulers=[(n, s.state_dict()) for n, s in zip(self.names, self.schedulers)])

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what :meth:`state_dict` returned.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = ParamGroupScheduler([LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4)])
            >>> saved = s.state_dict(); s(None); s.load_state_dict(saved)
            >>> s.schedulers[0].event_index
            0
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a dictionary, but given {type(state_dict)}")
        if "schedulers" not in state_dict:
            raise ValueError(f"Required state attribute 'schedulers' is absent in provided state_dict '{state_dict.keys()}'")
        sds = state_dict["schedulers"]
        if len(sds) != len(self.schedulers):
            raise ValueError(
                f"Input state_dict contains {len(sds)} state_dicts of param group schedulers, "
                f"but {len(self.schedulers)} needed"
            )
        for required, s, (n, sd) in zip(self.names, self.schedulers, sds):
            if required != n:
                raise ValueError(
                    f"Name of scheduler from input state dict does not correspond to required one, {n} vs {required}"
                )
            s.load_state_dict(sd)

    def get_param(self) -> list[Union[float, list[float]]]:
        """The current value of each scheduler.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> ParamGroupScheduler([LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4)]).get_param()
            [0.0]
        """
        return [s.get_param() for s in self.schedulers]


def _snapshot(schedulers: Sequence[Any], optimizer: Any) -> Any:
    # simulate_values must not move the real schedulers: keep deep copies of their states to restore
    return [copy.deepcopy(s.state_dict()) for s in schedulers], copy.deepcopy(optimizer.state_dict())


def _restore(snapshot: Any, schedulers: Sequence[Any], optimizer: Any) -> None:
    states, optimizer_state = snapshot
    for s, sd in zip(schedulers, states):
        s.load_state_dict(sd)
    optimizer.load_state_dict(optimizer_state)


class ConcatScheduler(ParamScheduler):
    """Run schedulers one after another: ``schedulers[i]`` for ``durations[i]`` events, then the next.

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> up = LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4, monotonic=True)
        >>> down = LinearCyclicalScheduler(opt, "lr", 1.0, 0.0, 4, monotonic=True)
        >>> [v for _, v in ConcatScheduler.simulate_values(6, schedulers=[up, down], durations=[3])]
        [0.0, 0.25, 0.5, 1.0, 0.75, 0.5]
    """

    def __init__(self, schedulers: list[Any], durations: list[int], save_history: bool = False) -> None:
        if not isinstance(schedulers, Sequence):
            raise TypeError(f"Argument schedulers should be a sequence, but given {schedulers}")
        if len(schedulers) < 2:
            raise ValueError(f"Argument schedulers should be of more than one parameter schedulers, but given {schedulers}")
        if not isinstance(durations, (list, tuple)):
            raise TypeError(f"Argument durations should be list/tuple, but given {durations}")
        if not all(isinstance(t, numbers.Integral) for t in durations):
            raise ValueError(f"Argument durations should be list/tuple of integers, but given {durations}")
        if len(schedulers) != len(durations) + 1:
            raise ValueError(f"Incorrect number schedulers or duration values, given {len(schedulers)} and {len(durations)}")
        for i, s in enumerate(schedulers):
            if not isinstance(s, (ParamScheduler, ParamGroupScheduler)):
                raise TypeError(f"Value at index {i} of schedulers should be a parameter scheduler, but given {type(s)}")
        optimizer = _single(schedulers, "optimizer", "schedulers should be related to same optimizer")
        param_name = _single(schedulers, "param_name", "schedulers should be related to same param_name")
        self.schedulers = schedulers
        self.durations = durations
        for s in schedulers:
            s.save_history = save_history
        super().__init__(optimizer=optimizer, param_name=param_name, save_history=save_history)
        self._scheduler_index = 0
        self._setup_scheduler()
        self._state_attrs += ["_current_duration", "durations", "_scheduler_index"]

    def state_dict(self) -> dict[str, Any]:
        """Own progress plus ``"schedulers"``: the state of each scheduler.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = ConcatScheduler([LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4),
            ...                      CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 4)], durations=[2])
            >>> len(s.state_dict()["schedulers"])
            2
        """
        state = super().state_dict()
        state["schedulers"] = [s.state_dict() for s in self.schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what :meth:`state_dict` returned.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = ConcatScheduler([LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4),
            ...                      CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 4)], durations=[2])
            >>> saved = s.state_dict()
            >>> for _ in range(3): s(None)
            >>> s.load_state_dict(saved); s(None); opt.param_groups[0]["lr"]
            0.0
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a dictionary, but given {type(state_dict)}")
        if "schedulers" not in state_dict:
            raise ValueError(f"Required state attribute 'schedulers' is absent in provided state_dict '{state_dict.keys()}'")
        sds = state_dict["schedulers"]
        if len(sds) != len(self.schedulers):
            raise ValueError(
                f"Input state_dict contains {len(sds)} state_dicts of concatenated schedulers, "
                f"but {len(self.schedulers)} needed"
            )
        for s, sd in zip(self.schedulers, sds):
            s.load_state_dict(sd)
        super().load_state_dict(state_dict)
        self._current_scheduler = self.schedulers[self._scheduler_index]

    def _setup_scheduler(self) -> None:
        self._current_scheduler = self.schedulers[self._scheduler_index]
        index = self._scheduler_index
        self._current_duration = self.durations[index] if index < len(self.durations) else -1

    def __call__(self, engine: Optional[Any], name: Optional[str] = None) -> None:
        if self._current_duration == 0:
            self._scheduler_index += 1
            self._setup_scheduler()
        self._current_scheduler(engine, name)
        self._current_duration -= 1

    @property
    def optimizer_param_groups(self) -> list[dict[str, Any]]:
        """The param groups of the scheduler now running."""
        return self._current_scheduler.optimizer_param_groups

    @property
    def save_history(self) -> bool:
        """Whether the schedulers record ``engine.state.param_history``."""
        return self._current_scheduler.save_history

    @save_history.setter
    def save_history(self, value: bool) -> None:
        for s in self.schedulers:
            s.save_history = value

    def get_param(self) -> Union[list[float], float]:
        """The value of the scheduler now running.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> s = ConcatScheduler([LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4),
            ...                      CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 4)], durations=[2])
            >>> s.get_param()
            0.0
        """
        return self._current_scheduler.get_param()

    @classmethod
    def simulate_values(  # type: ignore[override]
        cls,
        num_events: int,
        schedulers: list[Any],
        durations: list[int],
        param_names: Optional[Union[list[str], tuple[str]]] = None,
    ) -> list[list[Any]]:
        """``[[i, value, ...], ...]`` over ``num_events`` events; the given schedulers are left unchanged.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> a = LinearCyclicalScheduler(opt, "lr", 0.0, 1.0, 4)
            >>> b = CosineAnnealingScheduler(opt, "lr", 1.0, 0.0, 4)
            >>> ConcatScheduler.simulate_values(4, schedulers=[a, b], durations=[2])
            [[0, 0.0], [1, 0.5], [2, 1.0], [3, 0.8535533905932737]]
            >>> a.event_index, opt.param_groups[0]["lr"]
            (0, 1.0)
        """
        if param_names is not None:
            if not isinstance(param_names, (list, tuple)):
                raise TypeError(f"Argument param_names should be list or tuple, but given {type(param_names)}")
            if not all(isinstance(item, str) for item in param_names):
                raise ValueError(f"Argument param_names should be list or tuple of strings, but given {param_names}")
        optimizer = _single(schedulers, "optimizer", "schedulers should be related to same optimizer")
        snapshot = _snapshot(schedulers, optimizer)
        for s in schedulers:
            s.save_history = False
        scheduler = cls(schedulers=schedulers, save_history=False, durations=durations)
        names = param_names if param_names is not None else [scheduler.param_name]
        output = []
        for i in range(num_events):
            scheduler(engine=None)
            output.append([i] + [g[n] for n in names for g in scheduler.optimizer_param_groups])
        _restore(snapshot, schedulers, optimizer)
        return output


def _single(schedulers: Sequence[Any], attr: str, message: str) -> Any:
    # ParamGroupScheduler holds lists of optimizers / param names; all must be one and the same
    found: list[Any] = []
    for s in schedulers:
        for value in getattr(s, attr) if isinstance(getattr(s, attr), list) else [getattr(s, attr)]:
            if not any(value is f or (isinstance(value, str) and value == f) for f in found):
                found.append(value)
    if len(found) != 1:
        raise ValueError(message)
    return found[0]


class _CosineAnnealingWarmRestarts:
    """``CosineAnnealingWarmRestarts`` seen through ``get_lr()`` with the epoch bookkeeping of its ``step()``.

    torch computes that bookkeeping in ``step``, which LRScheduler does not call (Ignite's adapter).
    """

    def __init__(self, lr_scheduler: CosineAnnealingWarmRestarts) -> None:
        self._lr_scheduler = lr_scheduler

    @property
    def last_epoch(self) -> int:
        return self._lr_scheduler.last_epoch

    @last_epoch.setter
    def last_epoch(self, value: int) -> None:
        self._lr_scheduler.last_epoch = value

    @property
    def optimizer(self) -> Optimizer:
        return self._lr_scheduler.optimizer

    def state_dict(self) -> dict[str, Any]:
        return self._lr_scheduler.state_dict()

    def load_state_dict(self, state_dict: Mapping) -> None:
        self._lr_scheduler.load_state_dict(dict(state_dict))

    def get_lr(self) -> list[float]:
        s = self._lr_scheduler
        if self.last_epoch < 0:
            epoch = 0
            s.T_i, s.T_cur = s.T_0, 0
        else:
            epoch = self.last_epoch + 1
            s.T_cur = s.T_cur + 1
            if s.T_cur >= s.T_i:
                s.T_cur = s.T_cur - s.T_i
                s.T_i = s.T_i * s.T_mult
        self.last_epoch = math.floor(epoch)
        lrs = [s.eta_min + (base - s.eta_min) * (1 + math.cos(math.pi * s.T_cur / s.T_i)) / 2 for base in s.base_lrs]
        return cast(list[float], lrs)  # a tensor lr stays one, as in torch


class LRScheduler(ParamScheduler):
    """A torch ``lr_scheduler`` as an event handler, giving the same lr sequence as Ignite's wrapper.

    Attach it to ``ITERATION_COMPLETED`` (or ``EPOCH_COMPLETED``) as with ``scheduler.step()``,
    or to ``ITERATION_STARTED`` with ``use_legacy=False`` inside
    :func:`create_lr_scheduler_with_warmup`.

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> step_lr = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> [v for _, v in LRScheduler.simulate_values(5, lr_scheduler=step_lr)]
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, lr_scheduler: PyTorchLRScheduler, save_history: bool = False, use_legacy: bool = False) -> None:
        if not isinstance(lr_scheduler, PyTorchLRScheduler):
            raise TypeError(
                "Argument lr_scheduler should be a subclass of torch.optim.lr_scheduler.LRScheduler, "
                f"but given {type(lr_scheduler)}"
            )
        self.lr_scheduler: Any = lr_scheduler
        if isinstance(lr_scheduler, CosineAnnealingWarmRestarts):
            self.lr_scheduler = _CosineAnnealingWarmRestarts(lr_scheduler)
        super().__init__(optimizer=self.lr_scheduler.optimizer, param_name="lr", save_history=save_history)
        if use_legacy:
            import warnings

            warnings.warn(
                "Please make sure to attach scheduler to Events.ITERATION_COMPLETED "
                "instead of Events.ITERATION_STARTED to make sure to use "
                "the first lr value from the optimizer, otherwise it will be skipped"
            )
            self.lr_scheduler.last_epoch += 1
        self._state_attrs += ["lr_scheduler"]

    def __call__(self, engine: Optional[Any], name: Optional[str] = None) -> None:
        super().__call__(engine, name)
        self.lr_scheduler.last_epoch += 1

    def get_param(self) -> Union[float, list[float]]:
        """The torch scheduler's ``get_lr()`` for its current ``last_epoch`` (a float for one param group).

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> LRScheduler(torch.optim.lr_scheduler.StepLR(opt, step_size=2)).get_param()
            1.0
        """
        # get_lr() warns unless called from inside step(): say that it is, as Ignite does
        self.lr_scheduler._get_lr_called_within_step = True
        try:
            lrs = self.lr_scheduler.get_lr()
        finally:
            self.lr_scheduler._get_lr_called_within_step = False
        return lrs[0] if len(lrs) == 1 else lrs

    @classmethod
    def simulate_values(  # type: ignore[override]
        cls, num_events: int, lr_scheduler: PyTorchLRScheduler, **kwargs: Any
    ) -> list[list[Any]]:
        """``[[i, lr, ...], ...]`` over ``num_events`` events; ``lr_scheduler`` and its optimizer are left unchanged.

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
            >>> exp = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
            >>> LRScheduler.simulate_values(3, lr_scheduler=exp), exp.last_epoch
            ([[0, 0.5], [1, 0.25], [2, 0.125]], 0)
        """
        if not isinstance(lr_scheduler, PyTorchLRScheduler):
            raise TypeError(
                "Argument lr_scheduler should be a subclass of torch.optim.lr_scheduler.LRScheduler, "
                f"but given {type(lr_scheduler)}"
            )
        snapshot = _snapshot([lr_scheduler], lr_scheduler.optimizer)
        scheduler = cls(save_history=False, lr_scheduler=lr_scheduler, **kwargs)
        values = []
        for i in range(num_events):
            scheduler(engine=None)
            values.append([i] + [g["lr"] for g in scheduler.optimizer_param_groups])
        _restore(snapshot, [lr_scheduler], lr_scheduler.optimizer)
        return values


def create_lr_scheduler_with_warmup(
    lr_scheduler: Union[ParamScheduler, PyTorchLRScheduler],
    warmup_start_value: float,
    warmup_duration: int,
    warmup_end_value: Optional[float] = None,
    save_history: bool = False,
    output_simulated_values: Optional[list] = None,
) -> ConcatScheduler:
    """A linear warmup of ``warmup_duration`` events, then ``lr_scheduler`` (Ignite's construction).

    Attach the result to ``ITERATION_STARTED``. ``output_simulated_values``, a list of
    ``None``, is filled with the simulated ``[i, lr]`` values.

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> torch_scheduler = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> values = [None] * 6
        >>> _ = create_lr_scheduler_with_warmup(torch_scheduler, warmup_start_value=0.0, warmup_duration=3,
        ...                                     output_simulated_values=values)
        >>> [v for _, v in values]
        [0.0, 0.5, 1.0, 0.5, 0.25, 0.125]
    """
    if not isinstance(lr_scheduler, (ParamScheduler, PyTorchLRScheduler)):
        raise TypeError(
            "Argument lr_scheduler should be a subclass of torch.optim.lr_scheduler.LRScheduler or ParamScheduler, "
            f"but given {type(lr_scheduler)}"
        )
    if not isinstance(warmup_duration, int):
        raise TypeError(f"Argument warmup_duration should be integer, but given {warmup_duration}")
    if not warmup_duration > 1:
        raise ValueError(f"Argument warmup_duration should be at least 2 events, but given {warmup_duration}")

    warmups: list[ParamScheduler] = []
    milestones: list[tuple[int, float]] = []
    scheduler: Any = lr_scheduler
    for index, group in enumerate(list(lr_scheduler.optimizer.param_groups)):
        end_value = group["lr"] if warmup_end_value is None else warmup_end_value
        milestones = [(0, warmup_start_value), (warmup_duration - 1, end_value)]
        if isinstance(lr_scheduler, PyTorchLRScheduler):
            init_lr = group["lr"]
            if init_lr != end_value:
                milestones.append((warmup_duration, init_lr))
            # the torch scheduler's first value was its initial lr, which the warmup ends on: skip it
            lr_scheduler.last_epoch += 1
            # As in Ignite, later param groups see the wrapper (a ParamScheduler) and take the branch
            # below; kept so that multi-group optimizers get Ignite's exact values.
            lr_scheduler = scheduler = LRScheduler(lr_scheduler, save_history=save_history)
        else:
            init_lr = lr_scheduler.get_param()
            if init_lr == end_value:
                # avoid repeating the value the scheduler starts with
                if warmup_duration > 2:
                    step = (end_value - warmup_start_value) / (warmup_duration - 1)
                    milestones[-1] = (warmup_duration - 2, end_value - step)
                else:
                    milestones.pop(-1)
        warmups.append(
            PiecewiseLinear(
                lr_scheduler.optimizer, "lr", milestones, param_group_index=index, save_history=save_history
            )
        )
    schedulers = [ParamGroupScheduler(warmups, save_history=save_history), scheduler]
    durations = [milestones[-1][0] + 1]
    combined = ConcatScheduler(schedulers, durations=durations, save_history=save_history)
    if output_simulated_values is not None:
        if not isinstance(output_simulated_values, list):
            raise TypeError(
                "Argument output_simulated_values should be a list of None, e.g. `[None] * 100`, "
                f"but given {type(output_simulated_values)}."
            )
        result = ConcatScheduler.simulate_values(len(output_simulated_values), schedulers=schedulers, durations=durations)
        output_simulated_values[:] = result
    return combined


class ReduceLROnPlateauScheduler(ParamScheduler):
    """torch's ``ReduceLROnPlateau`` driven by a metric of ``engine.state.metrics`` (Ignite's wrapper).

    Attach it to an evaluator's COMPLETED; ``trainer`` (optional) is the engine whose state gets
    ``param_history`` with ``save_history=True``. Other keyword arguments go to
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``; with ``param_group_index`` only that group changes.
    Unlike Ignite 0.5.5, which ignores ``min_lr`` unless ``param_group_index`` is given (and then
    reads the bound of group 0), ``min_lr`` is always honoured, for the right group.

    Example:
        >>> import torch
        >>> from bridge.engine import Engine, Events
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> evaluator = Engine(lambda e, b: None)
        >>> scores = iter([1.0, 0.9, 0.8, 0.8, 0.8])
        >>> _ = evaluator.add_event_handler(Events.COMPLETED, lambda e: e.state.metrics.update(acc=next(scores)))
        >>> scheduler = ReduceLROnPlateauScheduler(opt, metric_name="acc", mode="max", factor=0.5, patience=1)
        >>> _ = evaluator.add_event_handler(Events.COMPLETED, scheduler)
        >>> for _ in range(5):
        ...     _ = evaluator.run([0])
        ...     print(opt.param_groups[0]["lr"])
        1.0
        1.0
        0.5
        0.5
        0.25
    """

    def __init__(
        self,
        optimizer: Optimizer,
        metric_name: str,
        trainer: Optional[Any] = None,
        save_history: bool = False,
        param_group_index: Optional[int] = None,
        **scheduler_kwargs: Any,
    ) -> None:
        super().__init__(optimizer, "lr", save_history=save_history, param_group_index=param_group_index)
        self.metric_name = metric_name
        self.trainer = trainer
        min_lr: Union[float, list[float]] = scheduler_kwargs.get("min_lr", 0)
        if "min_lr" in scheduler_kwargs and param_group_index is not None:
            if not isinstance(scheduler_kwargs["min_lr"], float):
                raise TypeError(
                    f"When param_group_index is given, min_lr should be a float, but given {type(scheduler_kwargs['min_lr'])}"
                )
            min_lr = [0] * len(optimizer.param_groups)
            min_lr[param_group_index] = scheduler_kwargs["min_lr"]
        # Ignite 0.5.5 silently replaces a min_lr given without param_group_index by 0; bridge keeps it
        kwargs = {**scheduler_kwargs, "min_lr": min_lr}
        if "verbose" in kwargs:
            import warnings

            warnings.warn(
                "Found verbose=True in provided scheduler_kwargs. It would be set to False. Please use save_history instead."
            )
            kwargs["verbose"] = False
        self.scheduler = ReduceLROnPlateau(optimizer, **kwargs)
        # torch's reduction touches every group: restrict it to this scheduler's groups
        self.scheduler._reduce_lr = self._reduce_lr  # type: ignore[method-assign]
        self._state_attrs += ["metric_name", "scheduler"]

    def __call__(self, engine: Any, name: Optional[str] = None) -> None:
        if not hasattr(engine.state, "metrics") or self.metric_name not in engine.state.metrics:
            raise ValueError(
                "Argument engine should have in its 'state', attribute 'metrics' "
                f"which itself has the metric {self.metric_name}."
            )
        self.scheduler.step(engine.state.metrics[self.metric_name])
        super().__call__(self.trainer, name)

    def get_param(self) -> Union[float, list[float]]:
        """The current lr of the scheduled group(s).

        Example:
            >>> import torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
            >>> ReduceLROnPlateauScheduler(opt, metric_name="loss").get_param()
            0.3
        """
        lrs = [group["lr"] for group in self.optimizer_param_groups]
        return lrs[0] if len(lrs) == 1 else lrs

    def _reduce_lr(self, epoch: int) -> None:
        for i, group in enumerate(self.optimizer_param_groups):
            # min_lrs has one entry per optimizer group (Ignite 0.5.5 indexes it by i, the wrong group)
            index = i if self.param_group_index is None else self.param_group_index
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.scheduler.factor, self.scheduler.min_lrs[index])
            if old_lr - new_lr > self.scheduler.eps:
                group["lr"] = new_lr

    @classmethod
    def simulate_values(  # type: ignore[override]
        cls, num_events: int, metric_values: list[float], init_lr: float, **scheduler_kwargs: Any
    ) -> list[list[Any]]:
        """``[[i, lr], ...]`` for the given metric values, on a throwaway optimizer.

        Example:
            >>> ReduceLROnPlateauScheduler.simulate_values(4, [1.0, 1.0, 1.0, 1.0], init_lr=1.0, factor=0.5, patience=1)
            [[0, 1.0], [1, 1.0], [2, 0.5], [3, 0.5]]
        """
        if len(metric_values) != num_events:
            raise ValueError(
                f"Length of argument metric_values should be equal to num_events. {len(metric_values)} != {num_events}"
            )
        from types import SimpleNamespace

        kwargs = {k: v for k, v in scheduler_kwargs.items() if k not in ("optimizer", "metric_name", "save_history")}
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=init_lr)
        scheduler = cls(optimizer=optimizer, metric_name="metric", save_history=False, **kwargs)
        # the scheduler only reads engine.state.metrics: no Engine needed
        engine = SimpleNamespace(state=SimpleNamespace(metrics={}))
        values = []
        for i in range(num_events):
            engine.state.metrics["metric"] = metric_values[i]
            scheduler(engine=engine)
            values.append([i, scheduler.optimizer_param_groups[0][scheduler.param_name]])
        return values


def __getattr__(name: str) -> Any:
    # Ignite keeps BatchSizeScheduler in this module; bridge's builds on BaseParamScheduler above,
    # so it is imported on first access rather than at the top (which would be an import cycle).
    if name == "BatchSizeScheduler":
        from bridge.handlers.batch_size_scheduler import BatchSizeScheduler

        return BatchSizeScheduler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

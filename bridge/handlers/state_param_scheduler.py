"""Ignite's state parameter schedulers: a value in ``engine.state`` set at each event (``ignite.handlers.state_param_scheduler``).

Where :class:`~bridge.handlers.param_scheduler.ParamScheduler` sets an optimizer's parameter,
these set ``engine.state.<param_name>`` (a loss weight, a temperature, ...). Same values,
warnings and errors as Ignite 0.5.5 (``tests/test_handlers_state_schedulers.py``).

Example:
    >>> from bridge.engine import Engine, Events
    >>> engine = Engine(lambda e, b: None)
    >>> ExpStateScheduler(1.0, 0.5, "alpha", create_new=True).attach(engine, Events.EPOCH_COMPLETED)
    >>> engine.run([0], max_epochs=3).alpha
    0.125
"""

from __future__ import annotations

import warnings
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any, Union

from bridge.engine.engine import Engine
from bridge.engine.events import Events
from bridge.handlers.param_scheduler import BaseParamScheduler, parse_milestones, piecewise_value

__all__ = [
    "ExpStateScheduler",
    "LambdaStateScheduler",
    "MultiStepStateScheduler",
    "PiecewiseLinearStateScheduler",
    "StateParamScheduler",
    "StepStateScheduler",
]


class StateParamScheduler(BaseParamScheduler):
    """Base of the state schedulers: at each event, ``engine.state.<param_name> = get_param()``.

    ``create_new=True`` says the attribute is new (an existing one is then an error); without it
    a missing attribute is created with Ignite's warning. ``save_history`` appends each value to
    ``engine.state.param_history[param_name]``.

    Example:
        >>> class Count(StateParamScheduler):
        ...     def get_param(self): return self.event_index
        >>> Count.simulate_values(3, param_name="n")
        [[0, 1], [1, 2], [2, 3]]
    """

    def __init__(self, param_name: str, save_history: bool = False, create_new: bool = False) -> None:
        super().__init__(param_name, save_history)
        self.create_new = create_new

    def attach(self, engine: Engine, event: Any = Events.ITERATION_COMPLETED) -> None:
        """Set the state attribute on ``event`` (ITERATION_COMPLETED by default; filters and lists too).

        Example:
            >>> engine = Engine(lambda e, b: None)
            >>> engine.state.beta = 0.0
            >>> LambdaStateScheduler(lambda i: i / 10, "beta").attach(engine)
            >>> engine.run([0, 0]).beta
            0.2
        """
        if hasattr(engine.state, self.param_name):
            if self.create_new:
                raise ValueError(
                    f"Attribute '{self.param_name}' already exists in the engine.state. "
                    "This may be a conflict between multiple handlers. Please choose another name."
                )
        else:
            if not self.create_new:
                warnings.warn(
                    f"Attribute '{self.param_name}' is not defined in the engine.state. "
                    f"{type(self).__name__} will create it. Remove this warning by setting create_new=True.",
                    stacklevel=2,
                )
            setattr(engine.state, self.param_name, None)
        if self.save_history:
            if getattr(engine.state, "param_history", None) is None:
                engine.state.param_history = {}  # type: ignore[attr-defined]  # Ignite's attribute
            engine.state.param_history.setdefault(self.param_name, [])  # type: ignore[attr-defined]
        engine.add_event_handler(event, self)

    def __call__(self, engine: Engine) -> None:
        self.event_index += 1
        value = self.get_param()
        setattr(engine.state, self.param_name, value)
        if self.save_history:
            engine.state.param_history[self.param_name].append(value)  # type: ignore[attr-defined]

    @classmethod
    def simulate_values(cls, num_events: int, **scheduler_kwargs: Any) -> list[list[Any]]:
        """``[[i, value], ...]`` over ``num_events`` events, on a throwaway engine.

        Example:
            >>> StepStateScheduler.simulate_values(4, initial_value=1.0, gamma=0.1, step_size=2, param_name="p")
            [[0, 1.0], [1, 0.1], [2, 0.1], [3, 0.010000000000000002]]
        """
        scheduler_kwargs.pop("save_history", None)
        scheduler = cls(save_history=False, **scheduler_kwargs)
        engine = Engine(lambda e, b: None)
        values = []
        for i in range(num_events):
            scheduler(engine)
            values.append([i, getattr(engine.state, scheduler_kwargs["param_name"])])
        return values


class LambdaStateScheduler(StateParamScheduler):
    """The value is ``lambda_obj(event_index)``.

    Example:
        >>> LambdaStateScheduler.simulate_values(3, lambda_obj=lambda i: 2 * i, param_name="p")
        [[0, 2], [1, 4], [2, 6]]
    """

    def __init__(self, lambda_obj: Callable[[int], Union[list[float], float]], param_name: str,
                 save_history: bool = False, create_new: bool = False) -> None:  # fmt: skip
        super().__init__(param_name, save_history, create_new)
        if not callable(lambda_obj):
            raise ValueError("Expected lambda_obj to be callable.")
        self.lambda_obj = lambda_obj
        self._state_attrs += ["lambda_obj"]

    def get_param(self) -> Union[list[float], float]:
        return self.lambda_obj(self.event_index)


class PiecewiseLinearStateScheduler(StateParamScheduler):
    """Linear between ``(event_index, value)`` milestones, constant outside them (as :class:`PiecewiseLinear`).

    Example:
        >>> PiecewiseLinearStateScheduler.simulate_values(5, milestones_values=[(2, 1.0), (4, 0.0)], param_name="p")
        [[0, 1.0], [1, 1.0], [2, 0.5], [3, 0.0], [4, 0.0]]
    """

    def __init__(self, milestones_values: Sequence[tuple[int, float]], param_name: str, save_history: bool = False,
                 create_new: bool = False) -> None:  # fmt: skip
        super().__init__(param_name, save_history, create_new)
        self.milestones, self.values = parse_milestones(milestones_values)
        self._index = 0
        self._state_attrs += ["values", "milestones", "_index"]

    def get_param(self) -> float:
        value, self._index = piecewise_value(self.milestones, self.values, self.event_index, self._index)
        return value


class ExpStateScheduler(StateParamScheduler):
    """``initial_value * gamma ** event_index``.

    Example:
        >>> ExpStateScheduler.simulate_values(3, initial_value=1.0, gamma=0.5, param_name="p")
        [[0, 0.5], [1, 0.25], [2, 0.125]]
    """

    def __init__(self, initial_value: float, gamma: float, param_name: str, save_history: bool = False,
                 create_new: bool = False) -> None:  # fmt: skip
        super().__init__(param_name, save_history, create_new)
        self.initial_value, self.gamma = initial_value, gamma
        self._state_attrs += ["initial_value", "gamma"]

    def get_param(self) -> float:
        return self.initial_value * self.gamma**self.event_index


class StepStateScheduler(StateParamScheduler):
    """``initial_value * gamma ** (event_index // step_size)``.

    Example:
        >>> StepStateScheduler.simulate_values(3, initial_value=1.0, gamma=0.5, step_size=2, param_name="p")
        [[0, 1.0], [1, 0.5], [2, 0.5]]
    """

    def __init__(self, initial_value: float, gamma: float, step_size: int, param_name: str,
                 save_history: bool = False, create_new: bool = False) -> None:  # fmt: skip
        super().__init__(param_name, save_history, create_new)
        self.initial_value, self.gamma, self.step_size = initial_value, gamma, step_size
        self._state_attrs += ["initial_value", "gamma", "step_size"]

    def get_param(self) -> float:
        return self.initial_value * self.gamma ** (self.event_index // self.step_size)


class MultiStepStateScheduler(StateParamScheduler):
    """``initial_value * gamma ** (number of milestones <= event_index)``.

    Example:
        >>> MultiStepStateScheduler.simulate_values(4, initial_value=1.0, gamma=0.5, milestones=[2, 3], param_name="p")
        [[0, 1.0], [1, 0.5], [2, 0.25], [3, 0.25]]
    """

    def __init__(self, initial_value: float, gamma: float, milestones: list[int], param_name: str,
                 save_history: bool = False, create_new: bool = False) -> None:  # fmt: skip
        super().__init__(param_name, save_history, create_new)
        self.initial_value, self.gamma, self.milestones = initial_value, gamma, milestones
        self._state_attrs += ["initial_value", "gamma", "milestones"]

    def get_param(self) -> float:
        return self.initial_value * self.gamma ** bisect_right(self.milestones, self.event_index)

"""Ignite's ``ProgressBar``: a tqdm bar over an engine's iterations, with output values and metrics.

Same text as Ignite 0.5.5 for the same run (description, counts, postfix; checked in
``tests/test_handlers_progress_bar.py``). Built only on the public Engine API.
"""

from __future__ import annotations

import numbers
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional, Union

import torch

import bridge.distributed as idist
from bridge.engine.events import CallableEventWithFilter, Events

__all__ = ["ProgressBar"]

_DEFAULT_BAR_FORMAT = "{desc}[{n_fmt}/{total_fmt}] {percentage:3.0f}%|{bar}{postfix} [{elapsed}<{remaining}]"

# the bar advances on an earlier event of this list than the one that closes it
_EVENTS_ORDER = [
    Events.STARTED,
    Events.EPOCH_STARTED,
    Events.ITERATION_STARTED,
    Events.ITERATION_COMPLETED,
    Events.EPOCH_COMPLETED,
    Events.COMPLETED,
]


class ProgressBar:
    """tqdm progress bar over an engine: ``Epoch [2/5]: [3/10]  30%|███  , loss=0.12 [00:01<00:02]``.

    Args:
        persist: keep the bar on screen after it closes (tqdm's ``leave``).
        bar_format: tqdm ``bar_format``; ``None`` for tqdm's default format.
        tqdm_kwargs: passed to ``tqdm`` (``file``, ``desc``, ``ncols``, ...).

    On several processes only rank 0 shows the bar and prints ``log_message`` (unless
    ``tqdm_kwargs`` says ``disable`` itself), as Lightning's progress bar does.

    The description is ``"Epoch [e/max_epochs]"`` (``"Iteration"`` when ``max_epochs == 1``),
    or ``desc`` from ``tqdm_kwargs``. The postfix shows ``metric_names`` from
    ``engine.state.metrics``, the values ``output_transform(engine.state.output)`` returns (a
    dict, or a scalar shown as ``output``) and ``state_attributes``.

    Example:
        >>> import io
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, b: b * 0.5)
        >>> out = io.StringIO()
        >>> pbar = ProgressBar(persist=True, file=out, bar_format="{desc}[{n_fmt}/{total_fmt}]{postfix}")
        >>> pbar.attach(engine, output_transform=lambda x: {"loss": x})
        >>> _ = engine.run([1.0, 2.0, 3.0], max_epochs=2)
        >>> out.getvalue().strip().split("\\r")[-1]
        'Epoch [2/2]: [3/3], loss=1.5'
    """

    def __init__(
        self, persist: bool = False, bar_format: Optional[str] = _DEFAULT_BAR_FORMAT, **tqdm_kwargs: Any
    ) -> None:
        try:
            from tqdm.autonotebook import tqdm
        except ImportError as e:  # pragma: no cover - tqdm is a dependency
            raise ModuleNotFoundError("ProgressBar requires tqdm: pip install tqdm") from e
        self.pbar_cls = tqdm
        self.pbar: Any = None
        self.persist = persist
        self.bar_format = bar_format
        self.tqdm_kwargs = tqdm_kwargs

    def _reset(self, pbar_total: Optional[int]) -> None:
        kwargs = self.tqdm_kwargs
        if "disable" not in kwargs and idist.get_rank() > 0:
            kwargs = {**kwargs, "disable": True}  # one bar per job, rank 0's (as Lightning's progress bar)
        self.pbar = self.pbar_cls(total=pbar_total, leave=self.persist, bar_format=self.bar_format, initial=1, **kwargs)

    def _close(self, engine: Any) -> None:
        if self.pbar is not None:
            # a closed bar shows as complete (tqdm's notebook bar would otherwise show an error state)
            if self.pbar.total is not None:
                self.pbar.n = self.pbar.total
            self.pbar.close()
        self.pbar = None

    def log_message(self, message: str) -> None:
        """Print ``message`` without breaking the bar (``tqdm.write`` to the bar's file).

        Example:
            >>> import sys
            >>> ProgressBar(file=sys.stdout).log_message("hello")
            hello
        """
        from tqdm import tqdm

        if idist.get_rank() == 0:  # printed once per job, as the bar is shown once
            tqdm.write(message, file=self.tqdm_kwargs.get("file", None))

    def attach(
        self,
        engine: Any,
        metric_names: Optional[Union[str, list[str]]] = None,
        output_transform: Optional[Callable] = None,
        event_name: Any = Events.ITERATION_COMPLETED,
        closing_event_name: Any = Events.EPOCH_COMPLETED,
        state_attributes: Optional[list[str]] = None,
    ) -> None:
        """Advance the bar on ``event_name``, close it on ``closing_event_name``.

        ``metric_names`` is a list of names in ``engine.state.metrics`` or ``"all"``.
        Shown values may be numbers, 0-d or 1-d tensors (one entry per element), strings,
        and dicts or sequences of these.

        Example:
            >>> import io
            >>> from bridge.engine import Engine, Events
            >>> engine = Engine(lambda e, b: None)
            >>> out = io.StringIO()
            >>> ProgressBar(file=out, desc="Eval").attach(engine, event_name=Events.EPOCH_COMPLETED,
            ...                                           closing_event_name=Events.COMPLETED)
            >>> _ = engine.run([0], max_epochs=3)
            >>> "Eval [1/1]" in out.getvalue()   # the closing event happens once
            False
        """
        if not engine.has_registered_events(event_name):
            raise ValueError(f"Logging event {event_name.name} is not in allowed events for this engine")
        if isinstance(closing_event_name, CallableEventWithFilter) and closing_event_name.filter is not None:
            raise ValueError("Closing Event should not be a filtered event")
        if event_name not in _EVENTS_ORDER or closing_event_name not in _EVENTS_ORDER:
            names = [e.name for e in _EVENTS_ORDER]
            raise ValueError(f"Events should be among {names}, got {event_name} and {closing_event_name}")
        if not _EVENTS_ORDER.index(event_name) < _EVENTS_ORDER.index(closing_event_name):
            raise ValueError(f"Logging event {event_name} should be called before closing event {closing_event_name}")
        handler = _OutputHandler(
            self.tqdm_kwargs.get("desc", ""), metric_names, output_transform, closing_event_name, state_attributes
        )
        engine.add_event_handler(event_name, handler, self, event_name)
        engine.add_event_handler(closing_event_name, self._close)


def _max_events(event_name: Any, engine: Any) -> Optional[int]:
    # how many times the event fires in a run: the bar's total
    if event_name in (Events.ITERATION_STARTED, Events.ITERATION_COMPLETED):
        return engine.state.epoch_length
    if event_name in (Events.EPOCH_STARTED, Events.EPOCH_COMPLETED):
        return engine.state.max_epochs
    return 1


def _displayable(value: Any) -> Any:
    if isinstance(value, numbers.Number) or isinstance(value, str):
        return value
    if isinstance(value, torch.Tensor) and value.ndimension() == 0:
        return value.item()
    warnings.warn(f"Logger output_handler can not log metrics value type {type(value)}")
    return None


def _flatten(values: Mapping, prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    # nested dicts, sequences and 1-d tensors become "key_subkey" / "key_0" entries, as in Ignite
    items: dict[str, Any] = {}
    for key, value in values.items():
        path = prefix + (str(key),)
        if isinstance(value, Mapping):
            items.update(_flatten(value, path))
        elif isinstance(value, Sequence) and not isinstance(value, str):
            items.update(_flatten({str(i): v for i, v in enumerate(value)}, path))
        elif isinstance(value, torch.Tensor) and value.ndimension() == 1:
            items.update(_flatten({str(i): v.item() for i, v in enumerate(value)}, path))
        else:
            shown = _displayable(value)
            if shown is not None:
                items["_".join(path)] = shown
    return items


class _OutputHandler:
    """Updates the bar's description, postfix and count on each logging event."""

    def __init__(
        self,
        description: str,
        metric_names: Optional[Union[str, list[str]]],
        output_transform: Optional[Callable],
        closing_event_name: Any,
        state_attributes: Optional[list[str]],
    ) -> None:
        if metric_names is not None and not (isinstance(metric_names, list) or metric_names == "all"):
            raise TypeError(f"metric_names should be either a list or equal 'all', got {type(metric_names)} instead.")
        if output_transform is not None and not callable(output_transform):
            raise TypeError(f"output_transform should be a function, got {type(output_transform)} instead.")
        self.tag = description
        self.metric_names = metric_names
        self.output_transform = output_transform
        self.closing_event_name = closing_event_name
        self.state_attributes = state_attributes

    def _values(self, engine: Any) -> dict[str, Any]:
        values: dict[str, Any] = OrderedDict()
        if self.metric_names == "all":
            values.update(engine.state.metrics)
        elif self.metric_names is not None:
            for name in self.metric_names:
                if name not in engine.state.metrics:
                    warnings.warn(
                        f"Provided metric name '{name}' is missing "
                        f"in engine's state metrics: {list(engine.state.metrics.keys())}"
                    )
                    continue
                values[name] = engine.state.metrics[name]
        if self.output_transform is not None:
            output = self.output_transform(engine.state.output)
            values.update(output if isinstance(output, dict) else {"output": output})
        if self.state_attributes is not None:
            values.update({name: getattr(engine.state, name, None) for name in self.state_attributes})
        return _flatten(values)

    def __call__(self, engine: Any, logger: ProgressBar, event_name: Any) -> None:
        total = _max_events(event_name, engine)
        if logger.pbar is None:
            logger._reset(pbar_total=total)

        desc = self.tag or ("Iteration" if engine.state.max_epochs == 1 else "Epoch")
        max_closing = _max_events(self.closing_event_name, engine)
        if max_closing and max_closing > 1:
            desc += f" [{engine.state.get_event_attrib_value(self.closing_event_name)}/{max_closing}]"
        logger.pbar.set_description(desc)

        values = self._values(engine)
        if values:
            logger.pbar.set_postfix(values)

        step = engine.state.get_event_attrib_value(event_name)
        if total is not None:
            step = (step - 1) % total + 1
        logger.pbar.update(step - logger.pbar.n)

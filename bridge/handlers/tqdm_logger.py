"""Ignite's ``ProgressBar``: a tqdm bar over an engine's iterations, with output values and metrics.

Same text as Ignite 0.5.5 for the same run (description, counts, postfix; checked in
``tests/test_handlers_progress_bar.py``). Built only on the public Engine API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional, Union

import bridge.distributed as idist
from bridge.engine.events import CallableEventWithFilter, Events, RemovableEventHandle
from bridge.handlers.base_logger import BaseLogger, BaseOutputHandler

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


class ProgressBar(BaseLogger):
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

    # each rank runs its handler: the bar itself is disabled off rank 0, unless tqdm_kwargs says otherwise
    _rank_zero_only = False

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

    def _close_on_failure(self, exception: BaseException) -> None:
        # the run ended by an exception (a Ctrl-C, ...): no closing event comes, the terminal gets its line
        # back. Ignite leaves the bar open; unlike _close, the bar keeps the count it reached.
        if self.pbar is not None:
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

    def attach(  # type: ignore[override]  # Ignite's signature: the bar makes its own handler
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
        super().attach(engine, handler, event_name)
        engine.add_event_handler(closing_event_name, self._close)
        failure_callbacks = getattr(engine, "_run_failure_callbacks", None)  # bridge's engines have them
        if failure_callbacks is not None and self._close_on_failure not in failure_callbacks:
            failure_callbacks.append(self._close_on_failure)

    def attach_opt_params_handler(  # type: ignore[override]
        self, engine: Any, event_name: Any, *args: Any, **kwargs: Any
    ) -> Optional[RemovableEventHandle]:
        """A bar shows no optimizer parameters: does nothing, as Ignite's.

        Example:
            >>> ProgressBar().attach_opt_params_handler(None, Events.ITERATION_STARTED) is None
            True
        """
        return None

    def _create_output_handler(self, *args: Any, **kwargs: Any) -> _OutputHandler:
        return _OutputHandler(*args, **kwargs)

    def _create_opt_params_handler(self, *args: Any, **kwargs: Any) -> Callable:
        raise NotImplementedError("ProgressBar shows no optimizer parameters")


def _max_events(event_name: Any, engine: Any) -> Optional[int]:
    # how many times the event fires in a run: the bar's total
    if event_name in (Events.ITERATION_STARTED, Events.ITERATION_COMPLETED):
        return engine.state.epoch_length
    if event_name in (Events.EPOCH_STARTED, Events.EPOCH_COMPLETED):
        return engine.state.max_epochs
    return 1


class _OutputHandler(BaseOutputHandler):
    """Updates the bar's description, postfix and count on each logging event."""

    def __init__(
        self,
        description: str,
        metric_names: Optional[Union[str, list[str]]] = None,
        output_transform: Optional[Callable] = None,
        closing_event_name: Any = Events.EPOCH_COMPLETED,
        state_attributes: Optional[list[str]] = None,
    ) -> None:
        # a bar may show nothing but its count, which the base class would refuse
        if metric_names is None and output_transform is None:
            metric_names = []
        super().__init__(description, metric_names, output_transform, None, state_attributes)
        self.closing_event_name = closing_event_name

    @staticmethod
    def get_max_number_events(event_name: Any, engine: Any) -> Optional[int]:
        """How many times ``event_name`` fires in a run: the bar's total."""
        return _max_events(event_name, engine)

    def __call__(self, engine: Any, logger: ProgressBar, event_name: Any) -> None:
        total = _max_events(event_name, engine)
        if logger.pbar is None:
            logger._reset(pbar_total=total)

        desc = self.tag or ("Iteration" if engine.state.max_epochs == 1 else "Epoch")
        max_closing = _max_events(self.closing_event_name, engine)
        if max_closing and max_closing > 1:
            desc += f" [{engine.state.get_event_attrib_value(self.closing_event_name)}/{max_closing}]"
        logger.pbar.set_description(desc)

        # the tag is the description already: names are the rest of each key
        values = {"_".join(key[1:]): value for key, value in self._setup_output_metrics_state_attrs(engine, True).items()}
        if values:
            logger.pbar.set_postfix(values)

        step = engine.state.get_event_attrib_value(event_name)
        if total is not None:
            step = (step - 1) % total + 1
        logger.pbar.update(step - logger.pbar.n)

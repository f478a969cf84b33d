"""The state of Ignite handlers attached to engines, as a Lightning checkpoint carries it.

:class:`~bridge.lightning.EngineCallback` saves it in its ``state_dict`` (Lightning stores that
in every checkpoint it writes) and restores it in ``load_state_dict`` (when a fit resumes with
``trainer.fit(..., ckpt_path=...)``), so that a resumed fit's handlers go on where they were.

A handler is the object behind what was attached: the handler itself (``EarlyStopping``, a
param scheduler, ``Checkpoint``) or the owner of an attached method (a metric's
``iteration_completed``, a ``Timer``'s ``pause``). Those with ``state_dict`` /
``load_state_dict`` (and ``Timer``) are saved under ``"{engine}.{class}.{n}"``, ``n`` counting
that engine's handlers of that class in the order they were attached: a script that attaches
the same handlers in the same order finds each one's state again. Metrics on the other engines
than ``"train"`` are left out: each validation, test or predict run starts them afresh.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import torch

from bridge.engine.engine import Engine
from bridge.metrics.metric import Metric
from bridge.metrics.metrics_lambda import MetricsLambda

__all__ = ["handler_states", "load_handler_states"]


def _owner(handler: Any) -> Any:
    parent = getattr(handler, "_parent", None)  # a handler of a filtered event
    if parent is not None:
        handler = parent()
    return handler.__self__ if inspect.ismethod(handler) else handler


def _has_private_state(obj: Any) -> bool:
    # looked up on the class: a Metric answers any attribute of an instance (Ignite's MetricsLambda arithmetic)
    return callable(getattr(type(obj), "_checkpoint_state", None))


def _is_stateful(obj: Any) -> bool:
    if isinstance(obj, (Engine, torch.nn.Module, torch.optim.Optimizer)):
        return False  # an engine's run, the model, the optimizers: the checkpoint's own business
    if isinstance(obj, MetricsLambda):
        return False  # its metrics are attached, and saved, on their own
    if _has_private_state(obj):
        return True  # Timer: no Ignite state_dict, a private one
    cls = type(obj)
    return callable(getattr(cls, "state_dict", None)) and callable(getattr(cls, "load_state_dict", None))


def _stateful_handlers(engines: Mapping[str, Engine]) -> Iterator[tuple[str, Any]]:
    seen: set[int] = set()
    for name, engine in engines.items():
        counts: dict[str, int] = {}
        for entries in list(engine._event_handlers.values()):
            for handler, *_ in entries:
                obj = _owner(handler)
                if id(obj) in seen or not _is_stateful(obj) or (name != "train" and isinstance(obj, Metric)):
                    continue
                seen.add(id(obj))
                cls = type(obj).__name__
                counts[cls] = counts.get(cls, -1) + 1
                yield f"{name}.{cls}.{counts[cls]}", obj


def handler_states(engines: Mapping[str, Engine]) -> dict[str, Any]:
    """``{"{engine}.{class}.{n}": state}`` for the stateful handlers attached to ``engines``.

    Example:
        >>> from bridge.engine import Engine, Events
        >>> from bridge.handlers import EarlyStopping
        >>> from bridge.metrics import Average
        >>> trainer, evaluator = Engine(lambda e, b: b), Engine(lambda e, b: b)
        >>> Average().attach(evaluator, "mean")
        >>> stopper = EarlyStopping(2, lambda engine: engine.state.metrics["mean"], trainer)
        >>> _ = evaluator.add_event_handler(Events.COMPLETED, stopper)
        >>> _ = evaluator.run([1.0, 3.0])
        >>> states = handler_states({"train": trainer, "validation": evaluator})
        >>> sorted(states), states["validation.EarlyStopping.0"]["best_score"]  # not the Average: reset every run
        (['validation.EarlyStopping.0'], 2.0)
    """
    states: dict[str, Any] = {}
    for key, obj in _stateful_handlers(engines):
        try:
            state = obj._checkpoint_state() if _has_private_state(obj) else obj.state_dict()
        except Exception as e:  # a handler's failing state must not fail Lightning's checkpoint
            warnings.warn(
                f"The state of handler {key} is not saved in the checkpoint: {type(e).__name__}: {e}", stacklevel=2
            )
            continue
        states[key] = _plain(state)
    return states


def _plain(x: Any) -> Any:
    """``x`` with numpy values as Python numbers and tensors: Lightning loads checkpoints with ``weights_only``."""
    if isinstance(x, Mapping):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_plain(v) for v in x) if not hasattr(x, "_fields") else tuple(_plain(v) for v in x)
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return torch.from_numpy(x)
    return x


def load_handler_states(engines: Mapping[str, Engine], states: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Restore :func:`handler_states` into the handlers attached to ``engines`` now.

    Returns the keys found in ``states`` only (handlers no longer attached) and the keys of
    attached handlers that ``states`` lacks (new handlers, left as they are).

    Example:
        >>> from bridge.engine import Engine, Events
        >>> from bridge.handlers import EarlyStopping
        >>> trainer, evaluator = Engine(lambda e, b: b), Engine(lambda e, b: b)
        >>> stopper = EarlyStopping(2, lambda engine: 1.0, trainer)
        >>> _ = evaluator.add_event_handler(Events.COMPLETED, stopper)
        >>> state = {"counter": 1, "best_score": 0.5, "threshold_mode": "abs"}
        >>> load_handler_states({"validation": evaluator}, {"validation.EarlyStopping.0": state, "train.Timer.0": {}})
        (['train.Timer.0'], [])
        >>> stopper.counter, stopper.best_score
        (1, 0.5)
    """
    missing = []
    for key, obj in _stateful_handlers(engines):
        if key not in states:
            missing.append(key)
        elif _has_private_state(obj):
            obj._load_checkpoint_state(states[key])
        else:
            obj.load_state_dict(states[key])
    found = {key for key, _ in _stateful_handlers(engines)}
    return [key for key in states if key not in found], missing

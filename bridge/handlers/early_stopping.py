"""``EarlyStopping``, as ``ignite.handlers.early_stopping`` (pytorch-ignite 0.5.5).

Example:
    >>> from bridge.engine import Engine, Events
    >>> trainer = Engine(lambda engine, batch: None)
    >>> scores = iter([0.5, 0.6, 0.6, 0.55, 0.7])
    >>> handler = EarlyStopping(patience=2, score_function=lambda engine: next(scores), trainer=trainer)
    >>> _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
    >>> trainer.run([0], max_epochs=5).epoch  # no improvement after epoch 2: stops at epoch 4
    4
"""

from __future__ import annotations

import logging
import numbers
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Literal, Optional

from bridge.base.mixins import ResettableHandler, Serializable
from bridge.engine.engine import Engine
from bridge.engine.events import Events

__all__ = ["EarlyStopping"]


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"'{old}' is deprecated and will be removed in a future version. Please use '{new}' instead.",
        DeprecationWarning,
        stacklevel=3,
    )


class EarlyStopping(Serializable, ResettableHandler):
    """Stops ``trainer`` when the score has not improved for ``patience`` calls.

    Attach it to the evaluator (typically on ``COMPLETED``); each call computes
    ``score_function(engine)``.

    Args:
        patience: calls without improvement before ``trainer.terminate()``; at least 1.
        score_function: ``engine -> float``; higher is better (``mode="max"``) or lower
            (``mode="min"``).
        trainer: the Engine to stop (e.g. ``EngineCallback().train`` stops a ``pl.Trainer``).
        threshold: minimum change that counts as an improvement (``>= 0``).
        cumulative: measure the change from the score of the last improvement, rather than
            from the best score so far.
        threshold_mode: ``"abs"`` (``best + threshold``) or ``"rel"`` (``best * (1 + threshold)``).
        mode: ``"max"`` or ``"min"``.
        min_delta, min_delta_mode, cumulative_delta: Ignite's deprecated names of
            ``threshold``, ``threshold_mode`` and ``cumulative`` (warn, as in Ignite 0.5.5).

    ``state_dict()`` / ``load_state_dict()`` save and restore ``counter``, ``best_score``
    and ``threshold_mode`` (put the handler in a :class:`~bridge.handlers.checkpoint.Checkpoint`).

    Example:
        >>> from bridge.engine import Engine, Events
        >>> trainer = Engine(lambda engine, batch: None)
        >>> losses = iter([1.0, 0.8, 0.79, 0.78, 0.5])
        >>> handler = EarlyStopping(2, lambda engine: next(losses), trainer, threshold=0.05, mode="min")
        >>> _ = trainer.add_event_handler(Events.EPOCH_COMPLETED, handler)
        >>> trainer.run([0], max_epochs=5).epoch, handler.state_dict()["counter"]
        (4, 2)
    """

    _state_dict_all_req_keys = ("counter", "best_score", "threshold_mode")

    def __init__(
        self,
        patience: int,
        score_function: Callable[[Engine], float],
        trainer: Engine,
        threshold: float = 0.0,
        cumulative: bool = False,
        threshold_mode: Literal["abs", "rel"] = "abs",
        mode: Literal["min", "max"] = "max",
        min_delta: Optional[float] = None,
        min_delta_mode: Optional[Literal["abs", "rel"]] = None,
        cumulative_delta: Optional[bool] = None,
    ) -> None:
        if not callable(score_function):
            raise TypeError("Argument score_function should be a function.")
        if not isinstance(patience, (int, float, numbers.Real)):  # Ignite fails on a str with an unrelated message
            raise TypeError(f"Argument patience should be positive integer, got {patience!r}.")
        if patience < 1:
            raise ValueError("Argument patience should be positive integer.")
        if not isinstance(trainer, Engine):
            raise TypeError("Argument trainer should be an instance of Engine.")
        if min_delta is not None:
            _deprecated("min_delta", "threshold")
            threshold = min_delta
        if min_delta_mode is not None:
            _deprecated("min_delta_mode", "threshold_mode")
            threshold_mode = min_delta_mode
        if cumulative_delta is not None:
            _deprecated("cumulative_delta", "cumulative")
            cumulative = cumulative_delta
        if threshold < 0.0:
            raise ValueError("Argument threshold should not be a negative number.")
        if threshold_mode not in ("abs", "rel"):
            raise ValueError("Argument threshold_mode should be either 'abs' or 'rel'.")
        if mode not in ("min", "max"):
            raise ValueError("Argument mode should be either 'min' or 'max'.")

        self.score_function = score_function
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.cumulative = cumulative
        self.trainer = trainer
        self.mode = mode
        self.counter = 0
        self.best_score: Optional[float] = None
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)

    # Ignite 0.5.5's deprecated attribute names
    @property
    def min_delta(self) -> float:
        """Deprecated name of ``threshold``."""
        _deprecated("min_delta", "threshold")
        return self.threshold

    @min_delta.setter
    def min_delta(self, value: float) -> None:
        _deprecated("min_delta", "threshold")
        self.threshold = value

    @property
    def min_delta_mode(self) -> str:
        """Deprecated name of ``threshold_mode``."""
        _deprecated("min_delta_mode", "threshold_mode")
        return self.threshold_mode

    @min_delta_mode.setter
    def min_delta_mode(self, value: Literal["abs", "rel"]) -> None:
        _deprecated("min_delta_mode", "threshold_mode")
        self.threshold_mode = value

    @property
    def cumulative_delta(self) -> bool:
        """Deprecated name of ``cumulative``."""
        _deprecated("cumulative_delta", "cumulative")
        return self.cumulative

    @cumulative_delta.setter
    def cumulative_delta(self, value: bool) -> None:
        _deprecated("cumulative_delta", "cumulative")
        self.cumulative = value

    def __call__(self, engine: Engine) -> None:
        score = self.score_function(engine)
        if self.best_score is None:
            self.best_score = score
            return

        threshold = -self.threshold if self.mode == "min" else self.threshold
        if self.threshold_mode == "abs":
            improvement_threshold = self.best_score + threshold
        else:
            improvement_threshold = self.best_score * (1 + threshold)
        no_improvement = score <= improvement_threshold if self.mode == "max" else score >= improvement_threshold

        if no_improvement:
            if not self.cumulative:
                # small gains still move the reference, so they cannot add up to an improvement
                self.best_score = max(score, self.best_score) if self.mode == "max" else min(score, self.best_score)
            self.counter += 1
            self.logger.debug("EarlyStopping: %i / %i", self.counter, self.patience)
            if self.counter >= self.patience:
                self.logger.info("EarlyStopping: Stop training")
                self.trainer.terminate()
        else:
            self.best_score = score
            self.counter = 0

    def reset(self) -> None:
        """Forget the counter and best score.

        Example:
            >>> from bridge.engine import Engine
            >>> handler = EarlyStopping(1, lambda engine: 1.0, Engine(lambda e, b: b))
            >>> handler.counter, handler.best_score = 3, 0.5
            >>> handler.reset()
            >>> handler.counter, handler.best_score
            (0, None)
        """
        self.counter = 0
        self.best_score = None

    def attach(
        self,
        engine: Engine,
        event: Any = Events.COMPLETED,
        reset_engine: Optional[Engine] = None,
        reset_event: Any = Events.STARTED,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Call the handler on ``engine``'s ``event`` and :meth:`reset` on ``reset_engine``'s ``reset_event``.

        ``reset_engine`` defaults to ``engine``; typically it is the trainer, so the state is
        cleared at each new training run.

        Example:
            >>> from bridge.engine import Engine, Events
            >>> trainer, evaluator = Engine(lambda e, b: b), Engine(lambda e, b: b)
            >>> handler = EarlyStopping(1, lambda engine: 1.0, trainer)
            >>> handler.attach(evaluator, reset_engine=trainer)
            >>> evaluator.has_event_handler(handler, Events.COMPLETED), trainer.has_event_handler(handler.reset)
            (True, True)
        """
        engine.add_event_handler(event, self)
        (reset_engine or engine).add_event_handler(reset_event, self.reset)

    def state_dict(self) -> OrderedDict:
        """``counter``, ``best_score`` and ``threshold_mode``.

        Example:
            >>> from bridge.engine import Engine
            >>> dict(EarlyStopping(2, lambda engine: 1.0, Engine(lambda e, b: b)).state_dict())
            {'counter': 0, 'best_score': None, 'threshold_mode': 'abs'}
        """
        return OrderedDict(
            [("counter", self.counter), ("best_score", self.best_score), ("threshold_mode", self.threshold_mode)]
        )

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore what :meth:`state_dict` returned.

        Example:
            >>> from bridge.engine import Engine
            >>> handler = EarlyStopping(2, lambda engine: 1.0, Engine(lambda e, b: b))
            >>> handler.load_state_dict({"counter": 1, "best_score": 0.9, "threshold_mode": "rel"})
            >>> handler.counter, handler.best_score, handler.threshold_mode
            (1, 0.9, 'rel')
        """
        super().load_state_dict(state_dict)
        self.counter = state_dict["counter"]
        self.best_score = state_dict["best_score"]
        self.threshold_mode = state_dict.get("threshold_mode", self.threshold_mode)

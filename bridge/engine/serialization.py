"""An Engine's progress as a dict: ``state_dict`` / ``load_state_dict`` and the run budget.

:class:`StateDictMixin` is Ignite's ``Engine`` serialization: what ``state_dict`` saves
(``epoch_length``, ``iteration``, ``max_epochs`` or ``max_iters``, user keys), how
``load_state_dict`` checks and restores it, and the checks of the run's budget
(``max_epochs`` / ``max_iters``) that both loading and ``run`` apply.

Example:
    >>> from bridge.engine import Engine
    >>> engine = Engine(lambda e, b: b)
    >>> engine.load_state_dict({"iteration": 6, "max_epochs": 3, "epoch_length": 4})
    >>> engine.state.epoch, dict(engine.state_dict())
    (1, {'epoch_length': 4, 'iteration': 6, 'max_epochs': 3})
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Optional

from bridge.base.mixins import Serializable
from bridge.engine.events import State

__all__ = ["StateDictMixin", "check_count", "rescale_iteration"]

# Keys other engines write into an Engine's state_dict (DeterministicEngine's random states, Ignite
# 0.3's seed): loading them into a plain Engine drops them, as Ignite does.
_OTHER_ENGINES_KEYS = ("rng_states", "seed")


def check_count(value: Any, name: str) -> None:
    """Refuse a count of the run (``max_epochs``, ``iteration``, ...) that is not an integer, naming it.

    Ignite fails later on an unrelated comparison (a str), or runs with it (``max_epochs=2.5``
    runs 3 epochs). None passes: "not given".

    Example:
        >>> check_count(3, "Argument max_epochs")
        >>> check_count(2.5, "Argument max_epochs")
        Traceback (most recent call last):
        ...
        TypeError: Argument max_epochs should be an integer, got 2.5 (float)
    """
    if value is None:
        return
    try:
        operator.index(value)  # int, numpy and 0-d integer tensors
    except TypeError:
        raise TypeError(f"{name} should be an integer, got {value!r} ({type(value).__name__})") from None


def rescale_iteration(iteration: int, epoch_length: int, new_epoch_length: int) -> int:
    """``iteration`` counted in epochs of ``epoch_length``, counted in epochs of ``new_epoch_length``.

    Whole epochs map exactly; a partial one in proportion (Ignite restarts the data iterator
    of a resumed epoch anyway).

    Example:
        >>> rescale_iteration(16, 8, 4), rescale_iteration(10, 4, 8)
        (8, 20)
    """
    epochs, into = divmod(iteration, epoch_length)
    return epochs * new_epoch_length + into * new_epoch_length // epoch_length


class StateDictMixin(Serializable):
    """``state_dict`` / ``load_state_dict`` of an Engine, and its run-budget checks.

    Example:
        >>> from bridge.engine import Engine
        >>> isinstance(Engine(lambda e, b: b), StateDictMixin)
        True
    """

    _state_dict_all_req_keys: tuple[str, ...] = ("epoch_length", "iteration")
    _state_dict_one_of_opt_keys: tuple[tuple[str, ...], ...] = (("max_epochs", "max_iters"),)
    state: State
    _state_dict_user_keys: list[str]
    _shard_lengths: Optional[tuple[int, int]]

    @property
    def state_dict_user_keys(self) -> list[str]:
        """Names of extra ``state`` attributes saved by :meth:`state_dict`.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> engine.state_dict_user_keys.append("alpha")
            >>> engine.state.alpha = 0.1
            >>> engine.state_dict()["alpha"]
            0.1
        """
        return self._state_dict_user_keys

    def state_dict(self) -> OrderedDict:
        """The engine's progress: ``epoch_length``, ``iteration``, ``max_epochs`` or ``max_iters``, user keys.

        On several processes, where each rank iterates its shard of the data, ``epoch_length``
        and ``iteration`` are saved in the whole data's batches, as one process counts them: a
        checkpoint resumes on any number of processes.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> _ = engine.run([1, 2], max_epochs=2)
            >>> dict(engine.state_dict())
            {'epoch_length': 2, 'iteration': 4, 'max_epochs': 2}
        """
        keys: tuple[str, ...] = self._state_dict_all_req_keys
        keys += ("max_iters",) if self.state.max_iters is not None else ("max_epochs",)
        keys += tuple(self._state_dict_user_keys)
        saved = OrderedDict([(k, getattr(self.state, k)) for k in keys])
        if self._shard_lengths is not None:
            whole, part = self._shard_lengths
            saved["epoch_length"] = whole
            saved["iteration"] = rescale_iteration(saved["iteration"], part, whole)
        return saved

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Restore progress saved by :meth:`state_dict`; the next :meth:`run` resumes from it.

        ``state_dict`` holds ``epoch_length``, one of ``iteration`` / ``epoch`` and one of
        ``max_epochs`` / ``max_iters`` (plus ``state_dict_user_keys``). Stricter than Ignite:
        the counts must be integers (``iteration``/``epoch`` >= 0), and a key it would not
        restore (a user key not in ``state_dict_user_keys``) is refused, not dropped.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> engine.load_state_dict({"epoch": 2, "max_epochs": 3, "epoch_length": 4})
            >>> engine.state.iteration
            8
            >>> engine.run(range(4)).iteration
            12
        """
        if isinstance(state_dict, Mapping):
            for key in ("epoch_length", "iteration", "epoch", "max_epochs", "max_iters"):
                value = state_dict.get(key)
                check_count(value, f"state_dict[{key!r}]")
                if key in ("iteration", "epoch") and key in state_dict:
                    if value is None:
                        raise TypeError(f"state_dict[{key!r}] should be an integer, got None")
                    if value < 0:  # Ignite would resume "before the start"
                        raise ValueError(f"state_dict[{key!r}] should be an integer >= 0, got {value!r}")
        if "iteration" in state_dict and "epoch" in state_dict:
            raise ValueError(
                "State dictionary should contain only one of 'iteration' or 'epoch' keys. "
                f"Found both: iteration={state_dict['iteration']}, epoch={state_dict['epoch']}."
            )
        if "iteration" in state_dict or "epoch" in state_dict:
            # fill in the missing one so the required-keys check below passes
            state_dict = dict(state_dict)
            epoch_length = state_dict.get("epoch_length")
            if state_dict.get("epoch") == 0 or state_dict.get("iteration") == 0:
                state_dict["epoch"] = state_dict["iteration"] = 0
            else:
                if epoch_length is None or epoch_length <= 0:
                    raise ValueError(
                        "epoch_length must be a positive integer to calculate missing 'iteration' or 'epoch' key. "
                        f"Input state_dict: {state_dict}"
                    )
                if "epoch" in state_dict:
                    state_dict["iteration"] = state_dict["epoch"] * epoch_length
                else:
                    state_dict["epoch"] = state_dict["iteration"] // epoch_length
        super().load_state_dict(state_dict)  # Serializable checks the required keys
        known = {*self._state_dict_all_req_keys, "epoch", "max_epochs", "max_iters", *self._state_dict_user_keys}
        unknown = [k for k in state_dict if k not in known and k not in _OTHER_ENGINES_KEYS]
        if unknown:
            # Ignite drops them silently: a user key saved but not declared here would not be restored
            raise ValueError(
                f"state_dict has keys {unknown} that {type(self).__name__}.load_state_dict does not restore: "
                "add them to engine.state_dict_user_keys before loading, or remove them."
            )
        for k in self._state_dict_user_keys:
            if k not in state_dict:
                raise ValueError(
                    f"Required user state attribute '{k}' is absent in provided state_dict '{state_dict.keys()}'"
                )
            setattr(self.state, k, state_dict[k])

        self.state.epoch_length = state_dict["epoch_length"]
        if "iteration" in state_dict:
            self.state.iteration = state_dict["iteration"]
            self.state.epoch = 0
            if self.state.epoch_length is not None:
                self.state.epoch = self.state.iteration // self.state.epoch_length
        else:
            self.state.epoch = state_dict["epoch"]
            if self.state.epoch_length is None:
                raise ValueError(
                    "If epoch is provided in the state dict, epoch_length should not be None. "
                    f"Input state_dict: {state_dict}"
                )
            self.state.iteration = self.state.epoch_length * self.state.epoch

        if "max_epochs" in state_dict:
            self.state.max_iters = None
            self.state.max_epochs = None
            self._check_and_set_termination_param("max_epochs", state_dict["max_epochs"], "epoch", self.state.epoch)
        else:
            self.state.max_epochs = None
            self.state.max_iters = None
            self._check_and_set_termination_param(
                "max_iters", state_dict["max_iters"], "iteration", self.state.iteration
            )

    @staticmethod
    def _is_done(state: State) -> bool:
        if state.max_iters is not None and state.iteration >= state.max_iters:
            return True
        if state.max_epochs is None:
            return False
        if state.epoch_length is not None and state.iteration >= state.epoch_length * state.max_epochs:
            return True
        return state.epoch >= state.max_epochs

    def _check_and_set_max_epochs(self, max_epochs: Optional[int] = None) -> None:
        """Check and set ``state.max_epochs`` (Ignite's helper, for resuming with a larger budget).

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> engine.load_state_dict({"epoch": 2, "max_epochs": 2, "epoch_length": 3})
            >>> engine._check_and_set_max_epochs(5)
            >>> engine.state.max_epochs
            5
        """
        self._check_and_set_termination_param("max_epochs", max_epochs, "epoch", self.state.epoch)

    def _check_and_set_max_iters(self, max_iters: Optional[int] = None) -> None:
        """Check and set ``state.max_iters`` (Ignite's helper).

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: b)
            >>> engine._check_and_set_max_iters(4)
            >>> engine.state.max_iters
            4
        """
        self._check_and_set_termination_param("max_iters", max_iters, "iteration", self.state.iteration)

    def _check_and_set_termination_param(self, name: str, value: Optional[int], progress_name: str, progress: int) -> None:
        if value is None:
            return
        if value < 1:
            raise ValueError(f"Argument {name} is invalid. Please, set a correct {name} positive value")
        if value < progress:
            raise ValueError(
                f"Argument {name} should be greater than or equal to the start {progress_name} defined in the state: "
                f"{value} vs {progress}. Please, set engine.state.{name} = None "
                "before calling engine.run() in order to restart the training from the beginning."
            )
        setattr(self.state, name, value)

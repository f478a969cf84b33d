"""``Serializable`` and ``ResettableHandler``: the mixins of ``ignite.base.mixins``.

Example:
    >>> from collections import OrderedDict
    >>> class Counter(Serializable):
    ...     _state_dict_all_req_keys = ("count",)
    ...     def __init__(self) -> None:
    ...         self.count = 0
    ...     def state_dict(self) -> OrderedDict:
    ...         return OrderedDict(count=self.count)
    ...     def load_state_dict(self, state_dict) -> None:
    ...         super().load_state_dict(state_dict)  # validates the keys
    ...         self.count = state_dict["count"]
    >>> c = Counter()
    >>> c.load_state_dict({"count": 3})
    >>> c.count
    3
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: bridge.base must not import the engine
    from bridge.engine import Engine

__all__ = ["Serializable", "ResettableHandler"]


class ResettableHandler(metaclass=ABCMeta):
    """Interface of handlers whose accumulated state can be cleared, e.g. at a run's start.

    Example:
        >>> class Collect(ResettableHandler):
        ...     def __init__(self) -> None:
        ...         self.items: list = []
        ...     def reset(self) -> None:
        ...         self.items.clear()
        ...     def attach(self, engine, *args, **kwargs) -> None:
        ...         pass
        >>> h = Collect(); h.items.append(1); h.reset(); h.items
        []
    """

    @abstractmethod
    def reset(self) -> None:
        """Clear the handler's internal state."""

    @abstractmethod
    def attach(self, engine: Engine, *args: Any, **kwargs: Any) -> None:
        """Attach the handler to ``engine``."""


class Serializable:
    """Mixin for objects with ``state_dict()`` / ``load_state_dict()``.

    Subclasses declare which keys a state dict must hold:

    - ``_state_dict_all_req_keys``: every one of these keys is required;
    - ``_state_dict_one_of_opt_keys``: groups of keys (a tuple of tuples, or a single tuple
      of str for one group) of which exactly one key per group must be present.

    ``load_state_dict`` here only validates; subclasses call it, then load the values.

    Example:
        >>> class Step(Serializable):
        ...     _state_dict_all_req_keys = ("step",)
        >>> Step().load_state_dict({"epoch": 1})
        Traceback (most recent call last):
        ...
        ValueError: Required state attribute 'step' is absent in provided state_dict 'dict_keys(['epoch'])'
    """

    _state_dict_all_req_keys: tuple[str, ...] = ()
    _state_dict_one_of_opt_keys: tuple[tuple[str, ...], ...] = ()

    def state_dict(self) -> OrderedDict:
        """Return the object's state. Subclasses implement it.

        Example:
            >>> Serializable().state_dict()
            Traceback (most recent call last):
            ...
            NotImplementedError
        """
        raise NotImplementedError

    def load_state_dict(self, state_dict: Mapping) -> None:
        """Check that ``state_dict`` is a mapping holding the declared keys.

        Example:
            >>> Serializable().load_state_dict([1, 2])
            Traceback (most recent call last):
            ...
            TypeError: Argument state_dict should be a dictionary, but given <class 'list'>
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Argument state_dict should be a dictionary, but given {type(state_dict)}")

        for key in self._state_dict_all_req_keys:
            if key not in state_dict:
                raise ValueError(
                    f"Required state attribute '{key}' is absent in provided state_dict '{state_dict.keys()}'"
                )

        groups: Any = self._state_dict_one_of_opt_keys
        if len(groups) > 0 and isinstance(groups[0], str):  # a single group written as a flat tuple
            groups = (groups,)
        for group in groups:
            if len(group) == 0:
                raise ValueError(
                    f"Empty group found in '{type(self).__name__}._state_dict_one_of_opt_keys'. "
                    "Each group must contain at least one state attribute key."
                )
            if sum(key in state_dict for key in group) != 1:
                raise ValueError(f"state_dict should contain exactly one of '{group}' keys")

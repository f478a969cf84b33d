"""A counter that a framework's hook advances without running Python code.

Lightning calls bridge's backprop hooks four times per training step. While no handler listens
to a :class:`~bridge.engine.events.BackpropEvents` member, all its hook has to do is count (the
state's ``backward_started``, ...), and a Python function doing only that still costs ~1-2 us
per call there: each call lands cold, after tens of thousands of Lightning's instructions.
A :class:`Tally` is an ``itertools.count`` and its hooks are ``functools.partial(next, tally)``
(``next(tally, *hook_args)`` ignores the hook's argument), so a call stays in C.

When a handler is added (or the fit ends), :meth:`Tally.hand_over` turns each of its hooks, in
place, into the engine's Python firer: Lightning, or whatever holds the hook, keeps calling the
same object. A partial's target is set again through its own ``__setstate__`` (its pickling
support, public on every CPython since 3.0), the only C-level callable whose target can change.

Example:
    >>> tally = Tally(5)
    >>> hook = tally.hook()
    >>> for _ in range(3):
    ...     _ = hook("the hook's argument")
    >>> tally.value
    8
    >>> tally.hand_over(print, "handed over:")
    8
    >>> hook("counted in Python")
    handed over: counted in Python
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any, cast

__all__ = ["Tally"]


class Tally(itertools.count):
    """A count from ``start``, advanced by the callables of :meth:`hook`; read through :attr:`value`.

    Example:
        >>> tally = Tally(0)
        >>> hook = tally.hook()
        >>> _ = hook(), hook(), hook()
        >>> tally.value, tally.value
        (3, 3)
    """

    # itertools.count's value is only readable by advancing it: each read advances it once more
    _reads: int
    _hooks: list[functools.partial]

    def __new__(cls, start: int) -> Tally:
        tally = cast(Tally, super().__new__(cls, start))
        tally._reads, tally._hooks = 0, []
        return tally

    @property
    def value(self) -> int:
        """How many times the hooks were called, plus ``start``."""
        value = next(self) - self._reads
        self._reads += 1
        return value

    def hook(self) -> functools.partial:
        """A new callable of any one argument (or none) that adds one; :meth:`hand_over` retargets it."""
        hook = functools.partial(next, self)
        self._hooks.append(hook)
        return hook

    def hand_over(self, function: Callable[..., Any], *args: Any) -> int:
        """From now on, each of this tally's hooks calls ``function(*args, *hook_args)``; returns :attr:`value`."""
        for hook in self._hooks:
            hook.__setstate__((function, args, {}, None))  # type: ignore[attr-defined]  # not in typeshed
        self._hooks = []
        return self.value

    def restart(self, start: int) -> Tally:
        """A new tally from ``start`` that this one's hooks now advance (the state's counter was set).

        Example:
            >>> old = Tally(7)
            >>> hook = old.hook()
            >>> new = old.restart(0)
            >>> _ = hook(), hook()
            >>> new.value
            2
        """
        new = Tally(start)
        hooks = self._hooks
        self.hand_over(next, new)
        new._hooks = hooks
        return new

    def __reduce__(self) -> tuple[Any, ...]:
        # itertools.count's own pickling is deprecated (Python 3.12): an engine pickled mid-fit
        # (Lightning's ddp_spawn) carries the value and the hooks, which pickle as partials
        return Tally, (self.value,), {"_hooks": self._hooks}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._hooks = state["_hooks"]

    def __repr__(self) -> str:
        return f"Tally({self.value})"

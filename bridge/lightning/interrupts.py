"""Ctrl-C in an Engine run on a ``pl.Trainer``: a ``KeyboardInterrupt`` for Ignite's loop, wherever it lands.

In Ignite a Ctrl-C during ``run`` is a ``KeyboardInterrupt`` inside the engine's loop: the
``EXCEPTION_RAISED`` handlers get it (Ignite's examples end gracefully on it, saving a
checkpoint) or it propagates. Under the Trainer, part of each iteration is Lightning's own
code, and a ``KeyboardInterrupt`` there makes Lightning shut down and ``sys.exit(1)``, leaving
SIGINT ignored. For the run, bridge's SIGINT handler raises ``KeyboardInterrupt`` when the
loop's code is running. Otherwise it asks for the interrupt at the loop's next phase
(``defer``), so nothing in Lightning's code sees an exception it could swallow; a second
Ctrl-C before that phase, or a run with nothing to defer to (the main process of a
``ddp_spawn`` run), raises :class:`OutsideLoopInterrupt` at once, which Lightning treats as an
ordinary failure (its ``on_exception`` hooks, teardown) and the runner gives the loop as a
``KeyboardInterrupt``. Only in the main thread, and only over Python's default handler (a
handler of the user's stays in place).

Example:
    >>> from bridge.engine import Engine
    >>> engine = Engine(lambda e, b: b)
    >>> with interrupts_reach_the_loop(RunLoop(engine), defer=None):
    ...     signal.getsignal(signal.SIGINT) is signal.default_int_handler
    False
    >>> signal.getsignal(signal.SIGINT) is signal.default_int_handler
    True
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Optional

from bridge.engine.loop import RunLoop

__all__ = ["OutsideLoopInterrupt", "interrupts_reach_the_loop"]


class OutsideLoopInterrupt(Exception):
    """A Ctrl-C that landed in Lightning's code between the loop's phases (not a KeyboardInterrupt: Lightning would exit)."""


@contextmanager
def interrupts_reach_the_loop(loop: RunLoop, defer: Optional[Callable[[], None]]) -> Iterator[None]:
    """While the block runs, SIGINT raises ``KeyboardInterrupt`` in the loop's code; elsewhere it calls
    ``defer`` (the runner then interrupts the loop at its next phase), or raises :class:`OutsideLoopInterrupt`
    without one or on a second Ctrl-C."""
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return

    deferred = False

    def on_sigint(signum: int, frame: Optional[FrameType]) -> None:
        nonlocal deferred
        if loop.running:
            raise KeyboardInterrupt
        if defer is None or deferred:
            raise OutsideLoopInterrupt()
        deferred = True
        defer()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)

"""Ignite's run loop, written once, and the small contract through which runners drive it.

One file past 400 lines: one control flow (Ignite's ``_internal_run`` as a generator) and the
contract that drives it; split, the phases a runner resumes would be read across files.

:class:`RunLoop` is Ignite 0.5's ``Engine._internal_run`` in Ignite's own structure, as a
generator that *waits* at :class:`Phase` points: the places where a framework's hook
order leads (run start, epoch start, batch fetch, batch start, step, batch end, epoch
end, run end). A runner resumes it when its framework reaches the phase the loop waits
at, and reads where it waits next to steer the framework (serve the batch, skip the
step, end the epoch, stop). The contract, all a runner may use:

- :attr:`RunLoop.waiting`: the phase the loop waits at;
- :meth:`RunLoop.advance`: resume it until it waits again;
- :attr:`RunLoop.resume`: the same without a Python frame, for a runner's per-iteration path;
- :meth:`RunLoop.terminate`: the framework ended the epoch or run itself (``terminate()``);
- :meth:`RunLoop.throw`: the framework got an exception between phases (a Ctrl-C);
- :meth:`RunLoop.fail`: the framework failed: drop the loop, Ignite's run-level handling;
- :meth:`RunLoop.fail_iteration`: the framework failed within an iteration: Ignite's handling there;
- :attr:`RunLoop.interrupt_carrier`: what a ``KeyboardInterrupt`` leaves the loop as, for a framework
  that would handle a bare one itself.

Nothing here imports Lightning. The engine owns the loop between ``run`` calls (an
interrupted run stays suspended in it), so no other module touches the generator.

Example:
    >>> [phase.name for phase in Phase][:4]
    ['RUN_START', 'EPOCH_START', 'BATCH', 'ITERATION_START']
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Generator, Iterator
from enum import IntEnum
from typing import TYPE_CHECKING, Optional, cast

from bridge.engine.events import Events, State
from bridge.engine.utils import _to_hours_mins_secs

if TYPE_CHECKING:
    from bridge.engine.engine import Engine

__all__ = ["EVENTS_AFTER", "Phase", "RunLoop"]


class Phase(IntEnum):
    """The points at which the run loop waits for its runner, in a run's order.

    ``INTERRUPTED`` and ``FINISHED`` are terminal for one ``run`` call.

    Example:
        >>> Phase.BATCH < Phase.STEP
        True
    """

    RUN_START = 0
    EPOCH_START = 1
    BATCH = 2
    ITERATION_START = 3
    STEP = 4  # then process_function(engine, batch)
    ITERATION_END = 5
    EPOCH_END = 6
    RUN_END = 7
    INTERRUPTED = 8
    FINISHED = 9


#: The events the loop may fire when resumed at each phase, in order, before it waits again.
#: Besides them: DATALOADER_STOP_ITERATION only when the data restarts; INTERRUPT, TERMINATE,
#: TERMINATE_SINGLE_EPOCH right after the handler that asked for them; EXCEPTION_RAISED where
#: the exception happened. Tests hold the loop to this table.
EVENTS_AFTER: dict[Phase, tuple[Events, ...]] = {
    Phase.RUN_START: (Events.STARTED,),
    Phase.EPOCH_START: (Events.EPOCH_STARTED,),
    Phase.BATCH: (Events.GET_BATCH_STARTED, Events.DATALOADER_STOP_ITERATION, Events.GET_BATCH_COMPLETED),
    Phase.ITERATION_START: (Events.ITERATION_STARTED,),
    Phase.STEP: (),
    Phase.ITERATION_END: (Events.ITERATION_COMPLETED,),
    Phase.EPOCH_END: (Events.EPOCH_COMPLETED,),
    Phase.RUN_END: (Events.COMPLETED,),
}


class _EngineTerminateException(Exception):
    """Raised inside the run loop to end the run (``terminate()``, ``max_iters``)."""


class _EngineTerminateSingleEpochException(Exception):
    """Raised inside the run loop to end the current epoch (``terminate_epoch()``)."""


RunGenerator = Generator[Phase, None, State]


class RunLoop:
    """One engine's run loop: Ignite's loop, suspended between :class:`Phase` points.

    A new loop waits at ``RUN_START``; one resumed after ``interrupt()`` waits at
    ``INTERRUPTED`` and goes on where it stopped when advanced.

    Example:
        >>> from bridge.engine import Engine, Events
        >>> engine = Engine(lambda engine, batch: batch)
        >>> _ = engine.add_event_handler(Events.ITERATION_COMPLETED(once=1), lambda e: e.interrupt())
        >>> engine.state.dataloader, engine.state.epoch_length, engine.state.max_epochs = [7, 8], 2, 1
        >>> loop = RunLoop(engine)
        >>> phases = [loop.advance() for _ in range(6)]
        >>> phases[-1], engine.state.output
        (<Phase.INTERRUPTED: 8>, 7)
    """

    #: The exception a ``KeyboardInterrupt`` of the run leaves :meth:`advance` and :meth:`throw` as,
    #: raised from it (``__cause__``), when the runner's framework would handle a bare one itself
    #: (Lightning shuts down and exits): the runner catches the carrier where the framework hands
    #: it back, and raises the interrupt. None: it leaves as it is.
    interrupt_carrier: Optional[type[Exception]] = None

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: True once the loop itself raised (after Ignite's exception handling)
        self.raised = False
        self._discarding = False
        #: the phase the loop waits at: the loop records it before each wait (and FINISHED when it ends)
        self.waiting: Phase = Phase.RUN_START
        self._generator: RunGenerator = self._run()
        #: :meth:`advance` as the generator's own ``__next__``, with no Python frame of its own: a
        #: runner's hot path calls it four times an iteration. It returns the phase the loop waits at
        #: next, as ``advance`` does; when the loop ends it raises ``StopIteration`` (``waiting`` is
        #: then ``FINISHED``). The loop records its own failure (``raised``, the interrupt carrier).
        self.resume: Callable[[], Phase] = self._generator.__next__
        next(self._generator)

    # ------------------------------------------------------------------ the contract

    def advance(self) -> Phase:
        """Resume the loop until it waits again; return where. Exceptions of the run propagate."""
        try:
            return self.resume()
        except StopIteration:
            return Phase.FINISHED
        except BaseException as e:
            self._raised(e)
            raise

    def terminate(self) -> Phase:
        """The framework ended the epoch or the run on its own: for Ignite that is ``terminate()``."""
        self.engine.should_terminate = True
        return self.throw(_EngineTerminateException())

    def throw(self, exception: BaseException) -> Phase:
        """The framework got ``exception`` while the loop waited (a Ctrl-C between phases): the
        loop gets it where it waits, with Ignite's handling (EXCEPTION_RAISED handlers, or it
        propagates). Returns where the loop waits next."""
        try:
            return self._generator.throw(exception)
        except StopIteration:
            return Phase.FINISHED
        except BaseException as e:
            self._raised(e)
            raise

    def _raised(self, exception: BaseException) -> None:
        """``exception`` leaves the loop, which is over: recorded, and a ``KeyboardInterrupt``
        raised as the :attr:`interrupt_carrier` when there is one (from inside the generator as from
        :meth:`advance`; a second time it changes nothing)."""
        self.waiting, self.raised = Phase.FINISHED, True
        if self.interrupt_carrier is not None and isinstance(exception, KeyboardInterrupt):
            raise self.interrupt_carrier() from exception

    def fail(self, exception: BaseException) -> None:
        """The framework driving the loop failed: drop the loop without its own exception
        handling, then Ignite's run-level handling (EXCEPTION_RAISED handlers, or re-raise)."""
        self._discarding = True
        try:
            self._generator.close()
        finally:
            self._discarding = False
            self.waiting = Phase.FINISHED
        self.engine._dataloader_iter = None
        self.engine._run_failed(exception)
        try:
            self.engine._handle_exception(exception)
        except BaseException:
            self.raised = True  # as if the loop raised it: the next run() only discards the loop (Ignite)
            raise

    def fail_iteration(self, exception: Exception) -> Phase:
        """The framework failed within the iteration that just ran (a Lightning callback's batch hook):
        Ignite's handling of an exception raised by a handler of that iteration. Handled by
        EXCEPTION_RAISED handlers, it ends the epoch (EPOCH_COMPLETED next) and the run goes on; else it
        propagates. Returns where the loop waits next."""
        if Phase.BATCH <= self.waiting <= Phase.ITERATION_END:
            return self.throw(exception)  # still inside the epoch: the loop's own handling
        if self.waiting is not Phase.EPOCH_END:
            self.fail(exception)  # the run is already ending (TERMINATE, INTERRUPT fired): run-level
            return self.waiting
        # the epoch's last iteration: its epoch is over already, only the handling is left
        try:
            self.engine._handle_exception(exception)
        except BaseException as e:
            self.fail(e)  # Ignite's run-level handling of what the iteration's handling raised
        return self.waiting

    def close(self) -> None:
        """Drop a suspended run as Ignite does: the loop sees ``GeneratorExit``, which goes to
        EXCEPTION_RAISED handlers, and the data iterator is reset."""
        self._generator.close()
        self.waiting = Phase.FINISHED

    # Processes started by pickling the run (Lightning's ``ddp_spawn``) get the loop of a run
    # that has not started: a generator cannot cross, and such a loop is all its engine's state.

    def __getstate__(self) -> dict[str, object]:
        if self.waiting is not Phase.RUN_START:
            raise TypeError(
                f"A run loop waiting at {self.waiting.name} cannot be pickled: only a run that has not started "
                "can move to new processes (strategy='ddp_spawn'); an interrupted or ongoing run continues "
                "in the process that holds it (use strategy='ddp')."
            )
        return {"engine": self.engine, "interrupt_carrier": self.interrupt_carrier}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.engine = cast("Engine", state["engine"])
        self.interrupt_carrier = cast(Optional[type[Exception]], state.get("interrupt_carrier"))
        self.raised = self._discarding = False
        self.waiting = Phase.RUN_START
        # the engine may still be unpickling (it refers to its loop): start the generator on first use
        self._generator = cast(RunGenerator, _StartOnFirstUse(self))
        self.resume = self._generator.__next__

    @property
    def running(self) -> bool:
        """Whether the loop's own code (a handler, the process function) is executing right now.

        A signal handler can tell from it where a Ctrl-C landed.
        """
        return bool(getattr(self._generator, "gi_running", False))  # a generator attribute typeshed leaves out

    @property
    def suspended(self) -> bool:
        """Whether the run paused (``interrupt()``) and the next ``run`` continues it."""
        return self.waiting is Phase.INTERRUPTED

    # ------------------------------------------------------------------ Ignite's loop

    def _run(self) -> RunGenerator:
        engine = self.engine
        engine.should_terminate = engine.should_terminate_single_epoch = engine.should_interrupt = False
        engine.state.times[Events.EPOCH_COMPLETED.name] = 0.0
        engine.state.times[Events.COMPLETED.name] = 0.0
        # before each wait the loop records where it waits: resume() has no frame that could
        self.waiting = Phase.RUN_START
        yield Phase.RUN_START
        start_time = time.time()
        try:
            try:
                engine._fire_event(Events.STARTED)
                yield from self._maybe_terminate_or_interrupt()
                while not engine._is_done(engine.state) and not engine.should_terminate:
                    self.waiting = Phase.EPOCH_START
                    yield Phase.EPOCH_START
                    engine.state.epoch += 1
                    handlers_start_time = time.time()
                    engine._fire_event(Events.EPOCH_STARTED)
                    epoch_time_taken = time.time() - handlers_start_time
                    yield from self._maybe_terminate_or_interrupt()
                    if engine._dataloader_iter is None:
                        engine._setup_engine()
                    epoch_time_taken += yield from self._run_once_on_dataset()
                    self.waiting = Phase.EPOCH_END
                    yield Phase.EPOCH_END
                    # time is available to handlers but updated after they ran
                    engine.state.times[Events.EPOCH_COMPLETED.name] = epoch_time_taken
                    if engine.should_terminate_single_epoch != "skip_epoch_completed":
                        handlers_start_time = time.time()
                        engine._fire_event(Events.EPOCH_COMPLETED)
                        epoch_time_taken += time.time() - handlers_start_time
                        engine.state.times[Events.EPOCH_COMPLETED.name] = epoch_time_taken
                    # the epoch is over: nothing left to terminate in it
                    engine.should_terminate_single_epoch = False
                    yield from self._maybe_terminate_or_interrupt()
                    hours, mins, secs = _to_hours_mins_secs(epoch_time_taken)
                    engine.logger.info(
                        f"Epoch[{engine.state.epoch}] Complete. Time taken: {hours:02d}:{mins:02d}:{secs:06.3f}"
                    )
            except _EngineTerminateException:
                engine._fire_event(Events.TERMINATE)
            except _EngineTerminateSingleEpochException:
                # Ignite's message, word for word (clients match on it)
                raise RuntimeError(
                    "The method terminate_epoch() should not be called on Event.STARTED or Event.EPOCH_STARTED."
                    "If this is a desired behaviour, please open a feature request on"
                    "https://github.com/pytorch/ignite/issues/new/choose"
                )
            self.waiting = Phase.RUN_END
            yield Phase.RUN_END
            time_taken = time.time() - start_time
            engine.state.times[Events.COMPLETED.name] = time_taken
            if engine.should_terminate != "skip_completed":
                handlers_start_time = time.time()
                engine._fire_event(Events.COMPLETED)
                time_taken += time.time() - handlers_start_time
                engine.state.times[Events.COMPLETED.name] = time_taken
            hours, mins, secs = _to_hours_mins_secs(time_taken)
            engine.logger.info(f"Engine run finished. Time taken: {hours:02d}:{mins:02d}:{secs:06.3f}")
        except BaseException as e:
            if self._discarding:
                raise  # the runner failed: not an exception of the run itself
            engine._dataloader_iter = None
            engine.logger.error(f"Engine run is terminating due to exception: {e}")
            engine._run_failed(e)
            try:
                engine._handle_exception(e)
            except BaseException as unhandled:
                if not isinstance(unhandled, GeneratorExit):  # close() drops the loop: it did not raise
                    self._raised(unhandled)  # it leaves the loop, maybe through resume()
                raise
        engine._dataloader_iter = None
        self.waiting = Phase.FINISHED
        return engine.state

    def _maybe_terminate_or_interrupt(self) -> Generator[Phase, None, None]:
        engine = self.engine
        if engine.should_terminate:
            raise _EngineTerminateException()
        if engine.should_terminate_single_epoch:
            raise _EngineTerminateSingleEpochException()
        if engine.should_interrupt:
            engine._fire_event(Events.INTERRUPT)
            engine.should_interrupt = False
            self.waiting = Phase.INTERRUPTED
            yield Phase.INTERRUPTED

    def _run_once_on_dataset(self) -> Generator[Phase, None, float]:
        engine = self.engine
        state = engine.state
        # Read once per epoch: on Python 3.11 each ``Enum.MEMBER`` read goes through the enum
        # metaclass's attribute hook (~0.1 us), and the iteration below would do nine of them.
        batch_phase, start_phase, step_phase, end_phase = Phase.BATCH, Phase.ITERATION_START, Phase.STEP, Phase.ITERATION_END
        get_batch_started, get_batch_completed = Events.GET_BATCH_STARTED, Events.GET_BATCH_COMPLETED
        iteration_started, iteration_completed = Events.ITERATION_STARTED, Events.ITERATION_COMPLETED
        stop_iteration = Events.DATALOADER_STOP_ITERATION
        # An event nothing handles is only recorded (last_event_name), here without _fire_event's call:
        # four a iteration, most with no handler. The handler lists are read at each event (a handler
        # may add one), and a replaced _fire_event (a subclass's, a test's mock) gets every event.
        handlers = engine._event_handlers
        direct = engine._fires_directly()
        start_time = time.time()
        # resuming mid-epoch: the counter starts where the state is
        iter_counter = 0 if engine._init_iter is None else engine._init_iter
        engine._init_iter = None
        should_exit = False
        # True while one fetch goes on with a restarted iterator: the runner asked for one batch only
        refetch = False
        try:
            if engine._dataloader_iter is None:
                raise RuntimeError("Internal error, self._dataloader_iter is None.")
            while True:
                state.batch = None
                try:
                    if not refetch:
                        self.waiting = batch_phase
                        yield batch_phase
                    refetch = False
                    # Ignite's rule: no second GET_BATCH_STARTED right after DATALOADER_STOP_ITERATION
                    # identity: the loop fires it with this member (Ignite compares by name, ~0.15 us more)
                    if engine.last_event_name is not stop_iteration:
                        if state.dataloader is not None:
                            if handlers.get("GET_BATCH_STARTED") or not direct:
                                engine._fire_event(get_batch_started)
                            else:
                                engine.last_event_name = get_batch_started
                            if engine.should_terminate or engine.should_terminate_single_epoch or engine.should_interrupt:
                                yield from self._maybe_terminate_or_interrupt()
                    state.batch = next(engine._dataloader_iter)
                    # reset here: an exhausted iterable dataloader may have left it set
                    state.output = None
                    if state.dataloader is not None:
                        if handlers.get("GET_BATCH_COMPLETED") or not direct:
                            engine._fire_event(get_batch_completed)
                        else:
                            engine.last_event_name = get_batch_completed
                        if engine.should_terminate or engine.should_terminate_single_epoch or engine.should_interrupt:
                            yield from self._maybe_terminate_or_interrupt()
                    iter_counter += 1
                    should_exit = False
                except StopIteration:
                    if state.epoch_length is None:
                        # first pass over data without length: now we know the epoch length
                        state.epoch_length = iter_counter
                        if state.max_iters is not None:
                            state.max_epochs = math.ceil(state.max_iters / state.epoch_length)
                        break
                    if should_exit:
                        # the restarted iterator is empty too
                        if not engine._is_done(state):
                            total_iters = (
                                state.epoch_length * state.max_epochs
                                if state.max_epochs is not None
                                else state.max_iters
                            )
                            warnings.warn(
                                "Data iterator can not provide data anymore but required total number of "
                                "iterations to run is not reached. "
                                f"Current iteration: {state.iteration} vs Total iterations to run : {total_iters}",
                            )
                        break
                    if state.dataloader is not None:
                        engine._fire_event(stop_iteration)
                        if engine.should_terminate or engine.should_terminate_single_epoch or engine.should_interrupt:
                            yield from self._maybe_terminate_or_interrupt()
                    engine._setup_dataloader_iter()
                    should_exit = refetch = True
                    continue

                self.waiting = start_phase
                yield start_phase
                state.iteration += 1
                if handlers.get("ITERATION_STARTED") or not direct:
                    engine._fire_event(iteration_started)
                else:
                    engine.last_event_name = iteration_started
                # the flags are read inline on the per-iteration path (a call each would cost more)
                if engine.should_terminate or engine.should_terminate_single_epoch or engine.should_interrupt:
                    yield from self._maybe_terminate_or_interrupt()

                self.waiting = step_phase
                yield step_phase
                state.output = engine._process_function(engine, state.batch)

                self.waiting = end_phase
                yield end_phase
                if handlers.get("ITERATION_COMPLETED") or not direct:
                    engine._fire_event(iteration_completed)
                else:
                    engine.last_event_name = iteration_completed
                if engine.should_terminate or engine.should_terminate_single_epoch or engine.should_interrupt:
                    yield from self._maybe_terminate_or_interrupt()

                if state.epoch_length is not None and iter_counter == state.epoch_length:
                    break
                if state.max_iters is not None and state.iteration == state.max_iters:
                    engine.should_terminate = True
                    raise _EngineTerminateException()

        except _EngineTerminateSingleEpochException:
            engine._fire_event(Events.TERMINATE_SINGLE_EPOCH, iter_counter=iter_counter)
            engine._setup_dataloader_iter()
        except _EngineTerminateException:
            raise
        except Exception as e:
            engine.logger.error(f"Current run is terminating due to exception: {e}")
            engine._handle_exception(e)
        return time.time() - start_time


class _StartOnFirstUse:
    """Stands for an unpickled loop's generator until first used, then puts the real one in place."""

    def __init__(self, loop: RunLoop) -> None:
        self._loop = loop

    def _start(self) -> RunGenerator:
        generator = self._loop._run()
        next(generator)  # to RUN_START, as RunLoop.__init__ does
        self._loop._generator = generator
        self._loop.resume = generator.__next__
        return generator

    def __next__(self) -> Phase:
        return next(self._start())

    def throw(self, exception: BaseException) -> Phase:
        return self._start().throw(exception)

    def close(self) -> None:
        """Nothing ran: nothing to close."""


def _none_data_iter(size: int) -> Iterator[None]:
    # data=None: the process function gets ``batch=None`` epoch_length times per pass
    for _ in range(size):
        yield None

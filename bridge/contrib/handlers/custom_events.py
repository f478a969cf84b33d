"""``CustomPeriodicEvent``: events fired every ``n`` iterations or epochs (Ignite 0.4's contrib handler).

Ignite 0.4 deprecated it in favour of event filters (``Events.ITERATION_COMPLETED(every=n)``)
and later removed the module; bridge keeps it so that older scripts run under the alias.
Built only on the public Engine API (``register_events``, ``add_event_handler``, ``fire_event``).
"""

from __future__ import annotations

from typing import Any, Optional

from bridge.engine.events import EventEnum, Events

__all__ = ["CustomPeriodicEvent"]


class CustomPeriodicEvent:
    """Generates ``<PREFIX>_<n>_STARTED`` / ``<PREFIX>_<n>_COMPLETED`` events for periods of ``n`` iterations or epochs.

    With ``n_iterations=n`` the events are ``ITERATIONS_<n>_STARTED`` (at the ITERATION_STARTED
    of iterations 1, n+1, 2n+1, ...) and ``ITERATIONS_<n>_COMPLETED`` (at the ITERATION_COMPLETED of
    iterations n, 2n, ...); ``n_epochs=n`` gives ``EPOCHS_<n>_...`` the same way on epochs.
    Each period is counted in ``engine.state.iterations_<n>`` (or ``epochs_<n>``), set to 0 on
    STARTED and incremented before ``..._STARTED`` fires, so event filters work on these events.
    The events are members of ``self.Events`` and also attributes of this object.

    Unlike Ignite 0.4 (where ``% n == 1`` missed them), ``n=1`` fires the ``..._STARTED`` events too.

    Example:
        >>> from bridge.engine import Engine
        >>> engine = Engine(lambda e, b: None)
        >>> every_3 = CustomPeriodicEvent(n_iterations=3)
        >>> every_3.attach(engine)
        >>> @engine.on(every_3.Events.ITERATIONS_3_COMPLETED)
        ... def report(engine):
        ...     print(engine.state.iteration, engine.state.iterations_3)
        >>> _ = engine.run(range(7))
        3 1
        6 2
    """

    def __init__(self, n_iterations: Optional[int] = None, n_epochs: Optional[int] = None) -> None:
        for name, value in (("n_iterations", n_iterations), ("n_epochs", n_epochs)):
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"Argument {name} should be an integer, but given {type(value).__name__}")
            if value < 1:
                raise ValueError(f"Argument {name} should be positive (>= 1), but given {value}")
        if (n_iterations is None) == (n_epochs is None):
            raise ValueError("Either n_iterations or n_epochs should be defined, not both")

        prefix, self.state_attr, self.period = (
            ("iterations", "iteration", n_iterations) if n_iterations is not None else ("epochs", "epoch", n_epochs)
        )
        #: name of the state attribute counting the periods, e.g. ``"iterations_5"``
        self.custom_state_attr = f"{prefix}_{self.period}"
        event_name = self.custom_state_attr.upper()
        names = (f"{event_name}_STARTED", f"{event_name}_COMPLETED")
        # a new EventEnum, as Ignite makes one: the functional Enum API, which type checkers cannot follow
        events: Any = EventEnum("Events", {name: name.lower() for name in names})  # type: ignore[call-arg]
        self.Events = events
        self._periodic_event_started, self._periodic_event_completed = list(events)
        for event in events:
            setattr(self, event.name, event)

    def _on_started(self, engine: Any) -> None:
        setattr(engine.state, self.custom_state_attr, 0)

    def _on_periodic_event_started(self, engine: Any) -> None:
        if (getattr(engine.state, self.state_attr) - 1) % self.period == 0:
            setattr(engine.state, self.custom_state_attr, getattr(engine.state, self.custom_state_attr) + 1)
            engine.fire_event(self._periodic_event_started)

    def _on_periodic_event_completed(self, engine: Any) -> None:
        if getattr(engine.state, self.state_attr) % self.period == 0:
            engine.fire_event(self._periodic_event_completed)

    def attach(self, engine: Any) -> None:
        """Register the events (with their counter) on ``engine`` and fire them from its loop.

        Example:
            >>> from bridge.engine import Engine
            >>> engine = Engine(lambda e, b: None)
            >>> cpe = CustomPeriodicEvent(n_epochs=2)
            >>> cpe.attach(engine)
            >>> engine.has_registered_events(cpe.EPOCHS_2_STARTED)
            True
        """
        engine.register_events(*self.Events, event_to_attr={e: self.custom_state_attr for e in self.Events})
        engine.add_event_handler(Events.STARTED, self._on_started)
        unit = self.state_attr.upper()
        engine.add_event_handler(getattr(Events, f"{unit}_STARTED"), self._on_periodic_event_started)
        engine.add_event_handler(getattr(Events, f"{unit}_COMPLETED"), self._on_periodic_event_completed)

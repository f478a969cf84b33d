"""Shared test setup."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bridge.engine.events import State


@pytest.fixture(autouse=True)
def _restore_event_to_attr() -> Iterator[None]:
    # As in Ignite, register_events(event_to_attr=...) writes into a class-level dict:
    # undo it after each test so tests stay independent of their order.
    saved = dict(State.event_to_attr)
    yield
    State.event_to_attr.clear()
    State.event_to_attr.update(saved)

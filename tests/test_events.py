"""Tests of bridge.engine.events, largely differential against ignite.engine.events.

Ignite is imported here only (a test dependency); bridge itself never imports it.
"""

from __future__ import annotations

import copy
import doctest
import gc
import itertools
import pickle
import subprocess
import sys
import warnings
import weakref
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bridge.engine.events as br

with warnings.catch_warnings():  # importing ignite imports torch, which warns about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite.engine.events as ig
from bridge.engine.events import (
    CallableEventWithFilter,
    EventEnum,
    Events,
    EventsList,
    RemovableEventHandle,
    State,
)

#: State.event_to_attr as shipped (taken at import, before any test can register custom events).
BASELINE_EVENT_TO_ATTR = dict(State.event_to_attr)
EVENT_TO_ATTR_OBJECT = State.event_to_attr
COUNTS = range(0, 61)  # 0 included: Ignite's `every` filter is true at count 0


def fired(event: Any, counts: range = COUNTS) -> list[int] | None:
    """Counts at which `event`'s filter lets handlers run; None means "unfiltered"."""
    if event.filter is None:
        return None
    return [n for n in counts if event.filter(None, n)]


def outcome(make: Callable[[], Any]) -> tuple[str, Any]:
    """("ok", result) or ("raise", (exception type name, message))."""
    try:
        return "ok", make()
    except Exception as exc:  # noqa: BLE001 - we compare whatever is raised
        return "raise", (type(exc).__name__, str(exc))


@pytest.fixture
def restore_event_to_attr():
    """Put State.event_to_attr back as it was (same dict object, same content)."""
    saved = dict(State.event_to_attr)
    yield State.event_to_attr
    State.event_to_attr.clear()
    State.event_to_attr.update(saved)


# --------------------------------------------------------------------------- purity


def test_module_imports_neither_ignite_nor_lightning_nor_torch():
    # Load events.py on its own (not through bridge.engine, whose Engine may import more).
    path = Path(br.__file__)
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('standalone_events', {str(path)!r})\n"
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('ignite', 'lightning', 'pytorch_lightning', 'torch', 'bridge'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_docstring_examples_run():
    result = doctest.testmod(br, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 30
    assert result.failed == 0


def test_public_names_match_ignite():
    # bridge adds BackpropEvents (DESIGN.md); everything else is Ignite's list, in order
    assert [n for n in br.__all__ if n != "BackpropEvents"] == ig.__all__
    for name in ig.__all__:
        assert hasattr(br, name)


# --------------------------------------------------------------------------- Events


def test_events_members_names_values_and_order_match_ignite():
    ours = [(e.name, e.value) for e in Events]
    theirs = [(e.name, e.value) for e in ig.Events]
    assert ours == theirs
    assert len(ours) == 13
    assert Events.STARTED.value == "started"
    assert Events.TERMINATE_SINGLE_EPOCH.value == "terminate_single_epoch"
    assert Events.DATALOADER_STOP_ITERATION.name == "DATALOADER_STOP_ITERATION"


def test_events_are_enum_members_and_callable_events():
    assert Events("iteration_completed") is Events.ITERATION_COMPLETED
    assert Events["EPOCH_STARTED"] is Events.EPOCH_STARTED
    assert isinstance(Events.STARTED, CallableEventWithFilter)
    assert isinstance(Events.STARTED, EventEnum)
    assert Events.STARTED.filter is None


def test_str_repr_format_match_ignite():
    class Ours(EventEnum):
        FOO = "foo"

    class Theirs(ig.EventEnum):
        FOO = "foo"

    for o, t in [(Events.STARTED, ig.Events.STARTED), (Events.INTERRUPT, ig.Events.INTERRUPT)]:
        assert (str(o), repr(o), f"{o}", format(o, ">25")) == (str(t), repr(t), f"{t}", format(t, ">25"))
    assert str(Events.STARTED) == repr(Events.STARTED) == "Events.STARTED"
    # Ignite quirk reproduced: repr says "Events." even for a custom enum; str uses the class name.
    assert repr(Ours.FOO) == repr(Theirs.FOO) == "Events.FOO"
    assert (str(Ours.FOO), str(Theirs.FOO)) == ("Ours.FOO", "Theirs.FOO")


def test_repr_of_filtered_event_shows_the_filter():
    def my_filter(engine, event):
        return True

    e = Events.ITERATION_COMPLETED(event_filter=my_filter)
    assert repr(e) == f"Events.ITERATION_COMPLETED(filter={my_filter})"
    assert str(e) == repr(e)
    # Ignite shows a closure's address here; bridge's filters are small picklable objects that say what they do
    assert repr(Events.EPOCH_COMPLETED(every=2)) == "Events.EPOCH_COMPLETED(filter=every(2))"
    assert repr(Events.ITERATION_STARTED(once=[3, 1])) == "Events.ITERATION_STARTED(filter=once([1, 3]))"


def test_pickle_and_copy_keep_members_singletons():
    assert pickle.loads(pickle.dumps(Events.COMPLETED)) is Events.COMPLETED
    assert copy.deepcopy(Events.COMPLETED) is Events.COMPLETED
    assert copy.copy(Events.COMPLETED) is Events.COMPLETED


# --------------------------------------------------------------------------- filters (differential)

EVERY = [None, 1, 2, 3, 5, 7, 50, 61]
BEFORE = [None, 0, 1, 2, 5, 10, 50]
AFTER = [None, 0, 1, 2, 4, 9, 49, 60]


def test_every_before_after_grid_matches_ignite():
    combos = [c for c in itertools.product(EVERY, BEFORE, AFTER) if c != (None, None, None)]
    assert len(combos) == 447
    for every, before, after in combos:
        kwargs = dict(every=every, before=before, after=after)
        ours, theirs = Events.ITERATION_COMPLETED(**kwargs), ig.Events.ITERATION_COMPLETED(**kwargs)
        assert fired(ours) == fired(theirs), kwargs
        assert (type(ours).__name__, ours.name, ours.value) == (type(theirs).__name__, theirs.name, theirs.value)


@pytest.mark.parametrize(
    "once", [1, 2, 50, 100, [2, 5], [1], (3, 3, 7), [60, 1, 30], range(1, 50, 7), True, [True, 4]]
)
def test_once_matches_ignite(once):
    ours, theirs = Events.EPOCH_COMPLETED(once=once), ig.Events.EPOCH_COMPLETED(once=once)
    counts = range(0, 121)
    assert fired(ours, counts) == fired(theirs, counts)
    assert fired(ours, counts)  # never empty for these


@settings(max_examples=300, deadline=None, database=None)
@given(
    every=st.one_of(st.none(), st.integers(1, 25)),
    before=st.one_of(st.none(), st.integers(0, 80)),
    after=st.one_of(st.none(), st.integers(0, 80)),
)
def test_every_before_after_random_matches_ignite(every, before, after):
    if (every, before, after) == (None, None, None):
        return
    kwargs = dict(every=every, before=before, after=after)
    counts = range(0, 101)
    assert fired(Events.ITERATION_STARTED(**kwargs), counts) == fired(ig.Events.ITERATION_STARTED(**kwargs), counts)


@settings(max_examples=200, deadline=None, database=None)
@given(once=st.one_of(st.integers(1, 120), st.lists(st.integers(1, 120), min_size=1, max_size=8)))
def test_once_random_matches_ignite(once):
    counts = range(0, 121)
    assert fired(Events.GET_BATCH_STARTED(once=once), counts) == fired(ig.Events.GET_BATCH_STARTED(once=once), counts)


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        (dict(every=2), [2, 4, 6]),
        (dict(once=[2, 5]), [2, 5]),
        (dict(once=4), [4]),
        (dict(before=5, after=2), [3, 4]),
        (dict(after=4), [5, 6, 7]),
        (dict(before=3), [1, 2]),
        # Ignite's phase for every + before/after: counted from after + 1, not from 0.
        (dict(every=3, before=10), [1, 4, 7]),
        (dict(every=3, after=4), [5]),
    ],
)
def test_documented_examples(kwargs, expected):
    assert fired(Events.ITERATION_COMPLETED(**kwargs), range(1, 8)) == expected


def test_every_and_before_after_phase_quirk_in_full():
    assert fired(Events.EPOCH_STARTED(every=5, before=25, after=8), range(1, 40)) == [9, 14, 19, 24]
    assert fired(Events.EPOCH_STARTED(every=3, after=4), range(1, 15)) == [5, 8, 11, 14]
    assert fired(Events.EPOCH_STARTED(every=3), range(0, 10)) == [0, 3, 6, 9]  # count 0 passes `every`


def test_every_one_is_the_unfiltered_event_but_a_new_object():
    e = Events.ITERATION_COMPLETED(every=1)
    assert e.filter is None
    assert e is not Events.ITERATION_COMPLETED
    assert type(e) is CallableEventWithFilter
    assert e == Events.ITERATION_COMPLETED
    # with before/after, every=1 still filters
    assert fired(Events.ITERATION_COMPLETED(every=1, before=4), range(0, 8)) == [1, 2, 3]


def test_bool_arguments_pass_validation_like_ignite():
    # bool is an int: Ignite accepts it, so do we.
    assert Events.STARTED(every=True).filter is None
    assert fired(Events.STARTED(once=True), range(0, 5)) == [1]
    assert fired(Events.STARTED(before=False), range(0, 5)) == []
    assert fired(Events.STARTED(after=True), range(0, 4)) == [2, 3]


def test_custom_event_filter_is_used_as_is():
    def on_squares(engine, event):
        return int(event**0.5) ** 2 == event

    ours = Events.ITERATION_COMPLETED(event_filter=on_squares)
    theirs = ig.Events.ITERATION_COMPLETED(event_filter=on_squares)
    assert ours.filter is on_squares and theirs.filter is on_squares
    assert fired(ours, range(1, 50)) == [1, 4, 9, 16, 25, 36, 49]


@pytest.mark.parametrize(
    "event_filter",
    [
        lambda *args: True,
        lambda engine, event, extra=1: True,
        lambda engine, event=0: True,
        type("Callable", (), {"__call__": lambda self, engine, event: True})(),
    ],
)
def test_event_filter_signatures_accepted(event_filter):
    assert Events.STARTED(event_filter=event_filter).filter is event_filter
    assert ig.Events.STARTED(event_filter=event_filter).filter is event_filter


def test_refiltering_replaces_the_filter():
    e = Events.ITERATION_COMPLETED(every=2)(once=3)
    assert fired(e, range(0, 10)) == [3]
    assert e.name == "ITERATION_COMPLETED" and e.value == "iteration_completed"


def test_once_filter_is_a_snapshot_of_the_list():
    counts = [2, 5]
    e = Events.ITERATION_COMPLETED(once=counts)
    counts.append(7)
    assert fired(e, range(0, 10)) == [2, 5]


def test_filter_factories_are_static_methods():
    f = CallableEventWithFilter.every_event_filter(4)
    assert [n for n in range(1, 13) if f("engine", n)] == [4, 8, 12]
    f = Events.once_event_filter([1, 3])
    assert [n for n in range(0, 5) if f(None, n)] == [1, 3]
    f = Events.before_and_after_event_filter(before=4)
    assert [n for n in range(0, 6) if f(None, n)] == [1, 2, 3]
    f = Events.every_before_and_after_event_filter(2, after=3)
    assert [n for n in range(0, 10) if f(None, n)] == [4, 6, 8]
    for f in (
        CallableEventWithFilter.every_event_filter(2),
        CallableEventWithFilter.once_event_filter([2]),
        CallableEventWithFilter.before_and_after_event_filter(3, 1),
        CallableEventWithFilter.every_before_and_after_event_filter(2, 9, 1),
    ):
        assert f(None, 2) is True and f(None, 5) is False


def test_default_event_filter_is_deprecated_but_true():
    with pytest.warns(UserWarning, match="deprecated"):
        assert Events.default_event_filter(None, 3) is True


# --------------------------------------------------------------------------- validation (differential)


def _bad_signature(engine):
    return True


INVALID = [
    dict(),
    dict(every=2, once=3),
    dict(once=3, before=4),
    dict(once=3, after=4),
    dict(event_filter=lambda e, n: True, every=2),
    dict(event_filter=lambda e, n: True, once=2),
    dict(event_filter=lambda e, n: True, before=2),
    dict(event_filter="not callable", every=2),  # "only one" is checked before callability
    dict(event_filter="not callable"),
    dict(event_filter=3),
    dict(event_filter=_bad_signature),
    dict(event_filter=lambda: True),
    dict(event_filter=lambda engine, event, third: True),
    dict(every=0),
    dict(every=-2),
    dict(every=1.5),
    dict(every="2"),
    dict(every=False),
    dict(every=0, before=3),
    dict(every=2, before=-1),
    dict(every=2, after=-1),
    dict(once=0),
    dict(once=-3),
    dict(once=1.0),
    dict(once=[]),
    dict(once=[1, 0]),
    dict(once=[1, "2"]),
    dict(once=[1, 2.0]),
    dict(once={1, 2}),  # a set is not a Sequence
    dict(once="ab"),
    dict(before=-1),
    dict(before=2.5),
    dict(after=-1),
    dict(after="3"),
    dict(before=-1, after=-1),
]


@pytest.mark.parametrize("kwargs", INVALID, ids=[repr(k) for k in INVALID])
def test_invalid_arguments_raise_like_ignite(kwargs):
    ours = outcome(lambda: Events.ITERATION_COMPLETED(**kwargs))
    theirs = outcome(lambda: ig.Events.ITERATION_COMPLETED(**kwargs))
    assert ours[0] == theirs[0] == "raise"
    assert ours[1] == theirs[1]  # same exception type and same message


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(), ValueError, "Only one of the input arguments should be specified"),
        (dict(every=2, once=1), ValueError, "Only one of the input arguments should be specified"),
        (dict(event_filter=1), TypeError, "event_filter should be a callable"),
        (dict(every=0), ValueError, "every should be integer and greater than zero"),
        (dict(once=[0]), ValueError, r"once should either be a positive integer .* got \[0\]"),
        (dict(before=-1), ValueError, "before should be integer and greater or equal to zero"),
        (dict(after=-1), ValueError, "after should be integer and greater or equal to zero"),
        (dict(event_filter=_bad_signature), ValueError, r"takes parameters \['engine'\] but will be called with"),
    ],
)
def test_invalid_argument_messages(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Events.EPOCH_COMPLETED(**kwargs)


# --------------------------------------------------------------------------- equality / hashing


def test_filtered_event_equals_and_hashes_as_its_base():
    filtered = Events.ITERATION_COMPLETED(every=3)
    assert filtered == Events.ITERATION_COMPLETED
    assert Events.ITERATION_COMPLETED == filtered
    assert hash(filtered) == hash(Events.ITERATION_COMPLETED) == hash("ITERATION_COMPLETED")
    assert filtered != Events.ITERATION_STARTED
    assert Events.ITERATION_COMPLETED(once=2) == Events.ITERATION_COMPLETED(every=5)


def test_filtered_event_finds_base_key_in_handler_dicts():
    handlers: dict[Any, list[str]] = {Events.EPOCH_COMPLETED: ["h1"], Events.STARTED: []}
    assert handlers[Events.EPOCH_COMPLETED(every=2)] == ["h1"]
    assert Events.STARTED(once=1) in handlers
    assert Events.COMPLETED(once=1) not in handlers
    assert Events.STARTED(once=1) in [Events.COMPLETED, Events.STARTED]
    assert len({Events.STARTED, Events.STARTED(every=2), Events.STARTED(once=3)}) == 1


def test_string_equality_uses_the_name_like_ignite():
    for ev in (Events, ig.Events):
        assert ev.STARTED == "STARTED"
        assert "STARTED" == ev.STARTED
        assert ev.STARTED != "started"  # the value is not what compares
        assert ev.STARTED(every=2) == "STARTED"
        assert {ev.STARTED: 1}["STARTED"] == 1
    assert (Events.STARTED == 1) is False
    assert Events.STARTED.__eq__(1) is NotImplemented
    assert Events.STARTED != None  # noqa: E711


def test_custom_member_with_a_builtin_name_equals_it_like_ignite():
    class Ours(EventEnum):
        STARTED = "my_started"

    class Theirs(ig.EventEnum):
        STARTED = "my_started"

    assert (Ours.STARTED == Events.STARTED) is (Theirs.STARTED == ig.Events.STARTED) is True


# --------------------------------------------------------------------------- EventsList


def test_or_builds_an_events_list():
    events = Events.STARTED | Events.COMPLETED | Events.ITERATION_STARTED(every=3)
    assert isinstance(events, EventsList)
    assert len(events) == 3
    assert events[0] is Events.STARTED
    assert events[1] is Events.COMPLETED
    assert events[2] == Events.ITERATION_STARTED and events[2].filter is not None
    assert events[-1] is events[2]
    assert [e.name for e in events] == ["STARTED", "COMPLETED", "ITERATION_STARTED"]
    assert list(events) == [Events.STARTED, Events.COMPLETED, Events.ITERATION_STARTED]


def test_filtered_event_or():
    events = Events.ITERATION_COMPLETED(every=2) | Events.EPOCH_COMPLETED
    assert [e.name for e in events] == ["ITERATION_COMPLETED", "EPOCH_COMPLETED"]
    assert fired(events[0], range(0, 5)) == [0, 2, 4]


def test_events_list_or_is_in_place_like_ignite():
    for ev in (Events, ig.Events):
        first = ev.STARTED | ev.COMPLETED
        second = first | ev.EPOCH_STARTED
        assert second is first and len(first) == 3
        first |= ev.EPOCH_COMPLETED
        assert first is second and len(second) == 4


def test_events_list_from_scratch_and_duplicates():
    events = EventsList()
    assert len(events) == 0 and list(events) == []
    events = events | Events.STARTED | Events.STARTED
    assert len(events) == 2


@pytest.mark.parametrize(
    "make",
    [
        lambda mod: mod.Events.STARTED | "completed",
        lambda mod: mod.Events.STARTED(every=2) | 3,
        lambda mod: mod.Events.STARTED | (mod.Events.COMPLETED | mod.Events.EPOCH_STARTED),  # no nesting
        lambda mod: mod.EventsList() | None,
    ],
)
def test_events_list_rejects_non_events_like_ignite(make):
    ours = outcome(lambda: make(br))
    theirs = outcome(lambda: make(ig))
    assert ours[0] == theirs[0] == "raise"
    assert ours[1][0] == theirs[1][0] == "TypeError"
    assert ours[1][1].startswith("Argument event should be Events or CallableEventWithFilter, got: <class ")


# --------------------------------------------------------------------------- custom EventEnum


class CustomEvents(EventEnum):
    FOO = "foo"
    BAR_EVENT = "bar_event"


def test_custom_event_enum_members():
    assert [(e.name, e.value) for e in CustomEvents] == [("FOO", "foo"), ("BAR_EVENT", "bar_event")]
    assert CustomEvents("foo") is CustomEvents.FOO
    assert isinstance(CustomEvents.FOO, CallableEventWithFilter)
    assert not isinstance(CustomEvents.FOO, Events)
    assert CustomEvents.FOO.filter is None
    assert CustomEvents.FOO != Events.STARTED
    assert CustomEvents.FOO == "FOO"


def test_custom_event_enum_filters_and_or():
    e = CustomEvents.FOO(every=4)
    assert type(e) is CallableEventWithFilter
    assert e == CustomEvents.FOO and (e.name, e.value) == ("FOO", "foo")
    assert fired(e, range(1, 13)) == [4, 8, 12]
    events = CustomEvents.FOO | Events.STARTED | CustomEvents.BAR_EVENT(once=2)
    assert [x.name for x in events] == ["FOO", "STARTED", "BAR_EVENT"]


def test_custom_event_enum_name_and_value_members_allowed():
    # name/value are DynamicClassAttributes, as in Enum, so such members still work
    class Odd(EventEnum):
        NAME = "the_name"
        VALUE = "the_value"

    assert Odd.NAME.value == "the_name" and Odd.VALUE.name == "VALUE"


# --------------------------------------------------------------------------- State


def test_state_defaults_match_ignite():
    ours, theirs = State(), ig.State()
    # compare Ignite's attributes (ours may have extra counters if other test modules registered events)
    assert list(vars(ours))[: len(vars(theirs))] == list(vars(theirs))
    assert {k: vars(ours)[k] for k in vars(theirs)} == vars(theirs)
    assert ours.times == {"EPOCH_COMPLETED": None, "COMPLETED": None}
    assert (ours.iteration, ours.epoch, ours.metrics, ours.output) == (0, 0, {}, None)


def test_state_kwargs_and_repr_match_ignite():
    kwargs = dict(iteration=5, epoch=2, max_epochs=3, output=0.25, custom="hello", flag=True, stuff=[1, 2])
    ours, theirs = State(**kwargs), ig.State(**kwargs)
    # bridge's State also counts its BackpropEvents (created last, as custom event counters are)
    counters = "".join(f"\t{e.value}: 0\n" for e in br.BackpropEvents)
    assert repr(ours) == repr(theirs) + counters
    assert ours.custom == "hello" and ours.stuff == [1, 2]
    text = repr(ours)
    assert text.startswith("State:\n\titeration: 5\n\tepoch: 2\n")
    assert "\tmetrics: <class 'dict'>\n" in text
    assert "\tepoch_length: <class 'NoneType'>\n" in text
    assert "\tstuff: <class 'list'>\n" in text
    assert "\tflag: True\n" in text
    assert text.endswith("\tstuff: <class 'list'>\n" + counters)


def test_event_to_attr_matches_ignite():
    ours = {k.name: v for k, v in State.event_to_attr.items() if isinstance(k, Events)}
    theirs = {k.name: v for k, v in ig.State.event_to_attr.items() if isinstance(k, ig.Events)}
    assert ours == theirs
    assert ours == {
        "GET_BATCH_STARTED": "iteration",
        "GET_BATCH_COMPLETED": "iteration",
        "ITERATION_STARTED": "iteration",
        "ITERATION_COMPLETED": "iteration",
        "EPOCH_STARTED": "epoch",
        "EPOCH_COMPLETED": "epoch",
        "STARTED": "epoch",
        "COMPLETED": "epoch",
    }


def test_get_event_attrib_value():
    state = State(iteration=17, epoch=4, backward_completed=2)
    for event, expected in BASELINE_EVENT_TO_ATTR.items():
        assert state.get_event_attrib_value(event) == getattr(state, expected)
    assert state.get_event_attrib_value(br.BackpropEvents.BACKWARD_COMPLETED(every=2)) == 2
    assert state.get_event_attrib_value(Events.ITERATION_COMPLETED(every=2)) == 17
    assert state.get_event_attrib_value(Events.EPOCH_STARTED(once=[1])) == 4
    assert state.get_event_attrib_value("ITERATION_STARTED") == 17  # name lookup, as in Ignite
    state.iteration = 18
    assert state.get_event_attrib_value(Events.GET_BATCH_COMPLETED) == 18


@pytest.mark.parametrize("event", [Events.EXCEPTION_RAISED, Events.TERMINATE, CustomEvents.FOO, "foo", "iteration"])
def test_get_event_attrib_value_unknown_event(event):
    with pytest.raises(RuntimeError, match=r"Unknown event name '.*'"):
        State().get_event_attrib_value(event)
    with pytest.raises(RuntimeError) as theirs:
        ig.State().get_event_attrib_value(event)
    with pytest.raises(RuntimeError) as ours:
        State().get_event_attrib_value(event)
    assert str(ours.value) == str(theirs.value)


def test_custom_event_counters(restore_event_to_attr):
    class ProbeEvents(EventEnum):
        PROBE_STARTED = "probe_started"
        PROBE_COMPLETED = "probe_completed"

    existing = State(iteration=3)
    # what Engine.register_events(..., event_to_attr=...) does (like Ignite's TBPTT time_iteration)
    State.event_to_attr[ProbeEvents.PROBE_STARTED] = "probe_count"
    State.event_to_attr[ProbeEvents.PROBE_COMPLETED] = "probe_count"

    assert not hasattr(existing, "probe_count")
    existing._update_attrs()
    assert existing.probe_count == 0 and existing.iteration == 3

    fresh = State()
    assert fresh.probe_count == 0
    fresh.probe_count = 6
    assert fresh.get_event_attrib_value(ProbeEvents.PROBE_COMPLETED) == 6
    assert fresh.get_event_attrib_value(ProbeEvents.PROBE_STARTED(every=3)) == 6
    assert State(probe_count=9).probe_count == 9  # kwargs are not overwritten by _update_attrs


def test_update_attrs_keeps_existing_values(restore_event_to_attr):
    State.event_to_attr["my_str_event"] = "my_counter"
    state = State(my_counter=5)
    state._update_attrs()
    assert state.my_counter == 5
    assert state.get_event_attrib_value("my_str_event") == 5


def test_custom_event_counters_did_not_leak():
    # runs after test_custom_event_counters: the fixture restored the class dict in place
    assert State.event_to_attr is EVENT_TO_ATTR_OBJECT
    assert "PROBE_STARTED" not in State.event_to_attr and "my_str_event" not in State.event_to_attr
    assert "probe_count" not in State.event_to_attr.values()
    assert not hasattr(State(), "probe_count")


# --------------------------------------------------------------------------- RemovableEventHandle


class FakeEngine:
    """The two Engine methods a handle uses, matching filter wrappers by `_parent` like Ignite."""

    def __init__(self) -> None:
        self.handlers: dict[Any, list[Callable]] = {}
        self.calls: list[tuple[str, Any]] = []

    def add(self, event: Any, handler: Callable) -> Callable:
        if getattr(event, "filter", None) is not None:  # like Engine._handler_wrapper
            user = handler

            def wrapper(*args: Any) -> None:
                user(*args)

            wrapper._parent = weakref.ref(user)
            handler = wrapper
        self.handlers.setdefault(event, []).append(handler)
        return handler

    @staticmethod
    def _same(user: Callable, registered: Callable) -> bool:
        if hasattr(registered, "_parent"):
            registered = registered._parent()
        return registered == user

    def has_event_handler(self, handler: Callable, event_name: Any = None) -> bool:
        self.calls.append(("has", event_name))
        return any(self._same(handler, h) for h in self.handlers.get(event_name, []))

    def remove_event_handler(self, handler: Callable, event_name: Any) -> None:
        self.calls.append(("remove", event_name))
        self.handlers[event_name] = [h for h in self.handlers[event_name] if not self._same(handler, h)]


def handler_a(engine=None):
    pass


def handler_b(engine=None):
    pass


def test_handle_removes_its_handler_only():
    engine = FakeEngine()
    engine.add(Events.STARTED, handler_a)
    engine.add(Events.STARTED, handler_b)
    handle = RemovableEventHandle(Events.STARTED, handler_a, engine)
    handle.remove()
    assert engine.handlers[Events.STARTED] == [handler_b]
    handle.remove()  # second time: has_event_handler is False, nothing removed
    assert engine.handlers[Events.STARTED] == [handler_b]
    assert engine.calls == [("has", Events.STARTED), ("remove", Events.STARTED), ("has", Events.STARTED)]


def test_handle_is_a_context_manager():
    engine = FakeEngine()
    engine.add(Events.COMPLETED, handler_a)
    with RemovableEventHandle(Events.COMPLETED, handler_a, engine) as handle:
        assert isinstance(handle, RemovableEventHandle)
        assert engine.handlers[Events.COMPLETED] == [handler_a]
    assert engine.handlers[Events.COMPLETED] == []


def test_handle_for_events_list_removes_from_each_event():
    engine = FakeEngine()
    events = Events.STARTED | Events.EPOCH_COMPLETED(every=2) | Events.COMPLETED
    for e in events:
        engine.add(e, handler_a)
    engine.handlers[Events.COMPLETED].remove(handler_a)  # already gone from one event: skipped
    engine.add(Events.EPOCH_COMPLETED, handler_b)
    RemovableEventHandle(events, handler_a, engine).remove()
    assert engine.handlers == {Events.STARTED: [], Events.EPOCH_COMPLETED: [handler_b], Events.COMPLETED: []}
    removals = [event for kind, event in engine.calls if kind == "remove"]
    assert removals == [Events.STARTED, Events.EPOCH_COMPLETED]


def test_handle_of_filtered_handler_unwraps_the_wrapper():
    engine = FakeEngine()
    event = Events.ITERATION_COMPLETED(every=5)
    wrapper = engine.add(event, handler_a)
    assert wrapper is not handler_a
    RemovableEventHandle(event, wrapper, engine).remove()
    assert engine.handlers[Events.ITERATION_COMPLETED] == []


def test_handle_with_dead_wrapped_handler_is_an_internal_error():
    def temporary(engine=None):
        pass

    def wrapper(engine=None):  # a wrapper whose user function died (holds only the weakref)
        pass

    wrapper._parent = weakref.ref(temporary)
    del temporary
    gc.collect()
    engine = FakeEngine()
    handle = RemovableEventHandle(Events.ITERATION_COMPLETED(once=1), wrapper, engine)
    with pytest.raises(RuntimeError, match="Internal error"):
        handle.remove()


def test_handle_holds_only_weak_references():
    engine = FakeEngine()

    def handler(engine=None):
        pass

    engine.add(Events.STARTED, handler)
    handle = RemovableEventHandle(Events.STARTED, handler, engine)
    assert handle.handler() is handler and handle.engine() is engine
    engine_ref = weakref.ref(engine)
    del engine
    gc.collect()
    assert engine_ref() is None and handle.engine() is None
    handle.remove()  # no-op: the engine is gone

    other = FakeEngine()
    handle = RemovableEventHandle(Events.STARTED, lambda: None, other)
    gc.collect()
    assert handle.handler() is None
    handle.remove()  # no-op: the handler is gone
    assert other.calls == []


@pytest.mark.parametrize("use_list", [False, True])
def test_handle_calls_the_engine_like_ignites_handle(use_list):
    # The same fake engine driven by Ignite's handle and by ours: same calls, same end state.
    results = []
    for mod in (br, ig):
        engine = FakeEngine()
        if use_list:
            event = mod.Events.STARTED | mod.Events.ITERATION_STARTED(every=2) | mod.Events.COMPLETED
            registered = [engine.add(e, handler_a) for e in event][0]
            registered = handler_a  # Engine.add_event_handler returns the user handler for a list
        else:
            event = mod.Events.ITERATION_STARTED(once=[1, 2])
            registered = engine.add(event, handler_a)
        engine.add(mod.Events.ITERATION_STARTED, handler_b)
        with mod.RemovableEventHandle(event, registered, engine):
            pass
        calls = [(kind, e.name) for kind, e in engine.calls]
        left = {k.name: [h.__name__ for h in v] for k, v in engine.handlers.items()}
        results.append((calls, left))
    assert results[0] == results[1]
    assert results[0][1]["ITERATION_STARTED"] == ["handler_b"]

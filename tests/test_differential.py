"""Differential tests: every scenario of ``scenarios.py`` must give bridge's Engine the
same event trace and final states as Ignite 0.5.5's Engine.

``test_scenario_is_meaningful_on_ignite`` validates the harness on Ignite alone (each
scenario is deterministic and reaches what it is about); ``test_bridge_matches_ignite``
is the actual comparison, skipped while ``bridge.engine.Engine`` cannot be imported.
"""

from __future__ import annotations

import functools

import pytest
from scenarios import (
    EVENT_NAMES,
    SCENARIOS,
    Framework,
    Recorder,
    bridge_framework,
    execute,
    first_difference,
    ignite_framework,
    is_subsequence,
    runner_framework,
)

IGNITE = ignite_framework()
OTHER_RUNNERS = {name: runner_framework(name) for name in ("plain", "fabric")}
NAMES = sorted(SCENARIOS)


@functools.cache
def _bridge() -> Framework | None:
    try:
        return bridge_framework()
    except ImportError:
        return None


@functools.cache
def result(name: str, framework: str) -> Recorder:
    """The (cached) execution of scenario ``name`` on ``"ignite"`` or ``"bridge"``."""
    fw = {"ignite": IGNITE, "bridge": _bridge(), **OTHER_RUNNERS}[framework]
    assert fw is not None
    return execute(SCENARIOS[name], fw)


@pytest.fixture
def bridge() -> Framework:
    """bridge's classes; skips the comparison while bridge's Engine does not exist."""
    fw = _bridge()
    if fw is None:
        pytest.skip("bridge.engine.Engine is not importable yet")
    return fw


@pytest.mark.parametrize("name", NAMES)
def test_scenario_is_meaningful_on_ignite(name: str) -> None:
    """On Ignite the scenario is deterministic, does not crash and shows what it is about."""
    first, second = result(name, "ignite").trace, execute(SCENARIOS[name], IGNITE).trace
    assert first == second, first_difference(first, second, ("run 1", "run 2"))
    labels = [entry[1] for entry in first]
    assert "crashed" not in labels, first[-1]
    assert is_subsequence(SCENARIOS[name].expect, labels), (SCENARIOS[name].expect, labels)
    assert result(name, "ignite").foreign_warnings == []


def test_matrix_fires_every_builtin_event() -> None:
    """Across the matrix, Ignite fires each of the 13 built-in events somewhere."""
    fired = {entry[1] for name in NAMES for entry in result(name, "ignite").trace}
    assert set(EVENT_NAMES) <= fired, set(EVENT_NAMES) - fired


# Bad input that Ignite accepts silently and bridge refuses up front (docs/engine.md):
# scenario -> the error bridge raises where Ignite runs on.
DELIBERATE_DEVIATIONS = {
    # Ignite runs nothing at all
    "max_epochs_zero_on_fresh_engine": "Argument max_epochs is invalid",
}


@pytest.mark.parametrize("name", [n for n in NAMES if n not in DELIBERATE_DEVIATIONS])
def test_bridge_matches_ignite(name: str, bridge: Framework) -> None:
    """Same scenario, same trace and final states on bridge as on Ignite."""
    expected, actual = result(name, "ignite").trace, result(name, "bridge").trace
    assert actual == expected, first_difference(expected, actual)


@pytest.mark.parametrize("runner", sorted(OTHER_RUNNERS))
@pytest.mark.parametrize("name", NAMES)
def test_every_runner_gives_the_trainer_runs_trace(name: str, runner: str, bridge: Framework) -> None:
    """The loop driven by a runner with no Lightning at all (``PlainRunner``) or by the Fabric runner
    gives the same trace as under the ``pl.Trainer`` runner: Ignite's semantics live in the loop."""
    expected, actual = result(name, "bridge").trace, result(name, runner).trace
    assert actual == expected, first_difference(expected, actual, ("trainer runner", f"{runner} runner"))


@pytest.mark.parametrize("name", sorted(DELIBERATE_DEVIATIONS))
def test_bridge_refuses_what_ignite_runs_silently(name: str, bridge: Framework) -> None:
    """Where Ignite starts a pointless run, bridge's first run raises a clear ValueError instead."""
    ignite_first, bridge_first = result(name, "ignite").trace[0], result(name, "bridge").trace[0]
    assert ignite_first[1] == "STARTED"
    label, detail = bridge_first[1], bridge_first[4]
    assert label == "run!ValueError" and detail[1][0] == "ValueError"
    assert detail[1][1].startswith(DELIBERATE_DEVIATIONS[name])


def test_bridge_runs_are_quiet(bridge: Framework) -> None:
    """No Lightning/torch warning escapes a bridge run (Ignite's own warnings are in the traces)."""
    leaked = {w[:2]: name for name in NAMES for w in result(name, "bridge").foreign_warnings}
    assert leaked == {}, leaked


def test_bridge_steps_run_inside_lightning(bridge: Framework) -> None:
    """Every process-function call of a bridge run happens inside a running ``pl.Trainer`` fit."""
    outside = {name: rec.outside_lightning for name in NAMES if (rec := result(name, "bridge")).outside_lightning}
    assert outside == {}, outside

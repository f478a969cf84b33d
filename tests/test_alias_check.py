"""``python -m bridge.alias --check``: the static scan of the Ignite names a script uses."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bridge.alias
from bridge.alias_check import (
    DIFFERENCE,
    DIFFERENCES,
    SUPPORTED,
    UNSUPPORTED,
    Finding,
    _difference_objects,
    check_file,
    check_source,
    main,
)

REPO = Path(__file__).resolve().parents[1]
REPO_SCRIPTS = sorted(str(p) for p in (REPO / "tests" / "ignite_scripts").glob("*.py")) + [
    str(REPO / "examples" / "ignite_script.py")
]


def check(source: str) -> list[Finding]:
    return check_source(textwrap.dedent(source), "script.py")


def by_name(findings: list[Finding]) -> dict[str, Finding]:
    return {f.name: f for f in findings}


def test_the_repos_ignite_scripts_are_all_supported(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(REPO_SCRIPTS) == 0
    out = capsys.readouterr().out
    found = [f for path in REPO_SCRIPTS for f in check_file(path)]
    assert len(found) > 50 and all(f.status in (SUPPORTED, DIFFERENCE) for f in found)
    assert out.splitlines()[-1] == (
        f"{len(found)} Ignite name uses in {len(REPO_SCRIPTS)} files: "
        f"{sum(f.status == SUPPORTED for f in found)} supported, "
        f"{sum(f.status == DIFFERENCE for f in found)} supported with a documented difference, 0 unsupported"
    )
    names = {f.name for f in found}
    assert {"ignite.engine.Events.EPOCH_COMPLETED", "ignite.contrib.engines.common.setup_tb_logging"} <= names


def test_unsupported_names_with_their_lines() -> None:
    findings = check(
        """\
        import torch
        from ignite.distributed.comp_models.base import ComputationModel
        from ignite.metrics import Accuracy, NoSuchMetric
        import ignite.engine
        x = ignite.engine.Events.NOT_AN_EVENT
        import ignite.nonexistent
        """
    )
    assert [(f.line, f.col, f.name, f.status) for f in findings] == [
        (2, 49, "ignite.distributed.comp_models.base.ComputationModel", UNSUPPORTED),
        (3, 28, "ignite.metrics.Accuracy", SUPPORTED),
        (3, 38, "ignite.metrics.NoSuchMetric", UNSUPPORTED),
        (4, 8, "ignite.engine", SUPPORTED),
        (5, 5, "ignite.engine.Events.NOT_AN_EVENT", UNSUPPORTED),
        (6, 8, "ignite.nonexistent", UNSUPPORTED),
    ]
    reasons = {f.name: f.reason for f in findings}
    assert (
        reasons["ignite.distributed.comp_models.base.ComputationModel"]
        == bridge.alias.UNAVAILABLE["ignite.distributed.comp_models.base"]
    )
    assert reasons["ignite.metrics.NoSuchMetric"] == "bridge.metrics has no attribute 'NoSuchMetric'"
    assert reasons["ignite.engine.Events.NOT_AN_EVENT"].startswith("bridge.engine.Events has no attribute")
    assert reasons["ignite.nonexistent"] == "bridge has no module bridge.nonexistent"


def test_cli_exit_status_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "bad.py"
    script.write_text("from ignite.metrics import Accuracy\n\nfrom ignite.metrics import Acuracy\n")
    assert main([str(script)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"{script}:1:28: supported: ignite.metrics.Accuracy",
        f"{script}:3:28: unsupported: ignite.metrics.Acuracy - bridge.metrics has no attribute 'Acuracy'; "
        "did you mean 'Accuracy'?",
        "2 Ignite name uses in 1 file: 1 supported, 0 supported with a documented difference, 1 unsupported",
    ]


def test_documented_difference_is_reported_as_such() -> None:
    found = by_name(
        check(
            """\
            from ignite.engine.deterministic import DeterministicEngine as DE
            from ignite.handlers import ModelCheckpoint, Checkpoint
            DE.state_dict
            Checkpoint.load_objects
            """
        )
    )
    det = found["ignite.engine.deterministic.DeterministicEngine"]
    assert det.status == DIFFERENCE and det.docs == "docs/deterministic.md"
    assert det.reason == DIFFERENCES["ignite.engine.deterministic.DeterministicEngine"][0]
    # a method of a listed class, and a subclass of one, carry the class's difference
    method = found["ignite.engine.deterministic.DeterministicEngine.state_dict"]
    assert method.status == DIFFERENCE and method.reason.startswith("via DeterministicEngine: ")
    assert found["ignite.handlers.ModelCheckpoint"].reason.startswith("via Checkpoint: ")
    assert found["ignite.handlers.Checkpoint"].docs == found["ignite.handlers.Checkpoint.load_objects"].docs
    assert found["ignite.handlers.Checkpoint"].format().endswith(" (see docs/checkpoint.md)")


def test_every_documented_difference_names_a_docs_page_and_a_bridge_and_an_ignite_name() -> None:
    assert len(DIFFERENCES) >= 20
    resolved = _difference_objects()  # raises if a name has no bridge counterpart
    assert [name for _, name in resolved] == list(DIFFERENCES)
    for name, (reason, docs) in DIFFERENCES.items():
        assert reason and "\n" not in reason
        assert (REPO / docs).is_file(), f"{name}: {docs} does not exist"
    # the keys are Ignite 0.5.5's names (the test process may import the real ignite; CustomPeriodicEvent is 0.4's)
    for name in DIFFERENCES:
        if name.startswith("ignite.contrib.handlers.custom_events"):
            continue
        module, attribute = name.rsplit(".", 1)
        assert hasattr(importlib.import_module(module), attribute), name
        assert check_source(f"import {module}\n{name}\n", "s.py")[-1].status == DIFFERENCE


def test_aliases_and_rebinding() -> None:
    findings = check(
        """\
        import ignite.metrics as M
        from ignite import distributed as idist
        import ignite
        acc = M.Accuracy(); acc2 = M.Accuracy()
        idist.get_rank(), ignite.handlers.EarlyStopping, ignite.__version__
        from ignite.engine import Events as E
        E.ITERATION_COMPLETED(every=10).foo
        def f(M, metrics):
            M.whatever  # a parameter: not Ignite's
            return idist.get_world_size
        idist.NOT_THERE = 1  # the script sets it: nothing to look up but idist, reported at its import
        idist.utils.SET_HERE = 2
        M = {}
        M.items()
        """
    )
    assert [(f.line, f.name, f.status) for f in findings] == [
        (1, "ignite.metrics", SUPPORTED),
        (2, "ignite.distributed", SUPPORTED),
        (3, "ignite", SUPPORTED),
        (4, "ignite.metrics.Accuracy", SUPPORTED),  # once per line
        (5, "ignite.distributed.get_rank", SUPPORTED),
        (5, "ignite.handlers.EarlyStopping", SUPPORTED),
        (5, "ignite.__version__", SUPPORTED),
        (6, "ignite.engine.Events", SUPPORTED),
        (7, "ignite.engine.Events.ITERATION_COMPLETED", SUPPORTED),
        (10, "ignite.distributed.get_world_size", SUPPORTED),
        (12, "ignite.distributed.utils", SUPPORTED),
    ]


def test_contrib_paths_and_star_imports() -> None:
    found = by_name(
        check(
            """\
            from ignite.contrib.handlers import ProgressBar
            from ignite.contrib.metrics import *
            from ignite.contrib.handlers.custom_events import CustomPeriodicEvent
            """
        )
    )
    assert found["ignite.contrib.handlers.ProgressBar"].status == SUPPORTED
    assert found["ignite.contrib.metrics"].status == SUPPORTED
    assert found["ignite.contrib.handlers.custom_events.CustomPeriodicEvent"].status == DIFFERENCE


def test_unreadable_scripts_exit_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("from ignite.metrics import Accuracy\ndef oops(:\n")
    assert main([str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:2:" in err and "syntax error" in err
    missing = tmp_path / "missing.py"
    good = tmp_path / "good.py"
    good.write_text("import ignite.metrics\n")
    assert main([str(missing), str(good)]) == 2  # the readable one is still checked
    out, err = capsys.readouterr()
    assert f"can't read {str(missing)!r}" in err
    assert f"{good}:1:8: supported: ignite.metrics" in out and "1 file could not be checked" in out
    with pytest.raises(SyntaxError):
        check_source("import (", "s.py")


def test_through_python_m_bridge_alias_nothing_is_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "script.py"
    script.write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "import ignite.metrics as M\n"
        "M.Accuracy()\n"
        "from ignite.distributed.comp_models.base import ComputationModel\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # -X importtime lists every module the process imports, on stderr
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bridge.alias", "--check", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        f"{script}:2:8: supported: ignite.metrics",
        f"{script}:3:1: supported: ignite.metrics.Accuracy",
        f"{script}:4:49: unsupported: ignite.distributed.comp_models.base.ComputationModel - "
        f"{bridge.alias.UNAVAILABLE['ignite.distributed.comp_models.base']} (see docs/alias.md)",
        "3 Ignite name uses in 1 file: 2 supported, 0 supported with a documented difference, 1 unsupported",
    ]
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "bridge.alias_check" in imported and "bridge.metrics.accuracy" in imported
    assert not [name for name in imported if name.split(".")[0] == "ignite"]  # the real package: never
    assert not marker.exists()  # the script did not run

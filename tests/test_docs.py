"""The code examples in docs/ (subfolders too) and the README run as written.

``python`` / ``py`` blocks of one file share a namespace; a client package a block needs that is
not installed (clearml) is a recording stand-in, as in the loggers' own docstring examples.
``pycon`` blocks are doctests, each in a fresh interpreter (the alias must be installed before
anything imports ``ignite``, and this process has pytorch-ignite imported). ``sh``/``bash``/
``text`` blocks are commands and program output, checked where their programs are tested.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

ROOT = Path(__file__).parent.parent
DOCS = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
IDS = [str(p.relative_to(ROOT)) for p in DOCS]
# optional client packages the docs' examples use, standing in when they are not installed
CLIENT_STAND_INS = ("clearml", "clearml.binding", "clearml.binding.frameworks",
                    "clearml.binding.frameworks.tensorflow_bind")  # fmt: skip


@pytest.mark.parametrize("path", DOCS, ids=IDS)
def test_python_blocks_in_docs_run(path: Path, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    blocks = re.findall(r"```(?:python|py)\n(.*?)```", path.read_text(), re.S)
    monkeypatch.chdir(tmp_path)  # examples may write logs: keep them out of the repository
    monkeypatch.setenv("CI", "")  # clearml's stand-in: not its offline mode
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)  # what a block sets is undone after it
    if importlib.util.find_spec("clearml") is None:
        client = mock.MagicMock()
        client.Task.current_task.return_value = None
        for name in CLIENT_STAND_INS:
            monkeypatch.setitem(sys.modules, name, client)
    namespace: dict[str, Any] = {"__name__": f"docs_{path.stem}"}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)


@pytest.mark.parametrize("path", [p for p in DOCS if "```pycon" in p.read_text()],
                         ids=[i for p, i in zip(DOCS, IDS) if "```pycon" in p.read_text()])  # fmt: skip
def test_interpreter_sessions_in_docs_run(path: Path, tmp_path: Path) -> None:
    for n, block in enumerate(re.findall(r"```pycon\n(.*?)```", path.read_text(), re.S)):
        session = tmp_path / f"session_{n}.txt"
        session.write_text(block)
        done = subprocess.run([sys.executable, "-m", "doctest", str(session)], capture_output=True, text=True,
                              cwd=ROOT, timeout=120)  # fmt: skip
        assert done.returncode == 0, f"{path.name}, pycon block {n}:\n{done.stdout}{done.stderr}"

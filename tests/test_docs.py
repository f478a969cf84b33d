"""The Python examples in docs/ (subfolders too) and the README run as written (blocks of one file share a namespace)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
DOCS = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]


@pytest.mark.parametrize("path", DOCS, ids=[str(p.relative_to(ROOT)) for p in DOCS])
def test_python_blocks_in_docs_run(path: Path, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), re.S)
    monkeypatch.chdir(tmp_path)  # examples may write logs: keep them out of the repository
    namespace: dict[str, Any] = {"__name__": f"docs_{path.stem}"}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)

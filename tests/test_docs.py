"""The Python examples in docs/*.md run as written (blocks of one file share a namespace)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

DOCS = sorted((Path(__file__).parent.parent / "docs").glob("*.md"))


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_python_blocks_in_docs_run(path: Path, tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), re.S)
    monkeypatch.chdir(tmp_path)  # examples may write logs: keep them out of the repository
    namespace: dict[str, Any] = {"__name__": f"docs_{path.stem}"}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)

"""The generated blocks of docs/benchmarks.md: text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``.

``python -m benchmarks.run --update-docs`` rewrites the ``results`` block (the latest results and
the chart), ``python -m benchmarks.metrics --update-docs`` the ``metrics-table`` block.

Example:
    >>> replace_block("a\\n<!-- x:start -->\\nold\\n<!-- x:end -->\\nb\\n", "x", "new")
    'a\\n<!-- x:start -->\\nnew\\n<!-- x:end -->\\nb\\n'
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of block ``name``."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with block ``name``'s content replaced by ``body``; a missing block is an error naming it."""
    start, end = markers(name)
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {start} ... {end} block to update.")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def update_block(name: str, body: str, docs: Path = DOCS) -> None:
    """Rewrite block ``name`` of ``docs`` (docs/benchmarks.md by default) with ``body``."""
    try:
        docs.write_text(replace_block(docs.read_text(), name, body))
    except ValueError as e:
        raise ValueError(f"{docs}: {e}") from None

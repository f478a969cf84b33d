"""A griffe extension for the docs site (mkdocs.yml loads it): bridge's docstrings as griffe's Google parser reads them.

Two conventions of bridge's docstrings that Google style, as griffe parses it, lacks:

- ``Example:`` heads the runnable example (the doctests the suite runs); griffe knows only
  ``Examples:`` as a section and would render ``>>>`` lines as Markdown quotes, not as code.
- ``Args:`` documents parameters that share a description on one line (``output_transform, device:
  as in Metric``); griffe would take ``output_transform, device`` for one unknown parameter. Each
  gets its own entry, so the build still fails on a documented parameter that does not exist.

The docstrings' text in the source is left as it is: only what griffe parses changes.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$")
_SECTION = re.compile(r"^(\s*)(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments):\s*$")
# "    a, b, c: description" or "    a, b (int): description"
_JOINED = re.compile(r"^(\s+)(\w+(?:\s*,\s*\w+)+)(\s*\([^)]*\))?:(.*)$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def normalize(text: str) -> str:
    """``text`` with ``Example:`` read as ``Examples:`` and joined parameters split, one entry each.

    Example:
        >>> print(normalize("Args:\\n    a, b: the pair.\\n        More.\\n\\nExample:\\n    Text."))
        Args:
            a: the pair.
                More.
            b: the pair.
                More.
        <BLANKLINE>
        Examples:
            Text.
    """
    lines = text.split("\n")
    out: list[str] = []
    section_indent = None  # indentation of the Args-like header we are in, if any
    item_indent = None  # indentation of that section's items (deeper lines continue an item)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() and section_indent is not None:
            if _indent(line) <= section_indent:
                section_indent = item_indent = None
            elif item_indent is None:
                item_indent = _indent(line)
        if match := _EXAMPLE.match(line):
            out.append(f"{match.group(1)}Examples:")
            i += 1
            continue
        if match := _SECTION.match(line):
            section_indent, item_indent = len(match.group(1)), None
            out.append(line)
            i += 1
            continue
        match = _JOINED.match(line) if item_indent is not None and _indent(line) == item_indent else None
        if match is None:
            out.append(line)
            i += 1
            continue
        # the item's continuation lines are indented deeper than the item itself
        indent = len(match.group(1))
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
            end += 1
        while end > i + 1 and not lines[end - 1].strip():  # a trailing blank line stays after the last copy
            end -= 1
        for name in re.split(r"\s*,\s*", match.group(2)):
            out.append(f"{match.group(1)}{name}{match.group(3) or ''}:{match.group(4)}")
            out.extend(lines[i + 1 : end])
        i = end
    return "\n".join(out)


class BridgeDocstrings(griffe.Extension):
    """Rewrites each object's docstring with :func:`normalize` before griffe parses it."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = normalize(obj.docstring.value)

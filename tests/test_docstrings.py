"""Every docstring example in bridge runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import bridge


def _modules() -> list[str]:
    names = ["bridge"]
    for info in pkgutil.walk_packages(bridge.__path__, "bridge."):
        # `python -m bridge.alias` entry code is tested through subprocesses in test_alias.py
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"

"""The docs site: its API reference covers every public name, and ``mkdocs build --strict`` passes.

The API pages (docs/api/*.md) are ``::: module`` directives that mkdocstrings renders from the
docstrings. A public package (or a module a page documents) whose ``__all__`` gains a name that no
directive renders fails here, before the site is built; the build test then checks the rendered
HTML itself has an anchor for every one of those objects.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
import re
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

import pytest
import yaml

import bridge
import bridge.metrics

ROOT = Path(__file__).parent.parent
API_PAGES = sorted((ROOT / "docs" / "api").glob("*.md"))

# Public packages that have no API page, and why.
NOT_DOCUMENTED = {
    # Ignite's internal computation models (ignite.distributed.comp_models is not in Ignite's API docs)
    "bridge.distributed.comp_models": "internal",
}


def _resolve(path: str) -> Any:
    """The object at a dotted path: the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def _directives() -> list[tuple[str, str, Any]]:
    """(page, path, members option) for each ``::: path`` directive of the API pages."""
    found = []
    for page in API_PAGES:
        text = page.read_text()
        for match in re.finditer(r"^::: ([\w.]+)\n((?:    .*\n)*)", text, re.M):
            options = yaml.safe_load(match.group(2)) if match.group(2).strip() else None
            members = ((options or {}).get("options") or {}).get("members", True)
            found.append((page.name, match.group(1), members))
    return found


def _public_names(module: types.ModuleType) -> list[str]:
    """``__all__``; without one (``bridge.distributed``, a star import), the public non-module attributes."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [n for n, v in vars(module).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)]


def _public_modules() -> list[types.ModuleType]:
    """Every public package of bridge, and every module a directive documents."""
    names = {"bridge"}
    for info in pkgutil.walk_packages(bridge.__path__, "bridge."):
        if info.ispkg and not any(part.startswith("_") for part in info.name.split(".")):
            names.add(info.name)
    for _, path, _ in _directives():
        if isinstance(_resolve(path), types.ModuleType):
            names.add(path)
    return [importlib.import_module(n) for n in sorted(names - set(NOT_DOCUMENTED))]


def _documented() -> set[tuple[str, int]]:
    """(name, id) of the objects the directives render: the object and the members the directive shows."""
    documented: set[tuple[str, int]] = set()
    for _, path, members in _directives():
        obj = _resolve(path)
        documented.add((path.rsplit(".", 1)[-1], id(obj)))
        if members is True and isinstance(obj, types.ModuleType):
            members = _public_names(obj)
        for name in members or ():
            documented.add((name, id(getattr(obj, name))))
    return documented


def _covered(name: str, obj: Any, documented: set[tuple[str, int]]) -> bool:
    # by name and identity: a re-export (bridge.contrib.handlers.ProgressBar) is covered where it is
    # documented, while a constant (a bool, a string) is not covered by another of the same value.
    # A module in __all__ (bridge.metrics.regression, a moved contrib module) is covered by its own
    # directive or by the directives of everything it exports.
    if (name, id(obj)) in documented:
        return True
    return isinstance(obj, types.ModuleType) and all(
        _covered(n, getattr(obj, n), documented) for n in _public_names(obj)
    )


def _undocumented(documented: set[tuple[str, int]], modules: list[types.ModuleType]) -> list[str]:
    return [
        f"{module.__name__}.{name}"
        for module in modules
        for name in _public_names(module)
        if not _covered(name, getattr(module, name), documented)
    ]


def test_every_directive_resolves() -> None:
    assert _directives(), "no ::: directives in docs/api"
    for page, path, members in _directives():
        obj = _resolve(path)  # raises on a typo
        for name in members if isinstance(members, list) else ():
            assert hasattr(obj, name), f"{page}: {path} has no member {name}"


def test_every_public_name_is_in_the_api_reference() -> None:
    missing = _undocumented(_documented(), _public_modules())
    assert not missing, f"public names no page of docs/api documents: {missing}"


def test_a_new_public_package_without_a_page_fails() -> None:
    # the check above is not vacuous. A name added to a documented module's __all__ is rendered by
    # its `::: module` directive; a new package's names are reported until a page documents them
    # (or a documented package re-exports them).
    new = types.ModuleType("bridge.metrics.brand_new")
    new.__dict__.update(
        BrandNewMetric=type("BrandNewMetric", (), {}),
        Accuracy=bridge.metrics.Accuracy,
        __all__=["Accuracy", "BrandNewMetric"],
    )
    assert _undocumented(_documented(), [new]) == ["bridge.metrics.brand_new.BrandNewMetric"]


def test_griffe_extension_reads_bridge_docstrings() -> None:
    pytest.importorskip("griffe", reason="griffe comes with the docs extra: pip install -e '.[docs]'")
    spec = importlib.util.spec_from_file_location("griffe_docstrings", ROOT / "docs" / "griffe_docstrings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert doctest.testmod(module).failed == 0
    # an item whose continuation lines end the section, then a section after it
    text = "Args:\n    x, y (int): first\n        second\n    z: third\n\nReturns:\n    None."
    assert module.normalize(text) == (
        "Args:\n    x (int): first\n        second\n    y (int): first\n        second\n    z: third\n\nReturns:\n    None."
    )
    # a continuation line of an item is the item's text, even when it reads "a, b: ..."
    text = "Args:\n    x: first\n        a, b: still x's\n    y: last"
    assert module.normalize(text) == text
    # outside an Args section a comma-separated line is prose, not parameters
    assert module.normalize("Note:\n    a, b: left alone") == "Note:\n    a, b: left alone"


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    # ~10-25 s on 2 CPU cores: griffe reads the sources statically, nothing of bridge is imported
    pytest.importorskip(
        "mkdocstrings_handlers.python", reason="the docs extra is not installed: pip install -e '.[docs]'"
    )
    site = tmp_path / "site"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 120, f"the docs build took {elapsed:.0f} s"
    # the rendered reference has an anchor for every public object
    anchors: set[tuple[str, int]] = set()
    for page in (site / "api").rglob("*.html"):
        for path in re.findall(r'id="(bridge(?:\.\w+)+)"', page.read_text()):
            try:
                anchors.add((path.rsplit(".", 1)[-1], id(_resolve(path))))
            except (AttributeError, ImportError):
                continue  # an anchor of something only griffe sees (an annotation-only attribute, ...)
    missing = _undocumented(anchors, _public_modules())
    assert not missing, f"public names without an anchor in the built API reference: {missing}"

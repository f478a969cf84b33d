"""bridge.alias: ``import ignite...`` resolving to bridge, and ``python -m bridge.alias``.

Everything that installs the alias runs in a subprocess, so this test process keeps the
real ``ignite`` importable for the differential tests.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bridge
import bridge.alias

REPO = Path(__file__).resolve().parents[1]
_IGNITE_SPEC = importlib.util.find_spec("ignite")  # does not import it
assert _IGNITE_SPEC is not None and _IGNITE_SPEC.submodule_search_locations, "pytorch-ignite is not installed"
IGNITE_DIR = Path(_IGNITE_SPEC.submodule_search_locations[0])


def public_ignite_modules() -> list[str]:
    """Every public module path of the installed Ignite (no ``_private`` parts)."""
    names = []
    for path in sorted(IGNITE_DIR.rglob("*.py")):
        parts = path.relative_to(IGNITE_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts):
            continue
        names.append(".".join(("ignite",) + parts))
    return names


ALL_MODULES = public_ignite_modules()
# bridge has no module for these: the alias explains why (bridge.alias.UNAVAILABLE)
UNAVAILABLE_MODULES = [m for m in ALL_MODULES if bridge.alias.unavailable(m) is not None]
ENGINE_MODULES = [
    m for m in ALL_MODULES if (m == "ignite.engine" or m.startswith("ignite.engine.")) and m not in UNAVAILABLE_MODULES
]
# Everything but the top level (a thin module of its own) and the Engine's package (tested apart).
OWN_MODULES = [m for m in ALL_MODULES if m not in ENGINE_MODULES and m not in UNAVAILABLE_MODULES and m != "ignite"]


def start_python(*args: str, code: str | None = None, cwd: Path = REPO) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONWARNINGS="ignore::DeprecationWarning")
    cmd = [sys.executable, *(("-c", textwrap.dedent(code)) if code is not None else ()), *args]
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> subprocess.CompletedProcess:
    stdout, stderr = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def run_python(*args: str, code: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return finish(start_python(*args, code=code, cwd=cwd))


def run_ok(code: str, *args: str) -> str:
    proc = run_python(*args, code=code)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_module_tree_mirrors_ignite() -> None:
    assert len(OWN_MODULES) > 30 and "ignite.handlers.checkpoint" in OWN_MODULES
    for name in OWN_MODULES:
        path = REPO.joinpath("bridge", *name.split(".")[1:])
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), f"bridge has no {name}"
    for name in UNAVAILABLE_MODULES:  # no module that only pretends to be there
        path = REPO.joinpath("bridge", *name.split(".")[1:])
        assert not path.with_suffix(".py").exists() and not path.exists(), f"{name} is catalogued but exists"


def test_catalogue_names_only_real_ignite_modules() -> None:
    for name in bridge.alias.UNAVAILABLE:
        assert name in ALL_MODULES, name


def test_no_bridge_module_is_only_a_docstring() -> None:
    import ast

    empty = []
    for path in sorted((REPO / "bridge").rglob("*.py")):
        body = ast.parse(path.read_text()).body
        only_docstring = all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) for n in body)
        if only_docstring and path.name != "__init__.py":
            empty.append(str(path.relative_to(REPO)))
    assert empty == []


def test_an_unavailable_module_explains_itself_under_the_alias() -> None:
    out = run_ok(
        """
        import json, sys
        import bridge.alias
        bridge.alias.install()
        for name in json.loads(sys.argv[1]):
            try:
                __import__(name)
            except ModuleNotFoundError as e:
                print(name, "|", e.name, "|", e)
            else:
                print(name, "imported")
        """,
        json.dumps(sorted(bridge.alias.UNAVAILABLE)),
    )
    lines = dict(line.split(" | ", 1) for line in out.strip().splitlines())
    assert sorted(lines) == sorted(bridge.alias.UNAVAILABLE)
    for name, reason in bridge.alias.UNAVAILABLE.items():
        assert lines[name] == f"{name} | No module named '{name}' in bridge: {reason}.", name
    assert "bridge will not provide it" in lines["ignite.distributed.comp_models.base"]


def test_alias_resolves_every_public_module_to_the_bridge_module() -> None:
    out = run_ok(
        """
        import json, sys
        import bridge, bridge.alias
        assert "torch" not in sys.modules  # `import bridge` and the alias stay cheap
        own_version = bridge.__version__
        bridge.alias.install()
        bridge.alias.install()  # idempotent
        assert sum(f is bridge.alias._FINDER for f in sys.meta_path) == 1

        import ignite
        assert ignite.__version__ == bridge.__ignite_version__ == "0.5.5", ignite.__version__
        assert bridge.__version__ == own_version  # bridge keeps its own version
        assert ignite.__path__ == [] and ignite.__package__ == "ignite" and ignite.__name__ == "ignite"
        bridge.forwarded_attribute = "from bridge"
        assert ignite.forwarded_attribute == "from bridge"  # other attributes are bridge's

        modules = json.loads(sys.argv[1])
        for name in modules:
            __import__(name)
            assert sys.modules[name] is sys.modules["bridge" + name[len("ignite"):]], name
            assert sys.modules[name].__name__ == "bridge" + name[len("ignite"):], name  # untouched

        import ignite.distributed as idist, bridge.distributed
        assert idist is bridge.distributed and idist.get_world_size() == 1
        from ignite.utils import convert_tensor, to_onehot
        import bridge.utils
        assert convert_tensor is bridge.utils.convert_tensor
        from ignite.exceptions import NotComputableError
        import bridge.exceptions
        assert NotComputableError is bridge.exceptions.NotComputableError
        from ignite.distributed.comp_models import native
        assert native is bridge.distributed.comp_models.native

        # Ignite's __init__ imports its subpackages: attribute access works without an import.
        assert ignite.metrics is sys.modules["bridge.metrics"]
        assert ignite.contrib.handlers is sys.modules["bridge.contrib.handlers"]
        try:
            import ignite.no_such_module
        except ModuleNotFoundError as e:
            assert e.name == "ignite.no_such_module" and "bridge.no_such_module" in str(e), e
        else:
            raise AssertionError("imported a module that does not exist")
        try:
            ignite.no_such_attribute
        except AttributeError as e:
            assert "no attribute 'no_such_attribute'" in str(e)
        else:
            raise AssertionError("found an attribute that does not exist")

        # No bridge module imports the real ignite, nor Lightning at import time.
        real = [m for m, mod in sys.modules.items() if m.split(".")[0] == "ignite" and not bridge.alias._is_ours(mod)]
        assert not real, real
        heavy = [m for m in sys.modules if m.split(".")[0] in ("pytorch_lightning", "lightning", "torchmetrics")]
        assert not heavy, heavy

        bridge.alias.uninstall()
        assert not bridge.alias.is_installed()
        assert not any(m.split(".")[0] == "ignite" for m in sys.modules)
        import warnings
        warnings.simplefilter("ignore")
        import ignite  # now the real package
        assert "site-packages" in ignite.__file__, ignite.__file__
        try:
            bridge.alias.install()
        except RuntimeError as e:
            print(e)
        """,
        json.dumps(OWN_MODULES),
    )
    assert "the real 'ignite' package is already imported" in out
    assert "python -m bridge.alias SCRIPT" in out


def test_alias_resolves_the_engine_modules() -> None:
    """Depends on bridge.engine (written in parallel): every ignite.engine.* path and the classes."""
    out = run_ok(
        """
        import json, sys
        import bridge.alias
        bridge.alias.install()
        from ignite.engine import Engine, Events
        import bridge.engine
        assert Engine is bridge.engine.Engine and Events is bridge.engine.Events
        missing = []
        for name in json.loads(sys.argv[1]):
            try:
                __import__(name)
            except ImportError as e:
                missing.append(f"{name}: {e}")
        print("\\n".join(missing))
        """,
        json.dumps(ENGINE_MODULES),
    )
    assert out.strip() == "", f"ignite.engine modules without a bridge counterpart:\n{out}"


# ------------------------------------------------------------------------- python -m bridge.alias


@pytest.fixture
def script_dir(tmp_path: Path) -> Path:
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    (tmp_path / "show.py").write_text(
        textwrap.dedent(
            """
            import json, sys
            import helper  # found because the script's directory is first on sys.path
            import ignite, ignite.exceptions
            print(json.dumps({
                "name": __name__, "argv": sys.argv, "path0": sys.path[0], "helper": helper.VALUE,
                "version": ignite.__version__, "exceptions": ignite.exceptions.__name__,
            }))
            """
        )
    )
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    (tmp_path / "raises.py").write_text("raise ValueError('boom from the script')\n")
    return tmp_path


def test_cli_runs_a_script_like_python_does(script_dir: Path) -> None:
    proc = run_python("-m", "bridge.alias", str(script_dir / "show.py"), "--lr", "0.1", "pos")
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen == {
        "name": "__main__",
        "argv": [str(script_dir / "show.py"), "--lr", "0.1", "pos"],
        "path0": str(script_dir),
        "helper": 42,
        "version": "0.5.5",
        "exceptions": "bridge.exceptions",
    }


def test_cli_relative_script_path(script_dir: Path) -> None:
    proc = run_python("-m", "bridge.alias", "show.py", cwd=script_dir)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout)
    assert seen["argv"] == ["show.py"] and seen["path0"] == str(script_dir)


def test_cli_passes_exit_status_and_errors_through(script_dir: Path) -> None:
    exits = run_python("-m", "bridge.alias", str(script_dir / "exits.py"))
    assert exits.returncode == 3
    raises = run_python("-m", "bridge.alias", str(script_dir / "raises.py"))
    assert raises.returncode == 1 and "ValueError: boom from the script" in raises.stderr


def test_cli_usage_errors(tmp_path: Path) -> None:
    no_args = run_python("-m", "bridge.alias")
    assert no_args.returncode == 2 and "usage: python -m bridge.alias SCRIPT" in no_args.stderr
    missing = run_python("-m", "bridge.alias", str(tmp_path / "missing.py"))
    assert missing.returncode == 2 and "can't open file" in missing.stderr and "missing.py" in missing.stderr
    helped = run_python("-m", "bridge.alias", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage:")


def test_alias_functions_in_process_without_installing() -> None:
    assert not bridge.alias.is_installed()
    bridge.alias.uninstall()  # no-op when not installed
    assert not bridge.alias.is_installed()


# ------------------------------------------------------------------------- the example, both ways


def test_example_script_prints_the_same_on_ignite_and_on_bridge(tmp_path: Path) -> None:
    """Depends on bridge.engine.Engine (written in parallel)."""
    script = str(REPO / "examples" / "ignite_script.py")
    # Concurrently, and outside the repository in case a run writes files.
    ignite_proc = start_python(script, cwd=tmp_path)
    bridge_proc = start_python("-m", "bridge.alias", script, cwd=tmp_path)
    on_ignite, on_bridge = finish(ignite_proc), finish(bridge_proc)
    assert on_ignite.returncode == 0, on_ignite.stderr
    assert on_bridge.returncode == 0, on_bridge.stderr
    lines = on_ignite.stdout.splitlines()
    assert len(lines) == 9 and lines[-1].startswith("epoch 3: mean loss")
    assert on_bridge.stdout.splitlines() == lines


def test_docstring_examples_run() -> None:
    import doctest

    assert doctest.testmod(bridge.alias).failed == 0
    assert not bridge.alias.is_installed()

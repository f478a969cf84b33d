"""Ignite's moved contrib modules: each bridge shim warns on a fresh import as pytorch-ignite's does
(same words, bridge's paths, the importer named) and gives the new module's objects; the packages
bridge.contrib.handlers / bridge.contrib.metrics and bridge._utils offer Ignite's names."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path
from types import ModuleType

import pytest

with warnings.catch_warnings():  # ignite.handlers imports torch.distributed.optim, which warns about torch.jit
    warnings.simplefilter("ignore", DeprecationWarning)
    import ignite
    import ignite._utils
    import ignite.contrib.handlers
    import ignite.contrib.metrics

import bridge._utils
import bridge.contrib.handlers
import bridge.contrib.metrics
import bridge.handlers.utils
import bridge.metrics
import bridge.utils

IGNITE_ROOT = Path(ignite.__file__).parent

# Ignite's moved modules that bridge has: old module -> new module
SHIMS = {
    **{
        f"contrib.handlers.{name}": f"handlers.{name}"
        for name in ("base_logger", "clearml_logger", "lr_finder", "mlflow_logger", "neptune_logger", "param_scheduler",
                     "polyaxon_logger", "tensorboard_logger", "time_profilers", "tqdm_logger", "visdom_logger",
                     "wandb_logger")  # fmt: skip
    },
    "contrib.metrics.roc_auc": "metrics.roc_auc",
    **{f"contrib.metrics.{name}": f"metrics.{name}" for name in ("average_precision", "cohen_kappa", "gpu_info",
                                                                  "precision_recall_curve")},  # fmt: skip
    **{
        f"contrib.metrics.regression.{path.stem}": f"metrics.regression.{path.stem}"
        for path in (IGNITE_ROOT / "contrib" / "metrics" / "regression").glob("[!_]*.py")
    },
}
# names a shim offers besides its __all__, in both libraries
EXTRA = {"global_step_from_engine", "_INTEGRATION_VERSION_KEY", "_DummyExecutor"}


def _import_fresh(monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[ModuleType, list[warnings.WarningMessage]]:
    monkeypatch.delitem(sys.modules, name, raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        __import__(name)  # a builtin: the warning's importer is this file, as for a script's `import`
    return sys.modules[name], [w for w in caught if issubclass(w.category, DeprecationWarning)]


@pytest.mark.parametrize("old,new", sorted(SHIMS.items()))
def test_shim_warns_on_a_fresh_import_as_ignite(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    theirs, their_warnings = _import_fresh(monkeypatch, f"ignite.{old}")
    ours, our_warnings = _import_fresh(monkeypatch, f"bridge.{old}")
    assert [w.filename for w in our_warnings] == [w.filename for w in their_warnings] == [__file__]
    expected = str(their_warnings[0].message).replace(str(theirs.__file__), str(ours.__file__))
    assert str(our_warnings[0].message) == expected.replace("ignite/", "bridge/")
    assert str(our_warnings[0].message).startswith(f"{ours.__file__} has been moved to ")
    assert new.replace(".", "/") + ".py and will be removed in version 0.6.0.\n" in str(our_warnings[0].message)
    # a module runs once: the next import does not warn, in Ignite either
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.import_module(f"bridge.{old}")


def test_the_warning_names_the_importer_under_pytest_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    # pyproject turns DeprecationWarnings raised *from bridge modules* into errors: a shim's is the importer's
    monkeypatch.delitem(sys.modules, "bridge.contrib.handlers.tqdm_logger", raising=False)
    with pytest.warns(DeprecationWarning, match="tqdm_logger.py has been moved to /bridge/handlers/tqdm_logger.py") as record:
        import bridge.contrib.handlers.tqdm_logger  # noqa: F401
    assert record[0].filename == __file__


@pytest.mark.parametrize("old,new", sorted(SHIMS.items()))
def test_shim_offers_the_new_module_objects_as_ignite(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    theirs, _ = _import_fresh(monkeypatch, f"ignite.{old}")
    ours, _ = _import_fresh(monkeypatch, f"bridge.{old}")
    assert ours.__all__ == theirs.__all__
    offered = [name for name in [*theirs.__all__, *EXTRA] if hasattr(theirs, name)]
    new_module = importlib.import_module(f"bridge.{new}")
    for name in offered:
        expected = getattr(new_module, name) if hasattr(new_module, name) else getattr(bridge.handlers.utils, name)
        assert getattr(ours, name) is expected, name


def test_custom_events_is_bridge_own_and_does_not_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    _, caught = _import_fresh(monkeypatch, "bridge.contrib.handlers.custom_events")
    assert caught == []
    assert not (IGNITE_ROOT / "contrib" / "handlers" / "custom_events.py").exists()  # gone from Ignite 0.5


def _names_imported_by(path: Path) -> dict[str, str]:
    """``name -> module it comes from`` for every name an ``__init__.py`` imports."""
    names = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = node.module or ""
    return names


def _import_package_fresh(monkeypatch: pytest.MonkeyPatch, name: str) -> ModuleType:
    """``name`` imported again, so that no shim an earlier test imported has replaced its attribute of that name.

    Its shims are forgotten too (custom_events stays: a second CustomPeriodicEvent class would confuse other
    tests); all is put back after the test.
    """
    parent, _, child = name.rpartition(".")
    monkeypatch.setattr(sys.modules[parent], child, sys.modules[name])
    for loaded in list(sys.modules):
        if (loaded == name or loaded.startswith(name + ".")) and not loaded.endswith(".custom_events"):
            monkeypatch.delitem(sys.modules, loaded)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the package itself imports no moved module
        return importlib.import_module(name)


def test_contrib_handlers_package_offers_ignite_names_without_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    ignite_names = _names_imported_by(IGNITE_ROOT / "contrib" / "handlers" / "__init__.py")
    package = _import_package_fresh(monkeypatch, "bridge.contrib.handlers")
    public = {name for name in vars(package) if not name.startswith("_")} - {"custom_events"}
    assert public == {*ignite_names, "CustomPeriodicEvent"}
    assert set(package.__all__) == {*ignite_names, "CustomPeriodicEvent"}
    for name, module in ignite_names.items():
        full = f"bridge.handlers.{name}"
        if module == "ignite.handlers" and importlib.util.find_spec(full) is not None:
            assert getattr(package, name) is importlib.import_module(full), name  # a submodule, the new one
        else:
            source = importlib.import_module(module.replace("ignite", "bridge", 1))
            assert getattr(package, name) is getattr(source, name), name


def test_contrib_metrics_package_offers_ignites_names(monkeypatch: pytest.MonkeyPatch) -> None:
    ignite_names = set(_names_imported_by(IGNITE_ROOT / "contrib" / "metrics" / "__init__.py"))
    ignite_names.add("regression")  # its subpackage ignite.contrib.metrics.regression
    package = _import_package_fresh(monkeypatch, "bridge.contrib.metrics")
    assert package.ROC_AUC is bridge.metrics.ROC_AUC and package.GpuInfo is bridge.metrics.GpuInfo
    assert package.roc_auc is importlib.import_module("bridge.metrics.roc_auc")  # the new module, as in Ignite
    assert package.regression.R2Score is bridge.metrics.regression.R2Score
    assert ignite_names == set(package.__all__)
    for name in ("AveragePrecision", "CohenKappa", "PrecisionRecallCurve", "RocCurve"):
        assert getattr(package, name) is getattr(bridge.metrics, name)
    assert not hasattr(package, "no_such_name")  # any other name: a plain AttributeError


def test_private_utils_are_ignite_compatibility_names() -> None:
    assert bridge._utils.__all__ == ignite._utils.__all__
    for name in ignite._utils.__all__:
        assert getattr(bridge._utils, name) is getattr(bridge.utils, name)


def test_through_the_alias_the_warning_names_the_script() -> None:
    # `import ignite.contrib...` in a script goes through bridge.alias and importlib: the warning skips them,
    # so Python's default filter shows it for __main__, as it shows Ignite's
    script = "import bridge.alias; bridge.alias.install(); import ignite.contrib.handlers.tqdm_logger"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONWARNINGS",)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "<string>:1: DeprecationWarning: " in result.stderr
    assert "tqdm_logger.py has been moved to /bridge/handlers/tqdm_logger.py" in result.stderr

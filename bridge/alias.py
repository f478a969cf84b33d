"""The ``ignite`` -> ``bridge`` import alias: run unmodified Ignite code on bridge.

After :func:`install`, ``import ignite.X`` gives the module object ``bridge.X`` itself,
so ``ignite.engine.Engine is bridge.engine.Engine``. The top-level ``ignite`` is a thin
module that forwards attribute access to ``bridge`` but reports the Ignite API version
bridge implements: ``ignite.__version__ == bridge.__ignite_version__`` (client code checks
it), while ``bridge.__version__`` stays bridge's own.

From the command line, ``python -m bridge.alias SCRIPT [ARGS...]`` runs an Ignite script
on bridge, as ``python SCRIPT [ARGS...]`` would run it on Ignite;
``python -m bridge.alias --check SCRIPT...`` lists the Ignite names scripts use and whether
bridge supports them, without running them (:mod:`bridge.alias_check`).

Example:
    >>> import bridge.alias
    >>> bridge.alias.install()  # doctest: +SKIP
    >>> import ignite.distributed as idist  # doctest: +SKIP
    >>> import bridge.distributed
    >>> idist is bridge.distributed  # doctest: +SKIP
    True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import types
from collections.abc import Sequence
from typing import Any

import bridge

__all__ = ["UNAVAILABLE", "install", "is_installed", "main", "uninstall", "unavailable"]

ALIAS = "ignite"
TARGET = "bridge"

USAGE = """\
usage: python -m bridge.alias SCRIPT [ARGS...]
       python -m bridge.alias --check SCRIPT [SCRIPT...]

Run the Ignite script SCRIPT with ARGS, with `import ignite...` resolved to bridge.
With --check, run nothing: list the Ignite names each SCRIPT uses and whether bridge
supports them (exit status 1 if one is unsupported; docs/alias.md)."""


#: Ignite 0.5.5 modules that bridge does not have (a name covers its submodules), and why.
#: Importing one through the alias raises ImportError with the reason and what to use instead.
#: Every other Ignite 0.5.5 module has its bridge counterpart.
UNAVAILABLE: dict[str, str] = {
    "ignite.distributed.comp_models.base": (
        "bridge will not provide it: bridge has one distributed backend, torch.distributed under Lightning's "
        "strategies, so there is no pluggable ComputationModel. Use the bridge.distributed (idist) functions, "
        "and Lightning's strategies through Engine(trainer_kwargs={'strategy': ...})"
    ),
}


def unavailable(name: str) -> str | None:
    """Why bridge has no counterpart of the Ignite module ``name`` (None if it has one).

    Example:
        >>> unavailable("ignite.distributed.comp_models.base").split(":")[0]
        'bridge will not provide it'
        >>> unavailable("ignite.handlers.checkpoint") is None
        True
    """
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        reason = UNAVAILABLE.get(".".join(parts[:end]))
        if reason is not None:
            return reason
    return None


def _target_name(alias_name: str) -> str:
    return TARGET + alias_name[len(ALIAS):]


def _is_alias_name(name: str) -> bool:
    return name == ALIAS or name.startswith(ALIAS + ".")


class _IgniteModule(types.ModuleType):
    """The top-level ``ignite`` under the alias: ``bridge``'s namespace with Ignite's version.

    Attributes not set on it are read from ``bridge``; a submodule name (``ignite.metrics``)
    is imported on first access, as Ignite's ``__init__`` imports its subpackages eagerly.
    """

    def __init__(self) -> None:
        super().__init__(ALIAS, bridge.__doc__)
        self.__version__ = bridge.__ignite_version__

    def __getattr__(self, name: str) -> Any:  # called only for attributes not found on the module
        # Module dunders (__path__, __file__, __loader__, __package__, ...) are this module's
        # own business: the import system probes them and must not see bridge's.
        if not name.startswith("__"):
            try:
                return getattr(bridge, name)
            except AttributeError:
                pass
        if not name.startswith("_") and importlib.util.find_spec(f"{TARGET}.{name}") is not None:
            return importlib.import_module(f"{ALIAS}.{name}")
        raise AttributeError(f"module '{ALIAS}' (alias of '{TARGET}') has no attribute '{name}'")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(dir(bridge)))


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``sys.meta_path`` finder + loader that resolves ``ignite[.X]`` to ``bridge[.X]``."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not _is_alias_name(fullname):
            return None
        if fullname == ALIAS:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        reason = unavailable(fullname)
        if reason is not None:
            raise ModuleNotFoundError(f"No module named '{fullname}' in bridge: {reason}.", name=fullname)
        real = _target_name(fullname)
        real_spec = importlib.util.find_spec(real)
        if real_spec is None:
            # Raised here rather than returning None: no other finder may load an 'ignite.*' name.
            raise ModuleNotFoundError(
                f"No module named '{fullname}' (the bridge alias maps it to '{real}', which does not exist)",
                name=fullname,
            )
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=real_spec.submodule_search_locations is not None
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        # Submodules: None gives a throwaway module; exec_module swaps the bridge module in.
        return _IgniteModule() if spec.name == ALIAS else None

    def exec_module(self, module: types.ModuleType) -> None:
        name = module.__name__
        if name == ALIAS:
            return
        # The import system returns whatever sys.modules[name] holds once this returns, so
        # 'ignite.X' is the bridge module object itself and bridge's own attributes
        # (__name__, __spec__, ...) stay untouched.
        sys.modules[name] = importlib.import_module(_target_name(name))


_FINDER = _AliasFinder()


def _is_ours(module: Any) -> bool:
    return isinstance(module, _IgniteModule) or getattr(module, "__name__", "").split(".")[0] == TARGET


def install() -> None:
    """Make ``import ignite...`` resolve to the bridge modules (idempotent).

    Raises ``RuntimeError`` if the real ``ignite`` package was already imported in this
    process: its modules and classes would then coexist with bridge's.

    Example:
        >>> install()  # doctest: +SKIP
        >>> import ignite  # doctest: +SKIP
        >>> ignite.__version__  # doctest: +SKIP
        '0.5.5'
    """
    real = sorted(name for name, m in list(sys.modules.items()) if _is_alias_name(name) and not _is_ours(m))
    if real:
        where = getattr(sys.modules[real[0]], "__file__", None) or "unknown location"
        raise RuntimeError(
            f"bridge.alias.install(): the real 'ignite' package is already imported ({real[0]} from {where}). "
            "Install the alias before anything imports ignite, or run the script with "
            "'python -m bridge.alias SCRIPT'."
        )
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)  # first: no other finder may see an 'ignite.*' name


def uninstall() -> None:
    """Remove the alias and forget the ``ignite`` modules it created (meant for tests).

    Objects already obtained through the alias keep working: they are bridge's.

    Example:
        >>> uninstall()
        >>> is_installed()
        False
    """
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name, module in list(sys.modules.items()):
        if _is_alias_name(name) and _is_ours(module):
            del sys.modules[name]


def is_installed() -> bool:
    """Whether :func:`install` is in effect.

    Example:
        >>> is_installed()
        False
    """
    return _FINDER in sys.meta_path


def _alias_child_processes() -> None:
    # Processes the script starts (Lightning's DDP launcher, idist.Parallel, torch.multiprocessing)
    # are new interpreters: bridge/_alias_site/sitecustomize.py installs the alias in each.
    site_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_alias_site")
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != site_dir]
    os.environ["PYTHONPATH"] = os.pathsep.join([site_dir, *paths])
    os.environ["BRIDGE_ALIAS"] = "1"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bridge.alias SCRIPT [ARGS...]``: run SCRIPT as ``__main__`` on bridge.

    Like ``python SCRIPT ARGS``: ``sys.argv`` is ``[SCRIPT, *ARGS]`` and the script's
    directory comes first on ``sys.path``. Returns the exit status (2 for usage errors);
    the script's own exceptions and ``SystemExit`` propagate.

    Example:
        >>> main([])  # doctest: +SKIP
        usage: python -m bridge.alias SCRIPT [ARGS...]
        2
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(USAGE, file=sys.stderr)
        return 2
    if args[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if args[0] == "--check":  # a static scan: the scripts are neither run nor imported
        from bridge.alias_check import main as check

        return check(args[1:])
    script = args[0]
    if not os.path.isfile(script):
        print(f"python -m bridge.alias: can't open file {os.path.abspath(script)!r}: no such file", file=sys.stderr)
        return 2

    install()
    _alias_child_processes()
    sys.argv = [script, *args[1:]]
    if not sys.flags.safe_path:  # with -P / PYTHONSAFEPATH python prepends neither directory
        # `python -m` put the working directory first; `python SCRIPT` puts the script's directory.
        sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    # Run the canonical module's main so that its finder is the one install() manages,
    # not a second copy living in this `__main__` module.
    from bridge.alias import main as _main

    sys.exit(_main())

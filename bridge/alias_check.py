"""``python -m bridge.alias --check SCRIPT...``: which Ignite names a script uses, and whether bridge has them.

One file past 400 lines: one scanner, its ast walk, the resolution on bridge and the table of
documented differences it reports from, which change together.

A static scan: the script is parsed with :mod:`ast`, never executed or imported. Every Ignite
name it imports (``import ignite.x``, ``import ignite.x as z``, ``from ignite.x import Y [as W]``)
and every attribute chain it reads from one of those names later (``z.Y``, ``W.A.B``,
``ignite.x.Y``) is resolved on bridge, as the alias would resolve it (``ignite.`` -> ``bridge.``:
the module must import and the attribute path must exist), and marked:

- **supported**;
- **supported with a documented difference**: the name (or a class it belongs to or derives
  from) is in :data:`DIFFERENCES`, which says in one line what differs and on which docs page;
- **unsupported**: ``bridge.alias.UNAVAILABLE`` names it (with its reason), or bridge has no
  such module or attribute.

Imports report the imported name; later uses report only attribute chains (a bare use of an
imported name is the name its import already reported). A name rebound by the script (an
assignment, a parameter, a non-Ignite import) stops being followed in that scope.

Example:
    >>> source = "from ignite.engine import Events\\nEvents.ITERATION_COMPLETED(every=10)\\nEvents.NOPE\\n"
    >>> for finding in check_source(source, "s.py"):
    ...     print(finding.format())
    s.py:1:27: supported: ignite.engine.Events
    s.py:2:1: supported: ignite.engine.Events.ITERATION_COMPLETED
    s.py:3:1: unsupported: ignite.engine.Events.NOPE - bridge.engine.Events has no attribute 'NOPE'
"""

from __future__ import annotations

import ast
import difflib
import importlib
import sys
import types
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

import bridge
from bridge.alias import ALIAS, TARGET, unavailable

__all__ = ["DIFFERENCES", "DIFFERENCE", "SUPPORTED", "UNSUPPORTED", "Finding", "check_file", "check_source", "main"]

SUPPORTED = "supported"
DIFFERENCE = "supported with a documented difference"
UNSUPPORTED = "unsupported"

USAGE = """\
usage: python -m bridge.alias --check SCRIPT [SCRIPT...]

Statically list the Ignite names each SCRIPT uses (the script is not run) and whether
bridge supports them. Exit status: 0 all supported, 1 something unsupported, 2 a file
that cannot be read or parsed."""

#: Deliberate differences from Ignite 0.5.5, by Ignite name: (what differs, the docs page).
#: A name matches its entry, the entry of a class it derives from, or that of the class it is
#: an attribute of (``Checkpoint.load_objects`` -> ``Checkpoint``). Input that bridge refuses where
#: Ignite silently runs nothing (``Engine.run(max_epochs=0)``, docs/engine.md) is not listed: every
#: script uses ``Engine``, and a marked line on each would hide the differences a valid script meets.
DIFFERENCES: dict[str, tuple[str, str]] = {
    "ignite.engine.deterministic.DeterministicEngine": (
        "a resumed run replays the uninterrupted one, mid-epoch too (Ignite 0.5.5's does not)",
        "docs/deterministic.md",
    ),
    "ignite.handlers.checkpoint.Checkpoint": (
        "a non-callable score_function is refused at construction (Ignite: at the first save); "
        "the new file is saved before the evicted one is deleted",
        "docs/checkpoint.md",
    ),
    "ignite.handlers.clearml_logger.ClearMLSaver": (
        "uploads the new checkpoint before the evicted one is deleted: up to n_saved + 1 models",
        "docs/loggers.md",
    ),
    "ignite.handlers.neptune_logger.NeptuneSaver": (
        "uploads the new checkpoint before the evicted one is deleted",
        "docs/loggers.md",
    ),
    **{
        f"ignite.handlers.{module}.{name}": (
            "its client (writer, run) is made on first use and only rank 0 writes (Ignite: in the constructor, "
            "on every rank)",
            "docs/loggers.md",
        )
        for module, name in (
            ("tensorboard_logger", "TensorboardLogger"),
            ("mlflow_logger", "MLflowLogger"),
            ("wandb_logger", "WandBLogger"),
            ("neptune_logger", "NeptuneLogger"),
            ("polyaxon_logger", "PolyaxonLogger"),
        )
    },
    **{
        f"ignite.handlers.{module}.{name}": ("only rank 0 writes (Ignite: every rank)", "docs/loggers.md")
        for module, name in (("clearml_logger", "ClearMLLogger"), ("visdom_logger", "VisdomLogger"))
    },
    "ignite.handlers.ema_handler.EMAHandler": (
        "attached under another name, it warms up that attribute; the EMA model follows the online model's device",
        "docs/handlers-and-metrics.md",
    ),
    "ignite.handlers.lr_finder.FastaiLRFinder": (
        "restores everything even when the with block raises; checks its arguments at attach",
        "docs/handlers-and-metrics.md",
    ),
    "ignite.handlers.param_scheduler.ParamScheduler": (
        "a param_name the optimizer's param groups lack is refused (Ignite writes a key nothing reads)",
        "docs/timers-schedulers-progress.md",
    ),
    "ignite.handlers.param_scheduler.ReduceLROnPlateauScheduler": (
        "honours min_lr (Ignite 0.5.5 ignores it without param_group_index)",
        "docs/timers-schedulers-progress.md",
    ),
    "ignite.contrib.handlers.custom_events.CustomPeriodicEvent": (
        "n_iterations=1 also fires its ..._STARTED events (Ignite 0.4 skipped them)",
        "docs/timers-schedulers-progress.md",
    ),
    "ignite.handlers.time_profilers.BasicTimeProfiler": (
        "sizes its tables from the run's epoch_length, not len(data)",
        "docs/timers-schedulers-progress.md",
    ),
    "ignite.handlers.time_profilers.HandlersTimeProfiler": (
        "does not swallow the run's exceptions; takes its handlers off at COMPLETED",
        "docs/timers-schedulers-progress.md",
    ),
    "ignite.handlers.param_scheduler.BatchSizeScheduler": (
        "refuses True as a batch size (Ignite takes it as 1)",
        "docs/timers-schedulers-progress.md",
    ),
    **{
        f"ignite.metrics.{name}": (
            "a multilabel score/target shape mismatch or an empty epoch raise ValueError "
            "(Ignite: IndexError, or the first columns silently)",
            "docs/metrics.md",
        )
        for name in ("ROC_AUC", "RocCurve", "PrecisionRecallCurve", "AveragePrecision")
    },
    "ignite.metrics.CohenKappa": ("negative labels always refused; state_dict saves the state", "docs/metrics.md"),
    "ignite.metrics.CharacterErrorRate": ("state_dict saves the counts (Ignite's saves nothing)", "docs/metrics.md"),
    "ignite.metrics.Entropy": ("a class with probability exactly 0 adds 0 (Ignite: NaN)", "docs/metrics.md"),
    "ignite.metrics.KLDivergence": ("0-d input raises ValueError", "docs/metrics.md"),
    "ignite.metrics.MaximumMeanDiscrepancy": ("0-d input raises ValueError", "docs/metrics.md"),
    "ignite.metrics.JSDivergence": ("finite where float32 probabilities underflow (Ignite: NaN)", "docs/metrics.md"),
    "ignite.metrics.MutualInformation": (
        "state_dict also saves entropies and count, so it resumes (Ignite's cannot)",
        "docs/metrics.md",
    ),
    "ignite.metrics.HSIC": (
        "batches over 4096 samples and int/half inputs work; mismatched sample counts get a clear error",
        "docs/metrics.md",
    ),
    "ignite.metrics.MeanPairwiseDistance": ("honours skip_unrolling", "docs/metrics.md"),
    "ignite.metrics.regression.R2Score": ("clearer ZeroDivisionError message for constant targets", "docs/metrics.md"),
    "ignite.metrics.regression.PearsonCorrelation": (
        "clearer ZeroDivisionError message for constant targets",
        "docs/metrics.md",
    ),
    "ignite.metrics.regression.SpearmanRankCorrelation": ("no scipy needed; returns a Python float", "docs/metrics.md"),
    "ignite.metrics.regression.KendallRankCorrelation": (
        "no scipy needed; picklable; ~1.5-1.9x Ignite's epoch time on CPU",
        "docs/metrics.md",
    ),
    "ignite.metrics.HitRate": (
        "dimensions beyond the first are always users; top_k checked at construction",
        "docs/metrics.md",
    ),
    "ignite.metrics.NDCG": (
        "dimensions beyond the first are always users; top_k checked at construction",
        "docs/metrics.md",
    ),
    "ignite.metrics.clustering.SilhouetteScore": (
        "silhouette_kwargs limited to the documented distances, checked at construction",
        "docs/metrics.md",
    ),
    "ignite.metrics.clustering.DaviesBouldinScore": (
        "float32 rounding inside torchmetrics (~1e-7 relative)",
        "docs/metrics.md",
    ),
    "ignite.metrics.clustering.CalinskiHarabaszScore": (
        "float32 rounding inside torchmetrics (~1e-7 relative)",
        "docs/metrics.md",
    ),
    "ignite.metrics.MeanAveragePrecision": ("negative labels refused at update", "docs/metrics.md"),
    **{
        f"ignite.metrics.{name}": (
            "reads confidence/class as scores/labels, so coco_tensor_list_to_dict_list works as output_transform",
            "docs/metrics.md",
        )
        for name in (
            "ObjectDetectionAvgPrecisionRecall",
            "CommonObjectDetectionMetrics",
            "coco_tensor_list_to_dict_list",
        )
    },
    **{
        f"ignite.metrics.{name}": (
            "fewer than 2 examples: NotComputableError; missing Inception weights: an OSError saying what to pass",
            "docs/metrics.md",
        )
        for name in ("FID", "InceptionScore")
    },
}


@dataclass(frozen=True)
class Finding:
    """One use of an Ignite name in a script: where, which name, and how bridge supports it.

    ``line`` and ``col`` are 1-based (``col`` counts characters, as compilers print them).

    Example:
        >>> Finding("s.py", 3, 1, "ignite.metrics.Nope", UNSUPPORTED, "no such metric").format()
        's.py:3:1: unsupported: ignite.metrics.Nope - no such metric'
    """

    filename: str
    line: int
    col: int
    name: str
    status: str
    reason: str = ""
    docs: str = ""

    def format(self) -> str:
        """``file:line:col: status: name - reason (see docs page)``, the last two when there are any."""
        where = f"{self.filename}:{self.line}:{self.col}: {self.status}: {self.name}"
        return where + (f" - {self.reason}" if self.reason else "") + (f" (see {self.docs})" if self.docs else "")


# -- resolution on bridge --------------------------------------------------------------------------


class _Missing(Exception):
    """An Ignite name bridge does not have; the message says why."""


def _walk(ignite_name: str, modules: int) -> list[Any]:
    """The bridge objects along ``ignite_name`` (``[bridge, bridge.x, bridge.x.Y, ...]``).

    The first ``modules`` parts after ``ignite`` must be modules (``import a.b.c``, ``from a.b
    import c``); later parts are attributes, or submodules as the import system finds them.
    Raises :class:`_Missing`.
    """
    objects: list[Any] = [bridge]
    path = TARGET
    for index, part in enumerate(ignite_name.split(".")[1:]):
        obj = objects[-1]
        as_module = f"{path}.{part}"
        try:
            found = index >= modules and hasattr(obj, part)
        except Exception as exc:  # noqa: BLE001 - a property that raises: the name is there but unusable
            raise _Missing(f"reading {path}.{part} raised {type(exc).__name__}: {exc}")
        if found:
            objects.append(getattr(obj, part))
        elif isinstance(obj, types.ModuleType) and hasattr(obj, "__path__"):
            try:
                objects.append(importlib.import_module(as_module))
            except ModuleNotFoundError as exc:
                if exc.name != as_module:  # bridge has it, but something it imports is missing
                    raise _Missing(f"importing {as_module} failed: {exc}")
                what = f"module {as_module}" if index < modules else f"attribute {part!r}"
                raise _Missing(f"{path} has no {what}{_did_you_mean(obj, part)}")
            except Exception as exc:  # noqa: BLE001 - whatever a module raises at import is the answer
                raise _Missing(f"importing {as_module} failed: {type(exc).__name__}: {exc}")
        elif index < modules:
            raise _Missing(f"{path} is not a package: no module {as_module}")
        else:
            raise _Missing(f"{path} has no attribute {part!r}{_did_you_mean(obj, part)}")
        path = as_module
    return objects


def _did_you_mean(obj: Any, name: str) -> str:
    close = difflib.get_close_matches(name, [n for n in dir(obj) if not n.startswith("_")], n=1, cutoff=0.8)
    return f"; did you mean {close[0]!r}?" if close else ""


_DIFFERENCE_OBJECTS: Optional[list[tuple[Any, str]]] = None


def _difference_objects() -> list[tuple[Any, str]]:
    """:data:`DIFFERENCES`' names resolved on bridge (once): ``[(object, ignite_name), ...]``."""
    global _DIFFERENCE_OBJECTS
    if _DIFFERENCE_OBJECTS is None:
        _DIFFERENCE_OBJECTS = [(_quietly(_walk, name, 0)[-1], name) for name in DIFFERENCES]
    return _DIFFERENCE_OBJECTS


def _documented_difference(objects: Sequence[Any]) -> Optional[tuple[str, bool]]:
    """The :data:`DIFFERENCES` key for the innermost of ``objects`` (or a base class) listed there,
    and whether the listed object is the named one itself (not its class or a base class)."""
    table = _difference_objects()
    for obj in reversed(objects):
        for candidate in obj.__mro__ if isinstance(obj, type) else (obj,):
            for listed, name in table:
                if candidate is listed:
                    return name, listed is objects[-1]
    return None


def _quietly(function: Any, *args: Any) -> Any:
    # bridge's deprecated ``contrib`` paths warn on import, as Ignite's do: not the scan's business
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args)


_CACHE: dict[tuple[str, int], tuple[str, str, str]] = {}


def _classify(ignite_name: str, modules: int) -> tuple[str, str, str]:
    """``(status, reason, docs)`` of an Ignite dotted name."""
    key = (ignite_name, modules)
    if key not in _CACHE:
        reason = unavailable(ignite_name)
        if reason is not None:
            _CACHE[key] = (UNSUPPORTED, reason, "docs/alias.md")
        else:
            try:
                objects = _quietly(_walk, ignite_name, modules)
            except _Missing as exc:
                _CACHE[key] = (UNSUPPORTED, str(exc), "")
            else:
                match = _documented_difference(objects)
                if match is None:
                    _CACHE[key] = (SUPPORTED, "", "")
                else:
                    listed, itself = match
                    why, docs = DIFFERENCES[listed]
                    note = "" if itself else f"via {listed.rsplit('.', 1)[-1]}: "  # a base or owning class
                    _CACHE[key] = (DIFFERENCE, note + why, docs)
    return _CACHE[key]


# -- the scan --------------------------------------------------------------------------------------

_Scope = dict[str, Optional[str]]  # local name -> the Ignite name it is bound to (None: something else)
_FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda]


def _is_ignite(name: str) -> bool:
    return name == ALIAS or name.startswith(ALIAS + ".")


class _Scanner(ast.NodeVisitor):
    """Walks a module in source order, following the names its Ignite imports bind."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.scopes: list[_Scope] = [{}]
        self.findings: list[Finding] = []
        self.seen: set[tuple[int, str]] = set()

    # bindings

    def bind(self, name: str, ignite_name: Optional[str] = None) -> None:
        self.scopes[-1][name] = ignite_name

    def lookup(self, name: str) -> Optional[str]:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def report(self, node: Union[ast.expr, ast.stmt, ast.alias], ignite_name: str, modules: int) -> None:
        line = getattr(node, "lineno", 0)
        if (line, ignite_name) in self.seen:  # one line per name per line
            return
        self.seen.add((line, ignite_name))
        status, reason, docs = _classify(ignite_name, modules)
        col = getattr(node, "col_offset", -1) + 1
        self.findings.append(Finding(self.filename, line, col, ignite_name, status, reason, docs))

    # imports

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            where = alias if hasattr(alias, "lineno") else node  # ast.alias has a position from 3.10
            if _is_ignite(alias.name):
                self.report(where, alias.name, alias.name.count("."))
                if alias.asname:
                    self.bind(alias.asname, alias.name)
                else:
                    self.bind(ALIAS, ALIAS)
            else:
                self.bind(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        ignite = node.level == 0 and _is_ignite(module)
        for alias in node.names:
            where = alias if hasattr(alias, "lineno") else node
            if alias.name == "*":
                if ignite:  # the names it brings are unknown without running it: check the module
                    self.report(where, module, module.count("."))
                continue
            if ignite:
                name = f"{module}.{alias.name}"
                self.report(where, name, module.count("."))
                self.bind(alias.asname or alias.name, name)
            else:
                self.bind(alias.asname or alias.name)

    # uses

    def visit_Attribute(self, node: ast.Attribute) -> None:
        parts: list[str] = []
        root: ast.expr = node
        while isinstance(root, ast.Attribute):
            parts.append(root.attr)
            root = root.value
        bound = self.lookup(root.id) if isinstance(root, ast.Name) else None
        if bound is None:
            self.generic_visit(node)
            return
        parts.reverse()
        if not isinstance(node.ctx, ast.Load):  # ``ignite.x.y = ...``: the script sets y, x must exist
            parts.pop()
        if parts:
            self.report(node, ".".join([bound, *parts]), 0)

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self.bind(node.id)

    # statements whose value is evaluated before their target is bound

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node: Union[ast.For, ast.AsyncFor]) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.bind(node.name)
        for statement in node.body:
            self.visit(statement)

    # scopes

    def visit_FunctionDef(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        if node.returns is not None:
            self.visit(node.returns)
        self.bind(node.name)
        self._function(node, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function(node, [node.body])

    def _function(self, node: _FunctionNode, body: Sequence[ast.AST]) -> None:
        arguments = node.args
        for default in [*arguments.defaults, *arguments.kw_defaults]:
            if default is not None:
                self.visit(default)
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg]
        for argument in every:
            if argument is not None and argument.annotation is not None:
                self.visit(argument.annotation)
        self.scopes.append({argument.arg: None for argument in every if argument is not None})
        for statement in body:
            self.visit(statement)
        self.scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in [*node.decorator_list, *node.bases, *node.keywords]:
            self.visit(expression)
        self.scopes.append({})
        for statement in node.body:
            self.visit(statement)
        self.scopes.pop()
        self.bind(node.name)

    def _comprehension(self, node: Union[ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp]) -> None:
        self.scopes.append({})
        for generator in node.generators:
            self.visit(generator.iter)
            self.visit(generator.target)
            for condition in generator.ifs:
                self.visit(condition)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def check_source(source: str, filename: str) -> list[Finding]:
    """The Ignite names ``source`` uses, in source order, each classified on bridge.

    ``filename`` is only used in the findings. Raises ``SyntaxError`` for invalid source.

    Example:
        >>> for f in check_source("import ignite.metrics as M\\nM.Accuracy()\\nM.NoSuchMetric()\\n", "s.py"):
        ...     print(f.line, f.name, f.status)
        1 ignite.metrics supported
        2 ignite.metrics.Accuracy supported
        3 ignite.metrics.NoSuchMetric unsupported
    """
    return _scan(source, filename)


def _scan(source: Union[str, bytes], filename: str) -> list[Finding]:
    scanner = _Scanner(filename)
    scanner.visit(ast.parse(source, filename=filename))
    return sorted(scanner.findings, key=lambda f: (f.line, f.col))


def check_file(path: str) -> list[Finding]:
    """:func:`check_source` on the file ``path`` (``OSError`` / ``SyntaxError`` if unreadable or invalid).

    Example:
        >>> import bridge.alias_check, os
        >>> check_file(os.devnull)
        []
    """
    with open(path, "rb") as file:  # bytes: ast honours the file's coding declaration
        return _scan(file.read(), path)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m bridge.alias --check SCRIPT [SCRIPT...]``: print the findings and a summary.

    Returns 0 when every name is supported (with or without a documented difference), 1 when
    one is not, 2 when a script cannot be read or parsed (the other scripts are still checked).

    Example:
        >>> main([])  # doctest: +SKIP
        usage: python -m bridge.alias --check SCRIPT [SCRIPT...]
        2
    """
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print(USAGE, file=sys.stderr)
        return 2
    if paths[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    findings: list[Finding] = []
    failed = 0
    for path in paths:
        try:
            found = check_file(path)
        except OSError as exc:
            print(f"python -m bridge.alias --check: can't read {path!r}: {exc.strerror or exc}", file=sys.stderr)
            failed += 1
            continue
        except SyntaxError as exc:
            print(
                f"python -m bridge.alias --check: {path}:{exc.lineno}:{exc.offset}: syntax error: {exc.msg}",
                file=sys.stderr,
            )
            failed += 1
            continue
        findings.extend(found)
        for finding in found:
            print(finding.format())
    counts = {status: sum(f.status == status for f in findings) for status in (SUPPORTED, DIFFERENCE, UNSUPPORTED)}
    checked = len(paths) - failed
    print(
        f"{len(findings)} Ignite name uses in {checked} file{'s' * (checked != 1)}: {counts[SUPPORTED]} supported, "
        f"{counts[DIFFERENCE]} supported with a documented difference, {counts[UNSUPPORTED]} unsupported"
        + (f"; {failed} file{'s' * (failed != 1)} could not be checked" if failed else "")
    )
    if failed:
        return 2
    return 1 if counts[UNSUPPORTED] else 0

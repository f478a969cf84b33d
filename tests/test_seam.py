"""The seam between Ignite's loop and its runners, the hook table, and the layers they keep."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import torch
from scenarios import PlainRunner

from bridge.engine import Engine, Events
from bridge.engine.loop import EVENTS_AFTER, Phase, RunLoop
from bridge.engine.runners import RunSpec, get_runner, register_runner, runner_names, unregister_runner
from bridge.lightning import create_lightning_trainer
from bridge.lightning.hook_table import HOOK_TO_PHASE, HOOKS, hook, hooks, markdown

REPO = Path(__file__).resolve().parents[1]
BRIDGE = REPO / "bridge"


class SpyRunner:
    """Records what it is given, then drives the loop as PlainRunner does."""

    def __init__(self) -> None:
        self.specs: list[RunSpec] = []

    def run(self, spec: RunSpec, loop: RunLoop) -> None:
        self.specs.append(spec)
        PlainRunner().run(spec, loop)


@pytest.fixture
def spy() -> Any:
    runner = SpyRunner()
    register_runner("spy", runner)
    yield runner
    unregister_runner("spy")


def test_runner_gets_the_engines_options_as_a_run_spec(spy: SpyRunner) -> None:
    model = torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    callbacks = [object()]
    engine = Engine(lambda e, b: b, model=model, optimizers=optimizer, trainer_kwargs={"precision": "bf16-mixed"},
                    callbacks=callbacks, runner="spy")  # fmt: skip
    assert engine.run([1, 2], max_epochs=2).output == 2
    (spec,) = spy.specs
    assert spec == RunSpec(engine, {"precision": "bf16-mixed"}, tuple(callbacks), model, optimizer, None)


def test_create_lightning_trainer_asks_to_fit_its_module_through_the_spec() -> None:
    import pytorch_lightning as pl

    class Module(pl.LightningModule):
        def training_step(self, batch: Any, batch_idx: int) -> None:
            return None

    module = Module()
    engine = create_lightning_trainer(module)
    assert engine._run_spec().module is module
    assert not hasattr(engine, "_fit_module")


def test_interrupted_run_resumes_in_the_next_runner_call(spy: SpyRunner) -> None:
    engine = Engine(lambda e, b: b, runner="spy")
    engine.add_event_handler(Events.ITERATION_COMPLETED(once=3), lambda e: e.interrupt())
    assert engine.run(range(5)).iteration == 3
    assert engine._loop is not None and engine._loop.suspended
    assert engine.run().iteration == 5
    assert engine._loop is None  # a finished run keeps no loop
    assert len(spy.specs) == 2


def test_unknown_runner_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=r"Engine\(runner=\.\.\.\) must be one of \[.*'trainer'.*\]; got 'fabrik'"):
        Engine(lambda e, b: b, runner="fabrik")
    with pytest.raises(ValueError, match="got None"):
        Engine(lambda e, b: b, runner=None)  # type: ignore[arg-type]


def test_register_runner_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match=r"register_runner\(name=\.\.\.\) must be a non-empty string"):
        register_runner("", PlainRunner())
    with pytest.raises(TypeError, match=r"register_runner\(runner=\.\.\.\) must have a run\(spec, loop\) method"):
        register_runner("broken", object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="bridge's own runner 'trainer' cannot be removed"):
        unregister_runner("trainer")
    assert "broken" not in runner_names()


def test_the_default_runner_is_made_once() -> None:
    assert get_runner("trainer") is get_runner("trainer")


class PhaseTracer:
    """A runner recording, for each resumption, the phase it resumed at and the events fired before the next wait."""

    def __init__(self, engine: Engine) -> None:
        self.steps: list[tuple[Phase, list[str]]] = []
        for event in Events:
            engine.add_event_handler(event, lambda *args, name=event.name, **kwargs: self.steps[-1][1].append(name))

    def run(self, spec: RunSpec, loop: RunLoop) -> None:
        while True:
            self.steps.append((loop.waiting, []))
            if loop.advance() >= Phase.INTERRUPTED:
                return


def is_subsequence(needles: list[str], haystack: tuple[str, ...]) -> bool:
    it = iter(haystack)
    return all(any(n == h for h in it) for n in needles)


@pytest.mark.parametrize("case", ["restart", "terminate_epoch", "terminate", "interrupt", "max_iters"])
def test_events_after_each_phase_are_the_tables(case: str) -> None:
    engine = Engine(lambda e, b: b)
    tracer = PhaseTracer(engine)
    register_runner("tracer", tracer)
    try:
        engine._runner = "tracer"
        request = {
            "terminate_epoch": lambda e: e.terminate_epoch(),
            "terminate": lambda e: e.terminate(),
            "interrupt": lambda e: e.interrupt(),
        }.get(case)
        if request is not None:
            engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), request)
        if case == "max_iters":
            engine.run([1, 2, 3], max_iters=4)
        else:
            engine.run([1, 2, 3], max_epochs=2, epoch_length=4)  # the data restarts inside each epoch
        if case == "interrupt":
            engine.run()
    finally:
        unregister_runner("tracer")
    # fired right after the handler that asked, wherever that is; the data restart where it happens
    extra = {"INTERRUPT", "TERMINATE", "TERMINATE_SINGLE_EPOCH", "DATALOADER_STOP_ITERATION"}
    for phase, fired in tracer.steps:
        if phase is Phase.INTERRUPTED:
            continue
        expected = [name for name in fired if name not in extra]
        assert is_subsequence(expected, tuple(e.name for e in EVENTS_AFTER[phase])), (phase, fired)
    all_fired = {name for _, fired in tracer.steps for name in fired}
    assert "DATALOADER_STOP_ITERATION" in all_fired or case in ("max_iters", "terminate", "interrupt", "terminate_epoch")
    assert {phase for phase, _ in tracer.steps} >= set(EVENTS_AFTER) - ({Phase.EPOCH_END} if case == "terminate" else set())


def test_hook_table_views_and_lookups() -> None:
    # BackpropHooks fires a backprop row's one event
    assert all(len(row.events) == 1 for row in hooks("backprop"))
    assert list(HOOK_TO_PHASE) == [h.name for h in hooks("fit")]
    assert list(HOOK_TO_PHASE.values()) == sorted(HOOK_TO_PHASE.values())
    for loop in ("validate", "test", "predict"):
        assert [h.phase for h in hooks(loop)] == [
            Phase.RUN_START, Phase.EPOCH_START, Phase.ITERATION_START, Phase.ITERATION_END, Phase.EPOCH_END,
            Phase.RUN_END,
        ]  # fmt: skip
    assert len({h.name for h in HOOKS}) == len(HOOKS)
    with pytest.raises(KeyError, match="no hook 'on_nothing'"):
        hook("on_nothing")


def test_every_callback_hook_of_the_table_is_a_lightning_callback_hook() -> None:
    import pytorch_lightning as pl

    for row in hooks(where="callback"):
        assert callable(getattr(pl.Callback, row.name, None)), row.name


def test_lightning_callbacks_dispatch_every_row_of_their_loops() -> None:
    from bridge.lightning.callback import EngineCallback
    from bridge.lightning.runner import _RunCallback

    for cls, loops in ((EngineCallback, ("fit", "validate", "test", "predict", "backprop")), (_RunCallback, ("fit", "backprop"))):
        for row in hooks(*loops, where="callback"):
            method = getattr(cls, row.name)
            assert method is not getattr(__import__("pytorch_lightning").Callback, row.name), (cls, row.name)


@pytest.mark.parametrize("loop,doc", [("fit", "engine.md"), ("fit", "lightning.md"), ("validate", "lightning.md"),
                                      ("backprop", "lightning.md")])  # fmt: skip
def test_docs_hook_tables_are_generated_from_the_table(loop: str, doc: str) -> None:
    text = (REPO / "docs" / doc).read_text()
    assert markdown(loop) in text, f"docs/{doc}: regenerate with `python -m bridge.lightning.hook_table`"


def _imports(tree: ast.Module) -> list[tuple[str, bool]]:
    """(module imported, whether under ``if TYPE_CHECKING:``) for every import in the file."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            guarded = typing_only or (
                isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING"
            )
            if isinstance(child, ast.Import):
                found.extend((alias.name, typing_only) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module:
                found.append((child.module, typing_only))
            visit(child, guarded)

    visit(tree, False)
    return found


def test_only_bridge_lightning_imports_lightning() -> None:
    offenders = []
    for path in sorted(BRIDGE.rglob("*.py")):
        if path.is_relative_to(BRIDGE / "lightning"):
            continue
        for module, typing_only in _imports(ast.parse(path.read_text())):
            top = module.split(".")[0]
            if top in ("pytorch_lightning", "lightning", "lightning_fabric") and not typing_only:
                offenders.append((str(path.relative_to(REPO)), module))
            if module.startswith("bridge.lightning") and not typing_only and path.is_relative_to(BRIDGE / "engine"):
                offenders.append((str(path.relative_to(REPO)), module))
    assert offenders == []


def test_nothing_outside_the_loop_touches_its_generator() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in sorted(BRIDGE.rglob("*.py"))
        if path != BRIDGE / "engine" / "loop.py" and "_generator" in path.read_text()
    ]
    assert offenders == []


class ResumeTracer(PhaseTracer):
    """PhaseTracer through ``loop.resume`` (the runners' per-iteration path) instead of ``advance``."""

    def run(self, spec: RunSpec, loop: RunLoop) -> None:
        while True:
            self.steps.append((loop.waiting, []))
            try:
                waiting = loop.resume()
            except StopIteration:
                assert loop.waiting is Phase.FINISHED
                return
            assert waiting is loop.waiting  # the loop records where it waits
            if waiting >= Phase.INTERRUPTED:
                return


def _traced_run(tracer_cls: type, case: str) -> tuple[list[tuple[Phase, list[str]]], Any]:
    def step(engine: Engine, batch: int) -> int:
        if case == "handled" and engine.state.iteration == 3:
            raise KeyboardInterrupt  # not an Exception: Ignite handles it at the run level, the run ends
        return batch

    engine = Engine(step)
    tracer = tracer_cls(engine)
    if case == "handled":
        engine.add_event_handler(Events.EXCEPTION_RAISED, lambda e, exc: None)
    if case == "interrupt":
        engine.add_event_handler(Events.ITERATION_COMPLETED(once=2), lambda e: e.interrupt())
    register_runner("tracer", tracer)
    try:
        engine._runner = "tracer"
        state = engine.run([1, 2], max_epochs=3)
        if case == "interrupt":
            state = engine.run()
    finally:
        unregister_runner("tracer")
    return tracer.steps, (state.epoch, state.iteration, state.output)


@pytest.mark.parametrize("case", ["plain", "handled", "interrupt"])
def test_resume_is_advance_without_a_frame(case: str) -> None:
    assert _traced_run(ResumeTracer, case) == _traced_run(PhaseTracer, case)


def test_resume_reaches_an_unpickled_loops_generator_once_started() -> None:
    # Lightning's ddp_spawn pickles a loop that has not started: its generator starts at first use
    engine = Engine(lambda e, b: b)
    engine.state.dataloader, engine.state.epoch_length, engine.state.max_epochs = [5, 6], 2, 1
    moved = RunLoop.__new__(RunLoop)
    moved.__setstate__(RunLoop(engine).__getstate__())
    phases = [moved.resume()]
    while True:
        try:
            phases.append(moved.resume())
        except StopIteration:
            break
    assert phases[:4] == [Phase.EPOCH_START, Phase.BATCH, Phase.ITERATION_START, Phase.STEP]
    assert phases[-1] is Phase.RUN_END and moved.waiting is Phase.FINISHED and engine.state.output == 6


def test_closing_a_suspended_loop_is_not_a_raise() -> None:
    # close() drops a loop: its GeneratorExit goes through Ignite's handling but the loop did not fail
    engine = Engine(lambda e, b: b)
    seen: list[str] = []
    engine.add_event_handler(Events.EXCEPTION_RAISED, lambda e, exc: seen.append(type(exc).__name__))
    engine.state.dataloader, engine.state.epoch_length, engine.state.max_epochs = [5, 6], 2, 1
    loop = RunLoop(engine)
    while loop.advance() is not Phase.STEP:
        pass
    loop.close()
    assert (loop.waiting, loop.raised, seen) == (Phase.FINISHED, False, ["GeneratorExit"])


class _Carrier(Exception):
    """A runner's carrier for a KeyboardInterrupt (the Trainer runner's goes through Lightning)."""


@pytest.mark.parametrize("carrier", [None, _Carrier])
def test_a_keyboard_interrupt_leaves_the_loop_in_the_runners_carrier(carrier: Any) -> None:
    def step(engine: Engine, batch: int) -> None:
        raise KeyboardInterrupt

    # through resume() as through advance(): the loop records its failure and carries the interrupt itself
    for resume in ("advance", "resume"):
        engine = Engine(step)
        engine.state.dataloader, engine.state.epoch_length, engine.state.max_epochs = [1], 1, 1
        loop = RunLoop(engine)
        loop.interrupt_carrier = carrier
        with pytest.raises(carrier or KeyboardInterrupt) as raised:
            while loop.waiting is not Phase.FINISHED:
                getattr(loop, resume)()
        if carrier is not None:
            assert isinstance(raised.value.__cause__, KeyboardInterrupt)
        assert loop.raised and loop.waiting is Phase.FINISHED
    # a Ctrl-C thrown in between phases leaves the same way
    engine.state.dataloader = [1]
    loop = RunLoop(engine)
    loop.interrupt_carrier = carrier
    with pytest.raises(carrier or KeyboardInterrupt):
        loop.throw(KeyboardInterrupt())
    # a run that moves to new processes keeps it (Lightning's ddp_spawn pickles the loop, through these)
    fresh = RunLoop(engine)
    fresh.interrupt_carrier = carrier
    moved = RunLoop.__new__(RunLoop)
    moved.__setstate__(fresh.__getstate__())
    assert moved.interrupt_carrier is carrier and moved.waiting is Phase.RUN_START


def test_the_loop_runs_with_no_lightning_at_all() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, "tests")
        from scenarios import PlainRunner
        from bridge.engine import Engine, Events
        from bridge.engine.runners import register_runner
        register_runner("plain", PlainRunner())
        engine = Engine(lambda e, b: b * 2, runner="plain")
        seen = []
        engine.add_event_handler(Events.EPOCH_COMPLETED, lambda e: seen.append(e.state.output))
        engine.run([1, 2, 3], max_epochs=2)
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "pytorch_lightning", "lightning"))
        print(seen, heavy[:3])
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[6, 6] []"


@pytest.mark.parametrize("module", ["loop.py", "runners.py", "driven.py"])
def test_the_seam_is_typed_without_any(module: str) -> None:
    source = (BRIDGE / "engine" / module).read_text()
    assert "Any" not in source and "type: ignore" not in source

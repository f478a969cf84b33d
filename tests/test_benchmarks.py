"""Smoke run of the benchmark suite: correctness only (same weights, outputs written), never timing."""

from pathlib import Path

import pytest

from benchmarks.run import ISSUE_COMPUTE_RUNNERS, PAIRS, RUNNERS, main


def test_benchmark_smoke(tmp_path: Path) -> None:
    results = main(["--smoke", "--out", str(tmp_path)], quiet=True)
    for workload in ("overhead", "compute"):
        assert set(results[workload]) == set(RUNNERS)  # every runner reported
        bad = [name for name, r in results[workload].items() if not r.weights_ok]
        assert not bad, f"{workload}: runners whose final weights differ from plain PyTorch: {bad}"
    # the issue's own compute-bound step (~40 ms), for the runners its targets compare
    assert list(results["issue-compute"]) == list(ISSUE_COMPUTE_RUNNERS)
    assert all(r.weights_ok for r in results["issue-compute"].values())
    assert all(entry["ok"] for entry in results["faq"].values())
    assert set(results["faq"]) == {"ignite", "bridge"}
    every = results["validate_every"]
    assert set(every) == {"every", "ignite", "bridge", "bridge_fabric"}
    assert all(every[name]["ok"] for name in ("ignite", "bridge", "bridge_fabric"))
    assert set(results["short_runs"]) == {"ignite", "bridge", "bridge_fabric"}
    assert set(PAIRS) <= set(RUNNERS) and set(PAIRS.values()) <= set(RUNNERS)
    table = (tmp_path / "results.md").read_text()
    assert all(f"| {name} |" in table for name in RUNNERS)
    assert (tmp_path / "results.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from benchmarks.share import SHARE_RUNNERS

    assert set(results["share"]) == set(SHARE_RUNNERS) and all(t > 0 for t in results["share"].values())
    assert "Framework-only cost" in table
    # --update-docs: the run's tables and chart go into a copy of docs/benchmarks.md, the rest stays
    from benchmarks.docs_block import DOCS
    from benchmarks.run import update_docs

    docs = tmp_path / "docs" / "benchmarks.md"
    docs.parent.mkdir()
    docs.write_text(DOCS.read_text())
    update_docs(tmp_path / "results.md", tmp_path / "results.png", docs)
    before, after = DOCS.read_text(), docs.read_text()
    assert after.count("| bridge_engine_lightning_opt |") == 3  # the smoke run's three tables
    assert before.split("<!-- results:start -->")[0] == after.split("<!-- results:start -->")[0]
    assert before.split("<!-- results:end -->")[1] == after.split("<!-- results:end -->")[1]
    assert (docs.parent / "img" / "benchmarks.png").read_bytes() == (tmp_path / "results.png").read_bytes()


def test_a_docs_block_that_is_missing_is_named(tmp_path: Path) -> None:
    from benchmarks.docs_block import update_block

    docs = tmp_path / "b.md"
    docs.write_text("no markers here\n")
    with pytest.raises(ValueError, match=r"b\.md: no <!-- results:start --> \.\.\. <!-- results:end --> block"):
        update_block("results", "new", docs)


def test_benchmark_share_and_controls(tmp_path: Path) -> None:
    import doctest

    import benchmarks.instructions
    import benchmarks.run
    import benchmarks.share

    for module in (benchmarks.run, benchmarks.share, benchmarks.instructions):  # their examples run, as bridge's do
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0, module.__name__
    assert set(benchmarks.share.SHARE_PAIRS.values()) <= set(benchmarks.share.SHARE_RUNNERS)
    assert set(benchmarks.run.CONTROLS) <= set(benchmarks.run.RUNNERS)


def test_share_median_over_fresh_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    import benchmarks.share as share

    draws = iter([{name: 1.0 for name in share.SHARE_RUNNERS}, {name: 5.0 for name in share.SHARE_RUNNERS},
                  {name: 2.0 for name in share.SHARE_RUNNERS}])  # fmt: skip
    monkeypatch.setattr(share, "_in_fresh_process", lambda iterations, reps: next(draws))
    assert share.measure(10, 1, processes=3) == {name: 2.0 for name in share.SHARE_RUNNERS}  # each runner's median
    with pytest.raises(ValueError, match="processes must be at least 1, got 0"):
        share.measure(10, 1, processes=0)


def test_share_in_a_fresh_process() -> None:
    from benchmarks.share import SHARE_RUNNERS, _in_fresh_process

    draw = _in_fresh_process(iterations=10, reps=1)  # the child's JSON, read back
    assert set(draw) == set(SHARE_RUNNERS) and all(t > 0 for t in draw.values())


def test_metrics_benchmark_smoke(tmp_path: Path) -> None:
    import doctest

    import benchmarks.metrics
    from benchmarks.metric_cases import CASES

    results = benchmarks.metrics.main(["--smoke", "--out", str(tmp_path)], quiet=True)
    assert list(results) == [case.name for case in CASES]  # every catalogue metric timed, in order
    assert all(t.ignite[0] > 0 and t.bridge[0] > 0 and t.ratio > 0 for t in results.values())
    table = (tmp_path / "metrics.md").read_text()
    assert all(f"| {case.name} | {case.family} |" in table for case in CASES)
    assert doctest.testmod(benchmarks.metrics, optionflags=doctest.ELLIPSIS).failed == 0
    docs = (Path(benchmarks.metrics.__file__).parent.parent / "docs" / "benchmarks.md").read_text()
    assert benchmarks.metrics.START in docs and benchmarks.metrics.END in docs  # --update-docs has its block


def test_instruction_counts_need_valgrind_and_known_runners(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # A real count runs Python under valgrind for about a minute per run: here only the checks
    # that come before it (the counts themselves are in docs/benchmarks.md).
    import benchmarks.instructions as instructions

    with pytest.raises(SystemExit):
        instructions.main(["bridge_engine", "no_such_runner"])
    assert "unknown runners ['no_such_runner']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        instructions.main(["bridge_engine", "--seeds", "0"])
    assert "--seeds must be at least 1, got 0" in capsys.readouterr().err
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="needs valgrind"):
        instructions.count("bridge_engine", 10)
    assert instructions.per_iteration({1000: 9_000, 250: 1_500}) == 10.0  # keyed by iterations, either order


def test_instruction_counts_take_the_minimum_over_hash_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    # a type-cache collision under one seed only adds instructions: the other seed's count stands
    import benchmarks.instructions as instructions

    per_iteration_by_seed = {("bridge_engine", 0): 50, ("bridge_engine", 1): 40, ("pl_manual_raw", 0): 30, ("pl_manual_raw", 1): 31}

    def count(runner: str, iterations: int, seed: int = 0) -> int:
        return 1_000_000 + per_iteration_by_seed[runner, seed] * iterations

    monkeypatch.setattr(instructions, "count", count)
    assert instructions.measure(["bridge_engine", "pl_manual_raw"], seeds=2) == {"bridge_engine": 40.0, "pl_manual_raw": 30.0}
    assert instructions.measure(["bridge_engine"], seeds=1) == {"bridge_engine": 50.0}

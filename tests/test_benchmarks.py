"""Smoke run of the benchmark suite: correctness only (same weights, outputs written), never timing."""

from pathlib import Path

from benchmarks.run import PAIRS, RUNNERS, main


def test_benchmark_smoke(tmp_path: Path) -> None:
    results = main(["--smoke", "--out", str(tmp_path)], quiet=True)
    for workload in ("overhead", "compute"):
        assert set(results[workload]) == set(RUNNERS)  # every runner reported
        bad = [name for name, r in results[workload].items() if not r.weights_ok]
        assert not bad, f"{workload}: runners whose final weights differ from plain PyTorch: {bad}"
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

"""The benchmarks keep working: `bench/run.py --small` runs and reports well-formed figures.

No timing is asserted here (CI machines vary); bench/RESULTS.md holds the measured figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@pytest.mark.slow  # about 7 s: it starts the host and the reference host many times
def test_small_run_reports_every_figure_against_the_reference(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--small",
            "--json",
            str(out),
            "--cache",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert results["size"] == "small"
    assert {"date", "nproc", "cpu", "python"} <= set(results["machine"])
    assert "### Cold start" in done.stdout and "### Burst" in done.stdout

    cold = results["cold_start"]
    assert len(cold["ours_all_ms"]) == len(cold["reference_all_ms"]) == cold["runs"] >= 3
    assert cold["breakdown"][0]["step"].startswith("interpreter")
    assert abs(cold["breakdown"][-1]["ms"] - cold["ours_ms"]) < 0.2
    for key in (
        "ours_ms",
        "reference_ms",
        "first_start_ms",
        "python_pass_ms",
        "pydantic_alone_ms",
        "ratio",
    ):
        assert _positive(cold[key]), key

    burst = results["burst"]
    assert burst["messages"] == 200
    for side in ("ours", "reference"):
        for key in ("msgs_per_s", "p50_ms", "p99_ms", "wait_p50_ms", "wait_p99_ms"):
            assert _positive(burst[side][key]), (side, key)
        assert _positive(burst[side]["peak_rss_mib"])
        assert burst[side]["p50_ms"] <= burst[side]["p99_ms"]
        assert burst[side]["wait_p50_ms"] <= burst[side]["wait_p99_ms"]
    for key in ("throughput_ratio", "p50_ratio", "p99_ratio", "wait_p50_ratio", "rss_ratio"):
        assert _positive(burst[key]), key

    history = results["history"]
    assert history["events"] == 5000 and history["cases"]
    measured = [case for case in history["cases"] if "unavailable" not in case]
    assert measured, "at least one history command must run on the generated store"
    for case in measured:
        assert case["command"].startswith("dlrescue ")
        for key in (
            "ours_ms",
            "sql_ms",
            "ratio",
            "floor_ms",
            "floor_ratio",
            "ours_process_ms",
            "sql_process_ms",
            "floor_process_ms",
            "floor_process_ratio",
        ):
            assert _positive(case[key]), (case["command"], key)
        assert case["statements"] and len(case["plans"]) == len(case["statements"])

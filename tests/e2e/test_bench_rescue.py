"""bench/rescue.py keeps working: two scenarios in Chromium, both modes, into a temp JSON.

No timing is asserted (bench/RESULTS.md holds measured figures); what is asserted is that
each scenario ran in both modes, that dlrescue completed the body cut once byte-identical,
and that the 403 was asked once by the download in either mode (never retried).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .product import REPO
from .rig import binary_for, require_extension


def test_rescue_bench_measures_both_modes_of_two_scenarios(tmp_path: Path) -> None:
    """`bench/rescue.py --browsers chromium --scenarios cut-once,403` exits 0, prints the
    table, and writes a JSON holding bare and dlrescue for both scenarios, with every
    figure; dlrescue completes cut-once byte-identical."""
    binary_for("chromium")
    require_extension()
    out = tmp_path / "rescue.json"
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "rescue.py"),
            "--browsers",
            "chromium",
            "--scenarios",
            "cut-once,403",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-3000:]}"
    assert "| scenario | mode | completed |" in done.stdout
    results = json.loads(out.read_text())
    assert {"date", "nproc", "cpu"} <= set(results["machine"])
    chromium = results["browsers"]["chromium"]
    assert chromium["version"].startswith("Chromium")
    rows = {(r["scenario"], r["mode"]): r for r in chromium["results"]}
    assert set(rows) == {(s, m) for s in ("cut-once", "403") for m in ("bare", "dlrescue")}
    for row in rows.values():
        assert "error" not in row, row
        for key in ("completed", "bytes_ratio", "get", "head", "error_answers", "state"):
            assert key in row, (key, row)
    rescued = rows["cut-once", "dlrescue"]
    assert rescued["completed"] == rescued["identical"] == 1, rescued
    assert rescued["seconds"] > 0 and rescued["bytes_ratio"] >= 1.0, rescued
    for mode in ("bare", "dlrescue"):
        refused = rows["403", mode]
        assert refused["completed"] == 0 and refused["get"] == 1, refused
        assert refused["error_answers"] >= 1, refused

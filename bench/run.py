"""Every benchmark, each against the standard-library reference in the same run.

    python bench/run.py            # the figures of bench/RESULTS.md (several minutes)
    python bench/run.py --small    # a few seconds: keeps the benchmarks working in CI
    python bench/run.py --only cold_start,burst --json out.json

Prints the figures as Markdown tables (medians of several runs, ratios ours / reference)
and, with --json, writes them with every raw run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import burst
import cold_start
import history_scale
from _common import PYTHON, ROOT

#: (full, small) sizes of each benchmark.
SIZES: dict[str, dict[str, dict[str, int]]] = {
    "full": {
        "cold_start": {"runs": 31},
        "burst": {"count": 3000, "runs": 7},
        "history": {"count": 1_000_000, "runs": 7},
    },
    "small": {
        "cold_start": {"runs": 3},
        "burst": {"count": 200, "runs": 2},
        "history": {"count": 5000, "runs": 2},
    },
}
BENCHMARKS = ("cold_start", "burst", "history")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "interpreter": PYTHON,
        "sqlite": __import__("sqlite3").sqlite_version,
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": commit,
    }


def markdown(results: dict[str, Any]) -> list[str]:
    lines = []
    m = results["machine"]
    lines += [
        f"Machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, SQLite {m['sqlite']}, "
        f"{m['platform']}; {m['date']}; commit {m['commit']}; load average at start "
        f"{m['load_average']}; size: {results['size']}.",
        "",
    ]
    cold = results.get("cold_start")
    if cold:
        lines += [
            f"### Cold start (spawn to the first `interrupted` decision, median of {cold['runs']})",
            "",
            "| | ms | ratio |",
            "|---|---:|---:|",
            f"| dlrescue-host | {cold['ours_ms']} | **{cold['ratio']}x** |",
            f"| reference host | {cold['reference_ms']} | 1x |",
            f"| dlrescue-host's first start after an install (compiles the request schema) "
            f"| {cold['first_start_ms']} | {cold['first_start_ratio']}x |",
            f"| `python -I -c pass` | {cold['python_pass_ms']} | |",
            f"| `python -I -c` importing pydantic alone, nothing of dlrescue "
            f"| {cold['pydantic_alone_ms']} | {cold['pydantic_alone_ratio']}x |",
            "",
            "Where the time goes (each step a `python -I -c` process doing the steps above it"
            " too; medians, so steps are differences of medians):",
            "",
            "| step | ms | total ms |",
            "|---|---:|---:|",
            *(f"| {row['step']} | {row['step_ms']} | {row['ms']} |" for row in cold["breakdown"]),
            "",
        ]
    b = results.get("burst")
    if b:
        o, r = b["ours"], b["reference"]
        lines += [
            f"### Burst ({b['messages']} `interrupted` at once on one port, median of {b['runs']})",
            "",
            "| | msgs/s | latency p50 ms | p99 ms | time to decision p50 ms | p99 ms "
            "| peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *(
                f"| {name} | {x['msgs_per_s']} | {x['p50_ms']} | {x['p99_ms']} "
                f"| {x['wait_p50_ms']} | {x['wait_p99_ms']} | {x['peak_rss_mib']} |"
                for name, x in (("dlrescue-host", o), ("reference host", r))
            ),
            f"| ratio | **{b['throughput_ratio']}x** | {b['p50_ratio']}x | {b['p99_ratio']}x "
            f"| {b['wait_p50_ratio']}x | {b['wait_p99_ratio']}x | {b['rss_ratio']}x |",
            "",
            "Latency: reply read - that frame written. Time to decision: reply read - the "
            "burst's first frame written.",
            "",
        ]
    h = results.get("history")
    if h:
        lines += [
            f"### History at scale ({h['events']} events; medians of {h['runs'] * 5} runs in "
            f"process, {h['runs']} as processes)",
            "",
            "| command | ours ms | same SQL ms | ratio | stack floor | ours process ms "
            "| SQL process ms | ratio | stack floor |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for case in h["cases"]:
            if "unavailable" in case:
                why = case["unavailable"].splitlines()[-1][:80]
                lines.append(f"| `{case['command']}` | not measured: {why} | | | | | | | |")
                continue
            lines.append(
                f"| `{case['command']}` | {case['ours_ms']} | {case['sql_ms']} "
                f"| **{case['ratio']}x** | {case['floor_ratio']}x | {case['ours_process_ms']} "
                f"| {case['sql_process_ms']} | {case['process_ratio']}x "
                f"| {case['floor_process_ratio']}x |"
            )
        lines += [
            "",
            "Stack floor: the same SELECTs behind argparse, platformdirs and json alone "
            "(bench/stack_floor.py), against the same SQL.",
            "",
        ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny sizes: seconds, not minutes")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--cache", type=Path, help="where generated stores are kept")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(BENCHMARKS)
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(sorted(unknown))}; choose from "
            f"{', '.join(BENCHMARKS)}"
        )
    if args.cache:
        history_scale.CACHE = args.cache
    size = "small" if args.small else "full"
    sizes = SIZES[size]
    results: dict[str, Any] = {"size": size, "machine": machine(), "seconds": {}}
    for name in only:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        if name == "cold_start":
            results[name] = cold_start.run(**sizes[name])
        elif name == "burst":
            results[name] = burst.run(**sizes[name])
        else:
            results[name] = history_scale.run(**sizes[name])
        results["seconds"][name] = round(time.perf_counter() - started, 1)
    print("\n".join(markdown(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

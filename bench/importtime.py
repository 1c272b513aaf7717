"""Where the host's start-up goes: `python -X importtime`, several runs, medians per module.

Runs the real host (`python -I -X importtime -m native_host.host`) on `hello` + one
`interrupted`, or with `--cli ARGS...` the `dlrescue` command line, parses stderr, and
prints the modules with the largest median cumulative import time, plus the total of every
top-level import. Usage: `python bench/importtime.py [RUNS] [TOP] [--cli history ...]`.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from typing import Any

from _common import PYTHON, Sandbox, median
from cold_start import FIRST

_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def profile(runs: int, cli: list[str] | None = None) -> dict[str, Any]:
    sandbox = Sandbox()
    selfs: dict[str, list[int]] = defaultdict(list)
    cumulative: dict[str, list[int]] = defaultdict(list)
    depth: dict[str, int] = {}
    totals: list[int] = []
    modules: list[int] = []
    try:
        # Untimed: the first host compiles the request schema into the sandbox's cache.
        subprocess.run(
            sandbox.ours(), input=FIRST, capture_output=True, env=sandbox.env, check=True
        )
        for _ in range(runs):
            argv = sandbox.ours() if cli is None else [PYTHON, "-I", "-m", "native_host.cli", *cli]
            argv[2:2] = ["-X", "importtime"]
            done = subprocess.run(
                argv, input=FIRST, capture_output=True, env=sandbox.env, check=True
            )
            total = 0
            count = 0
            for line in done.stderr.decode().splitlines():
                match = _LINE.match(line)
                if not match:
                    continue
                own, cum, indent, name = match.groups()
                selfs[name].append(int(own))
                cumulative[name].append(int(cum))
                depth[name] = len(indent) // 2
                count += 1
                if len(indent) == 1:
                    total += int(cum)
            totals.append(total)
            modules.append(count)
    finally:
        sandbox.cleanup()
    return {
        "runs": runs,
        "total_ms": round(median(totals) / 1000, 1),
        "modules": int(median(modules)),
        "by_module": {
            name: {
                "self_ms": round(median(selfs[name]) / 1000, 2),
                "cumulative_ms": round(median(cumulative[name]) / 1000, 2),
                "depth": depth[name],
            }
            for name in cumulative
        },
    }


def top(report: dict[str, Any], count: int) -> list[str]:
    rows = sorted(report["by_module"].items(), key=lambda kv: -kv[1]["cumulative_ms"])
    lines = [
        f"all imports: {report['total_ms']} ms, {report['modules']} modules "
        f"(median of {report['runs']} runs, -X importtime inflates both)",
        f"{'cumulative ms':>14} {'self ms':>8}  module",
    ]
    for name, row in rows[:count]:
        lines.append(
            f"{row['cumulative_ms']:>14.1f} {row['self_ms']:>8.1f}  {'  ' * row['depth']}{name}"
        )
    return lines


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    cli = None
    if "--cli" in args:
        cli = args[args.index("--cli") + 1 :]
        args = args[: args.index("--cli")]
    runs = int(args[0]) if args else 7
    shown = int(args[1]) if len(args) > 1 else 40
    print("\n".join(top(profile(runs, cli), shown)))

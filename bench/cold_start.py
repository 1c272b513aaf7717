"""Cold start: process spawn to the first `interrupted` decision, ours against the reference.

Each run spawns the host, writes `hello` + one `interrupted` at once, and stops the clock
when the decision reply has been read. The store already exists (a browser starting a host
that has run before); a first run per host creates it and is not timed. Runs alternate
between the two hosts so that load from other processes falls on both alike.
"""

from __future__ import annotations

import time
from typing import Any

from _common import PYTHON, Sandbox, finish, frame, interrupted, median, ratio, read_reply

FIRST = frame({"type": "hello", "rid": 0, "browser": "chrome", "extension_version": "0.1.0"})
FIRST += interrupted(1, 42, "https://downloads.example.org/big.iso", "NETWORK_FAILED")


def once(sandbox: Sandbox, argv: list[str]) -> float:
    """Seconds from spawn to the decision reply."""
    start = time.perf_counter()
    proc = sandbox.spawn(argv)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(FIRST)
    hello = read_reply(proc.stdout)
    decision = read_reply(proc.stdout)
    elapsed = time.perf_counter() - start
    finish(proc)
    if not (hello.get("ok") and decision.get("ok") and "decision" in decision):
        raise RuntimeError(f"{argv!r} answered {hello!r} then {decision!r}")
    return elapsed


def floor() -> float:
    """`python -I -c pass`: the interpreter alone."""
    import subprocess

    start = time.perf_counter()
    subprocess.run([PYTHON, "-I", "-c", "pass"], check=True)
    return time.perf_counter() - start


def run(runs: int) -> dict[str, Any]:
    sandbox = Sandbox()
    try:
        once(sandbox, sandbox.ours())  # creates both stores; untimed
        once(sandbox, sandbox.reference())
        ours: list[float] = []
        reference: list[float] = []
        interpreter: list[float] = []
        for index in range(runs):
            pair = [(ours, sandbox.ours()), (reference, sandbox.reference())]
            for times, argv in pair if index % 2 == 0 else pair[::-1]:
                times.append(once(sandbox, argv))
            interpreter.append(floor())
    finally:
        sandbox.cleanup()
    ours_ms = median(ours) * 1000
    reference_ms = median(reference) * 1000
    return {
        "runs": runs,
        "ours_ms": round(ours_ms, 1),
        "reference_ms": round(reference_ms, 1),
        "python_pass_ms": round(median(interpreter) * 1000, 1),
        "ratio": ratio(ours_ms, reference_ms),
        "ours_all_ms": [round(t * 1000, 1) for t in ours],
        "reference_all_ms": [round(t * 1000, 1) for t in reference],
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 21), indent=2))

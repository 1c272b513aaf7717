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

HELLO = frame({"type": "hello", "rid": 0, "browser": "chrome", "extension_version": "0.1.0"})
INTERRUPTED = interrupted(1, 42, "https://downloads.example.org/big.iso", "NETWORK_FAILED")
FIRST = HELLO + INTERRUPTED


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


#: Where the time goes: each stage is a `python -I -c` process doing the steps of the one
#: before and one more step of the host's way to its first decision, the way host.main
#: does them (pydantic plugins off, the garbage collector off until the host serves); the
#: differences between medians are what each step costs.
STEPS: tuple[tuple[str, str], ...] = (
    (
        "+ import native_host.host (json, threading, sqlite3, store, policy, handlers, parser)",
        "import native_host.host",
    ),
    (
        "+ Host(): paths (platformdirs), open the store (WAL, schema check)",
        "from native_host.host import Host; from native_host.caller import Caller; "
        "h = Host(Caller('chrome'), print)",
    ),
    (
        "+ parser.load(): pydantic_core's compiled module, the cached schema, 5 validators",
        "from native_host import parser; parser.load(print)",
    ),
    (
        "+ handle hello and the interrupted (validate, decide, explain, commit)",
        "g.__exit__(None, None, None); h.handle_batch([HELLO, INTERRUPTED])",
    ),
)
STAGES: tuple[tuple[str, str], ...] = (
    ("interpreter and site (`python -I -c pass`)", "pass"),
    *(
        (name, "; ".join(code for _name, code in STEPS[: index + 1]))
        for index, (name, _code) in enumerate(STEPS)
    ),
)

#: For scale: the interpreter and pydantic's import alone (plugins avoided, as
#: the host does), nothing of dlrescue's. The floor of any host that validates with pydantic.
PYDANTIC_ALONE = "from pydantic import BaseModel, Field, ConfigDict"


def stage(sandbox: Sandbox, code: str) -> float:
    """Seconds from spawning a `python -I -c` of one stage's code to the byte it writes when
    done (as for the hosts, the clock stops before the process exits)."""
    import subprocess

    prelude = (
        "from native_host._startup import without_gc, without_pydantic_plugins; "
        "without_pydantic_plugins(); g = without_gc(); g.__enter__(); "
        f"HELLO, INTERRUPTED = {HELLO[4:]!r}, {INTERRUPTED[4:]!r}; "
    )
    code = ("" if code == "pass" else prelude + code + "; ") + "import os; os.write(1, b'.')"
    start = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, "-I", "-c", code], env=sandbox.env, cwd=sandbox.root, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    done = proc.stdout.read(1)
    elapsed = time.perf_counter() - start
    proc.stdout.read()
    if proc.wait() != 0 or done != b".":
        raise RuntimeError(f"stage {code!r} failed")
    return elapsed


def run(runs: int) -> dict[str, Any]:
    sandbox = Sandbox()
    try:
        once(sandbox, sandbox.ours())  # creates both stores; untimed
        once(sandbox, sandbox.reference())
        ours: list[float] = []
        reference: list[float] = []
        stages: list[list[float]] = [[] for _ in STAGES]
        pydantic_alone: list[float] = []
        first_start: list[float] = []  # the first after an install: it compiles the schema
        for index in range(runs):
            pair = [(ours, sandbox.ours()), (reference, sandbox.reference())]
            for times, argv in pair if index % 2 == 0 else pair[::-1]:
                times.append(once(sandbox, argv))
            for times, (_name, code) in zip(stages, STAGES, strict=True):
                times.append(stage(sandbox, code))
            pydantic_alone.append(stage(sandbox, PYDANTIC_ALONE))
            if index % 3 == 0:
                sandbox.schema_cache.unlink()
                first_start.append(once(sandbox, sandbox.ours()))
    finally:
        sandbox.cleanup()
    ours_ms = median(ours) * 1000
    reference_ms = median(reference) * 1000
    stage_ms = [median(times) * 1000 for times in stages] + [ours_ms]
    names = [name for name, _code in STAGES] + ["+ the real host: pipes, reader thread, log, reply"]
    return {
        "runs": runs,
        "ours_ms": round(ours_ms, 1),
        "reference_ms": round(reference_ms, 1),
        "python_pass_ms": round(stage_ms[0], 1),
        "pydantic_alone_ms": round(median(pydantic_alone) * 1000, 1),
        "pydantic_alone_ratio": ratio(median(pydantic_alone) * 1000, reference_ms),
        "first_start_ms": round(median(first_start) * 1000, 1),
        "first_start_ratio": ratio(median(first_start) * 1000, reference_ms),
        "ratio": ratio(ours_ms, reference_ms),
        "breakdown": [
            {"step": name, "ms": round(total, 1), "step_ms": round(total - before, 1)}
            for name, total, before in zip(names, stage_ms, [0.0, *stage_ms], strict=False)
        ],
        "ours_all_ms": [round(t * 1000, 1) for t in ours],
        "reference_all_ms": [round(t * 1000, 1) for t in reference],
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 21), indent=2))

"""The extension's own decision (extension/modules/local_policy.js, used when no host is
there) is the host's: its data is generated from policy.py (scripts/policy_data.py) and
kept equal, and over a table of cases (every reason x browser x HTTP status x episode, with
and without an administrator's managed policy, wrong values in it too) it decides exactly
as handlers/interrupted.py's decide() does."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from native_host.caller import Caller
from native_host.decide import Interruption
from native_host.handlers.interrupted import _decide
from native_host.handlers.port import Port
from native_host.messages import Interrupted
from native_host.policy import DEFAULT_POLICY, stacked
from native_host.policy_schema import parse_managed
from native_host.reasons import KNOWN_REASONS, PAUSED, lookup

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")

STATUSES = (None, 401, 403, 404, 407, 410, 429, 500, 503)
BROWSERS = ("chrome", "firefox")
#: Episodes before the new interruption: (reason or "same", bytes, reachable, action).
EPISODES: dict[str, list[tuple[str, int | None, bool | None, str]]] = {
    "first": [],
    "one stuck": [("same", 0, True, "resume")],
    "two stuck": [("same", 0, True, "resume"), ("same", 0, True, "resume")],
    "outage": [("same", 100, None, "resume"), ("same", 100, False, "resume")],
    "progress": [("same", 100, None, "resume"), ("same", 200, None, "resume")],
    "other reason": [("NETWORK_FAILED", 50, True, "resume"), ("SERVER_FAILED", 50, True, "resume")],
    "after restart": [("same", 500, True, "restart")],
    "unknown bytes": [("same", None, None, "resume")],
    "paused between": [("same", 10, True, "resume"), (PAUSED, 10, None, "none")],
    "spent": [("same", 0, True, "resume")] * 9,
}

#: Managed policies (the administrator's, from the browser) the cases take in turn: none,
#: layers at every place, and wrong values (left out by both, the rest applied).
MANAGED: tuple[dict[str, Any] | None, ...] = (
    None,
    {
        "categories": {"NETWORK": {"action": "none"}, "FILE": {"action": "resume"}},
        "reasons": {"SERVER_FAILED": {"max_attempts": 1, "initial_delay_ms": 7000}},
    },
    {
        "browsers": {
            "firefox": {"reasons": {"NETWORK_FAILED": {"no_progress_attempts": 0}}},
            "chrome": {"categories": {"SERVER": {"action": "restart", "max_attempts": 2}}},
        },
        "status": {"503": {"max_attempts": 2, "backoff_factor": 1.5}, "401": {"action": "resume"}},
    },
    {
        "categories": {
            "NETWORK": {
                "max_attempts": 5000,
                "action": "bogus",
                "notify": "yes",
                "max_delay_ms": 1.5,
            },
            "SERVER": [1],
        },
        "reasons": {"NETWORK_FAILED": {"backoff_factor": 0.5, "max_delay_ms": 1000, "x": 1}},
        "sites": {"*": {"pause_after": 1}},
    },
)


def cases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    reasons = (*KNOWN_REASONS, "FUTURE_REASON")
    grid = itertools.product(reasons, BROWSERS, STATUSES, EPISODES.items(), (True, False, None))
    for n, (reason, browser, status, (_, episode), can_resume) in enumerate(grid):
        if reason == PAUSED:
            continue
        bytes_now = (0, 150, None)[n % 3]
        earlier = [
            {
                "reason": reason if r == "same" else r,
                "bytes_received": b,
                "reachable": h,
                "action": a,
            }
            for r, b, h, a in episode
        ]
        item: dict[str, Any] = {"id": n, "url": "https://dl.example/f.bin", "error": reason}
        if can_resume is not None:
            item["canResume"] = can_resume
        if bytes_now is not None:
            item["bytesReceived"] = bytes_now
        server = {"http_status": status} if status else {}
        if status in (429, 503) and n % 2:
            server["retry_after_ms"] = (500, 40_000, 9_000_000)[n % 3]
        out.append(
            {
                "item": item,
                "browser": browser,
                "earlier": earlier,
                "server": server,
                "reachable": (True, False, None)[(n // 3) % 3],
                "jitter": (n % 7) / 7.0,
                "managed": MANAGED[n % len(MANAGED)],
            }
        )
    out.append({**out[0], "item": {**out[0]["item"], "url": "data:text/plain,x"}})
    return out


def host_decides(case: dict[str, Any]) -> dict[str, Any]:
    """What the host decides for the case: handlers/interrupted.py's _decide on a real
    Interrupted request (no file name: no free space looked at, as in the extension)."""
    request = Interrupted.model_validate(
        {
            "type": "interrupted",
            "browser": case["browser"],
            "download": case["item"],
            **({"reachable": case["reachable"]} if case["reachable"] is not None else {}),
            **case["server"],
        },
    )
    seen = [
        Interruption(e["reason"], e["bytes_received"], e["reachable"], e["action"])
        for e in case["earlier"]
    ]
    attempt = sum(e.reason != PAUSED for e in seen) + 1
    reason = lookup(case["item"]["error"])
    port = Port(Caller(), browser=case["browser"])
    managed = case.get("managed")
    policy = DEFAULT_POLICY if managed is None else stacked(("managed", parse_managed(managed)[0]))
    d = _decide(policy, port, request, reason, seen, attempt, False, case["jitter"])
    return {
        "action": d.action,
        "delay_ms": d.delay_ms,
        "attempt": d.attempt,
        "max_attempts": d.max_attempts,
        "reason": d.reason,
        "category": d.category,
        "notify": d.notify,
        "cause": d.cause,
        "http_status": d.http_status,
    }


def test_policy_data_js_is_what_the_command_writes() -> None:
    """extension/modules/policy_data.js is exactly what scripts/policy_data.py makes of
    policy.py now: a change to the rules without running the command fails here."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "policy_data.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_extension_alone_decides_as_the_host_over_every_reason_browser_and_status() -> None:
    """local_policy.decideAlone (node) and the host's decide() agree on the action, delay,
    attempt, budget, notification, cause and category of every case in the table."""
    table = cases()
    run = subprocess.run(
        [str(NODE), str(ROOT / "tests" / "js" / "decide_cases.mjs")],
        input=json.dumps(table),
        capture_output=True,
        text=True,
        check=True,
    )
    local = json.loads(run.stdout)
    assert len(local) == len(table) > 10_000
    wrong = []
    for case, got in zip(table, local, strict=True):
        want = host_decides(case)
        mine = {key: got.get(key) for key in want}
        if mine != want:
            wrong.append((case, want, mine))
    assert not wrong, f"{len(wrong)} cases differ, the first: {wrong[0]}"
    # the managed policies change decisions (not a table the layers ignore)
    sample = [c for c in table[::7] if c["managed"]]
    changed = sum(host_decides(c) != host_decides({**c, "managed": None}) for c in sample)
    assert changed > len(sample) // 10, (changed, len(sample))
    actions = {got["action"] for got in local}
    causes = {got["cause"] for got in local}
    assert actions == {"resume", "restart", "none"}
    assert {"gave_up", "no_progress", "sign_in", "gone", "retry_after", "cannot_resume"} <= causes

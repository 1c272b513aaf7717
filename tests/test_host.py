"""native_host.host, the real host as a subprocess over pipes: one reply per request in order,
the frame cap, end of input, stdout for frames only, a history that cannot be written."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import pytest
from hostio import Host, frame, history_db, interrupted, run_host, unframe


def test_every_reply_follows_its_request_in_order_with_rids(xdg: dict[str, str]) -> None:
    """A burst of mixed requests gets exactly one reply each, in request order."""
    requests: list[Any] = []
    for i in range(60):
        requests.append(
            interrupted(i, id=i, url=f"https://e.org/{i % 7}")
            if i % 3
            else {"type": "hello", "rid": i}
        )
    requests.insert(10, b"garbage")
    out = unframe(run_host(b"".join(frame(r) for r in requests), env=xdg).stdout)
    assert len(out) == 61
    assert [r["rid"] for r in out] == [r["rid"] if isinstance(r, dict) else None for r in requests]


def test_oversize_frame_gets_too_large_and_the_next_frame_is_served(xdg: dict[str, str]) -> None:
    """A 2 MiB frame is answered too_large (rid null) and skipped; the host keeps serving."""
    data = (
        struct.pack("=I", 2 * 1024 * 1024)
        + b"{" * (2 * 1024 * 1024)
        + frame({"type": "hello", "rid": 9})
    )
    proc = run_host(data, env=xdg)
    too_large, hello = unframe(proc.stdout)
    assert too_large["rid"] is None and too_large["error"]["code"] == "too_large"
    assert hello["rid"] == 9 and proc.returncode == 0


@pytest.mark.parametrize(
    ("tail", "code"), [(b"", 0), (b"\x05\x00", 1), (struct.pack("=I", 50) + b"{", 1)]
)
def test_end_of_input_rules(xdg: dict[str, str], tail: bytes, code: int) -> None:
    """EOF between frames: exit 0. EOF inside a frame: a stderr line and exit 1. Either way
    what was acknowledged before stays recorded."""
    proc = run_host(frame(interrupted()) + tail, env=xdg)
    assert proc.returncode == code
    assert len(unframe(proc.stdout)) == 1
    if code:
        assert b"input ended inside a frame" in proc.stderr
    assert history_db(xdg).execute("SELECT count(*) FROM events").fetchone() == (1,)


def test_stdout_carries_only_frames_even_if_code_prints(xdg: dict[str, str]) -> None:
    """fd 1 is pointed at stderr at start-up: stdout holds whole frames and nothing else."""
    proc = run_host(frame({"type": "hello"}) + frame(b"\x00\x01") + frame(interrupted()), env=xdg)
    assert len(unframe(proc.stdout)) == 3  # unframe fails on any stray byte


def test_store_unavailable_is_answered_and_the_host_keeps_serving(xdg: dict[str, str]) -> None:
    """When the data folder cannot be created, writes get store_unavailable with advice and
    hello still works."""
    Path(xdg["XDG_DATA_HOME"]).write_text("a file where the folder should be")
    proc = run_host(frame(interrupted(1)) + frame({"type": "hello", "rid": 2}), env=xdg)
    failed, hello = unframe(proc.stdout)
    assert failed["error"]["code"] == "store_unavailable" and failed["rid"] == 1
    assert "XDG_DATA_HOME" in failed["error"]["message"]
    assert hello["ok"] is True and proc.returncode == 0


def test_policy_toml_written_between_two_requests_is_used_by_the_second(
    xdg: dict[str, str],
) -> None:
    """One host process: the first NETWORK_FAILED is resumed by the built-in rule; policy.toml
    is then written by hand (no set_policy), and the next request's decision follows it."""
    path = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue" / "policy.toml"
    with Host(env=xdg) as host:
        assert host.ask(interrupted(1, id=1))["decision"]["action"] == "resume"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('[reasons.NETWORK_FAILED]\naction = "none"\n', encoding="utf-8")
        assert host.ask(interrupted(2, id=2))["decision"]["action"] == "none"
        assert host.close()[0] == 0


def test_a_batch_of_decisions_looks_at_the_policy_files_once(
    xdg: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """500 `interrupted` taken as one batch (as a burst is): the two policy files are
    stat'ed once for the batch, not once per decision; every frame is decided."""
    from native_host import policy_in_force
    from native_host.caller import Caller
    from native_host.host import Host as InProcessHost

    looked: list[Path] = []
    stat = policy_in_force._stat
    monkeypatch.setattr(policy_in_force, "_stat", lambda p: looked.append(p) or stat(p))
    host = InProcessHost(Caller(), lambda _line: None)
    try:
        looked.clear()  # the start reads them once
        frames = [json.dumps(interrupted(i, id=i)).encode() for i in range(500)]
        replies = [json.loads(r) for r in host.handle_batch(frames)]
    finally:
        host.close()
    assert len(replies) == 500 and all(r["ok"] and r["decision"] for r in replies)
    assert sorted(map(str, looked)) == sorted(
        [str(host.policy_path), str(host.policies.system_path)]
    )

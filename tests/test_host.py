"""The real host as a subprocess over pipes: PROTOCOL.md's framing, requests and policy file."""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import pytest
from hostio import CHROME_ORIGIN, Host, frame, interrupted, run_host, unframe

from native_host import CHROME_EXTENSION_IDS, GECKO_ID, __version__, caller
from native_host.messages import DecisionReply, ErrorReply, HelloReply


def _db(xdg: dict[str, str]) -> sqlite3.Connection:
    return sqlite3.connect(Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3")


def test_hello_reports_version_and_protocol(host: Host) -> None:
    """hello -> host_version and protocol 1, rid echoed."""
    reply = host.ask({"type": "hello", "rid": "h1", "browser": "chrome", "lang": "en"})
    HelloReply.model_validate(reply)
    assert reply == {"rid": "h1", "ok": True, "host_version": __version__, "protocol": 1}


def test_interrupted_gets_a_decision_after_it_is_recorded(host: Host, xdg: dict[str, str]) -> None:
    """An interruption is recorded before the reply, which carries event_id and the decision."""
    reply = host.ask(interrupted(rid=7))
    DecisionReply.model_validate(reply)
    assert reply["rid"] == 7 and reply["ok"] is True
    decision = reply["decision"]
    assert (
        decision["action"] == "resume"
        and decision["attempt"] == 1
        and decision["max_attempts"] == 8
    )
    assert decision["reason"] == "NETWORK_FAILED" and decision["category"] == "NETWORK"
    assert 0 <= decision["delay_ms"] <= 2000 and decision["explanation"]
    row = (
        _db(xdg)
        .execute("SELECT reason, action, attempt FROM events WHERE id = ?", (reply["event_id"],))
        .fetchone()
    )
    assert row == ("NETWORK_FAILED", "resume", 1)


def test_attempts_count_per_url_across_new_ids_until_complete(host: Host) -> None:
    """Same URL, new download id (a restart) continues the episode; `complete` closes it."""
    assert host.ask(interrupted(1, id=1))["decision"]["attempt"] == 1
    assert host.ask(interrupted(2, id=99))["decision"]["attempt"] == 2
    done = host.ask(
        {
            "type": "outcome",
            "rid": 3,
            "download": {"id": 99, "url": "https://example.org/big.iso", "state": "complete"},
        }
    )
    assert done["ok"] is True and isinstance(done["event_id"], int)
    assert host.ask(interrupted(4, id=100))["decision"]["attempt"] == 1


def test_attempts_survive_a_host_restart(xdg: dict[str, str]) -> None:
    """Episodes live in the store, not in memory: a new host process continues the count."""
    first = run_host(frame(interrupted(1)) + frame(interrupted(2)), env=xdg)
    assert [r["decision"]["attempt"] for r in unframe(first.stdout)] == [1, 2]
    second = run_host(frame(interrupted(3)), env=xdg)
    assert unframe(second.stdout)[0]["decision"]["attempt"] == 3


def test_policy_maximum_then_give_up_with_notify(xdg: dict[str, str]) -> None:
    """With policy.toml max_attempts = 2, the 3rd interruption is none + notify; the next
    interruption of that URL starts a new episode."""
    cfg = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    cfg.mkdir(parents=True)
    (cfg / "policy.toml").write_text(
        "[categories.NETWORK]\nmax_attempts = 2\ninitial_delay_ms = 10\n"
    )
    out = unframe(run_host(b"".join(frame(interrupted(i)) for i in range(4)), env=xdg).stdout)
    assert [(r["decision"]["action"], r["decision"]["notify"]) for r in out] == [
        ("resume", False),
        ("resume", False),
        ("none", True),
        ("resume", False),
    ]
    assert out[0]["decision"]["delay_ms"] <= 10 and out[1]["decision"]["delay_ms"] <= 20


def test_broken_policy_file_serves_defaults_and_says_so(xdg: dict[str, str]) -> None:
    """A broken policy.toml: defaults apply, the problem is on stderr, in the log and in hello."""
    cfg = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    cfg.mkdir(parents=True)
    (cfg / "policy.toml").write_text("[categories.NETWORK]\nmax_attempts = 'many'\n")
    proc = run_host(frame({"type": "hello"}) + frame(interrupted()), env=xdg)
    hello, decision = unframe(proc.stdout)
    assert any("max_attempts = 'many'" in w for w in hello["warnings"])
    assert decision["decision"]["max_attempts"] == 8
    assert b"max_attempts = 'many'" in proc.stderr
    log = Path(xdg["XDG_STATE_HOME"]) / "dlrescue" / "log" / "host.log"
    assert "using the default policy" in log.read_text()


def test_well_formed_unknown_reason_is_recorded_known_false_and_left(
    host: Host, xdg: dict[str, str]
) -> None:
    """A newer browser's reason is recorded with known=false and decided none."""
    reply = host.ask(interrupted(error="LOCAL_DOWNLOAD_BLOCKED"))
    assert reply["decision"]["action"] == "none" and reply["decision"]["category"] == "UNKNOWN"
    assert _db(xdg).execute("SELECT known FROM events").fetchone() == (0,)


def test_webview2_number_is_recorded_under_its_canonical_name(host: Host) -> None:
    """WebView2's 11 is FILE_HASH_MISMATCH, a restart."""
    reply = host.ask(interrupted(error=11))
    assert (reply["decision"]["reason"], reply["decision"]["action"]) == (
        "FILE_HASH_MISMATCH",
        "restart",
    )


def test_invalid_reason_is_refused_and_not_recorded(host: Host, xdg: dict[str, str]) -> None:
    """invalid_reason names download.error; nothing reaches the store; the host keeps serving."""
    reply = host.ask(interrupted(rid="r", error="none"))
    ErrorReply.model_validate(reply)
    assert reply["rid"] == "r" and reply["error"]["code"] == "invalid_reason"
    assert reply["error"]["field"] == "download.error"
    assert host.ask({"type": "hello"})["ok"] is True
    assert _db(xdg).execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_firefox_pause_is_not_a_failure(host: Host) -> None:
    """USER_CANCELED with paused: true is recorded as USER_PAUSED, none, no notification."""
    reply = host.ask(interrupted(error="USER_CANCELED", paused=True))
    d = reply["decision"]
    assert (d["reason"], d["action"], d["notify"]) == ("USER_PAUSED", "none", False)


def test_incognito_items_and_credentials_never_reach_the_disk(xdg: dict[str, str]) -> None:
    """Incognito: no URL, referrer or filename stored; URL credentials never stored."""
    secret_url = "https://alice:pa55word@private.example/secret-file.iso?token=tok123"
    proc = run_host(
        frame(
            interrupted(
                1,
                url=secret_url,
                incognito=True,
                filename="/home/u/secret-file.iso",
                referrer="https://private.example/page",
            )
        )
        + frame(interrupted(2, url=secret_url, incognito=True))
        + frame(interrupted(3, url="https://bob:hunter2@public.example/f?sig=zzz9")),
        env=xdg,
    )
    replies = unframe(proc.stdout)
    assert [r["decision"]["attempt"] for r in replies] == [1, 2, 1]  # incognito counted in memory
    data_dir = Path(xdg["XDG_DATA_HOME"]) / "dlrescue"
    blob = b"".join(p.read_bytes() for p in data_dir.iterdir())
    blob += b"".join(p.read_bytes() for p in Path(xdg["XDG_STATE_HOME"]).rglob("*") if p.is_file())
    for secret in (
        b"private.example",
        b"secret-file",
        b"pa55word",
        b"tok123",
        b"hunter2",
        b"zzz9",
        b"alice",
    ):
        assert secret not in blob, secret
    assert b"public.example" in blob


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
    assert _db(xdg).execute("SELECT count(*) FROM events").fetchone() == (1,)


def test_stdout_carries_only_frames_even_if_code_prints(xdg: dict[str, str]) -> None:
    """fd 1 is pointed at stderr at start-up: stdout holds whole frames and nothing else."""
    proc = run_host(frame({"type": "hello"}) + frame(b"\x00\x01") + frame(interrupted()), env=xdg)
    assert len(unframe(proc.stdout)) == 3  # unframe fails on any stray byte


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        ((CHROME_ORIGIN,), True),
        (("chrome-extension://abcdefghijklmnopabcdefghijklmnop/",), False),
        (("/home/u/.mozilla/native-messaging-hosts/org.dlrescue.host.json", GECKO_ID), True),
        (
            ("/home/u/.mozilla/native-messaging-hosts/org.dlrescue.host.json", "evil@example.com"),
            False,
        ),
        ((CHROME_ORIGIN, "--parent-window=1234"), True),
        ((), True),
    ],
)
def test_callers_not_allowed_are_refused_at_launch(
    xdg: dict[str, str], args: tuple[str, ...], allowed: bool
) -> None:
    """Chrome's origin / Firefox's add-on id must be ours (or registered); no argv (a sandbox
    portal) is served."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-I", "-m", "native_host.host", *args],
        input=frame({"type": "hello"}),
        capture_output=True,
        env={**__import__("os").environ, **xdg},
        timeout=60,
    )
    if allowed:
        assert proc.returncode == 0 and unframe(proc.stdout)[0]["ok"] is True
    else:
        assert proc.returncode == 3 and proc.stdout == b""
        assert b"not a registered dlrescue extension" in proc.stderr


def test_extra_extension_ids_from_register_are_allowed(xdg: dict[str, str]) -> None:
    """An id listed in extensions.json (written by `register --extension-id`) is served."""
    cfg = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    cfg.mkdir(parents=True)
    other = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"
    (cfg / "extensions.json").write_text(json.dumps({"allowed_origins": [other]}))
    proc = run_host(frame({"type": "hello"}), other, env=xdg)
    assert proc.returncode == 0


def test_every_id_in_the_table_of_own_ids_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store's id added to native_host.CHROME_EXTENSION_IDS is ours, with no extensions.json:
    the caller check takes every id of the table, not the unpacked one alone."""
    store = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"
    nothing = tmp_path / "no-extensions.json"
    assert caller.refusal(caller.identify([store]), nothing) is not None
    monkeypatch.setitem(
        CHROME_EXTENSION_IDS, "chrome-web-store", "abcdefghijklmnopabcdefghijklmnop"
    )
    assert caller.refusal(caller.identify([store]), nothing) is None
    assert caller.refusal(caller.identify([CHROME_ORIGIN]), nothing) is None


def test_store_unavailable_is_answered_and_the_host_keeps_serving(xdg: dict[str, str]) -> None:
    """When the data folder cannot be created, writes get store_unavailable with advice and
    hello still works."""
    Path(xdg["XDG_DATA_HOME"]).write_text("a file where the folder should be")
    proc = run_host(frame(interrupted(1)) + frame({"type": "hello", "rid": 2}), env=xdg)
    failed, hello = unframe(proc.stdout)
    assert failed["error"]["code"] == "store_unavailable" and failed["rid"] == 1
    assert "XDG_DATA_HOME" in failed["error"]["message"]
    assert hello["ok"] is True and proc.returncode == 0


def test_history_message_returns_items_newest_first(host: Host) -> None:
    """The popup's history request lists what was recorded, filtered, with explanations."""
    host.ask(interrupted(1, error="SERVER_FORBIDDEN", url="https://a.example/x"))
    host.ask(interrupted(2, error="NETWORK_FAILED", url="https://b.example/y"))
    reply = host.ask({"type": "history", "rid": 3, "limit": 10})
    assert [i["reason"] for i in reply["items"]] == ["NETWORK_FAILED", "SERVER_FORBIDDEN"]
    assert reply["truncated"] is False and all(i["explanation"] for i in reply["items"])
    only = host.ask({"type": "history", "category": "SERVER"})
    assert [i["reason"] for i in only["items"]] == ["SERVER_FORBIDDEN"]


def test_explanations_follow_the_language_announced_in_hello(host: Host) -> None:
    """After hello with lang fr, explanations are French."""
    english = host.ask(interrupted(1))["decision"]["explanation"]
    host.ask({"type": "hello", "lang": "fr"})
    french = host.ask(interrupted(2, url="https://other.example/f"))["decision"]["explanation"]
    assert "attempt" in english and "tentative" in french


def test_a_new_reason_mid_episode_gets_its_own_budget(host: Host) -> None:
    """NETWORK_FAILED twice, then SERVER_NO_RANGE (a resume met 416): restarted, attempt 3."""
    host.ask(interrupted(1))
    host.ask(interrupted(2))
    d = host.ask(interrupted(3, error="SERVER_NO_RANGE"))["decision"]
    assert (d["action"], d["attempt"], d["max_attempts"]) == ("restart", 3, 3)
    d = host.ask(interrupted(4, error="SERVER_NO_RANGE"))["decision"]
    assert (d["action"], d["notify"], d["attempt"]) == ("none", True, 4)


def test_an_event_sent_twice_with_its_key_is_recorded_once(host: Host, xdg: dict[str, str]) -> None:
    """At-least-once delivery: the same event_key gets the same event_id and decision, and no
    second attempt is counted (the worker died before it stored the first reply)."""
    first = host.ask({**interrupted(1), "event_key": "interrupted:abc#1"})
    again = host.ask({**interrupted(2), "event_key": "interrupted:abc#1"})
    assert again["event_id"] == first["event_id"] and again["rid"] == 2
    assert again["decision"] == first["decision"]
    nxt = host.ask({**interrupted(3), "event_key": "interrupted:abc#2"})
    assert nxt["decision"]["attempt"] == 2
    out1 = host.ask(
        {
            "type": "outcome",
            "event_key": "o1",
            "download": {"id": 42, "url": "https://example.org/big.iso", "state": "complete"},
        }
    )
    out2 = host.ask(
        {
            "type": "outcome",
            "event_key": "o1",
            "download": {"id": 42, "url": "https://example.org/big.iso", "state": "complete"},
        }
    )
    assert out1["event_id"] == out2["event_id"]
    count = _db(xdg).execute("SELECT count(*) FROM events").fetchone()
    assert count == (3,)
    stored = [r[0] for r in _db(xdg).execute("SELECT event_key FROM events")]
    assert not any("abc" in (k or "") for k in stored)  # hashed

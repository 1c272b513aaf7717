"""native_host.handlers.interrupted over real pipes: an interruption recorded in its episode
and decided under the policy file; reasons, pauses and private downloads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hostio import Host, frame, history_db, interrupted, run_host, unframe

from native_host.messages import DecisionReply, ErrorReply


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
        history_db(xdg)
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


def test_well_formed_unknown_reason_is_recorded_known_false_and_left(
    host: Host, xdg: dict[str, str]
) -> None:
    """A newer browser's reason is recorded with known=false and decided none."""
    reply = host.ask(interrupted(error="LOCAL_DOWNLOAD_BLOCKED"))
    assert reply["decision"]["action"] == "none" and reply["decision"]["category"] == "UNKNOWN"
    assert history_db(xdg).execute("SELECT known FROM events").fetchone() == (0,)


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
    assert history_db(xdg).execute("SELECT count(*) FROM events").fetchone() == (0,)


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


def test_a_new_reason_mid_episode_gets_its_own_budget(host: Host) -> None:
    """NETWORK_FAILED twice, then SERVER_NO_RANGE (a resume met 416): restarted, attempt 3."""
    host.ask(interrupted(1))
    host.ask(interrupted(2))
    d = host.ask(interrupted(3, error="SERVER_NO_RANGE"))["decision"]
    assert (d["action"], d["attempt"], d["max_attempts"]) == ("restart", 3, 3)
    d = host.ask(interrupted(4, error="SERVER_NO_RANGE"))["decision"]
    assert (d["action"], d["notify"], d["attempt"]) == ("none", True, 4)


def test_the_host_attributes_new_episodes_as_it_records(xdg: dict[str, str]) -> None:
    """Episodes the real host opens carry the reason and category of their first
    interruption (what stats group by)."""
    run_host(
        frame(interrupted(1, "SERVER_FAILED"))
        + frame(interrupted(2, "NETWORK_FAILED"))
        + frame(interrupted(3, "NETWORK_TIMEOUT", url="https://b.example/", id=9)),
        env=xdg,
    )
    db = sqlite3.connect(Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3")
    rows = db.execute("SELECT reason, category FROM episodes ORDER BY id").fetchall()
    assert rows == [("SERVER_FAILED", "SERVER"), ("NETWORK_TIMEOUT", "NETWORK")]


def test_a_users_firefox_table_changes_firefox_decisions_over_real_pipes(
    xdg: dict[str, str],
) -> None:
    """The real host applies [browsers.firefox.reasons.CRASH] to Firefox's requests only."""
    cfg = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    cfg.mkdir(parents=True)
    (cfg / "policy.toml").write_text('[browsers.firefox.reasons.CRASH]\naction = "restart"\n')
    requests = [
        {**interrupted(1, error="CRASH", url="https://a.example/f"), "browser": "firefox"},
        {**interrupted(2, error="CRASH", url="https://b.example/f"), "browser": "chrome"},
    ]
    replies = unframe(run_host(b"".join(frame(r) for r in requests), env=xdg).stdout)
    assert [r["decision"]["action"] for r in replies] == ["restart", "resume"]

"""native_host.handlers.events over real pipes: each write recorded once under its event key."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hardening_support import log_file
from hostio import Host, history_db, interrupted, outcome, run_cli

from native_host.handlers.events import MAX_AGE_MS, SKEW_MS


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
    count = history_db(xdg).execute("SELECT count(*) FROM events").fetchone()
    assert count == (3,)
    stored = [r[0] for r in history_db(xdg).execute("SELECT event_key FROM events")]
    assert not any("abc" in (k or "") for k in stored)  # hashed


# -- occurred_at: an event recorded at the time it happened, not when it reached the host -----

HOUR = 3_600_000


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _at_ms(xdg: dict[str, str]) -> list[int]:
    return [r[0] for r in history_db(xdg).execute("SELECT at_ms FROM events ORDER BY id")]


def test_an_event_sent_late_is_recorded_when_it_occurred_and_stats_time_its_recovery(
    host: Host, xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An interruption caught 2 h ago and its completion 90 s later, both reaching the host
    only now (they waited in the extension's outbox), are recorded at their occurred_at:
    history shows the interruption's time, stats' median recovery is 90 s, and
    `stats --since 1h` does not count them."""
    cut = time.time_ns() // 1_000_000 - 2 * HOUR
    url = "https://late.example/big.iso"
    reply = host.ask({**interrupted(1, url=url), "event_key": "i1", "occurred_at": _iso(cut)})
    assert reply["decision"]["action"] == "resume"
    done = {**outcome(url), "rid": 2, "event_key": "o1", "occurred_at": _iso(cut + 90_000)}
    assert host.ask(done)["ok"] is True
    host.close()
    assert _at_ms(xdg) == [cut, cut + 90_000]
    code, out, _ = run_cli(capsys, "history", "--format", "json")
    assert code == 0
    [item] = json.loads(out)
    assert item["at"] == _iso(cut).replace("+00:00", "Z") and item["outcome"] == "complete"
    code, out, _ = run_cli(capsys, "stats", "--format", "json")
    stats = json.loads(out)
    assert (stats["rescued"], stats["median_recovery_ms"]) == (1, 90_000)
    code, out, _ = run_cli(capsys, "stats", "--since", "1h", "--format", "json")
    assert (json.loads(out)["interruptions"], json.loads(out)["episodes"]) == (0, 0)


def test_an_event_without_occurred_at_is_recorded_when_it_arrives(
    host: Host, xdg: dict[str, str]
) -> None:
    """An older extension sends no occurred_at: the event's time is the host's, as before."""
    before = time.time_ns() // 1_000_000
    assert host.ask(interrupted(1))["ok"] is True
    after = time.time_ns() // 1_000_000
    host.close()
    [at] = _at_ms(xdg)
    assert before <= at <= after


@pytest.mark.parametrize(
    ("occurred_at", "expected", "logged"),
    [
        ("9999-12-31T23:59:59Z", "now", "is after the host's time"),
        ("1970-01-01T00:00:00Z", "30 days ago", "is more than 30 days before"),
        ("0001-01-01T00:00:00+01:00", "30 days ago", "is more than 30 days before"),
    ],
)
def test_an_implausible_occurred_at_is_clamped_and_the_event_kept(
    xdg: dict[str, str], occurred_at: str, expected: str, logged: str
) -> None:
    """A time in the future (beyond a few seconds of clock skew) is recorded as now, one
    older than the extension keeps events (30 days) as 30 days ago: the event is recorded
    and decided all the same, and the host log says why its time is not the one sent."""
    before = time.time_ns() // 1_000_000
    with Host(env=xdg) as host:
        reply = host.ask({**interrupted(1), "occurred_at": occurred_at})
        after = time.time_ns() // 1_000_000
        host.close()
    assert reply["ok"] is True and reply["decision"]["action"] == "resume"
    [at] = _at_ms(xdg)
    shift = 0 if expected == "now" else MAX_AGE_MS
    assert before - shift <= at <= after - shift
    assert logged in log_file(xdg).read_text(encoding="utf-8")


def test_a_few_seconds_in_the_future_is_now_without_a_log_line(
    host: Host, xdg: dict[str, str]
) -> None:
    """Within SKEW_MS after now (the browser read the clock a moment after the host did):
    recorded as now, nothing logged."""
    soon = time.time_ns() // 1_000_000 + SKEW_MS // 2
    assert host.ask({**interrupted(1), "occurred_at": _iso(soon)})["ok"] is True
    host.close()
    [at] = _at_ms(xdg)
    assert at < soon
    log = log_file(xdg)
    assert not log.exists() or "occurred_at" not in log.read_text(encoding="utf-8")


def test_late_failures_do_not_pause_their_site_now_nor_a_late_success_reset_it(
    xdg: dict[str, str],
) -> None:
    """With [sites."*"] pause_after = 3: three failures of one site that occurred a day ago
    and reach the host now are recorded, but neither count as the site's failures nor pause
    it (no row in sites; a live failure then is decided as usual). A live failure counts; a
    completion that occurred a day ago does not reset it."""
    config = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    config.mkdir(parents=True)
    (config / "policy.toml").write_text('[sites."*"]\npause_after = 3\npause_ms = 60000\n')
    day_ago = time.time_ns() // 1_000_000 - 24 * HOUR
    with Host(env=xdg) as host:
        for i in range(3):
            old = {**interrupted(i, url="https://down.example/probe"), "reachable": True}
            reply = host.ask({**old, "occurred_at": _iso(day_ago + i * 1000)})
            assert reply["decision"].get("cause") is None and "wait" not in reply["decision"]
        live = host.ask({**interrupted(3, url="https://down.example/other", id=2)})
        late_done = {**outcome("https://down.example/probe"), "occurred_at": _iso(day_ago)}
        assert host.ask(late_done)["ok"] is True
        host.close()
    assert "wait" not in live["decision"] and live["decision"]["notify"] is False
    sites = history_db(xdg).execute("SELECT domain, failures FROM sites").fetchall()
    assert sites == [("down.example", 1)]
    assert len(_at_ms(xdg)) == 5

"""native_host.handlers.events over real pipes: each write recorded once under its event key."""

from __future__ import annotations

from hostio import Host, history_db, interrupted


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

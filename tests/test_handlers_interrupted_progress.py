"""native_host.handlers.interrupted over real pipes: the host judges attempts by progress and
reachability, per browser, and keeps a truncated download's episode open."""

from __future__ import annotations

from typing import Any

from hostio import Host, frame, history_db, interrupted, run_host, unframe

URL = "https://example.org/big.iso"
GB = 1_000_000_000


def cut(rid: int, received: int | None, *, browser: str = "chrome", **extra: Any) -> dict[str, Any]:
    """An interruption of URL after `received` bytes (None: not said)."""
    item: dict[str, Any] = {"id": 7, "totalBytes": 4 * GB}
    if received is not None:
        item["bytesReceived"] = received
    request = {**interrupted(rid, **item), "browser": browser}
    for key in ("reachable", "event_key"):
        if key in extra:
            request[key] = extra.pop(key)
    request["download"].update(extra)
    return request


def test_a_download_that_advances_keeps_being_resumed_with_the_first_delay(
    xdg: dict[str, str],
) -> None:
    """A 4 GB file cut every 150 MB: 20 cuts, each resumed after exactly NETWORK's initial
    delay (2 s), never given up; attempt counts on and max_attempts stays ahead of it."""
    requests = [cut(n, n * 150_000_000) for n in range(1, 21)]
    replies = unframe(run_host(b"".join(frame(r) for r in requests), env=xdg).stdout)
    decisions = [r["decision"] for r in replies]
    assert [(d["action"], d["delay_ms"], d["notify"]) for d in decisions] == [
        ("resume", 2_000, False)
    ] * 20
    assert [d["attempt"] for d in decisions] == list(range(1, 21))
    assert all(d["max_attempts"] == d["attempt"] + 8 for d in decisions)


def test_a_stuck_download_spends_the_budget_with_a_growing_wait(xdg: dict[str, str]) -> None:
    """Stuck at the same bytes (no probe): the first cut (progress) and 8 more are resumed
    with waits that never shrink below 2 s, and the 10th is given up with a notification."""
    requests = [cut(n, 300_000_000) for n in range(1, 11)]
    decisions = [
        r["decision"]
        for r in unframe(run_host(b"".join(frame(r) for r in requests), env=xdg).stdout)
    ]
    assert [d["action"] for d in decisions] == ["resume"] * 9 + ["none"]
    assert all(d["delay_ms"] >= 2_000 for d in decisions[:9])
    assert decisions[-1]["notify"] is True and decisions[-1]["attempt"] == 10
    assert decisions[-1]["max_attempts"] == 9


def test_firefox_stuck_with_the_server_answering_is_left_as_an_expired_link(
    host: Host, xdg: dict[str, str]
) -> None:
    """Firefox NETWORK_FAILED: a cut with progress is resumed; the resumed request brings
    nothing while the server answers (an expired signed link answered 403): resumed once
    more (Firefox can resume below what it reported), then, nothing again, left with a
    notification, cause no_progress, the episode closed."""
    first = host.ask(cut(1, 500_000_000, browser="firefox"))["decision"]
    assert first["action"] == "resume"
    once = host.ask(cut(2, 500_000_000, browser="firefox", reachable=True))["decision"]
    assert once["action"] == "resume"
    stuck = host.ask(cut(3, 500_000_000, browser="firefox", reachable=True))["decision"]
    assert (stuck["action"], stuck["notify"]) == ("none", True)
    assert "link has probably expired" in stuck["explanation"]
    row = history_db(xdg).execute("SELECT cause, reachable FROM events ORDER BY id DESC").fetchone()
    assert row == ("no_progress", 1)
    assert host.ask(cut(4, 0, browser="firefox"))["decision"]["attempt"] == 1  # a new episode


def test_chrome_stuck_with_the_server_answering_keeps_its_budget(host: Host) -> None:
    """The no-progress limit is Firefox's: Chrome's NETWORK_FAILED keeps resuming."""
    host.ask(cut(1, 500))
    assert host.ask(cut(2, 500, reachable=True))["decision"]["action"] == "resume"


def test_an_outage_never_spends_the_budget(xdg: dict[str, str]) -> None:
    """Stuck while the server does not answer the probe, 25 times: every cut is resumed after
    the initial delay and the retries left never shrink; the next cut after the outage
    (probe answered) spends the first attempt of the budget."""
    requests = [cut(1, 100, browser="firefox")]
    requests += [cut(n, 100, browser="firefox", reachable=False) for n in range(2, 27)]
    requests += [cut(27, 100, browser="chrome")]
    replies = unframe(run_host(b"".join(frame(r) for r in requests), env=xdg).stdout)
    decisions = [r["decision"] for r in replies]
    assert {(d["action"], d["delay_ms"]) for d in decisions} == {("resume", 2_000)}
    left = [d["max_attempts"] - d["attempt"] for d in decisions]
    assert left[:-1] == [8] * 26 and left[-1] == 7
    rows = history_db(xdg).execute("SELECT reachable FROM events ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [None] + [0] * 25 + [None]


def test_incognito_progress_is_judged_in_memory(xdg: dict[str, str]) -> None:
    """Incognito episodes live in memory only, with their bytes: advancing cuts keep the
    initial delay, a stuck Firefox cut with the server answering is left."""
    requests = [cut(n, n * 1000, browser="firefox", incognito=True) for n in range(1, 13)]
    requests.append(cut(13, 12_000, browser="firefox", incognito=True, reachable=True))
    requests.append(cut(14, 12_000, browser="firefox", incognito=True, reachable=True))
    replies = unframe(run_host(b"".join(frame(r) for r in requests), env=xdg).stdout)
    decisions = [r["decision"] for r in replies]
    assert {(d["action"], d["delay_ms"]) for d in decisions[:12]} == {("resume", 2_000)}
    assert decisions[12]["action"] == "resume"
    assert (decisions[13]["action"], decisions[13]["notify"]) == ("none", True)
    assert history_db(xdg).execute(
        "SELECT count(*) FROM events WHERE url IS NOT NULL"
    ).fetchone() == (0,)


def test_reachable_is_a_strict_optional_boolean(host: Host) -> None:
    """`reachable` must be true, false or absent: "yes" or 1 is refused naming the field."""
    for bad in ("yes", 1, None):
        reply = host.ask({**cut(1, 10), "reachable": bad})
        if bad is None:
            assert reply["ok"] is True
            continue
        assert reply["error"]["code"] == "invalid_message"
        assert reply["error"]["field"] == "reachable"


def test_a_truncated_download_keeps_its_episode_open(host: Host, xdg: dict[str, str]) -> None:
    """outcome `truncated` is recorded without closing the episode; the interruption the
    extension sends next for it (SERVER_CONTENT_LENGTH_MISMATCH) continues that episode
    and is resumed; `complete` then closes it."""
    first = host.ask(cut(1, 100))["decision"]
    truncated = host.ask(
        {
            "type": "outcome",
            "rid": 2,
            "download": {
                "id": 7,
                "url": URL,
                "state": "truncated",
                "bytesReceived": 900,
                "totalBytes": 1000,
            },
        }
    )
    assert truncated["ok"] is True
    short = host.ask(cut(3, 900, error="SERVER_CONTENT_LENGTH_MISMATCH"))["decision"]
    assert (short["action"], short["attempt"]) == ("resume", first["attempt"] + 1)
    db = history_db(xdg)
    assert db.execute("SELECT state FROM events WHERE kind = 'outcome'").fetchone() == (
        "truncated",
    )
    assert db.execute("SELECT count(*), max(closed_ms) FROM episodes").fetchone() == (1, None)
    history = host.ask({"type": "history", "outcome": "pending"})
    assert [i["reason"] for i in history["items"]] == [
        "SERVER_CONTENT_LENGTH_MISMATCH",
        "NETWORK_FAILED",
    ]
    done = {"type": "outcome", "download": {"id": 7, "url": URL, "state": "complete"}}
    assert host.ask(done)["ok"] is True
    assert history_db(xdg).execute("SELECT outcome FROM episodes").fetchone() == ("complete",)


def test_a_firefox_decision_sent_again_is_explained_in_firefoxs_words(host: Host) -> None:
    """An event replayed by its key gets the same explanation, browser variant included."""
    request = {**cut(1, None, browser="firefox", error="CRASH"), "event_key": "crash#1"}
    first = host.ask(request)
    again = host.ask(request)
    assert first["decision"]["action"] == "none"
    assert "blocked the file" in first["decision"]["explanation"]
    assert again["decision"] == first["decision"]

"""Several browsers at once: one host process per port, all writing into one history. SQLite's
busy timeout and BEGIN IMMEDIATE serialise the writers, so no event is lost, no attempt is
counted twice, and "database is locked" never reaches a reply.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import threading
import time
from collections import defaultdict
from typing import Any

import pytest
from hardening_support import Host, check_reply, db_file, integrity, interrupted
from hostio import CHROME_ORIGIN, frame

from native_host import GECKO_ID
from native_host.store import BUSY_TIMEOUT_S

HOSTS = 4
EVENTS = 1_000
URLS = 25  # shared by every host, so their episodes interleave


def _caller(index: int, xdg: dict[str, str]) -> tuple[str, ...]:
    """Chrome's argv for even hosts, Firefox's (manifest path, add-on id) for odd ones."""
    if index % 2 == 0:
        return (CHROME_ORIGIN,)
    return (f"{xdg['XDG_CONFIG_HOME']}/org.dlrescue.host.json", GECKO_ID)


def _writer(host: Host, index: int, out: dict[int, list[dict[str, Any]]]) -> None:
    """EVENTS interruptions in bursts of 1 to 20, each burst's replies read before the next."""
    rng = random.Random(index)
    replies: list[dict[str, Any]] = []
    sent = 0
    while sent < EVENTS:
        bodies = [
            interrupted(
                f"{index}-{n}",
                n,
                browser=f"browser-{index}",
                url=f"https://example.org/{rng.randrange(URLS)}",
            )
            for n in range(sent, min(EVENTS, sent + rng.randint(1, 20)))
        ]
        host.send_raw(b"".join(frame(b) for b in bodies))
        for body in bodies:
            replies.append(check_reply(host.reply_bytes(timeout=60), body))
        sent += len(bodies)
    out[index] = replies


@pytest.mark.slow
def test_four_hosts_writing_a_thousand_events_each_lose_none(xdg: dict[str, str]) -> None:
    """Four hosts (two launched as Chrome, two as Firefox) write 1,000 interruptions each
    into one history at once, on 25 shared URLs, while a fifth port reads history and stats
    in a loop: every request is answered ok (no store_unavailable, no "locked"), the history
    holds exactly the 4,000 acknowledged events, and within each episode the attempts run
    1, 2, 3... with none counted twice across processes."""
    hosts = [Host(xdg, *_caller(i, xdg)) for i in range(HOSTS)]
    reader = Host(xdg)
    out: dict[int, list[dict[str, Any]]] = {}
    writers = [threading.Thread(target=_writer, args=(h, i, out)) for i, h in enumerate(hosts)]
    started = time.monotonic()
    for thread in writers:
        thread.start()
    reads = 0
    while any(thread.is_alive() for thread in writers):
        request = {"type": "history" if reads % 2 else "stats", "rid": reads, "limit": 100}
        reply = reader.ask(request, timeout=60)
        assert reply["ok"], reply
        reads += 1
    for thread in writers:
        thread.join()
    elapsed = time.monotonic() - started
    for host in [*hosts, reader]:
        assert host.finish() == 0
        assert "locked" not in host.stderr_text()
    failures = [r for replies in out.values() for r in replies if not r["ok"]]
    assert not failures, failures[:3]
    assert sorted(out) == list(range(HOSTS)) and all(len(r) == EVENTS for r in out.values())
    acked = {
        reply["event_id"]: (f"browser-{index}", int(reply["rid"].split("-")[1]))
        for index, replies in out.items()
        for reply in replies
    }
    assert len(acked) == HOSTS * EVENTS, "event ids are unique across processes"
    db = db_file(xdg)
    assert integrity(db) == "ok"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute(
            "SELECT id, browser, download_id, episode_id, attempt FROM events"
        ).fetchall()
    assert {r[0]: (r[1], r[2]) for r in rows} == acked
    attempts: dict[int, list[int]] = defaultdict(list)
    for _id, _browser, _download, episode, attempt in sorted(rows):
        attempts[episode].append(attempt)
    for episode, counted in attempts.items():
        assert counted == list(range(1, len(counted) + 1)), (episode, counted)
    assert reads > 0 and elapsed < 120


@pytest.mark.slow
def test_four_hosts_starting_at_once_on_a_fresh_history(xdg: dict[str, str]) -> None:
    """Six times, four hosts start together on a folder with no history yet (creating the
    file, switching it to WAL and migrating it all at once) and write at once: every write
    is acknowledged and recorded, and the history is sound."""
    for attempt in range(6):
        env = {**xdg, "XDG_DATA_HOME": f"{xdg['XDG_DATA_HOME']}-{attempt}"}
        hosts = [Host(env, *_caller(i, xdg)) for i in range(HOSTS)]
        bodies = {
            i: [interrupted(f"{i}-{n}", n, browser=f"b{i}") for n in range(5)] for i in range(HOSTS)
        }
        for i, host in enumerate(hosts):
            host.send_raw(b"".join(frame(b) for b in bodies[i]))
        for i, host in enumerate(hosts):
            for body in bodies[i]:
                reply = check_reply(host.reply_bytes(timeout=60), body)
                assert reply["ok"], (attempt, reply)
            assert host.finish() == 0
        assert integrity(db_file(env)) == "ok"
        with sqlite3.connect(f"file:{db_file(env)}?mode=ro", uri=True) as con:
            assert con.execute("SELECT COUNT(*) FROM events").fetchone() == (HOSTS * 5,)


@pytest.mark.slow
def test_a_host_killed_mid_write_does_not_block_the_others(xdg: dict[str, str]) -> None:
    """A host killed (SIGKILL) while it pours writes in, possibly holding the write lock,
    leaves no lock behind: a second host writing all along gets every write acknowledged
    without waiting out the busy timeout."""
    survivor = Host(xdg)
    victim = Host(xdg)
    assert victim.ask({"type": "hello"})["ok"] and survivor.ask({"type": "hello"})["ok"]
    stop = threading.Event()

    def pour() -> None:
        n = 0
        while not stop.is_set():
            try:
                victim.send_raw(b"".join(frame(interrupted(n + i, n + i)) for i in range(20)))
            except OSError:
                return
            n += 20

    pourer = threading.Thread(target=pour, daemon=True)
    pourer.start()
    slowest = 0.0
    try:
        for n in range(200):
            if n == 60:
                victim.signal(signal.SIGKILL)
            started = time.monotonic()
            reply = survivor.ask(interrupted(f"s{n}", 10**6 + n, browser="survivor"), timeout=60)
            slowest = max(slowest, time.monotonic() - started)
            assert reply["ok"], reply
    finally:  # a failure must not leave the pouring thread running into later tests
        stop.set()
        victim.signal(signal.SIGKILL)
        pourer.join(10)
    victim.wait(whole_frames=False)
    assert survivor.finish() == 0
    assert integrity(db_file(xdg)) == "ok"
    assert slowest < BUSY_TIMEOUT_S, f"a write waited {slowest:.1f} s for a dead host's lock"
    with sqlite3.connect(f"file:{db_file(xdg)}?mode=ro", uri=True) as con:
        survived = con.execute("SELECT COUNT(*) FROM events WHERE browser = 'survivor'")
        assert survived.fetchone() == (200,)

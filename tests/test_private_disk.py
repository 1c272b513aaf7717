"""What the real host leaves on disk, and what `dlrescue prune` leaves of what it removes:
the raw bytes of the history, its write-ahead log and shared memory are searched."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from historyfill import DAY, NOW, interrupt
from hostio import Host, dlrescue, frame, interrupted, run_host, unframe

from native_host.store import INCOGNITO_DROPPED, Store


def drive(xdg: dict[str, str], *messages: dict[str, Any]) -> list[dict[str, Any]]:
    proc = run_host(b"".join(frame(m) for m in messages), env=xdg)
    assert proc.returncode == 0, proc.stderr
    replies = unframe(proc.stdout)
    assert all(r["ok"] for r in replies), replies
    return replies


def outcome(rid: int, url: str, download_id: int, **item: Any) -> dict[str, Any]:
    download = {"id": download_id, "url": url, "state": "complete", **item}
    return {"type": "outcome", "rid": rid, "browser": "chrome", "download": download}


def data_dir(xdg: dict[str, str]) -> Path:
    return Path(xdg["XDG_DATA_HOME"]) / "dlrescue"


def raw_bytes(xdg: dict[str, str]) -> bytes:
    """Every byte of the history, its -wal and -shm (and anything else in its folder)."""
    return b"".join(p.read_bytes() for p in sorted(data_dir(xdg).iterdir()) if p.is_file())


def export(xdg: dict[str, str]) -> list[dict[str, Any]]:
    done = dlrescue("export", env=xdg)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_url_python_cannot_split_is_stored_without_its_query_or_fragment(
    xdg: dict[str, str],
) -> None:
    """`https://[::1/f?token=S#F` (an invalid IPv6 literal) used to be stored as sent; now
    only `https://[::1/f` reaches the disk, and credential names of every spelling are
    redacted in a URL that can be split."""
    drive(
        xdg,
        interrupted(1, url="https://[::1/f?token=SECRET-A#FRAG-A", id=1),
        interrupted(
            2,
            url="https://e.example/f?X-Api-Key=SECRET-B&Subscription-Key=SECRET-C&pwd=SECRET-D"
            "&PASS=SECRET-E&private_key=SECRET-F&otp=SECRET-G&sas=SECRET-H&part=2",
            id=2,
        ),
    )
    urls = [event["url"] for event in export(xdg)]
    assert urls[0] == "https://[::1/f"
    assert "part=2" in urls[1] and urls[1].count("REDACTED") == 7
    disk = raw_bytes(xdg)
    assert b"e.example" in disk  # the search works: the visible part is there
    for secret in ("SECRET-", "FRAG-A"):
        assert secret.encode() not in disk


def test_an_incognito_download_leaves_only_time_browser_reason_and_decision(
    xdg: dict[str, str],
) -> None:
    """An incognito interruption and outcome are recorded with their time, browser, reason,
    decision and state; no URL, domain, file name, download id or byte counts."""
    private = {"incognito": True, "bytesReceived": 123_456_789, "totalBytes": 987_654_321}
    url = "https://incog-Q7.example/private-Q7.iso"
    drive(
        xdg,
        interrupted(1, url=url, id=4_242_424, filename="/home/u/private-Q7.iso", **private),
        outcome(2, url, 4_242_424, **private),
    )
    events = export(xdg)
    assert [e["kind"] for e in events] == ["interrupted", "outcome"]
    for event in events:
        assert event["incognito"] is True and event["browser"] == "chrome"
        assert all(event[name] is None for name in INCOGNITO_DROPPED), event
    assert events[0]["reason"] == "NETWORK_FAILED" and events[0]["action"] == "resume"
    assert events[1]["state"] == "complete"
    db = sqlite3.connect(data_dir(xdg) / "history.sqlite3")
    try:
        rows = db.execute(
            f"SELECT {', '.join(INCOGNITO_DROPPED)} FROM events WHERE incognito = 1"
        ).fetchall()
    finally:
        db.close()
    assert rows == [(None,) * len(INCOGNITO_DROPPED)] * 2
    disk = raw_bytes(xdg)
    assert b"Q7" not in disk  # in neither the URL, the domain nor the file name


def test_prune_leaves_nothing_of_what_it_removed_in_the_file_or_its_log(
    xdg: dict[str, str],
) -> None:
    """The host records a download that completes, among hundreds that stay open; a host is
    still connected (idle) when `dlrescue prune` removes the completed one. Its URL, domain
    and file name are then nowhere in the history, its -wal or -shm: deleted rows are
    overwritten (secure_delete) and the log is checkpointed and emptied."""
    gone = "https://gone-Q7.example/removed-Q7.iso"
    keep = [
        interrupted(10 + i, url=f"https://keep.example/{i}-{'k' * 300}.iso", id=10 + i)
        for i in range(300)
    ]
    drive(
        xdg,
        *keep[:150],
        interrupted(1, url=gone, id=1, filename="/home/u/removed-Q7.iso"),
        outcome(2, gone, 1),
        *keep[150:],
    )
    assert b"gone-Q7" in raw_bytes(xdg)  # the search works
    idle = Host(env=xdg)
    try:
        assert idle.ask({"type": "hello", "rid": 0})["ok"]
        done = dlrescue("prune", "--older-than", "9999-12-31", env=xdg)
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == (
            "Removed 1 download that ended before 9999-12-31 00:00 UTC, and 2 events in all.\n"
        )
        assert b"Q7" not in raw_bytes(xdg)
    finally:
        assert idle.close()[0] == 0
    assert b"Q7" not in raw_bytes(xdg)
    assert len(export(xdg)) == 300


def test_a_history_written_before_secure_delete_is_vacuumed_by_its_first_prune(
    xdg: dict[str, str],
) -> None:
    """A file whose rows were written without secure_delete (an earlier dlrescue) keeps
    stale copies in free space after a delete; its first prune vacuums it once and says so,
    and the next prune does not."""
    path = data_dir(xdg) / "history.sqlite3"
    store = Store(path)
    store.db.execute("PRAGMA secure_delete=OFF")  # as an earlier dlrescue wrote
    store.db.execute("INSERT INTO settings (name, value) VALUES ('vacuum_at_prune', '1')")
    for i in range(40):
        interrupt(store, NOW - 9 * DAY + i, f"https://gone-Q7.example/{i}", action="none")
    for i in range(400):
        interrupt(store, NOW - i, f"https://keep.example/{i}-{'k' * 200}", download_id=i)
    store.close()
    done = dlrescue("prune", "--older-than", "2026-11-20", env=xdg)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "Removed 40 downloads that ended before 2026-11-20 00:00 UTC, and 40 events in all.",
        "The file was vacuumed once: an earlier dlrescue may have left copies of rows in its "
        "free space.",
    ]
    assert b"gone-Q7" not in raw_bytes(xdg)
    store = Store(path)
    interrupt(store, NOW - 9 * DAY, "https://again-Q7.example/x", action="none")
    store.close()
    done = dlrescue("prune", "--older-than", "2026-11-20", env=xdg)
    assert "vacuumed" not in done.stdout and done.stdout.startswith("Removed 1 download")
    assert b"again-Q7" not in raw_bytes(xdg)

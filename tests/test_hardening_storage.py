"""Bad storage, for real: a full file system, a read-only data folder, a damaged history file
and a history locked by another program. Each is answered `store_unavailable` with a message
that says what to do, the host keeps serving (hello still works), nothing acknowledged is
lost, and writes succeed again once the cause is gone (PROTOCOL.md, "Errors").

The full disk is a small tmpfs and the read-only folder a read-only bind mount (or chattr +i),
because permission bits do not stop root, who runs CI. Both need root; see hardening_support.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from hardening_support import (
    Host,
    db_file,
    events,
    fill,
    integrity,
    interrupted,
    log_file,
    read_only_folder,
    small_filesystem,
)
from hostio import frame

from native_host.store import BUSY_TIMEOUT_S


def _write_until_refused(host: Host, first_id: int, limit: int, **item: object) -> list[int]:
    """Send interruptions until one is refused; returns the ids acknowledged before that."""
    acked = []
    for download_id in range(first_id, first_id + limit):
        reply = host.ask(interrupted(download_id, download_id, **item))
        if not reply["ok"]:
            assert reply["error"]["code"] == "store_unavailable", reply
            return acked
        acked.append(download_id)
    raise AssertionError(f"{limit} writes on a full file system were all acknowledged")


def _recorded_ids(env: dict[str, str]) -> set[int]:
    return {row[2] for row in events(db_file(env)).values()}


@pytest.mark.slow
def test_full_disk_mid_session_is_store_unavailable_and_recovers(
    xdg: dict[str, str], tmp_path: Path
) -> None:
    """With the file system full, writes answer store_unavailable saying the disk is full and
    what to do; hello keeps working; once space is freed the next write is recorded; every
    acknowledged event is in a sound history, and no refused one is."""
    with small_filesystem(tmp_path / "fs", 2048) as fs:
        env = {**xdg, "XDG_DATA_HOME": str(fs / "data")}
        with Host(env) as host:
            assert host.ask({"type": "hello", "rid": "h0"})["ok"]
            acked = [i for i in range(1, 6) if host.ask(interrupted(i, i))["ok"]]
            assert acked == [1, 2, 3, 4, 5]
            filler = fill(fs)
            acked += _write_until_refused(host, 100, 400, filename="/tmp/" + "f" * 3000)
            refused = host.ask(interrupted(1000, 1000))
            assert refused["ok"] is False and refused["error"]["code"] == "store_unavailable"
            message = refused["error"]["message"]
            assert "full" in message and "free some space" in message, message
            assert host.ask({"type": "hello", "rid": "still here"})["ok"]
            filler.unlink()
            after = host.ask(interrupted(2000, 2000))
            assert after["ok"] is True, after
            acked.append(2000)
            assert host.finish() == 0
        assert "could not record" in host.stderr_text()
        db = db_file(env)
        assert integrity(db) == "ok"
        recorded = _recorded_ids(env)
        assert set(acked) <= recorded
        assert 1000 not in recorded


def test_full_disk_at_start_is_store_unavailable_and_recovers(
    xdg: dict[str, str], tmp_path: Path
) -> None:
    """A host started on a full file system serves hello, answers writes store_unavailable
    (disk full, free some space) and records them once space is back, without a restart."""
    with small_filesystem(tmp_path / "fs", 512) as fs:
        env = {**xdg, "XDG_DATA_HOME": str(fs / "data")}
        filler = fill(fs)
        with Host(env) as host:
            assert host.ask({"type": "hello", "rid": 1})["ok"]
            refused = host.ask(interrupted(2, 2))
            assert refused["error"]["code"] == "store_unavailable", refused
            assert "full" in refused["error"]["message"], refused
            assert host.ask({"type": "hello", "rid": 3})["ok"]
            filler.unlink()
            assert host.ask(interrupted(4, 4))["ok"]
            assert host.finish() == 0
        assert integrity(db_file(env)) == "ok"
        assert _recorded_ids(env) == {4}


@pytest.mark.parametrize("history", ["fresh", "existing"])
def test_read_only_data_folder_is_store_unavailable_and_recovers(
    xdg: dict[str, str], history: str
) -> None:
    """A data folder the host cannot write (no history yet, or an existing one) answers writes
    store_unavailable saying to make the folder writable or move XDG_DATA_HOME; hello keeps
    working; once the folder is writable again the next write is recorded, without a restart."""
    folder = db_file(xdg).parent
    folder.mkdir(mode=0o700, parents=True)
    if history == "existing":
        with Host(xdg) as host:
            assert host.ask(interrupted(1, 1))["ok"]
            assert host.finish() == 0
    with read_only_folder(folder) as (_how, make_writable), Host(xdg) as host:
        assert host.ask({"type": "hello", "rid": "h"})["ok"]
        refused = host.ask(interrupted(2, 2))
        assert refused["error"]["code"] == "store_unavailable", refused
        message = refused["error"]["message"]
        assert "writable" in message and "XDG_DATA_HOME" in message, message
        assert host.ask({"type": "hello", "rid": "h2"})["ok"]
        make_writable()
        assert host.ask(interrupted(3, 3))["ok"]
        assert host.finish() == 0
    assert integrity(db_file(xdg)) == "ok"
    assert _recorded_ids(xdg) == ({1, 3} if history == "existing" else {3})


def _aside_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if ".corrupt-" in p.name)


def test_a_file_that_is_not_a_database_is_moved_aside_with_a_log_line(xdg: dict[str, str]) -> None:
    """Garbage where the history should be: the host moves it aside byte for byte (never
    deletes it), says so on stderr and in its log, starts a new history and serves."""
    db = db_file(xdg)
    db.parent.mkdir(mode=0o700, parents=True)
    garbage = os.urandom(3 * 4096)
    db.write_bytes(garbage)
    with Host(xdg) as host:
        assert host.ask({"type": "hello", "rid": 0})["ok"]
        assert host.ask(interrupted(1, 1))["ok"]
        assert host.finish() == 0
    (aside,) = [p for p in _aside_files(db.parent) if not p.name.endswith(("-wal", "-shm"))]
    assert aside.read_bytes() == garbage
    for text in (host.stderr_text(), log_file(xdg).read_text()):
        assert "damaged" in text and str(aside) in text, text
    assert integrity(db) == "ok" and _recorded_ids(xdg) == {1}


def test_an_earlier_damaged_file_is_never_replaced(xdg: dict[str, str]) -> None:
    """When the name a damaged history would be moved to is taken (an earlier damaged file
    set aside in the same second), the new one gets another name: both are kept."""
    db = db_file(xdg)
    db.parent.mkdir(mode=0o700, parents=True)
    now = time.time()
    earlier = {}
    for second in range(-2, 30):  # every name the move could pick in the next half minute
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now + second))
        path = db.with_name(f"{db.name}.corrupt-{stamp}")
        earlier[path] = f"earlier {stamp}".encode()
        path.write_bytes(earlier[path])
    garbage = os.urandom(4096)
    db.write_bytes(garbage)
    with Host(xdg) as host:
        assert host.ask(interrupted(1, 1))["ok"]
        assert host.finish() == 0
    for path, content in earlier.items():
        assert path.read_bytes() == content, f"{path} was replaced"
    (moved,) = [p for p in _aside_files(db.parent) if p not in earlier]
    assert moved.read_bytes() == garbage


def _damage_past_the_header(db: Path) -> bytes:
    """Overwrite every page but the first (the header stays valid, so opening succeeds)."""
    size = db.stat().st_size
    assert size > 8 * 4096, "the history should span several pages"
    with open(db, "r+b") as handle:
        handle.seek(4096)
        handle.write(os.urandom(size - 4096))
    return db.read_bytes()


@pytest.mark.parametrize("first", ["write", "history"])
def test_a_history_damaged_past_its_header_is_moved_aside_and_a_new_one_started(
    xdg: dict[str, str], first: str
) -> None:
    """A history whose header is sound but whose pages are garbage opens fine and fails on
    first use. That request answers store_unavailable; the damaged file is moved aside byte for
    byte with a log line, and the next write goes to a new history, without a restart."""
    with Host(xdg) as host:
        for i in range(300):
            host.send_raw(frame(interrupted(i, i, filename=f"/tmp/{'x' * 200}-{i}")))
        assert all(host.reply()["ok"] for _ in range(300))
        assert host.finish() == 0
    db = db_file(xdg)
    damaged = _damage_past_the_header(db)
    with Host(xdg) as host:
        assert host.ask({"type": "hello", "rid": 0})["ok"]
        request = (
            interrupted(1000, 1000)
            if first == "write"
            else b'{"type": "history", "rid": 1000, "limit": 500}'
        )
        failed = host.ask(request)
        assert failed["ok"] is False and failed["error"]["code"] == "store_unavailable"
        assert "damaged" in failed["error"]["message"], failed
        retried = host.ask(interrupted(1001, 1001))
        assert retried["ok"] is True, retried
        assert host.ask({"type": "hello", "rid": 2})["ok"]
        assert host.finish() == 0
    (aside,) = [p for p in _aside_files(db.parent) if not p.name.endswith(("-wal", "-shm"))]
    assert aside.read_bytes() == damaged
    assert str(aside) in host.stderr_text()
    assert str(aside) in log_file(xdg).read_text()
    assert integrity(db) == "ok" and _recorded_ids(xdg) == {1001}


@pytest.mark.slow
def test_a_history_locked_too_long_is_store_unavailable_then_recorded(xdg: dict[str, str]) -> None:
    """Another program holding the history's write lock longer than the busy timeout gets a
    store_unavailable that says it was locked and will be retried (never a raw "database is
    locked"); once the lock is gone the next write is recorded."""
    with Host(xdg) as host:
        assert host.ask(interrupted(1, 1))["ok"]
        locker = sqlite3.connect(db_file(xdg), isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            refused = host.ask(interrupted(2, 2), timeout=BUSY_TIMEOUT_S + 30)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert refused["error"]["code"] == "store_unavailable", refused
        message = refused["error"]["message"]
        assert "locked" in message and "retried" in message, message
        assert "database is locked" not in message
        assert host.ask(interrupted(3, 3))["ok"]
        assert host.finish() == 0
    assert integrity(db_file(xdg)) == "ok" and _recorded_ids(xdg) == {1, 3}

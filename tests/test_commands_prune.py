"""native_host.commands.prune: `dlrescue prune` on real files: old ended downloads go, in batches,
and --vacuum gives the space back."""

from __future__ import annotations

import sqlite3

import pytest
from historyfill import DAY, finish, interrupt
from hostio import history_file, run_cli

from native_host.store import Store, now_ms

pytestmark = pytest.mark.usefixtures("terminal")


# -- prune ------------------------------------------------------------------------------------


def test_prune_removes_old_ended_downloads_and_never_an_open_one(
    store: Store, capsys: pytest.CaptureFixture[str], xdg: dict[str, str]
) -> None:
    """--older-than 90d removes downloads that ended more than 90 days ago with all their
    events, and old events of no download (private windows); it keeps a download still
    open however old, and recent ones. --dry-run only counts."""
    now = now_ms()
    interrupt(store, now - 200 * DAY, "https://old.example/done")
    interrupt(store, now - 199 * DAY, "https://old.example/done")
    finish(store, now - 198 * DAY, "https://old.example/done")
    interrupt(store, now - 120 * DAY, "https://old.example/gone", "SERVER_FORBIDDEN", action="none")
    interrupt(store, now - 150 * DAY, "https://old.example/still-open")
    interrupt(store, now - 100 * DAY, "https://old.example/private", incognito=True)
    interrupt(store, now - 100 * DAY, "https://old.example/ended-late")
    finish(store, now - 10 * DAY, "https://old.example/ended-late")
    interrupt(store, now - 1 * DAY, "https://new.example/recent", "USER_CANCELED", action="none")
    before = store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    status, out, _ = run_cli(capsys, "prune", "--older-than", "90d", "--dry-run")
    assert status == 0 and out.startswith("Would remove 2 downloads that ended before ")
    assert out.rstrip().endswith("and 5 events in all.")
    assert store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == before

    status, out, _ = run_cli(capsys, "prune", "--older-than", "90d")
    assert status == 0 and out.startswith("Removed 2 downloads that ended before ")
    assert out.rstrip().endswith("and 5 events in all.")
    left = {r[0] for r in store.db.execute("SELECT url FROM events WHERE url IS NOT NULL")}
    assert left == {
        "https://old.example/still-open",
        "https://old.example/ended-late",
        "https://new.example/recent",
    }
    open_ = store.db.execute("SELECT COUNT(*) FROM episodes WHERE closed_ms IS NULL").fetchone()
    assert open_[0] == 1
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert run_cli(capsys, "prune", "--older-than", "90d")[1].startswith("Nothing to prune")


def test_prune_in_batches_removes_everything_due(store: Store) -> None:
    """Pruning works in small transactions; with batches smaller than the work, every old
    download and loose event still goes, and the counts add up."""
    now = now_ms()
    for i in range(7):
        interrupt(store, now - 100 * DAY, f"https://x.example/{i}", "FILE_FAILED", action="none")
        interrupt(store, now - 100 * DAY, f"https://x.example/p{i}", incognito=True)
    removed = store.prune(now - 90 * DAY, batch=2)
    assert (removed["episodes"], removed["events"]) == (7, 14)
    assert store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


def test_prune_vacuum_gives_space_back(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--vacuum shrinks the file after removing rows."""
    path = history_file(xdg)
    store = Store(path)
    store.db.execute("PRAGMA synchronous=OFF")
    with store.transaction():
        for i in range(300):
            episode = store.open_episode(f"k{i}", 0)
            store.add_event(
                {"at_ms": 0, "kind": "interrupted", "episode_id": episode.id, "url": "u" * 2000}
            )
            store.close_episode(episode.id, "given_up", 0)
    store.close()
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    size = path.stat().st_size
    status, out, _ = run_cli(capsys, "prune", "--older-than", "1d", "--vacuum")
    assert status == 0 and out.startswith("Removed 300 downloads")
    assert path.stat().st_size < size / 4

"""The store on real SQLite files: schema, episodes, durability settings, failures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hostio import CONTRACT_ITEM_KEYS
from hypothesis import given
from hypothesis import strategies as st

from native_host.store import (
    EVENT_COLUMNS,
    ISO_SQL,
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    StoreUnavailable,
    iso,
)


def _event(store: Store, episode: int | None, **fields: object) -> int:
    base: dict[str, object] = {
        "at_ms": 1_700_000_000_000,
        "kind": "interrupted",
        "episode_id": episode,
        "reason": "NETWORK_FAILED",
        "category": "NETWORK",
        "known": 1,
        "action": "resume",
        "delay_ms": 10,
        "attempt": 1,
        "max_attempts": 8,
        "notify": 0,
        "url": "https://e.org/f",
        "domain": "e.org",
    }
    base.update(fields)
    return store.add_event(base)


def test_new_file_is_wal_full_sync_current_schema_and_private(tmp_path: Path) -> None:
    """A new history is in WAL mode, synchronous=FULL, at the latest schema version."""
    store = Store(tmp_path / "h" / "history.sqlite3")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert (tmp_path / "h").stat().st_mode & 0o777 == 0o700
    store.close()


def test_the_column_lists_are_the_tables_the_migrations_make(tmp_path: Path) -> None:
    """columns.py lists each table's columns in the table's order, each at the version that
    added it: a migration that adds a column without listing it fails here."""
    from native_host.store.columns import EPISODE_COLUMNS

    store = Store(tmp_path / "history.sqlite3")
    for table, listed in (("events", EVENT_COLUMNS), ("episodes", EPISODE_COLUMNS)):
        info = store.db.execute(f"PRAGMA table_info({table})").fetchall()
        assert [row["name"] for row in info] == list(listed), table
    store.close()
    for version in range(1, SCHEMA_VERSION + 1):
        db = sqlite3.connect(":memory:")
        for step in MIGRATIONS[:version]:
            db.executescript(step)
        names = [row[1] for row in db.execute("PRAGMA table_info(events)")]
        assert names == [c for c, added in EVENT_COLUMNS.items() if added <= version]


def test_add_event_refuses_a_key_that_is_not_a_column(tmp_path: Path) -> None:
    """A write with a misspelled key fails naming it and the list to use, and writes nothing."""
    store = Store(tmp_path / "history.sqlite3")
    refused = r"'reasn' is not a column of events.*EVENT_COLUMNS"
    with pytest.raises(ValueError, match=refused), store.transaction():
        _event(store, None, reasn="NETWORK_FAILED")
    assert store.history() == []
    store.close()


def test_reopening_does_not_migrate_again_and_keeps_data(tmp_path: Path) -> None:
    """Opening an existing file keeps its rows."""
    path = tmp_path / "history.sqlite3"
    store = Store(path)
    with store.transaction():
        _event(store, None)
    store.close()
    again = Store(path)
    assert len(again.history()) == 1
    again.close()


def test_newer_schema_is_refused_with_upgrade_advice(tmp_path: Path) -> None:
    """A file from a newer dlrescue is not touched."""
    path = tmp_path / "history.sqlite3"
    sqlite3.connect(path).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}").connection.close()
    with pytest.raises(StoreUnavailable, match="upgrade dlrescue"):
        Store(path)


def test_episode_is_reused_while_open_and_new_after_close(tmp_path: Path) -> None:
    """One open episode per URL key; closing it starts a fresh one next time."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        first = store.open_episode("k", 1)
        store.count_attempt(first.id, retried=True)
        again = store.open_episode("k", 2)
        assert again == type(first)(first.id, 1)
        store.close_episode(first.id, "complete", 3)
        fresh = store.open_episode("k", 4)
    assert fresh.id != first.id and fresh.attempts == 0
    store.close()


def test_rolled_back_transaction_leaves_nothing(tmp_path: Path) -> None:
    """An exception inside transaction() rolls every write back."""
    store = Store(tmp_path / "history.sqlite3")
    with pytest.raises(RuntimeError), store.transaction():
        _event(store, None)
        raise RuntimeError("boom")
    assert store.history() == []
    store.close()


def test_history_items_have_the_contract_keys_newest_first(tmp_path: Path) -> None:
    """Items carry event_id, at (ISO UTC), browser, download_id, url, filename, reason,
    category, known, action, delay_ms, attempt, outcome; newest first."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        ep = store.open_episode("k", 0)
        _event(store, ep.id, at_ms=1000, browser="firefox", download_id=3)
        _event(store, ep.id, at_ms=2000, browser="firefox", download_id=3, attempt=2)
        store.close_episode(ep.id, "complete", 3000)
        _event(store, None, at_ms=1500, kind="outcome")
    items = store.history()
    assert [i["attempt"] for i in items] == [2, 1]
    assert items[0]["at"] == "1970-01-01T00:00:02.000Z" == iso(2000)
    contract = set(CONTRACT_ITEM_KEYS)
    assert contract <= set(items[0])
    assert items[0]["outcome"] == "complete" and items[0]["known"] is True
    store.close()


def test_lone_surrogates_are_stored_without_failing(tmp_path: Path) -> None:
    """Odd Unicode from JSON escapes (a lone surrogate) is stored as '?', not an error."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        _event(store, None, filename="bad\ud800name")
    assert store.history()[0]["filename"] == "bad?name"
    store.close()


def test_a_file_that_is_not_a_database_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    """A corrupt history is renamed *.corrupt-*, logged, and a new one is started."""
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    lines: list[str] = []
    store = Store(path, log=lines.append)
    aside = list(tmp_path.glob("history.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not sqlite")
    assert "moved it to" in lines[0]
    assert store.history() == []
    store.close()


def test_unwritable_folder_is_store_unavailable_with_advice(tmp_path: Path) -> None:
    """A data folder that cannot be created gives a sentence that says what to do."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreUnavailable, match="XDG_DATA_HOME"):
        Store(blocker / "sub" / "history.sqlite3")


@given(st.integers(min_value=0, max_value=4_102_444_800_000))
def test_iso_in_sql_writes_the_same_text_as_iso(ms: int) -> None:
    """History items take their `at` from ISO_SQL, computed by SQLite; it is iso()'s text to
    the millisecond for every instant from 1970 to 2100."""
    db = sqlite3.connect(":memory:")
    (text,) = db.execute(f"SELECT {ISO_SQL.format('?')}", (ms,)).fetchone()
    db.close()
    assert text == iso(ms)


def test_a_reader_on_an_old_schema_migrates_it_like_a_writer(tmp_path: Path) -> None:
    """Store(reader=True) skips the writers' settings only on a current schema; on a v1
    history it migrates as a writer does (WAL included), so a reader never reads a
    half-known schema; a newer schema is refused as for a writer."""
    path = tmp_path / "h.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.close()
    Store(path, reader=True).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreUnavailable, match="newer dlrescue"):
        Store(path, reader=True)


# Schema 6 (issue 18): HTTP status, bytes needed, each domain's failures -----------------------


def test_a_v5_history_migrates_to_v6_keeping_its_rows(tmp_path: Path) -> None:
    """A history written by schema 5 gains events.http_status and bytes_needed (NULL for its
    old rows) and the sites table, whose columns are columns.SITE_COLUMNS in order and
    policy.SiteState's fields after the domain."""
    from native_host.sites import SiteState
    from native_host.store.columns import SITE_COLUMNS

    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    for step in MIGRATIONS[:5]:
        db.executescript(step)
    db.execute("PRAGMA user_version = 5")
    db.execute(
        "INSERT INTO events (at_ms, kind, reason, category, domain) "
        "VALUES (1, 'interrupted', 'SERVER_FAILED', 'SERVER', 'e.org')"
    )
    db.commit()
    db.close()
    assert SCHEMA_VERSION == 6
    store = Store(path)
    info = store.db.execute("PRAGMA table_info(sites)").fetchall()
    assert [row["name"] for row in info] == list(SITE_COLUMNS)
    assert list(SITE_COLUMNS)[1:] == list(SiteState._fields)
    assert all(added == 6 for added in SITE_COLUMNS.values())
    (item,) = store.history()
    assert item["reason"] == "SERVER_FAILED" and item["http_status"] is None
    store.close()


def test_a_domains_failures_are_kept_reset_and_pruned(tmp_path: Path) -> None:
    """save_site keeps a domain's state for any later host to read; a state without
    failures removes the row; prune removes the failures of domains last seen before its
    cutoff."""
    from native_host.sites import SiteState

    path = tmp_path / "history.sqlite3"
    store = Store(path)
    failing = SiteState(3, 1_000, "k" * 32, 5_000, 9_000)
    with store.transaction():
        store.save_site("e.org", failing)
        store.save_site("old.org", SiteState(1, 10, "x", 20, None))
    store.close()
    other = Store(path)
    assert other.site("e.org") == failing
    assert other.site("never.org") == SiteState()
    with other.transaction():
        other.save_site("e.org", SiteState())
    assert other.site("e.org") == SiteState()
    assert other.db.execute("SELECT COUNT(*) FROM sites").fetchone()[0] == 1
    other.prune(before_ms=100)
    assert other.site("old.org") == SiteState()
    other.close()


def test_history_items_and_stats_show_the_http_status(tmp_path: Path) -> None:
    """A history item has `http_status` (null when unknown); stats count `by_status`."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        _event(store, None, http_status=503)
        _event(store, None, http_status=503)
        _event(store, None, http_status=429)
        _event(store, None)
    assert [i["http_status"] for i in store.history()] == [None, 429, 503, 503]
    assert store.stats()["by_status"] == {"503": 2, "429": 1}
    store.close()

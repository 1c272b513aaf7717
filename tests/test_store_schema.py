"""native_host.store.schema (and columns.py) on real SQLite files: migrations, the columns they
make, a newer file refused, readers on old files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from historyfill import raw_event

from native_host.store import EVENT_COLUMNS, MIGRATIONS, SCHEMA_VERSION, Store, StoreUnavailable


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


def test_reopening_does_not_migrate_again_and_keeps_data(tmp_path: Path) -> None:
    """Opening an existing file keeps its rows."""
    path = tmp_path / "history.sqlite3"
    store = Store(path)
    with store.transaction():
        raw_event(store, None)
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

"""native_host.store.connection on real SQLite files: durability settings, transactions,
a damaged file moved aside, a folder that cannot be written."""

from __future__ import annotations

from pathlib import Path

import pytest
from historyfill import raw_event

from native_host.store import SCHEMA_VERSION, Store, StoreUnavailable


def test_new_file_is_wal_full_sync_current_schema_and_private(tmp_path: Path) -> None:
    """A new history is in WAL mode, synchronous=FULL, at the latest schema version."""
    store = Store(tmp_path / "h" / "history.sqlite3")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert (tmp_path / "h").stat().st_mode & 0o777 == 0o700
    store.close()


def test_rolled_back_transaction_leaves_nothing(tmp_path: Path) -> None:
    """An exception inside transaction() rolls every write back."""
    store = Store(tmp_path / "history.sqlite3")
    with pytest.raises(RuntimeError), store.transaction():
        raw_event(store, None)
        raise RuntimeError("boom")
    assert store.history() == []
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

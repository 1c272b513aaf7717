"""native_host.store.writes on real SQLite files: events by column name, episodes, odd text,
each domain's failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from historyfill import raw_event

from native_host.store import Store


def test_add_event_refuses_a_key_that_is_not_a_column(tmp_path: Path) -> None:
    """A write with a misspelled key fails naming it and the list to use, and writes nothing."""
    store = Store(tmp_path / "history.sqlite3")
    refused = r"'reasn' is not a column of events.*EVENT_COLUMNS"
    with pytest.raises(ValueError, match=refused), store.transaction():
        raw_event(store, None, reasn="NETWORK_FAILED")
    assert store.history() == []
    store.close()


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


def test_an_episode_opens_at_its_earliest_interruption_and_never_closes_before(
    tmp_path: Path,
) -> None:
    """An interruption that reached the host late (it occurred before the episode's first
    one recorded) moves the episode's opening back to it; a close at a time before the
    opening (a clamped time) closes it at the opening: recovery is never negative."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        first = store.open_episode("k", 5_000)
        store.open_episode("k", 2_000)
        store.open_episode("k", 9_000)
        store.close_episode(first.id, "complete", 1_000)
    row = store.db.execute("SELECT opened_ms, closed_ms FROM episodes").fetchone()
    assert tuple(row) == (2_000, 2_000)
    store.close()


def test_lone_surrogates_are_stored_without_failing(tmp_path: Path) -> None:
    """Odd Unicode from JSON escapes (a lone surrogate) is stored as '?', not an error."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        raw_event(store, None, filename="bad\ud800name")
    assert store.history()[0]["filename"] == "bad?name"
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

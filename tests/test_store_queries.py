"""native_host.store.queries on real SQLite files: history items with the contract's keys; a
filtered history reads an index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from historyfill import DAY, NOW, interrupt, memory_store, plans, raw_event
from hostio import CONTRACT_ITEM_KEYS

from native_host.store import Store, iso


def test_history_items_have_the_contract_keys_newest_first(tmp_path: Path) -> None:
    """Items carry event_id, at (ISO UTC), browser, download_id, url, filename, reason,
    category, known, action, delay_ms, attempt, outcome; newest first."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        ep = store.open_episode("k", 0)
        raw_event(store, ep.id, at_ms=1000, browser="firefox", download_id=3)
        raw_event(store, ep.id, at_ms=2000, browser="firefox", download_id=3, attempt=2)
        store.close_episode(ep.id, "complete", 3000)
        raw_event(store, None, at_ms=1500, kind="outcome")
    items = store.history()
    assert [i["attempt"] for i in items] == [2, 1]
    assert items[0]["at"] == "1970-01-01T00:00:02.000Z" == iso(2000)
    contract = set(CONTRACT_ITEM_KEYS)
    assert contract <= set(items[0])
    assert items[0]["outcome"] == "complete" and items[0]["known"] is True
    store.close()


def test_history_items_and_stats_show_the_http_status(tmp_path: Path) -> None:
    """A history item has `http_status` (null when unknown); stats count `by_status`."""
    store = Store(tmp_path / "history.sqlite3")
    with store.transaction():
        raw_event(store, None, http_status=503)
        raw_event(store, None, http_status=503)
        raw_event(store, None, http_status=429)
        raw_event(store, None)
    assert [i["http_status"] for i in store.history()] == [None, 429, 503, 503]
    assert store.stats()["by_status"] == {"503": 2, "429": 1}
    store.close()


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"category": "NETWORK"},
        {"reason": "NETWORK_FAILED"},
        {"domain": "a.example"},
        {"since_ms": NOW},
        {"since_ms": NOW, "until_ms": NOW + DAY},
    ],
)
def test_filtered_history_reads_an_index_in_time_order(filters: dict[str, Any]) -> None:
    """A filtered history walks an index newest first and stops at the limit: no full
    table scan and no sort."""
    store = memory_store()
    interrupt(store, NOW, "https://a.example/x")
    steps = plans(store, lambda: store.history(limit=10, **filters))
    assert any("USING INDEX" in s or "USING COVERING INDEX" in s for s in steps), steps
    assert not any("TEMP B-TREE" in s for s in steps), steps

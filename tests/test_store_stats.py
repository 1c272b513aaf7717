"""native_host.store.stats over real histories: counts, how retrying pays off, medians, and the
indexes that keep them fast."""

from __future__ import annotations

import json
import sqlite3
import statistics
from pathlib import Path

from historyfill import DAY, NOW, finish, interrupt, memory_store, plans, rescued, row
from hypothesis import given, settings
from hypothesis import strategies as st

from native_host.store import MIGRATIONS, SCHEMA_VERSION, Store

SECOND = 1_000


# -- what the numbers mean -------------------------------------------------------------------


def test_rescue_share_and_median_recovery_per_reason_category_and_overall() -> None:
    """A download rescued is one that ended complete after at least one retry; its share is
    over downloads that ended (open ones wait); the median recovery is the middle time from
    first interruption to completion (the mean of the two middle ones for an even count)."""
    store = memory_store()
    for i, seconds in enumerate((10, 20, 60)):
        rescued(store, NOW + i * DAY, seconds * SECOND, f"https://n.example/{i}")
    interrupt(store, NOW, "https://n.example/given-up")
    finish(store, NOW + 5 * SECOND, "https://n.example/given-up", state="given_up")
    interrupt(store, NOW, "https://n.example/open")
    rescued(store, NOW, 5 * SECOND, "https://s.example/1", "SERVER_FAILED")
    interrupt(store, NOW, "https://s.example/2", "SERVER_FORBIDDEN", action="none")

    stats = store.stats()
    failed = row(stats["by_reason"], "reason", "NETWORK_FAILED")
    assert failed["episodes"] == 5 and failed["ended"] == 4 and failed["rescued"] == 3
    assert failed["given_up"] == 1 and failed["rescue_share"] == 0.75
    assert failed["median_recovery_ms"] == 20 * SECOND
    server = row(stats["by_category"], "category", "SERVER")
    assert server["episodes"] == 2 and server["rescued"] == 1 and server["rescue_share"] == 0.5
    assert server["median_recovery_ms"] == 5 * SECOND
    forbidden = row(stats["by_reason"], "reason", "SERVER_FORBIDDEN")
    assert forbidden["rescue_share"] == 0.0 and forbidden["median_recovery_ms"] is None
    assert stats["rescued"] == 4 and stats["ended"] == 6 and stats["episodes"] == 7
    assert stats["median_recovery_ms"] == 15 * SECOND  # 5, 10 | 20, 60
    assert stats["interruptions"] == 7

    rescued(store, NOW, 100 * SECOND, "https://n.example/slow")
    failed = row(store.stats()["by_reason"], "reason", "NETWORK_FAILED")
    assert failed["median_recovery_ms"] == 40 * SECOND  # 10, 20 | 60, 100


def test_a_download_counts_under_the_reason_that_opened_it() -> None:
    """A download interrupted by NETWORK_FAILED, then SERVER_FAILED, then completed, is one
    NETWORK_FAILED download rescued; both interruptions are counted under their reasons."""
    store = memory_store()
    interrupt(store, NOW, "https://x.example/f", "NETWORK_FAILED")
    interrupt(store, NOW + SECOND, "https://x.example/f", "SERVER_FAILED")
    finish(store, NOW + 9 * SECOND, "https://x.example/f")
    stats = store.stats()
    network = row(stats["by_reason"], "reason", "NETWORK_FAILED")
    server = row(stats["by_reason"], "reason", "SERVER_FAILED")
    assert (network["interruptions"], network["episodes"], network["rescued"]) == (1, 1, 1)
    assert (server["interruptions"], server["episodes"], server["rescued"]) == (1, 0, 0)
    assert server["rescue_share"] is None and network["median_recovery_ms"] == 9 * SECOND


def test_since_counts_only_what_happened_after_it() -> None:
    """With since, interruptions before it are not counted and neither are downloads that
    started before it."""
    store = memory_store()
    rescued(store, NOW - 10 * DAY, 30 * SECOND, "https://old.example/a")
    rescued(store, NOW - 1 * DAY, 50 * SECOND, "https://new.example/b", tries=2)
    interrupt(store, NOW - 2 * DAY, "https://new.example/c", "USER_CANCELED", action="none")
    stats = store.stats(since_ms=NOW - 3 * DAY)
    assert stats["since"] == "2026-11-20T12:00:00.000Z"
    assert stats["interruptions"] == 3 and stats["episodes"] == 2 and stats["rescued"] == 1
    assert stats["median_recovery_ms"] == 50 * SECOND
    assert [r["category"] for r in stats["by_category"]] == ["NETWORK", "USER"]
    assert [d["domain"] for d in stats["by_domain"]] == ["new.example"]
    assert store.stats(since_ms=NOW)["interruptions"] == 0


def test_bytes_kept_are_the_bytes_on_disk_at_each_resume_of_a_completed_download() -> None:
    """bytes_kept adds the bytes already received at every interruption that was resumed, in
    downloads that then completed: not those restarted from zero, nor open, given-up or
    private ones, nor downloads opened before `since`."""
    store = memory_store()
    big = "https://k.example/big.iso"
    interrupt(store, NOW, big, bytes_received=100_000)
    interrupt(store, NOW + SECOND, big, bytes_received=250_000)
    finish(store, NOW + 9 * SECOND, big)
    redo = "https://k.example/redo.bin"
    interrupt(store, NOW, redo, "SERVER_NO_RANGE", action="restart", bytes_received=70_000)
    finish(store, NOW + 9 * SECOND, redo)
    interrupt(store, NOW, "https://k.example/open.bin", bytes_received=1_000_000)
    interrupt(store, NOW, "https://k.example/gone.bin", bytes_received=2_000_000)
    finish(store, NOW + SECOND, "https://k.example/gone.bin", state="given_up")
    interrupt(store, NOW, "https://k.example/private", bytes_received=4_000_000, incognito=True)
    old = "https://k.example/old.iso"
    interrupt(store, NOW - 10 * DAY, old, bytes_received=8_000_000)
    finish(store, NOW - 10 * DAY + SECOND, old)
    assert store.stats()["bytes_kept"] == 8_350_000
    assert store.stats(since_ms=NOW - DAY)["bytes_kept"] == 350_000
    assert memory_store().stats()["bytes_kept"] == 0


def test_domains_are_the_busiest_first_and_private_items_have_none() -> None:
    """by_domain lists domains by interruptions, most first, up to top_domains; items from
    private windows count in the totals but under no domain."""
    store = memory_store()
    for i in range(3):
        interrupt(store, NOW + i, f"https://busy.example/{i}")
    interrupt(store, NOW, "https://quiet.example/x")
    interrupt(store, NOW, "https://secret.example/x", incognito=True)
    stats = store.stats(top_domains=1)
    assert stats["by_domain"] == [
        {"domain": "busy.example", "interruptions": 3, "failures": 0, "paused_until": None}
    ]
    assert stats["interruptions"] == 5
    assert len(store.stats()["by_domain"]) == 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 10**7), max_size=12),
    st.lists(st.integers(1, 10**7), max_size=12),
)
def test_medians_agree_with_statistics_median(network: list[int], server: list[int]) -> None:
    """Whatever the recovery times, the medians found through the indexes equal
    statistics.median per reason, per category and overall (rounded to the millisecond)."""
    store = memory_store()
    for i, ms in enumerate(network):
        rescued(store, NOW + i, ms, f"https://n.example/{i}")
    for i, ms in enumerate(server):
        rescued(store, NOW + i, ms, f"https://s.example/{i}", "SERVER_FAILED")
    stats = store.stats()

    def expected(values: list[int]) -> int | None:
        return round(statistics.median(values)) if values else None

    assert stats["median_recovery_ms"] == expected(network + server)
    if network:
        assert row(stats["by_category"], "category", "NETWORK")["median_recovery_ms"] == (
            expected(network)
        )
    if server:
        assert row(stats["by_reason"], "reason", "SERVER_FAILED")["median_recovery_ms"] == (
            expected(server)
        )


def test_stats_is_json_able_and_empty_when_nothing_happened() -> None:
    """An empty history gives zeros, empty lists and None shares, and the dict survives JSON."""
    stats = memory_store().stats()
    assert json.loads(json.dumps(stats)) == stats
    assert stats["interruptions"] == stats["episodes"] == 0
    assert stats["rescue_share"] is None and stats["median_recovery_ms"] is None
    assert stats["by_category"] == stats["by_reason"] == stats["by_domain"] == []


def test_stats_queries_read_indexes_not_tables() -> None:
    """Every stats query reads a covering or partial index, never a table, and groups in
    index order rather than sorting every row, with or without since (only the few groups
    of domains are sorted)."""
    store = memory_store()
    rescued(store, NOW, 5 * SECOND, "https://a.example/x")
    for since in (None, NOW - DAY):
        steps = plans(store, lambda since=since: store.stats(since_ms=since))
        assert steps
        reads = [s for s in steps if s.startswith(("SCAN ", "SEARCH "))]
        # A domain's failures are read by its key: a WITHOUT ROWID table is its own index.
        assert reads and all("INDEX" in s or "PRIMARY KEY" in s for s in reads), reads
        assert not any(s.startswith("SCAN events ") and "COVERING" not in s for s in reads)
        assert not any("USE TEMP B-TREE FOR GROUP BY" in s for s in steps), steps


def test_migrating_a_version_1_history_keeps_everything_and_fills_the_new_columns(
    tmp_path: Path,
) -> None:
    """A history written by schema 1 opens at the current version; each episode gets the
    reason and category of its first interruption, and stats read it."""
    path = tmp_path / "history.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO episodes (id, url_key, opened_ms, closed_ms, outcome, attempts, retries) "
        "VALUES (1, 'k', ?, ?, 'complete', 2, 2)",
        (NOW, NOW + 7 * SECOND),
    )
    for at, reason, category in ((NOW, "SERVER_FAILED", "SERVER"), (NOW + 1, "CRASH", "CRASH")):
        db.execute(
            "INSERT INTO events (at_ms, kind, episode_id, reason, category, domain, action) "
            "VALUES (?, 'interrupted', 1, ?, ?, 'a.example', 'resume')",
            (at, reason, category),
        )
    db.commit()
    db.close()

    store = Store(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    first = store.db.execute("SELECT reason, category FROM episodes WHERE id = 1").fetchone()
    assert tuple(first) == ("SERVER_FAILED", "SERVER")
    stats = store.stats()
    assert row(stats["by_reason"], "reason", "SERVER_FAILED")["rescued"] == 1
    assert stats["median_recovery_ms"] == 7 * SECOND
    assert len(store.history()) == 2

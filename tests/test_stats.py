"""Stats over real histories: counts, how retrying pays off, medians, the schema that makes
them fast, and the same numbers through `dlrescue stats` and the popup's `stats` message."""

from __future__ import annotations

import json
import sqlite3
import statistics
from pathlib import Path
from typing import Any

import pytest
from historyfill import DAY, NOW, finish, interrupt, rescued
from hostio import Host, frame, interrupted, run_host
from hypothesis import given, settings
from hypothesis import strategies as st

from native_host.cli import main
from native_host.report.cells import text_width
from native_host.store import MIGRATIONS, SCHEMA_VERSION, Store

SECOND = 1_000


def memory_store() -> Store:
    return Store(Path(":memory:"))


def row(rows: list[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
    return next(r for r in rows if r[key] == name)


@pytest.fixture(autouse=True)
def columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are laid out for an 80-column terminal, in English."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")


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


# -- staying fast at a million events ------------------------------------------------------


def plans(store: Store, call: Any) -> list[str]:
    """The query plan of every statement `call` runs on the store."""
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        call()
    finally:
        store.db.set_trace_callback(None)
    out = []
    for sql in statements:
        if sql.lstrip().upper().startswith("SELECT"):
            for step in store.db.execute(f"EXPLAIN QUERY PLAN {sql}"):
                out.append(str(step[3]))
    return out


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


def test_the_host_attributes_new_episodes_as_it_records(xdg: dict[str, str]) -> None:
    """Episodes the real host opens carry the reason and category of their first
    interruption (what stats group by)."""
    run_host(
        frame(interrupted(1, "SERVER_FAILED"))
        + frame(interrupted(2, "NETWORK_FAILED"))
        + frame(interrupted(3, "NETWORK_TIMEOUT", url="https://b.example/", id=9)),
        env=xdg,
    )
    db = sqlite3.connect(Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3")
    rows = db.execute("SELECT reason, category FROM episodes ORDER BY id").fetchall()
    assert rows == [("SERVER_FAILED", "SERVER"), ("NETWORK_TIMEOUT", "NETWORK")]


# -- the command line and the popup ------------------------------------------------------------


def fill_through_host(xdg: dict[str, str]) -> None:
    messages: list[dict[str, Any]] = [
        interrupted(1, url="https://a.example/1"),
        {
            "type": "outcome",
            "download": {"id": 42, "url": "https://a.example/1", "state": "complete"},
        },
        interrupted(2, url="https://a.example/2", id=2),
        interrupted(3, "SERVER_FORBIDDEN", url="https://b.example/3", id=3),
        interrupted(4, "USER_CANCELED", url="https://c.example/4", id=4),
    ]
    proc = run_host(b"".join(frame(m) for m in messages), env=xdg)
    assert proc.returncode == 0


def test_stats_json_and_the_popup_message_report_the_same_numbers(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`dlrescue stats --format json` and the popup's stats reply agree; the popup's rows
    carry explanations in the port's language."""
    fill_through_host(xdg)
    assert main(["stats", "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["interruptions"] == 4 and cli["episodes"] == 4 and cli["rescued"] == 1
    assert row(cli["by_category"], "category", "NETWORK")["rescue_share"] == 1.0
    assert [d["domain"] for d in cli["by_domain"]] == ["a.example", "b.example", "c.example"]

    host = Host(env=xdg)
    try:
        host.ask({"type": "hello", "lang": "fr"})
        reply = host.ask({"type": "stats", "rid": 5})
        since = host.ask({"type": "stats", "since": "2000-01-01T00:00:00Z"})
        future = host.ask({"type": "stats", "since": "2999-01-01"})
    finally:
        host.close()
    assert reply["ok"] is True and reply["rid"] == 5
    for key in ("interruptions", "episodes", "rescued", "rescue_share", "by_domain"):
        assert reply[key] == cli[key]
    network = row(reply["by_category"], "category", "NETWORK")
    assert network["explanation"].startswith("Un problème de réseau")
    assert row(reply["by_reason"], "reason", "SERVER_FORBIDDEN")["explanation"].startswith(
        "Le serveur a refusé"
    )
    assert since["interruptions"] == 4 and future["interruptions"] == 0


def test_stats_table_has_bars_and_fits_80_columns(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The table shows a summary, a bar per category, reason and domain, and fits 80
    columns; --since 1h still counts what the host just recorded."""
    fill_through_host(xdg)
    assert main(["stats", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Since ") and lines[1].startswith("4 interruptions in 4 downloads")
    assert "Retrying rescued 1 of 3 ended downloads (33%)" in out
    assert all(text_width(line) <= 80 for line in lines)
    network = next(line for line in lines if line.startswith("NETWORK "))
    user = next(line for line in lines if line.startswith("USER "))
    assert network.count("█") > user.count("█") > 0
    assert any(line.startswith("a.example ") and "█" in line for line in lines)


def test_stats_in_french_explains_categories_in_french(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--lang fr writes the category explanations under the tables in French."""
    fill_through_host(xdg)
    assert main(["stats", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "NETWORK: Un problème de réseau" in out

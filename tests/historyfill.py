"""Filling a real history file at chosen times, through the Store's own write methods, and
looking into one (a row by name, the query plans a call runs).

The host stamps events with the clock; tests of time filters, medians and pruning need
events at chosen instants, so these helpers do what host.py does for an `interrupted` or
`outcome` request (same Store calls, same columns) with an explicit `at_ms`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from native_host.policy import DEFAULT_POLICY, rule_for
from native_host.privacy import domain, scrub_url, url_key
from native_host.reasons import category_of
from native_host.store import Store

DAY = 86_400_000
#: A fixed "now" for tests that pass times explicitly: 2026-11-23T12:00:00Z.
NOW = 1_795_435_200_000


def interrupt(
    store: Store,
    at_ms: int,
    url: str = "https://example.org/big.iso",
    reason: str = "NETWORK_FAILED",
    *,
    action: str = "resume",
    browser: str = "chrome",
    download_id: int = 1,
    filename: str | None = "/home/u/Downloads/big.iso",
    incognito: bool = False,
    bytes_received: int | None = None,
) -> int:
    """Record one interruption at `at_ms`, as the host would; returns the event id.

    `action` none closes the episode (cancelled for USER_CANCELED, else given_up).
    """
    with store.transaction():
        episode = None if incognito else store.open_episode(url_key(url), at_ms)
        attempt = 1 if episode is None else episode.attempts + 1
        if episode is not None:
            store.count_attempt(episode.id, retried=action != "none")
        event_id = store.add_event(
            {
                "at_ms": at_ms,
                "kind": "interrupted",
                "browser": browser,
                "download_id": download_id,
                "episode_id": None if episode is None else episode.id,
                "url": None if incognito else scrub_url(url),
                "domain": None if incognito else domain(url),
                "filename": None if incognito else filename,
                "reason": reason,
                "category": category_of(reason),
                "known": 1,
                "action": action,
                "delay_ms": 0 if action == "none" else 1000,
                "attempt": attempt,
                "max_attempts": rule_for(DEFAULT_POLICY, reason, category_of(reason)).max_attempts,
                "notify": int(action == "none"),
                "incognito": int(incognito),
                "bytes_received": None if incognito else bytes_received,
            }
        )
        if episode is not None and action == "none":
            outcome = "cancelled" if reason == "USER_CANCELED" else "given_up"
            store.close_episode(episode.id, outcome, at_ms)
    return event_id


def finish(
    store: Store, at_ms: int, url: str = "https://example.org/big.iso", state: str = "complete"
) -> int:
    """Record an `outcome` at `at_ms` (complete or given_up closes the episode)."""
    with store.transaction():
        episode = store.find_open_episode(url_key(url))
        if episode is not None and state in ("complete", "given_up"):
            store.close_episode(episode, state, at_ms)
        return store.add_event(
            {
                "at_ms": at_ms,
                "kind": "outcome",
                "browser": "chrome",
                "download_id": 1,
                "episode_id": episode,
                "state": state,
                "incognito": 0,
            }
        )


def rescued(
    store: Store,
    opened_ms: int,
    recovery_ms: int,
    url: str,
    reason: str = "NETWORK_FAILED",
    *,
    tries: int = 1,
) -> None:
    """An episode interrupted `tries` times from `opened_ms`, complete `recovery_ms` later."""
    for i in range(tries):
        interrupt(store, opened_ms + i, url, reason)
    finish(store, opened_ms + recovery_ms, url)


def raw_event(store: Store, episode: int | None, **fields: object) -> int:
    """One event row with these fields (by default an interruption at e.org), through add_event."""
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


def memory_store() -> Store:
    """A history in memory (nothing on disk)."""
    return Store(Path(":memory:"))


def row(rows: list[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
    """The row of `rows` whose `key` is `name`."""
    return next(r for r in rows if r[key] == name)


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

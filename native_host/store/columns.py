"""The history's names, listed once: the tables' columns, a history item's keys, an export's.

The store writes and reads rows by these names (add_event refuses a key that is not a
column); `history --format csv` and `export --format csv` take their headers from here; the
tests' helpers and the bench build their rows from them. Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The events table's columns in the table's order, each with the schema version that added
#: it (schema.MIGRATIONS: append only, so this is too).
EVENT_COLUMNS: Mapping[str, int] = {
    "id": 1,
    "at_ms": 1,
    "kind": 1,
    "browser": 1,
    "download_id": 1,
    "episode_id": 1,
    "url": 1,
    "domain": 1,
    "filename": 1,
    "reason": 1,
    "category": 1,
    "known": 1,
    "action": 1,
    "delay_ms": 1,
    "attempt": 1,
    "max_attempts": 1,
    "notify": 1,
    "state": 1,
    "incognito": 1,
    "bytes_received": 1,
    "total_bytes": 1,
    "event_key": 3,  # the hashed key of an event the extension may send again
    "cause": 3,  # why the decision was made, to explain it again
    "reachable": 4,  # whether the server answered the extension's probe
    "http_status": 6,  # the status of the download's last response, when the extension sent it
    "bytes_needed": 6,  # how many more bytes a full disk must free (a `wait: "space"` decision)
}

#: The sites table's columns in the table's order, with the version that added each: one row
#: per domain with failures since its last success (sites.SiteState's fields, by name).
SITE_COLUMNS: Mapping[str, int] = {
    "domain": 6,
    "failures": 6,
    "last_ms": 6,
    "probe": 6,  # the hashed URL key of the site's probe download
    "probe_due_ms": 6,
    "paused_until_ms": 6,
}

#: The episodes table's columns in the table's order, with the version that added each.
EPISODE_COLUMNS: Mapping[str, int] = {
    "id": 1,
    "url_key": 1,
    "opened_ms": 1,
    "closed_ms": 1,
    "outcome": 1,
    "attempts": 1,
    "retries": 1,
    "reason": 2,
    "category": 2,
}

#: The columns an incognito event never fills (see Store.add_event and SECURITY.md).
INCOGNITO_DROPPED = ("url", "domain", "filename", "download_id", "bytes_received", "total_bytes")

#: Columns the host keeps for itself: never in a history item or an export.
INTERNAL = ("event_key", "cause", "reachable", "bytes_needed")

#: The columns a reader sees as true or false (stored as 1 or 0).
BOOLEANS = ("known", "notify", "incognito")

#: Where a column is shown under another name (`at` is ISO 8601 text in a history item and
#: milliseconds in an export, as the contract and PROTOCOL.md say).
RENAMED: Mapping[str, str] = {"id": "event_id", "at_ms": "at"}

#: A history item's keys in PROTOCOL.md's order ("History items"): the contract's first,
#: then what dlrescue adds. Each is the event's column of that name (after RENAMED), except
#: `outcome`, its episode's.
HISTORY_ITEM = (
    "event_id",
    "at",
    "browser",
    "download_id",
    "url",
    "filename",
    "reason",
    "category",
    "known",
    "action",
    "delay_ms",
    "attempt",
    "outcome",
    "max_attempts",
    "notify",
    "incognito",
    "domain",
    "episode_id",
    "http_status",
)

#: The keys every history item has under the contract (the rest are dlrescue's own).
CONTRACT_ITEM_KEYS = HISTORY_ITEM[: HISTORY_ITEM.index("outcome") + 1]

#: The columns of `history --format csv`: the item's keys, then what its reason means.
HISTORY_FIELDS = (*HISTORY_ITEM, "explanation")

#: The keys of an exported event (Store.events), which `export --format csv` uses as its
#: columns: every column but the host's own, then the episode's outcome.
EXPORT_FIELDS = (
    *(RENAMED.get(name, name) for name in EVENT_COLUMNS if name not in INTERNAL),
    "outcome",
)

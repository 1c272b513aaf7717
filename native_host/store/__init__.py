"""The history store: the only SQL in dlrescue.

    columns.py     the names, listed once: table columns, history item and export keys
    schema.py      migrations from version to version, and applying them
    connection.py  opening the file (WAL, busy timeout), damage, transactions
    writes.py      episodes and events, as the host records them
    queries.py     history items and the export
    stats.py       counts by category, reason and domain; median recovery
    prune.py       removing old episodes, leaving nothing readable
    errors.py      StoreUnavailable and the sentence that says what to do
    clock.py       milliseconds since the epoch, and ISO 8601 text of them

SQLite in WAL mode with `synchronous=FULL` (a reply follows a durable commit), a busy
timeout so several browsers' hosts share one file, a versioned schema with migrations, and
episodes keyed by URL (Firefox's ids restart every session). Failures become
StoreUnavailable with a sentence that says what to do.
"""

from __future__ import annotations

from .clock import ISO_SQL, iso, now_ms
from .columns import (
    CONTRACT_ITEM_KEYS,
    EPISODE_COLUMNS,
    EVENT_COLUMNS,
    EXPORT_FIELDS,
    HISTORY_FIELDS,
    INCOGNITO_DROPPED,
)
from .errors import BUSY_TIMEOUT_S, StoreUnavailable, explain_error, is_damage
from .prune import Pruning
from .queries import Queries
from .schema import MIGRATIONS, SCHEMA_VERSION
from .stats import Stats
from .writes import Episode, Writes

__all__ = [
    "BUSY_TIMEOUT_S",
    "CONTRACT_ITEM_KEYS",
    "EPISODE_COLUMNS",
    "EVENT_COLUMNS",
    "EXPORT_FIELDS",
    "HISTORY_FIELDS",
    "INCOGNITO_DROPPED",
    "ISO_SQL",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Episode",
    "Store",
    "StoreUnavailable",
    "explain_error",
    "is_damage",
    "iso",
    "now_ms",
]


class Store(Writes, Queries, Stats, Pruning):
    """One connection to the history file: what the host writes, what the CLI and the popup
    read (each part in its own module, all on Connection's `db`)."""

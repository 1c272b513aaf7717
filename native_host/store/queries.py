"""What the history shows: interruptions as history items, and every event for export.

Each query names its columns after columns.py (a history item's keys, an export's), and
rows become dicts by those names.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence

from ..record import TYPE_CHECKING
from .clock import ISO_SQL
from .columns import BOOLEANS, EXPORT_FIELDS, HISTORY_ITEM, RENAMED
from .connection import Connection
from .errors import StoreUnavailable, explain_error

if TYPE_CHECKING:
    from typing import Any

_FROM = "FROM events e LEFT JOIN episodes ep ON ep.id = e.episode_id"
_COLUMN_OF = {shown: column for column, shown in RENAMED.items()}


def _select(keys: tuple[str, ...], **sql: str) -> str:
    """`SELECT e.col AS key, ...`: each key the event's column of that name (see RENAMED),
    or the SQL given for it."""
    return "SELECT " + ", ".join(
        f"{sql.get(key) or 'e.' + _COLUMN_OF.get(key, key)} AS {key}" for key in keys
    )


#: A history item (`at` as ISO 8601 text; `outcome` is its episode's).
_HISTORY = _select(HISTORY_ITEM, at=ISO_SQL.format("e.at_ms"), outcome="ep.outcome")
#: An exported event (`at` in ms; `outcome` is its episode's).
_EXPORT = _select(EXPORT_FIELDS, outcome="ep.outcome")


def _tuples(db: sqlite3.Connection, sql: str, args: Sequence[object]) -> sqlite3.Cursor:
    """The query's cursor, its rows plain tuples (the fastest for many rows; _dicts names them)."""
    cursor = db.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, args)


def _dicts(cursor: sqlite3.Cursor, rows: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the names of the cursor's columns."""
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in rows]


class Queries(Connection):
    def history(
        self,
        *,
        limit: int = 50,
        since_ms: int | None = None,
        until_ms: int | None = None,
        reason: str | None = None,
        category: str | None = None,
        browser: str | None = None,
        domain: str | None = None,
        outcome: str | None = None,
    ) -> list[dict[str, Any]]:
        """Interruptions, newest first, as history items (columns.HISTORY_ITEM)."""
        where = ["e.kind = 'interrupted'"]
        args: list[object] = []
        for clause, value in (
            ("e.at_ms >= ?", since_ms),
            ("e.at_ms < ?", until_ms),
            ("e.reason = ?", reason),
            ("e.category = ?", category),
            ("e.browser = ?", browser),
            ("e.domain = ?", domain),
        ):
            if value is not None:
                where.append(clause)
                args.append(value)
        if outcome == "pending":
            where.append("(ep.id IS NULL OR ep.closed_ms IS NULL)")
        elif outcome is not None:
            where.append("ep.outcome = ?")
            args.append(outcome)
        sql = f"""{_HISTORY} {_FROM} WHERE {" AND ".join(where)}
            ORDER BY e.at_ms DESC, e.id DESC LIMIT ?"""
        args.append(limit)
        try:
            cursor = _tuples(self.db, sql, args)
            items = _dicts(cursor, cursor.fetchall())
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc
        for item in items:
            for name in BOOLEANS:
                item[name] = bool(item[name])
        return items

    def events(
        self, *, since_ms: int | None = None, until_ms: int | None = None, batch: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Every event (interruptions and outcomes), oldest first, read in batches, each with
        the keys columns.EXPORT_FIELDS.

        Rows are fetched `batch` at a time from one read transaction (a consistent snapshot),
        so exporting a million events holds only a batch in memory.
        """
        where, args = ["1"], []
        if since_ms is not None:
            where.append("e.at_ms >= ?")
            args.append(since_ms)
        if until_ms is not None:
            where.append("e.at_ms < ?")
            args.append(until_ms)
        sql = f"{_EXPORT} {_FROM} WHERE {' AND '.join(where)} ORDER BY e.id"
        try:
            cursor = _tuples(self.db, sql, args)
            while rows := cursor.fetchmany(batch):
                for event in _dicts(cursor, rows):
                    for name in ("known", "notify"):  # an outcome may have neither: None
                        if event[name] is not None:
                            event[name] = bool(event[name])
                    event["incognito"] = bool(event["incognito"])
                    yield event
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc

"""The history store: the only SQL in dlrescue.

SQLite in WAL mode with `synchronous=FULL` (a reply follows a durable commit), a busy
timeout so several browsers' hosts share one file, a versioned schema with migrations, and
episodes keyed by URL (Firefox's ids restart every session). Writes happen inside
`transaction()`, which the host wraps around every batch of waiting frames (group commit).

Failures become StoreUnavailable with a sentence that says what to do.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: How long a writer waits for another host's transaction before giving up.
BUSY_TIMEOUT_S = 5.0

# Each entry migrates from version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        url_key TEXT NOT NULL,
        opened_ms INTEGER NOT NULL,
        closed_ms INTEGER,
        outcome TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX episodes_open ON episodes(url_key) WHERE closed_ms IS NULL;
    CREATE INDEX episodes_url ON episodes(url_key);
    CREATE INDEX episodes_closed ON episodes(closed_ms);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('interrupted', 'outcome')),
        browser TEXT,
        download_id INTEGER,
        episode_id INTEGER REFERENCES episodes(id),
        url TEXT,
        domain TEXT,
        filename TEXT,
        reason TEXT,
        category TEXT,
        known INTEGER,
        action TEXT,
        delay_ms INTEGER,
        attempt INTEGER,
        max_attempts INTEGER,
        notify INTEGER,
        state TEXT,
        incognito INTEGER NOT NULL DEFAULT 0,
        bytes_received INTEGER,
        total_bytes INTEGER
    );
    CREATE INDEX events_at ON events(kind, at_ms);
    CREATE INDEX events_reason ON events(reason, at_ms);
    CREATE INDEX events_category ON events(category, at_ms);
    CREATE INDEX events_domain ON events(domain, at_ms);
    CREATE INDEX events_episode ON events(episode_id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# sqlite3 extended result codes we explain (primary code = code & 0xFF).
_BUSY, _READONLY, _CANTOPEN, _FULL, _CORRUPT, _NOTADB, _IOERR = 5, 8, 14, 13, 11, 26, 10


class StoreUnavailable(Exception):
    """The history cannot be read or written; the message says what to do."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso(ms: int) -> str:
    """Milliseconds since the epoch as ISO 8601 UTC with a Z."""
    return (
        datetime.fromtimestamp(ms / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _text(value: str | None) -> str | None:
    """Text SQLite can store: lone surrogates (odd Unicode from JSON escapes) become '?'."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def explain_error(exc: sqlite3.Error, path: Path) -> str:
    """A sentence that says what failed and what to do."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    where = path.parent
    if code == _FULL:
        return f"the disk holding {where} is full: free some space; the event will be retried"
    if code in (_READONLY, _CANTOPEN) or isinstance(exc, PermissionError):
        return (
            f"cannot write the history in {where}: make the folder writable by you "
            f"(chmod u+w) or set XDG_DATA_HOME to a writable folder"
        )
    if code == _BUSY:
        return (
            f"the history {path} stayed locked by another program for more than "
            f"{BUSY_TIMEOUT_S:g} s; the event will be retried"
        )
    if code in (_CORRUPT, _NOTADB):
        return (
            f"the history {path} is damaged; restart the host to move it aside and start a new one"
        )
    if code == _IOERR:
        return f"an I/O error stopped the history in {where} ({exc}); check the disk"
    return f"the history {path} failed: {exc}"


@dataclass(frozen=True, slots=True)
class Episode:
    id: int
    attempts: int


class Store:
    """One connection to the history file."""

    def __init__(self, path: Path, *, timeout: float = BUSY_TIMEOUT_S, log: Any = None) -> None:
        self.path = path
        self._log = log
        try:
            self.db = self._connect(timeout)
        except sqlite3.DatabaseError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code not in (_CORRUPT, _NOTADB):
                raise StoreUnavailable(explain_error(exc, path)) from exc
            aside = self._move_aside()
            if log is not None:
                log(
                    f"the history {path} was damaged ({exc}); moved it to {aside} "
                    "and started a new one"
                )
            try:
                self.db = self._connect(timeout)
            except sqlite3.Error as exc2:
                raise StoreUnavailable(explain_error(exc2, path)) from exc2
        except OSError as exc:
            raise StoreUnavailable(
                f"cannot create the history folder {path.parent}: {exc.strerror}; make it "
                f"writable or set XDG_DATA_HOME to a writable folder"
            ) from exc

    def _connect(self, timeout: float) -> sqlite3.Connection:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"the history {self.path} was written by a newer dlrescue (schema {version}, "
                f"this one knows {SCHEMA_VERSION}); upgrade dlrescue"
            )
        db.execute("BEGIN IMMEDIATE")
        try:
            (version,) = db.execute("PRAGMA user_version").fetchone()  # another host may have won
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(self.path) + suffix)
            if source.exists():
                os.replace(source, Path(str(aside) + suffix))
        return aside

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT); StoreUnavailable on failure."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc
        try:
            yield
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise StoreUnavailable(explain_error(exc, self.path)) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self.db.in_transaction:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    # -- writes (inside transaction()) ------------------------------------------------------

    def open_episode(self, url_key: str, at_ms: int) -> Episode:
        """The open episode of this URL, or a new one."""
        row = self.db.execute(
            "SELECT id, attempts FROM episodes WHERE url_key = ? AND closed_ms IS NULL", (url_key,)
        ).fetchone()
        if row is not None:
            return Episode(row[0], row[1])
        cursor = self.db.execute(
            "INSERT INTO episodes (url_key, opened_ms) VALUES (?, ?)", (url_key, at_ms)
        )
        return Episode(int(cursor.lastrowid or 0), 0)

    def find_open_episode(self, url_key: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM episodes WHERE url_key = ? AND closed_ms IS NULL", (url_key,)
        ).fetchone()
        return None if row is None else int(row[0])

    def count_attempt(self, episode_id: int, *, retried: bool) -> None:
        self.db.execute(
            "UPDATE episodes SET attempts = attempts + 1, retries = retries + ? WHERE id = ?",
            (int(retried), episode_id),
        )

    def close_episode(self, episode_id: int, outcome: str, at_ms: int) -> None:
        self.db.execute(
            "UPDATE episodes SET closed_ms = ?, outcome = ? WHERE id = ? AND closed_ms IS NULL",
            (at_ms, outcome, episode_id),
        )

    def add_event(self, fields: Mapping[str, object]) -> int:
        """Insert one event row; keys are column names. Returns its id."""
        columns = ", ".join(fields)
        marks = ", ".join("?" * len(fields))
        values = [_text(v) if isinstance(v, str) else v for v in fields.values()]
        cursor = self.db.execute(f"INSERT INTO events ({columns}) VALUES ({marks})", values)  # noqa: S608
        return int(cursor.lastrowid or 0)

    # -- reads ------------------------------------------------------------------------------

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
        """Interruptions, newest first, in the contract's item shape."""
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
        sql = f"""
            SELECT e.id, e.at_ms, e.browser, e.download_id, e.url, e.domain, e.filename,
                   e.reason, e.category, e.known, e.action, e.delay_ms, e.attempt,
                   e.max_attempts, e.notify, e.incognito, ep.outcome, e.episode_id
            FROM events e LEFT JOIN episodes ep ON ep.id = e.episode_id
            WHERE {" AND ".join(where)}
            ORDER BY e.at_ms DESC, e.id DESC
            LIMIT ?"""  # noqa: S608 (only fixed clauses are joined; values are bound)
        args.append(limit)
        try:
            rows = self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc
        return [
            {
                "event_id": r[0],
                "at": iso(r[1]),
                "browser": r[2],
                "download_id": r[3],
                "url": r[4],
                "domain": r[5],
                "filename": r[6],
                "reason": r[7],
                "category": r[8],
                "known": bool(r[9]),
                "action": r[10],
                "delay_ms": r[11],
                "attempt": r[12],
                "max_attempts": r[13],
                "notify": bool(r[14]),
                "incognito": bool(r[15]),
                "outcome": r[16],
                "episode_id": r[17],
            }
            for r in rows
        ]


def open_store(path: Path, log: Any = None) -> Store:
    return Store(path, log=log)

"""The history store: the only SQL in dlrescue.

SQLite in WAL mode with `synchronous=FULL` (a reply follows a durable commit), a busy
timeout so several browsers' hosts share one file, a versioned schema with migrations, and
episodes keyed by URL (Firefox's ids restart every session). Writes happen inside
`transaction()`, which the host wraps around every batch of waiting frames (group commit).

Failures become StoreUnavailable with a sentence that says what to do.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from typing import Any

    from .policy import Interruption

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
    # v2, for history and stats at scale: each episode keeps the reason and category of the
    # interruption that opened it (stats attribute an episode to them), and covering indexes
    # let stats count by category, reason and domain, and find median recovery times, without
    # reading the tables. events_domain is replaced by one that also holds the kind.
    """
    ALTER TABLE episodes ADD COLUMN reason TEXT;
    ALTER TABLE episodes ADD COLUMN category TEXT;
    UPDATE episodes SET (reason, category) = (
        SELECT e.reason, e.category FROM events e
        WHERE e.episode_id = episodes.id AND e.kind = 'interrupted' ORDER BY e.id LIMIT 1);
    CREATE INDEX episodes_stats
        ON episodes(category, reason, opened_ms, outcome, retries, closed_ms);
    CREATE INDEX episodes_recovery ON episodes(category, reason, closed_ms - opened_ms, opened_ms)
        WHERE outcome = 'complete' AND retries > 0;
    CREATE INDEX episodes_recovery_category ON episodes(category, closed_ms - opened_ms, opened_ms)
        WHERE outcome = 'complete' AND retries > 0;
    CREATE INDEX episodes_recovery_all ON episodes(closed_ms - opened_ms, opened_ms)
        WHERE outcome = 'complete' AND retries > 0;
    CREATE INDEX events_stats ON events(kind, category, reason, at_ms);
    DROP INDEX events_domain;
    CREATE INDEX events_kind_domain ON events(kind, domain, at_ms);
    """,
    # v3, for at-least-once delivery: an event sent again (the extension's service worker died
    # before it stored the reply) is found by its key and answered as before, not recorded
    # twice. The key is stored hashed; the decision's cause is kept to explain it again.
    """
    ALTER TABLE events ADD COLUMN event_key TEXT;
    ALTER TABLE events ADD COLUMN cause TEXT;
    CREATE UNIQUE INDEX events_key ON events(event_key) WHERE event_key IS NOT NULL;
    """,
    # v4, for judging attempts by progress: whether the server answered the extension's
    # probe after an interruption (1, 0, or NULL when it did not probe). An interruption
    # without progress during an outage spends no attempt, so later ones must know it.
    """
    ALTER TABLE events ADD COLUMN reachable INTEGER;
    """,
    # v5, for prune leaving nothing readable: writers now set secure_delete, but a file
    # written before may hold stale copies of rows in free space (b-tree pages rebalanced
    # without it), so the first prune after this upgrade vacuums the file once.
    """
    CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO settings (name, value) VALUES ('vacuum_at_prune', '1');
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

# sqlite3 extended result codes we explain (primary code = code & 0xFF).
_BUSY, _READONLY, _CANTOPEN, _FULL, _CORRUPT, _NOTADB, _IOERR = 5, 8, 14, 13, 11, 26, 10


class StoreUnavailable(Exception):
    """The history cannot be read or written; the message says what to do."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


#: iso() in SQL, for a column of milliseconds: the same text (tests/test_store.py), in C.
ISO_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', {} / 1000.0, 'unixepoch')"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(ms: int) -> str:
    """Milliseconds since the epoch as ISO 8601 UTC with a Z."""
    moment = _EPOCH + timedelta(milliseconds=ms)  # fromtimestamp() fails before 1970 on Windows
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
            f"the history {path} is damaged; the host moves it aside (it is kept, not deleted) "
            "and starts a new one the next time it records an event"
        )
    if code == _IOERR:
        return f"an I/O error stopped the history in {where} ({exc}); check the disk"
    return f"the history {path} failed: {exc}"


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file the path names (device, inode), or None when there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def is_damage(exc: BaseException | None) -> bool:
    """Whether exc, or the SQLite error behind it, says the history file is damaged."""
    while exc is not None:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF in (_CORRUPT, _NOTADB):
            return True
        exc = exc.__cause__
    return False


#: The columns an incognito event never fills (see add_event and SECURITY.md).
INCOGNITO_DROPPED = (
    "url",
    "domain",
    "filename",
    "download_id",
    "bytes_received",
    "total_bytes",
)


class Episode(Record):
    id: int
    attempts: int


class Store:
    """One connection to the history file."""

    def __init__(
        self,
        path: Path,
        *,
        timeout: float = BUSY_TIMEOUT_S,
        log: Any = None,
        reader: bool = False,
    ) -> None:
        """Open (creating or migrating) the history at path. A `reader` that finds the current
        schema skips the settings only writers need (WAL is a property of the file, kept)."""
        self.path = path
        self._log = log
        self._reader = reader
        self._timeout = timeout
        self._file = _identity(path)
        try:
            self.db = self._connect(timeout)
        except sqlite3.DatabaseError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code not in (_CORRUPT, _NOTADB):
                raise StoreUnavailable(explain_error(exc, path)) from exc
            aside = self._move_aside()
            if log is not None and aside is not None:
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
        self._file = _identity(path)

    def _connect(self, timeout: float) -> sqlite3.Connection:
        if not self._reader:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        db = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            db.row_factory = sqlite3.Row
            if self._reader and db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return db
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            # What is deleted or moved is overwritten with zeros, not left in free space.
            db.execute("PRAGMA secure_delete=ON")
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
            if version == 0:  # a new file, written with secure_delete from the start
                db.execute("DELETE FROM settings WHERE name = 'vacuum_at_prune'")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def set_aside(self) -> Path | None:
        """Close this damaged history and move it aside (kept, never deleted), so the next
        Store opened on the path starts a new one. None when another host already moved it."""
        self.close()
        return self._move_aside()

    def _move_aside(self) -> Path | None:
        """Rename the file this store opened, with its -wal and -shm, to an unused
        `.corrupt-<time>` name; None when the path holds another file by now (another host
        moved the damaged one aside and started a new one: that one must not be moved)."""
        if self._file is None or _identity(self.path) != self._file:
            return None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        count = 1
        while any(Path(f"{aside}{suffix}").exists() for suffix in ("", "-wal", "-shm")):
            count += 1  # never replace an earlier damaged file
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{count}")
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
            self._begin()
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

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, waiting up to the busy timeout for another host's write lock.

        SQLite's own busy handler sleeps longer and longer between attempts (up to 100 ms).
        A host that commits batch after batch retakes the lock within the millisecond or two
        between its transactions, so a second host polling that slowly can miss every gap and
        be refused after 5 s (seen with two hosts, one flooded). Polling every 0.5 to 2 ms,
        jittered, lands in those gaps."""
        self.db.execute("PRAGMA busy_timeout = 0")
        deadline = time.monotonic() + self._timeout
        try:
            while True:
                try:
                    self.db.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    busy = getattr(exc, "sqlite_errorcode", 0) & 0xFF == _BUSY
                    if not busy or time.monotonic() >= deadline:
                        raise
                time.sleep(0.0005 + random.random() * 0.0015)  # noqa: S311 (jitter)
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")

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

    def find_event(self, event_key: str) -> dict[str, Any] | None:
        """The event recorded under this key, if any, with what its reply was made of."""
        row = self.db.execute(
            "SELECT id, kind, reason, category, known, action, delay_ms, attempt, max_attempts,"
            " notify, cause, browser FROM events WHERE event_key = ?",
            (event_key,),
        ).fetchone()
        return None if row is None else dict(row)

    def interruptions(self, episode_id: int) -> list[Interruption]:
        """The episode's interruptions so far, oldest first, as policy.tally() reads them."""
        from .policy import Interruption

        rows = self.db.execute(
            "SELECT reason, bytes_received, reachable, action FROM events"
            " WHERE episode_id = ? AND kind = 'interrupted' ORDER BY id",
            (episode_id,),
        ).fetchall()
        return [Interruption(r[0], r[1], None if r[2] is None else bool(r[2]), r[3]) for r in rows]

    def count_reason(self, episode_id: int, reason: str) -> int:
        """How many of the episode's interruptions so far had this reason."""
        row = self.db.execute(
            "SELECT count(*) FROM events"
            " WHERE episode_id = ? AND reason = ? AND kind = 'interrupted'",
            (episode_id, reason),
        ).fetchone()
        return int(row[0])

    def close_episode(self, episode_id: int, outcome: str, at_ms: int) -> None:
        self.db.execute(
            "UPDATE episodes SET closed_ms = ?, outcome = ? WHERE id = ? AND closed_ms IS NULL",
            (at_ms, outcome, episode_id),
        )

    def add_event(self, fields: Mapping[str, object]) -> int:
        """Insert one event row; keys are column names. Returns its id.

        An incognito event keeps only its time, kind, browser, reason, decision and state:
        whatever the caller passed, no URL, domain, file name, download id or byte counts."""
        if fields.get("incognito"):
            fields = {**fields, **dict.fromkeys(INCOGNITO_DROPPED)}
        columns = ", ".join(fields)
        marks = ", ".join("?" * len(fields))
        values = [_text(v) if isinstance(v, str) else v for v in fields.values()]
        cursor = self.db.execute(f"INSERT INTO events ({columns}) VALUES ({marks})", values)  # noqa: S608
        if fields.get("kind") == "interrupted" and fields.get("episode_id") is not None:
            # The episode is attributed to the reason that opened it (stats group by it).
            self.db.execute(
                "UPDATE episodes SET reason = ?, category = ? WHERE id = ? AND reason IS NULL",
                (fields.get("reason"), fields.get("category"), fields["episode_id"]),
            )
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
            SELECT e.id, {ISO_SQL.format("e.at_ms")}, e.browser, e.download_id, e.url, e.domain,
                   e.filename,
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
                "at": r[1],
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

    # -- stats, export, prune (dlrescue stats / export / prune, and the popup's stats) -------

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[Any]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc

    def _median(self, where: str, args: Sequence[object], count: int) -> int | None:
        """The median recovery time of `count` rescued episodes matching `where`.

        The partial indexes episodes_recovery* hold rescued episodes in order of recovery
        time, so the middle one (or two) is found by skipping half the index, not by sorting.
        """
        if count <= 0:
            return None
        sql = f"""
            SELECT closed_ms - opened_ms FROM episodes
            WHERE {where} AND outcome = 'complete' AND retries > 0
            ORDER BY closed_ms - opened_ms LIMIT ? OFFSET ?"""  # noqa: S608 (fixed clauses only)
        middle = [r[0] for r in self._rows(sql, [*args, 2 - count % 2, (count - 1) // 2])]
        return round(sum(middle) / len(middle)) if middle else None

    def stats(self, *, since_ms: int | None = None, top_domains: int = 10) -> dict[str, Any]:
        """What happened since `since_ms` (all history when None), as a JSON-able dict.

        Interruptions (events) are counted by category, reason and domain. Episodes (one
        download from its first interruption until it completes, is cancelled or is given up)
        opened since then are attributed to the reason that opened them; for each category and
        reason: `episodes`, `ended` (closed), `retried` (at least one resume or restart),
        `rescued` (ended `complete` after at least one retry), `rescue_share` (rescued / ended,
        None when none ended) and `median_recovery_ms` (first interruption to completion,
        over rescued episodes). `by_domain` holds the `top_domains` busiest domains.
        """
        event_where = "kind = 'interrupted'" + ("" if since_ms is None else " AND at_ms >= ?")
        episode_where = "1" if since_ms is None else "opened_ms >= ?"
        args: list[object] = [] if since_ms is None else [since_ms]

        counts = self._rows(
            f"SELECT category, reason, COUNT(*) FROM events WHERE {event_where} "  # noqa: S608
            "GROUP BY category, reason",
            args,
        )
        groups = self._rows(
            f"""SELECT category, reason, COUNT(*), SUM(closed_ms IS NOT NULL),
                       SUM(outcome = 'complete'), SUM(outcome = 'given_up'),
                       SUM(outcome = 'cancelled'), SUM(retries > 0),
                       SUM(outcome = 'complete' AND retries > 0)
                FROM episodes WHERE {episode_where} GROUP BY category, reason""",  # noqa: S608
            args,
        )
        domains = self._rows(
            f"""SELECT domain, COUNT(*) AS n FROM events
                WHERE {event_where} AND domain IS NOT NULL
                GROUP BY domain ORDER BY n DESC, domain LIMIT ?""",  # noqa: S608
            [*args, top_domains],
        )

        fields = ("episodes", "ended", "complete", "given_up", "cancelled", "retried", "rescued")
        by_reason: dict[tuple[str, str], dict[str, Any]] = {}

        def entry(table: dict[Any, dict[str, Any]], key: Any, **names: object) -> dict[str, Any]:
            if key not in table:
                table[key] = {**names, "interruptions": 0, **dict.fromkeys(fields, 0)}
            return table[key]

        for category, reason, n in counts:
            entry(by_reason, (category, reason), reason=reason, category=category)[
                "interruptions"
            ] += n
        for category, reason, *values in groups:
            row = entry(by_reason, (category, reason), reason=reason, category=category)
            for name, value in zip(fields, values, strict=True):
                row[name] += value or 0
        by_category: dict[str, dict[str, Any]] = {}
        for (category, _reason), row in by_reason.items():
            total = entry(by_category, category, category=category)
            for name in ("interruptions", *fields):
                total[name] += row[name]
        overall: dict[str, Any] = {"interruptions": 0, **dict.fromkeys(fields, 0)}
        for row in by_category.values():
            for name in overall:
                overall[name] += row[name]

        since = [] if since_ms is None else [since_ms]
        opened = "" if since_ms is None else " AND opened_ms >= ?"
        for (category, reason), row in by_reason.items():
            row["median_recovery_ms"] = self._median(
                f"category IS ? AND reason IS ?{opened}", [category, reason, *since], row["rescued"]
            )
        for category, row in by_category.items():
            row["median_recovery_ms"] = self._median(
                f"category IS ?{opened}", [category, *since], row["rescued"]
            )
        overall["median_recovery_ms"] = self._median(episode_where, args, overall["rescued"])
        for row in (overall, *by_category.values(), *by_reason.values()):
            row["rescue_share"] = row["rescued"] / row["ended"] if row["ended"] else None

        def ranked(rows: Iterable[dict[str, Any]], name: str) -> list[dict[str, Any]]:
            return sorted(rows, key=lambda r: (-r["interruptions"], -r["episodes"], r[name] or ""))

        return {
            "since": None if since_ms is None else iso(since_ms),
            **overall,
            "by_category": ranked(by_category.values(), "category"),
            "by_reason": ranked(by_reason.values(), "reason"),
            "by_domain": [{"domain": d, "interruptions": n} for d, n in domains],
        }

    def events(
        self, *, since_ms: int | None = None, until_ms: int | None = None, batch: int = 1000
    ) -> Iterator[dict[str, Any]]:
        """Every event (interruptions and outcomes), oldest first, read in batches.

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
        sql = f"""
            SELECT e.id, e.at_ms, e.kind, e.browser, e.download_id, e.episode_id, e.url,
                   e.domain, e.filename, e.reason, e.category, e.known, e.action, e.delay_ms,
                   e.attempt, e.max_attempts, e.notify, e.state, e.incognito,
                   e.bytes_received, e.total_bytes, ep.outcome
            FROM events e LEFT JOIN episodes ep ON ep.id = e.episode_id
            WHERE {" AND ".join(where)} ORDER BY e.id"""  # noqa: S608 (fixed clauses only)
        try:
            cursor = self.db.execute(sql, args)
            while rows := cursor.fetchmany(batch):
                for r in rows:
                    yield {
                        "event_id": r[0],
                        "at": r[1],
                        "kind": r[2],
                        "browser": r[3],
                        "download_id": r[4],
                        "episode_id": r[5],
                        "url": r[6],
                        "domain": r[7],
                        "filename": r[8],
                        "reason": r[9],
                        "category": r[10],
                        "known": None if r[11] is None else bool(r[11]),
                        "action": r[12],
                        "delay_ms": r[13],
                        "attempt": r[14],
                        "max_attempts": r[15],
                        "notify": None if r[16] is None else bool(r[16]),
                        "state": r[17],
                        "incognito": bool(r[18]),
                        "bytes_received": r[19],
                        "total_bytes": r[20],
                        "outcome": r[21],
                    }
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc

    def prune(self, before_ms: int, *, dry_run: bool = False, batch: int = 5000) -> dict[str, int]:
        """Remove episodes closed before `before_ms` with all their events, and events older
        than that which belong to no episode. An open episode is never touched.

        Deletes in transactions of `batch` episodes so a running host is never kept waiting
        long. Returns {"episodes": n, "events": n} removed (or that would be, with dry_run).

        What is removed leaves nothing readable in the file: deleted rows are overwritten
        with zeros (`"secure_delete": 1`); where this SQLite was built without it, and
        once in a file written before dlrescue set it (schema v5), the file is vacuumed
        instead (`"vacuumed": 1`). The write-ahead log, which still holds the rows
        as they were written, is then checkpointed and emptied; `"log_kept": 1` when another
        program's open read kept it (it is emptied at a later checkpoint).
        """
        old_events = "episode_id IS NULL AND at_ms < ?"
        if dry_run:
            ((episodes, events),) = self._rows(
                """SELECT COUNT(*), COALESCE(SUM((SELECT COUNT(*) FROM events e
                                                   WHERE e.episode_id = ep.id)), 0)
                   FROM episodes ep WHERE closed_ms < ?""",
                [before_ms],
            )
            ((loose,),) = self._rows(
                f"SELECT COUNT(*) FROM events WHERE {old_events}",  # noqa: S608
                [before_ms],
            )
            return {"episodes": episodes, "events": events + loose}
        chosen = "SELECT id FROM episodes WHERE closed_ms < ? ORDER BY closed_ms, id LIMIT ?"
        removed = {"episodes": 0, "events": 0}
        while True:
            with self.transaction():
                gone = self.db.execute(
                    f"DELETE FROM events WHERE episode_id IN ({chosen})",  # noqa: S608
                    (before_ms, batch),
                ).rowcount
                done = self.db.execute(
                    f"DELETE FROM episodes WHERE id IN ({chosen})",  # noqa: S608
                    (before_ms, batch),
                ).rowcount
            removed["events"] += gone
            removed["episodes"] += done
            if done < batch:
                break
        while True:
            with self.transaction():
                gone = self.db.execute(
                    f"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE {old_events} "  # noqa: S608
                    "LIMIT ?)",
                    (before_ms, batch),
                ).rowcount
            removed["events"] += gone
            if gone < batch:
                break
        removed.update(self._scrub(removed["episodes"] + removed["events"] > 0))
        return removed

    def secure_delete(self) -> bool:
        """Whether this connection overwrites deleted content (set in _connect; a build may
        lack it: SQLITE_SECURE_DELETE off and the pragma compiled out, or fixed off)."""
        try:
            self.db.execute("PRAGMA secure_delete=ON")
            row = self.db.execute("PRAGMA secure_delete").fetchone()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == 1

    def _scrub(self, deleted: bool) -> dict[str, int]:
        """After a delete: vacuum when deleted rows were not overwritten, then empty the WAL
        (also when nothing was deleted now: an earlier prune may have left it full)."""
        pending = self._rows("SELECT 1 FROM settings WHERE name = 'vacuum_at_prune'")
        secure = self.secure_delete()
        vacuumed = deleted and (bool(pending) or not secure)
        if vacuumed:
            self.vacuum()
            with self.transaction():
                self.db.execute("DELETE FROM settings WHERE name = 'vacuum_at_prune'")
        try:
            busy, _, _ = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc
        return {"secure_delete": int(secure), "vacuumed": int(vacuumed), "log_kept": int(busy != 0)}

    def vacuum(self) -> None:
        """Give the space of removed rows back to the file system (rewrites the file)."""
        try:
            self.db.execute("VACUUM")
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc

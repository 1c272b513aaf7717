"""One connection to the history file: opening, damage, transactions.

SQLite in WAL mode with `synchronous=FULL` (a reply follows a durable commit) and a busy
timeout so several browsers' hosts share one file. A damaged file is moved aside (kept,
never deleted) and a new one started. Writes happen inside `transaction()`, which the host
wraps around every batch of waiting frames (group commit).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from ..record import TYPE_CHECKING
from .errors import BUSY, BUSY_TIMEOUT_S, CORRUPT, NOTADB, StoreUnavailable, code_of, explain_error
from .schema import SCHEMA_VERSION, migrate, user_version

if TYPE_CHECKING:
    from typing import Any


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file the path names (device, inode), or None when there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


class Connection:
    """The history file at `path`, open as `db` (rows read by column name: sqlite3.Row)."""

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
            if code_of(exc) not in (CORRUPT, NOTADB):
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
            if self._reader and user_version(db) == SCHEMA_VERSION:
                return db
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            # What is deleted or moved is overwritten with zeros, not left in free space.
            db.execute("PRAGMA secure_delete=ON")
            db.execute("PRAGMA foreign_keys=ON")
            migrate(db, self.path)
        except BaseException:
            db.close()
            raise
        return db

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
                    if code_of(exc) != BUSY or time.monotonic() >= deadline:
                        raise
                time.sleep(0.0005 + random.random() * 0.0015)  # noqa: S311 (jitter)
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")

    def _rollback(self) -> None:
        if self.db.in_transaction:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        """Every row of a query (read by column name); StoreUnavailable on failure."""
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc

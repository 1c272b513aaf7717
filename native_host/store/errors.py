"""What a failing history says: StoreUnavailable, with a sentence that says what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: How long a writer waits for another host's transaction before giving up.
BUSY_TIMEOUT_S = 5.0

# sqlite3 extended result codes we explain (primary code = code & 0xFF).
BUSY, READONLY, CANTOPEN, FULL, CORRUPT, NOTADB, IOERR = 5, 8, 14, 13, 11, 26, 10


class StoreUnavailable(Exception):
    """The history cannot be read or written; the message says what to do."""


def code_of(exc: BaseException) -> int:
    """The primary SQLite result code of an error (0 when it carries none)."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF


def explain_error(exc: sqlite3.Error, path: Path) -> str:
    """A sentence that says what failed and what to do."""
    code = code_of(exc)
    where = path.parent
    if code == FULL:
        return f"the disk holding {where} is full: free some space; the event will be retried"
    if code in (READONLY, CANTOPEN) or isinstance(exc, PermissionError):
        return (
            f"cannot write the history in {where}: make the folder writable by you "
            f"(chmod u+w) or set XDG_DATA_HOME to a writable folder"
        )
    if code == BUSY:
        return (
            f"the history {path} stayed locked by another program for more than "
            f"{BUSY_TIMEOUT_S:g} s; the event will be retried"
        )
    if code in (CORRUPT, NOTADB):
        return (
            f"the history {path} is damaged; the host moves it aside (it is kept, not deleted) "
            "and starts a new one the next time it records an event"
        )
    if code == IOERR:
        return f"an I/O error stopped the history in {where} ({exc}); check the disk"
    return f"the history {path} failed: {exc}"


def is_damage(exc: BaseException | None) -> bool:
    """Whether exc, or the SQLite error behind it, says the history file is damaged."""
    while exc is not None:
        if code_of(exc) in (CORRUPT, NOTADB):
            return True
        exc = exc.__cause__
    return False

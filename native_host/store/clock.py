"""The history's times: milliseconds since the epoch, shown as ISO 8601 UTC with a Z."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


def now_ms() -> int:
    return time.time_ns() // 1_000_000


#: iso() in SQL, for a column of milliseconds: the same text (tests/test_store_clock.py), in C.
ISO_SQL = "strftime('%Y-%m-%dT%H:%M:%fZ', {} / 1000.0, 'unixepoch')"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso(ms: int) -> str:
    """Milliseconds since the epoch as ISO 8601 UTC with a Z."""
    moment = _EPOCH + timedelta(milliseconds=ms)  # fromtimestamp() fails before 1970 on Windows
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

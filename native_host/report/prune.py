"""What `dlrescue prune` removed, or would remove."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_text(ms: int) -> str:
    """ms since the epoch as `2026-11-23 14:05 UTC`, for any instant options.parse_when
    returns (years before 1000 are written with four digits, and no platform's limits apply)."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return f"{moment.year:04d}-{moment:%m-%d %H:%M} UTC"


def prune_lines(removed: Mapping[str, int], before_ms: int, *, dry_run: bool) -> Iterator[str]:
    """What `prune` removed (or would remove)."""
    when = utc_text(before_ms)
    verb = "Would remove" if dry_run else "Removed"
    episodes, events = removed["episodes"], removed["events"]
    if not episodes and not events:
        yield f"Nothing to prune: no download ended before {when}."
        return
    yield (
        f"{verb} {episodes:,} download{'s' * (episodes != 1)} that ended before {when}, "
        f"and {events:,} event{'s' * (events != 1)} in all."
    )
    if removed.get("vacuumed") and not removed.get("secure_delete"):
        yield (
            "This SQLite cannot overwrite deleted rows (secure_delete is off in its build), "
            "so the file was vacuumed: rewritten without them."
        )
    elif removed.get("vacuumed"):
        yield (
            "The file was vacuumed once: an earlier dlrescue may have left copies of rows "
            "in its free space."
        )
    if removed.get("log_kept"):
        yield (
            "A running dlrescue host was reading the history, so its write-ahead log "
            "(history.sqlite3-wal) still holds the removed rows until its next checkpoint; "
            "run prune again once the browser is closed to empty it now."
        )

"""The field types both the models (messages.py) and the compiled schema's reader
(schema_cache.py) use: the request kinds, the protocol's limits, and the two validators that
are functions, `reason` (of `download.error`) and `instant` (of dates). Each is spelled here
once. Pure: no I/O, no pydantic.
"""

from __future__ import annotations

from datetime import UTC, datetime

from . import reasons
from .reasons import Reason

#: The request types, in the order PROTOCOL.md lists them (messages.REQUESTS has one model each).
KINDS = (
    "hello",
    "interrupted",
    "outcome",
    "history",
    "stats",
    "space",
    "policy",
    "set_policy",
    "doctor",
)

#: The largest integer JSON carries exactly (2^53 - 1): the bound of ids, rids and byte counts.
MAX_SAFE_INT = 2**53 - 1
#: A string rid is at most this long.
RID_CHARS = 128
#: Names, versions, MIME types.
SHORT = 256
#: URLs and filenames: the frame cap bounds them anyway.
LONG = 1024 * 1024


def echoable(rid: object) -> bool:
    """Whether a rid is valid, so that a reply echoes it: a string of at most RID_CHARS, or an
    integer within +-MAX_SAFE_INT (a boolean is not one)."""
    if isinstance(rid, bool):
        return False
    if isinstance(rid, str):
        return len(rid) <= RID_CHARS
    return isinstance(rid, int) and -MAX_SAFE_INT <= rid <= MAX_SAFE_INT


def reason(value: object) -> Reason:
    """The validator of `download.error`: a catalogue lookup (see reasons.lookup)."""
    try:
        return reasons.lookup(value)
    except reasons.InvalidReason as exc:
        raise ValueError(str(exc)) from None


#: The first and last instants a date can name, in UTC; `instant` clamps to them.
EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def instant(value: object) -> datetime:
    """The validator of dates: ISO 8601 text to an aware UTC datetime (naive text is UTC).

    A date whose offset takes it past year 1 or year 9999 in UTC (`0001-01-01T00:00:00+01:00`)
    is clamped to EARLIEST or LATEST: as a bound of a history or stats request it means
    "from the beginning" or "up to now" all the same."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string such as 2026-11-23T14:00:00Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value[:64]!r} is not ISO 8601; write it like 2026-11-23T14:00:00Z"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return EARLIEST if moment.year == 1 else LATEST

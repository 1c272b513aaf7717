"""The error catalogue: every code a reply's `error` may carry, one record per code.

Stable and append-only (PROTOCOL.md, "Errors", lists the same codes in the same order;
tests/test_conformance.py keeps the two equal). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

from .record import Record


class ErrorCode(Record):
    """One code of the catalogue."""

    code: str
    #: When the host answers it: PROTOCOL.md's "meaning" column.
    meaning: str
    #: The message of a HostError raised without one.
    default: str
    #: What the extension does with a queued event answered with it: True, it keeps the event
    #: queued and sends it again later; False, it drops it and logs it.
    retried: bool = False


ERRORS: tuple[ErrorCode, ...] = (
    ErrorCode(
        "invalid_json",
        "the frame is not UTF-8 JSON, or not a JSON object (rid is null)",
        "the frame is not a JSON object",
    ),
    ErrorCode(
        "invalid_message",
        "a field is missing, of the wrong type or out of range",
        "the request is not valid",
    ),
    ErrorCode(
        "unknown_type",
        "`type` names no request this host knows",
        "the type names no request",
    ),
    ErrorCode(
        "invalid_reason",
        "`download.error` is not an interruption reason",
        "download.error is not an interruption reason",
    ),
    ErrorCode(
        "too_large",
        "the frame declared more than 1 MiB and was skipped (rid is null)",
        "the frame is larger than 1 MiB",
    ),
    ErrorCode(
        "store_unavailable",
        "the history could not be written or read (disk full, read-only, locked, damaged and "
        "moved aside); nothing of the request was kept; the request can be sent again",
        "the history is unavailable",
        retried=True,
    ),
    ErrorCode(
        "internal_error",
        "the host failed on this request (a bug, its traceback in the log); nothing of it was "
        "recorded and the host keeps serving",
        "the host failed on this request; it was not recorded and the host keeps serving",
    ),
    ErrorCode(
        "policy_refused",
        "a `set_policy` change was not made: a value policy.toml may not hold (the message "
        "names the field, the value and what is allowed; `field` is the table and the key), "
        "a value set by the administrator, or a policy.toml that cannot be edited or written; "
        "nothing was written",
        "the change to policy.toml was refused; nothing was written",
    ),
)

#: The catalogue by code, in its order.
ERROR_CODES: Mapping[str, ErrorCode] = {error.code: error for error in ERRORS}


class HostError(Exception):
    """A request the host answers with `ok: false`: a code of the catalogue, a message saying
    what was wrong and what would be right (the code's default when none is given), and the
    faulty field when one is at fault."""

    def __init__(self, code: str, message: str | None = None, field: str | None = None) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"{code!r} is not in the error catalogue; add it to errors.ERRORS")
        message = message or ERROR_CODES[code].default
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.rid: object = None  # set by the parser when the request's own rid is valid

"""The protocol's shapes: strict pydantic models of requests and replies, and the error codes.

Requests are validated in strict mode (a boolean is not a number, a number is not a string);
fields the host does not know are ignored, since browsers add DownloadItem fields. The
`download.error` value is looked up in the reason catalogue while validating, so the model
holds a `Reason`, and a bad one is reported as `invalid_reason` on `download.error`.

Every model is built on its first use (`defer_build`), not at import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from . import reasons
from ._startup import without_asyncio
from .reasons import CATEGORIES, Reason

with without_asyncio():  # pydantic's import would also import all of asyncio (26 ms)
    from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

#: The stable, append-only error catalogue: code -> when it is used.
ERROR_CODES: Mapping[str, str] = {
    "invalid_json": "the frame is not UTF-8 JSON, or the JSON is not an object",
    "invalid_message": "a field is missing, of the wrong type or out of range",
    "unknown_type": "the `type` names no request this host knows",
    "invalid_reason": "`download.error` is not an interruption reason",
    "too_large": "the frame declared more than 1 MiB; it was skipped",
    "store_unavailable": "the history could not be written or read; the request can be retried",
    "internal_error": "the host failed on this request (a bug); it was not recorded",
}

MAX_SAFE_INT = 2**53 - 1
SHORT = 256  # names, versions, MIME types
LONG = 1024 * 1024  # URLs and filenames: the frame cap bounds them anyway


class HostError(Exception):
    """A request the host answers with `ok: false`."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.rid: object = None  # set by parse() when the request's own rid is valid


def _reason(value: object) -> Reason:
    try:
        return reasons.lookup(value)
    except reasons.InvalidReason as exc:
        raise ValueError(str(exc)) from None


def _instant(value: object) -> datetime:
    """ISO 8601 text to an aware UTC datetime (naive text is taken as UTC)."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string such as 2026-11-23T14:00:00Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{value[:64]!r} is not ISO 8601; write it like 2026-11-23T14:00:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


Rid = (
    Annotated[str, Field(max_length=128)] | Annotated[int, Field(ge=-MAX_SAFE_INT, le=MAX_SAFE_INT)]
)
DownloadId = Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]
Short = Annotated[str, Field(max_length=SHORT)]
Long = Annotated[str, Field(max_length=LONG)]
Bytes = Annotated[int, Field(ge=-1, le=MAX_SAFE_INT)]
ReasonField = Annotated[Reason, BeforeValidator(_reason)]
Instant = Annotated[datetime, BeforeValidator(_instant)]
Category = Literal["FILE", "NETWORK", "SERVER", "USER", "CRASH", "UNKNOWN"]
assert set(Category.__args__) == set(CATEGORIES)  # type: ignore[attr-defined]

#: Every model is built on first use (defer_build): a port that only says hello never builds
#: the interruption's models, and the Request base, never validated itself, is never built.
_STRICT = ConfigDict(strict=True, extra="ignore", arbitrary_types_allowed=True, defer_build=True)
_LAZY = ConfigDict(strict=True, extra="ignore", defer_build=True)


class Request(BaseModel):
    model_config = _STRICT
    rid: Rid | None = None
    browser: Short | None = None


class Hello(Request):
    type: Literal["hello"]
    extension_version: Short | None = None
    lang: Short | None = None


class DownloadItem(BaseModel):
    """`downloads.DownloadItem` as far as the host uses it; other fields are ignored."""

    model_config = _STRICT
    id: DownloadId
    url: Long
    error: ReasonField
    finalUrl: Long | None = None
    referrer: Long | None = None
    filename: Long | None = None
    mime: Short | None = None
    startTime: Short | None = None
    bytesReceived: Bytes | None = None
    totalBytes: Bytes | None = None
    canResume: bool | None = None
    paused: bool | None = None
    incognito: bool | None = None


#: The extension's stable name for one event, so that one sent twice is recorded once.
EventKey = Annotated[str, Field(min_length=1, max_length=256)]


class Interrupted(Request):
    type: Literal["interrupted"]
    download: DownloadItem
    event_key: EventKey | None = None


class OutcomeItem(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="ignore", defer_build=True, arbitrary_types_allowed=True
    )
    id: DownloadId
    url: Long
    state: Literal["complete", "interrupted", "in_progress", "given_up"]
    error: ReasonField | None = None
    filename: Long | None = None
    bytesReceived: Bytes | None = None
    totalBytes: Bytes | None = None
    incognito: bool | None = None


class Outcome(Request):
    model_config = ConfigDict(
        strict=True, extra="ignore", defer_build=True, arbitrary_types_allowed=True
    )
    type: Literal["outcome"]
    download: OutcomeItem
    event_key: EventKey | None = None


class History(Request):
    model_config = _LAZY
    type: Literal["history"]
    limit: Annotated[int, Field(ge=1, le=500)] = 50
    category: Category | None = None
    reason: Annotated[str, Field(max_length=64)] | None = None
    since: Instant | None = None
    until: Instant | None = None
    domain: Annotated[str, Field(max_length=253)] | None = None
    outcome: Literal["complete", "given_up", "cancelled", "pending"] | None = None


class Stats(Request):
    model_config = _LAZY
    type: Literal["stats"]
    since: Instant | None = None


REQUESTS: Mapping[str, type[Request]] = {
    "hello": Hello,
    "interrupted": Interrupted,
    "outcome": Outcome,
    "history": History,
    "stats": Stats,
}

# ---------------------------------------------------------------------------------------------
# Replies. Built as plain dicts in the shapes below and encoded once; the models document the
# shapes (and give the protocol doc its JSON schema) and tests validate real replies with them.


class ErrorBody(BaseModel):
    model_config = _LAZY
    code: str
    message: str
    field: str | None = None


class ErrorReply(BaseModel):
    model_config = _LAZY
    rid: Rid | None
    ok: Literal[False]
    error: ErrorBody


class HelloReply(BaseModel):
    model_config = _LAZY
    rid: Rid | None
    ok: Literal[True]
    host_version: str
    protocol: int


class DecisionOut(BaseModel):
    model_config = _LAZY
    action: Literal["resume", "restart", "none"]
    delay_ms: int
    attempt: int
    max_attempts: int
    reason: str
    category: Category
    notify: bool
    explanation: str


class DecisionReply(BaseModel):
    model_config = _LAZY
    rid: Rid | None
    ok: Literal[True]
    event_id: int
    decision: DecisionOut


class OutcomeReply(BaseModel):
    model_config = _LAZY
    rid: Rid | None
    ok: Literal[True]
    event_id: int


# ---------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse(body: bytes) -> tuple[object, Request]:
    """Turn one frame body into (rid to echo, validated request), or raise HostError.

    The rid is echoed whenever it is itself valid, even if the rest of the request is not.
    """
    try:
        # Decoded here, strictly: json.loads(bytes) would also take UTF-16 and UTF-32, and
        # UTF-8-encoded surrogates (ED A0 80), none of which is the UTF-8 the contract says.
        obj = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise HostError("invalid_json", "the JSON is nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise HostError(
            "invalid_json", f"the frame is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    except ValueError as exc:
        raise HostError("invalid_json", f"the frame is not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise HostError("invalid_json", f"a request is a JSON object, not a JSON {_json_kind(obj)}")
    raw_rid = obj.get("rid")
    rid = raw_rid if _echoable(raw_rid) else None
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise _with_rid(
            HostError(
                "invalid_message", 'a request needs a string `type`, such as "hello"', "type"
            ),
            rid,
        )
    model = REQUESTS.get(kind)
    if model is None:
        known = ", ".join(REQUESTS)
        raise _with_rid(
            HostError(
                "unknown_type", f"type {kind[:64]!r} is not a request; known: {known}", "type"
            ),
            rid,
        )
    try:
        return rid, model.model_validate(obj)
    except ValidationError as exc:
        raise _with_rid(_host_error(exc), rid) from None


def _with_rid(error: HostError, rid: object) -> HostError:
    error.rid = rid
    return error


def _echoable(rid: object) -> bool:
    if isinstance(rid, bool):
        return False
    if isinstance(rid, str):
        return len(rid) <= 128
    return isinstance(rid, int) and -MAX_SAFE_INT <= rid <= MAX_SAFE_INT


def _json_kind(obj: object) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(obj), "number"
    )


def _host_error(exc: ValidationError) -> HostError:
    """The first validation error, as a HostError naming the field and what would be right."""
    err = exc.errors(include_url=False, include_context=False)[0]
    loc = [str(part) for part in err["loc"] if not isinstance(part, int)]
    # Drop the union-member and validator names pydantic adds to a location.
    path = [part for part in loc if part not in _NOISE and "[" not in part]
    field = ".".join(path) or None
    if field == "download.error":
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            message = (
                "download.error is missing: send the interruption reason, such as 'NETWORK_FAILED'"
            )
        return HostError("invalid_reason", message, field)
    message = f"{field or 'the request'}: {_plain(err)}"
    return HostError("invalid_message", message, field)


_NOISE = frozenset(
    {
        "str",
        "int",
        "bool",
        "function-before",
        "function-after",
        "constrained-str",
        "constrained-int",
        "lax-or-strict",
        "json-or-python",
        "literal",
    }
)


def _plain(err: Any) -> str:
    """A pydantic error in plain words, with the bad value when it is short."""
    kind = err["type"]
    msg = str(err["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return "is required"
    value = err.get("input")
    shown = repr(value) if len(repr(value)) <= 64 else repr(value)[:64] + "..."
    return f"{msg[0].lower()}{msg[1:]} (got {shown})"

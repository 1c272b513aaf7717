"""The protocol's shapes: strict pydantic models of requests and replies.

Requests are validated in strict mode (a boolean is not a number, a number is not a string);
fields the host does not know are ignored, since browsers add DownloadItem fields. The
`download.error` value is looked up in the reason catalogue while validating, so the model
holds a `Reason`, and a bad one is reported as `invalid_reason` on `download.error`.

These models are the protocol's one definition. The host validates with them through
schema_cache.py, which has pydantic compile them once and keeps the result, so that a host
starting does not import pydantic. Every model is built on its first use (`defer_build`),
not at import. The limits and the two function validators come from fields.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator

from .decision_types import Action, Wait
from .fields import KINDS, LONG, MAX_SAFE_INT, RID_CHARS, SHORT, instant, reason
from .reasons import CATEGORIES, Reason

Rid = (
    Annotated[str, Field(max_length=RID_CHARS)]
    | Annotated[int, Field(ge=-MAX_SAFE_INT, le=MAX_SAFE_INT)]
)
DownloadId = Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]
Short = Annotated[str, Field(max_length=SHORT)]
Long = Annotated[str, Field(max_length=LONG)]
Bytes = Annotated[int, Field(ge=-1, le=MAX_SAFE_INT)]
ReasonField = Annotated[Reason, PlainValidator(reason)]
Instant = Annotated[datetime, BeforeValidator(instant)]
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
    #: The administrator's policy for dlrescue, as the browser's managed storage holds it,
    #: shaped like policy.toml (categories, reasons, browsers, status, sites). Only its tables
    #: are checked here, so that a mistake in it never refuses the hello: the host validates
    #: it as it does policy.toml (policy_schema.parse_managed) and reports what it refused in
    #: `warnings`; larger than MAX_MANAGED, it is refused whole (handlers/managed.py).
    managed_policy: Annotated[dict[Short, Any], Field(max_length=16)] | None = None


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
    #: The extension's probe of the server after an interruption without progress: true
    #: when the server answered, false when it did not (refused, DNS, timeout); absent when
    #: the extension did not probe.
    reachable: bool | None = None
    #: The status of the last response the download's request got (webRequest), its
    #: Retry-After in ms, and the network error's name: sent only with the user's consent.
    http_status: Annotated[int, Field(ge=100, le=599)] | None = None
    retry_after_ms: Annotated[int, Field(ge=0, le=86_400_000)] | None = None
    net_error: Annotated[str, Field(max_length=128)] | None = None
    #: When the extension caught the interruption (it may reach the host later: see
    #: handlers/events.event_time); absent: when it arrives.
    occurred_at: Instant | None = None


class OutcomeItem(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="ignore", defer_build=True, arbitrary_types_allowed=True
    )
    id: DownloadId
    url: Long
    #: `truncated`: the browser marked it complete with bytesReceived < totalBytes; it does
    #: not close the episode (an `interrupted` with SERVER_CONTENT_LENGTH_MISMATCH follows).
    state: Literal["complete", "interrupted", "in_progress", "given_up", "truncated"]
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
    #: When the extension saw the download end or go on (as `interrupted`'s).
    occurred_at: Instant | None = None


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


class Space(Request):
    """How much is free at a download's folder (the nearest existing parent of `path`)."""

    model_config = _LAZY
    type: Literal["space"]
    #: Absolute, without NUL (checked by handlers/space.py, which names the field).
    path: Long
    needed: Annotated[int, Field(ge=0, le=MAX_SAFE_INT)]


class PolicyRead(Request):
    """The effective policy, each value with where it comes from, and what each key allows."""

    model_config = _LAZY
    type: Literal["policy"]


#: A key or a table's name in a change (categories, reasons, statuses, sites, browsers).
PolicyName = Annotated[str, Field(min_length=1, max_length=253)]


class PolicyChange(BaseModel):
    """Set `key` of the table `table` (["reasons", "NETWORK_FAILED"]) to `value`; null
    removes it (the layers below apply again)."""

    model_config = _LAZY
    table: Annotated[list[PolicyName], Field(min_length=2, max_length=4)]
    key: Annotated[str, Field(min_length=1, max_length=64)]
    value: Annotated[str, Field(max_length=64)] | int | float | bool | None


class SetPolicy(Request):
    """Changes to the user's policy.toml, made together or not at all."""

    model_config = _LAZY
    type: Literal["set_policy"]
    changes: Annotated[list[PolicyChange], Field(min_length=1, max_length=32)]


class Doctor(Request):
    """What `dlrescue doctor` checks, without the hello round trips."""

    model_config = _LAZY
    type: Literal["doctor"]


REQUESTS: Mapping[str, type[Request]] = {
    "hello": Hello,
    "interrupted": Interrupted,
    "outcome": Outcome,
    "history": History,
    "stats": Stats,
    "space": Space,
    "policy": PolicyRead,
    "set_policy": SetPolicy,
    "doctor": Doctor,
}
assert tuple(REQUESTS) == KINDS

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
    action: Action
    delay_ms: int
    attempt: int
    max_attempts: int
    reason: str
    category: Category
    notify: bool
    explanation: str
    #: Only when they apply: "space" (with bytes_needed) or "site"; the status used.
    wait: Wait | None = None
    bytes_needed: int | None = None
    http_status: int | None = None


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


class SpaceReply(BaseModel):
    model_config = _LAZY
    rid: Rid | None
    ok: Literal[True]
    free: int
    enough: bool


class PolicyReply(BaseModel):
    """`policy` and `set_policy`: the effective policy as `dlrescue policy --format json` shows
    it for the port's browser (`view`), what each key allows (`allowed`), and every reason
    with its category (`known_reasons`), and the values policy.toml itself sets, table by table
    (`file_values`); `set_policy`
    adds `file` and `written` (false when the file already said so)."""

    model_config = _LAZY
    rid: Rid | None
    ok: Literal[True]
    view: dict[str, object]
    allowed: dict[str, dict[str, object]]
    known_reasons: dict[str, str]
    file_values: dict[str, dict[str, object]]
    file: str | None = None
    written: bool | None = None


class Registration(BaseModel):
    model_config = _LAZY
    browser: str
    scope: str
    where: str
    status: str
    details: list[str]


class DoctorReply(BaseModel):
    """`doctor`: each registration as `dlrescue doctor` lists it, what could not be read on
    the way, and the summary line."""

    model_config = _LAZY
    rid: Rid | None
    ok: Literal[True]
    registrations: list[Registration]
    problems: list[str]
    summary: str

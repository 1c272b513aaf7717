"""Replies as the host sends them: encoded JSON bodies, `ok` or `error`, never over a frame.

Built as plain dicts in the shapes messages.py documents (tests validate real replies with
those models) and encoded once.
"""

from __future__ import annotations

import json

from .errors import HostError
from .framing import MAX_FRAME, FrameTooLarge
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


def encode(payload: dict[str, Any]) -> bytes:
    """A reply's body: compact JSON, ASCII only."""
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def ok(rid: object, payload: dict[str, Any]) -> bytes:
    """`{"rid", "ok": true, ...payload}`; raises FrameTooLarge when it would pass a frame."""
    body = encode({"rid": rid, "ok": True, **payload})
    if len(body) > MAX_FRAME:
        raise FrameTooLarge(too_large(len(body)))
    return body


def error(rid: object, failure: HostError) -> bytes:
    """`{"rid", "ok": false, "error": {"code", "message", "field"?}}`."""
    body: dict[str, Any] = {"code": failure.code, "message": failure.message}
    if failure.field:
        body["field"] = failure.field
    return encode({"rid": rid, "ok": False, "error": body})


def too_large(size: int) -> str:
    return f"the reply would be {size:,} bytes, more than a frame's {MAX_FRAME:,}"


def shrink(payload: dict[str, Any], key: str, limit: int = MAX_FRAME - 512) -> dict[str, Any]:
    """Drop items from payload[key] (oldest last in the list) until the reply fits in a frame."""
    items = payload[key]
    while items and len(encode(payload)) > limit:
        keep = max(0, min(len(items) - 1, len(items) * limit // len(encode(payload))))
        items = items[:keep]
        payload = {**payload, key: items, "truncated": True}
    return payload

"""Requests off the wire: a frame body to (rid to echo, validated request), or a HostError
saying what is wrong.

Validation uses the compiled request schema (schema_cache.py), readied once per process by
`load`. A validated request is a schema_cache.Message whose attributes are its model's
fields (messages.py).
"""

from __future__ import annotations

import json

from . import paths, schema_cache
from .errors import HostError
from .fields import KINDS, echoable
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .cache import Log

_validators: dict[str, Any] = {}
_validation_error: type[Exception] = Exception
#: Where parse() may rebuild the validators from: the cache path and the log, while the
#: validators in use come from that cache (emptied once they are rebuilt from the models).
_source: dict[str, Any] = {}


def load(log: Log = None) -> None:
    """Ready the validators parse() uses, once per process (see schema_cache.ready)."""
    global _validation_error
    if not _validators:
        path = paths.schema_cache_path()
        _validators.update(schema_cache.ready(path, log))
        core = schema_cache.core()
        _validation_error = core.ValidationError
        if all(isinstance(v, core.SchemaValidator) for v in _validators.values()):
            _source.update(path=path, log=log)


def _rebuilt(kind: str, exc: BaseException) -> Any:
    """After the cached validator of `kind` failed on a request other than by refusing it:
    every validator compiled again from the models (one log line), and the new one of
    `kind`; None when the validators in use were not read from a cache."""
    if not _source:
        return None
    path, log = _source["path"], _source["log"]
    _source.clear()
    if log is not None:
        log(
            f"the compiled request schema {path} failed on a {kind!r} request "
            f"({schema_cache.why(exc)}); compiling it again"
        )
    _validators.update(schema_cache.compile_models(path, log))
    return _validators[kind]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse(body: bytes) -> tuple[object, Any]:
    """Turn one frame body into (rid to echo, validated request), or raise HostError.

    The rid is echoed whenever it is itself valid, even if the rest of the request is not.
    """
    obj = _json_object(body)
    raw_rid = obj.get("rid")
    rid = raw_rid if echoable(raw_rid) else None
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise _with_rid(
            HostError(
                "invalid_message", 'a request needs a string `type`, such as "hello"', "type"
            ),
            rid,
        )
    load()
    validator = _validators.get(kind)
    if validator is None:
        known = ", ".join(KINDS)
        raise _with_rid(
            HostError(
                "unknown_type", f"type {kind[:64]!r} is not a request; known: {known}", "type"
            ),
            rid,
        )
    try:
        return rid, validator.validate_python(obj)
    except _validation_error as exc:
        raise _with_rid(_host_error(exc), rid) from None
    except BaseException as exc:  # a damaged cached schema (see ready): compile, try again
        if schema_cache.fatal(exc) or (validator := _rebuilt(kind, exc)) is None:
            raise
    try:
        return rid, validator.validate_python(obj)
    except _validation_error as exc:
        raise _with_rid(_host_error(exc), rid) from None


def _json_object(body: bytes) -> dict[str, Any]:
    """The frame's JSON object, or HostError invalid_json."""
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
    return obj


def rid_of(body: bytes) -> object:
    """The rid a frame carries, when it can be read and is valid; else None (best effort,
    for a frame whose handling failed before its rid was known)."""
    try:
        obj = json.loads(body)
    except (ValueError, RecursionError):
        return None
    rid = obj.get("rid") if isinstance(obj, dict) else None
    return rid if echoable(rid) else None


def _with_rid(error: HostError, rid: object) -> HostError:
    error.rid = rid
    return error


def _json_kind(obj: object) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(obj), "number"
    )


def _host_error(exc: Any) -> HostError:
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

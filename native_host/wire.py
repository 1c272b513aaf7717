"""Requests off the wire: a frame body to a validated request, or a HostError saying what is
wrong, with pydantic's validator and without importing pydantic.

The models in messages.py define every request, and pydantic validates every request with
them. What is slow is not validating but getting ready to: importing pydantic and having it
turn the models into a core schema takes about 140 ms of a host's cold start on 2 cores,
while the validator itself, pydantic_core's compiled `SchemaValidator`, loads in about 9 ms.
So that work is done once. The first host after an install or an upgrade has pydantic
build each request model's core schema and writes it, as JSON, to the user's cache; every
later host reads it back and hands it to `SchemaValidator`. Same
schema, same validator, same checks and error messages: tests/test_wire.py compares them
with the models' own on thousands of generated requests.

A core schema holds four Python objects that JSON cannot: the validators of
`download.error` (`reason`) and of dates (`instant`), the Reason class, and the class of a
validated object (`Message`, the models' fields as attributes). The file names them, and
reading it maps names back through the fixed table `_LIVE`: a cache file can name nothing
else. The file is keyed by dlrescue's version, pydantic_core's and the source of the modules
the schema comes from (pydantic pins the pydantic_core it works with); a file with another
key, unreadable, or refused by pydantic_core is built again.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from . import cache, reasons
from .reasons import Reason
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

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
#: The request types, as messages.REQUESTS names them.
KINDS = ("hello", "interrupted", "outcome", "history", "stats")


class HostError(Exception):
    """A request the host answers with `ok: false`."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        assert code in ERROR_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.rid: object = None  # set by parse() when the request's own rid is valid


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


class Message:
    """A validated request, or an object in one: its model's fields as attributes.

    pydantic_core fills these slots as it fills a BaseModel's."""

    __slots__ = (
        "__dict__",
        "__pydantic_extra__",
        "__pydantic_fields_set__",
        "__pydantic_private__",
    )

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"Message({fields})"


#: Every Python object a compiled schema may name.
_LIVE: Mapping[str, object] = {
    "reason": reason,
    "instant": instant,
    "Reason": Reason,
    "Message": Message,
}
_NAMES = {id(value): name for name, value in _LIVE.items()}


class NotPortable(ValueError):
    """A core schema holds an object the table _LIVE does not name."""


def portable(node: Any) -> Any:
    """A core schema as JSON data, its Python objects named: every model's class becomes
    `Message`; functions and other classes must be in _LIVE. Metadata (JSON-schema hooks)
    and serialization settings are dropped: validation does not read them."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("metadata", "serialization"):
                continue
            if key == "cls" and node.get("type") == "model":
                out[key] = {"$live": "Message"}
            elif key in ("cls", "function") and not isinstance(value, dict):
                name = _NAMES.get(id(value))
                if name is None:
                    raise NotPortable(f"the schema names {value!r}, which is not in wire._LIVE")
                out[key] = {"$live": name}
            else:
                out[key] = portable(value)
        return out
    if isinstance(node, list | tuple):
        return [portable(value) for value in node]
    if node is None or isinstance(node, str | int | float | bool):
        return node
    raise NotPortable(f"the schema holds {node!r}, which JSON cannot")


def _revive(node: dict[str, Any]) -> Any:
    if len(node) == 1 and "$live" in node:
        return _LIVE[node["$live"]]  # KeyError for a name not in the table: the file is refused
    return node


# -- the validators -------------------------------------------------------------------------

_validators: dict[str, Any] = {}
_validation_error: type[Exception] = Exception
#: Where parse() may rebuild the validators from: the cache path and the log, while the
#: validators in use come from that cache (emptied once they are rebuilt from the models).
_source: dict[str, Any] = {}

#: A valid request of each type, with every field that calls a function of _LIVE: the
#: validators read from a cache must accept each of them (see ready).
CANARIES: Mapping[str, dict[str, Any]] = {
    "hello": {"type": "hello", "rid": 1, "browser": "chrome", "lang": "en"},
    "interrupted": {
        "type": "interrupted",
        "rid": "r",
        "event_key": "k",
        "download": {"id": 1, "url": "https://example.org/f", "error": "NETWORK_FAILED"},
    },
    "outcome": {
        "type": "outcome",
        "rid": 2,
        "download": {"id": 1, "url": "https://e/", "state": "interrupted", "error": "CRASH"},
    },
    "history": {"type": "history", "limit": 5, "since": "2026-01-01", "until": "2026-02-01T00:00Z"},
    "stats": {"type": "stats", "since": "2026-01-01T00:00:00+01:00"},
}


def load(log: cache.Log = None) -> None:
    """Ready the validators parse() uses, once per process (see ready)."""
    global _validation_error
    if not _validators:
        from . import paths

        path = paths.schema_cache_path()
        _validators.update(ready(path, log))
        _validation_error = _core().ValidationError
        if all(isinstance(v, _core().SchemaValidator) for v in _validators.values()):
            _source.update(path=path, log=log)


def ready(path: Path, log: cache.Log = None) -> dict[str, Any]:
    """Each request type's validator: from the compiled schema cached in `path`, or compiled
    with pydantic (and cached) when the file is missing, stale or damaged.

    Whatever fails while the cached schema is read, turned into validators or tried on
    CANARIES (pydantic_core may raise anything, even pyo3's PanicException, which is no
    Exception, on a schema it did not make) means the same: one log line, then compile."""
    core = _core()
    key = cache.key(core.__version__, sources=("messages.py", "wire.py", "reasons.py"))
    try:
        schemas = cache.read(path, key, object_hook=_revive)
        validators = {kind: core.SchemaValidator(schemas[kind]) for kind in KINDS}
        for kind, canary in CANARIES.items():
            if getattr(validators[kind].validate_python(canary), "type", None) != kind:
                raise ValueError(f"it does not validate a {kind!r} request")
        return validators
    except BaseException as exc:
        if _fatal(exc):
            raise
        if not isinstance(exc, FileNotFoundError) and log is not None:
            log(f"the compiled request schema {path} is unusable ({_why(exc)}); compiling it again")
    return _compile(core, path, key, log)


def _fatal(exc: BaseException) -> bool:
    """An exception no fallback may swallow: the process is being stopped."""
    return isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit)


def _why(exc: BaseException) -> str:
    from .textsafe import escape, shorten

    return escape(shorten(f"{type(exc).__name__}: {exc}", 300))


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
            f"({_why(exc)}); compiling it again"
        )
    core = _core()
    key = cache.key(core.__version__, sources=("messages.py", "wire.py", "reasons.py"))
    _validators.update(_compile(core, path, key, log))
    return _validators[kind]


def _compile(core: Any, path: Path, key: str | None, log: cache.Log) -> dict[str, Any]:
    """The slow way, with pydantic: the models' core schemas, cached when they can be."""
    from . import messages

    schemas: dict[str, Any] = {}
    for kind in KINDS:
        model = messages.REQUESTS[kind]
        model.model_rebuild()
        schemas[kind] = model.__pydantic_core_schema__
    try:
        data = {kind: portable(schema) for kind, schema in schemas.items()}
    except NotPortable as exc:  # a pydantic that puts new objects in schemas: no cache
        if log is not None:
            log(f"validating with the models themselves: {exc}")
        return {kind: messages.REQUESTS[kind].__pydantic_validator__ for kind in KINDS}
    cache.write(path, key, data, log)
    revived = json.loads(json.dumps(data), object_hook=_revive)
    return {kind: core.SchemaValidator(revived[kind]) for kind in KINDS}


def _core() -> Any:
    """pydantic_core's compiled module, loaded without the package's Python part.

    `import pydantic_core` also runs its `__init__`, which imports `core_schema` (hundreds
    of TypedDicts), typing and typing_extensions: 60 ms on 2 cores, of which validating uses
    nothing. Should pydantic_core be laid out differently one day, it is imported the usual
    way. Importing pydantic_core later in the same process reuses this module."""
    name = "pydantic_core._pydantic_core"
    module = sys.modules.get(name)
    if module is not None:
        return module
    try:
        from importlib.machinery import PathFinder
        from importlib.util import module_from_spec

        package = PathFinder.find_spec("pydantic_core")
        spec = PathFinder.find_spec(name, package.submodule_search_locations if package else None)
        if spec is None or spec.loader is None:
            raise ImportError(name)
        module = module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    except ImportError:
        sys.modules.pop(name, None)
        import pydantic_core

        return pydantic_core._pydantic_core


# -- parsing --------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse(body: bytes) -> tuple[object, Any]:
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
        if _fatal(exc) or (validator := _rebuilt(kind, exc)) is None:
            raise
    try:
        return rid, validator.validate_python(obj)
    except _validation_error as exc:
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

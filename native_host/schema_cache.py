"""The compiled request schema, cached: pydantic's validator without importing pydantic.

The models in messages.py define every request, and pydantic validates every request with
them. What is slow is not validating but getting ready to: importing pydantic and having it
turn the models into a core schema takes about 140 ms of a host's cold start on 2 cores,
while the validator itself, pydantic_core's compiled `SchemaValidator`, loads in about 9 ms.
So that work is done once. The first host after an install or an upgrade has pydantic
build each request model's core schema and writes it, as JSON, to the user's cache; every
later host reads it back and hands it to `SchemaValidator`. Same schema, same validator,
same checks and error messages: tests/test_schema_cache.py compares them with the models'
own on thousands of generated requests. This is the start-up cut that pays most
(bench/RESULTS.md, "Cold start"): a host that imported pydantic would start at 4.4x the
reference host's whole round trip before doing anything.

A core schema holds four Python objects that JSON cannot: the validators of
`download.error` (`reason`) and of dates (`instant`), the Reason class, and the class of a
validated object (`Message`, the models' fields as attributes). The file names them, and
reading it maps names back through the fixed table `_LIVE`: a cache file can name nothing
else. The file is keyed by dlrescue's version, pydantic_core's, and the source of the
modules the schema is built from: messages.py, this module, and every module of the package
they import, found by walking their imports when the schema is compiled (`sources`) and
listed in the file. A file with another key, unreadable, or refused by pydantic_core is
built again.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from . import cache
from .fields import KINDS, instant, reason
from .reasons import Reason
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


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
                    raise NotPortable(
                        f"the schema names {value!r}, which is not in schema_cache._LIVE"
                    )
                out[key] = {"$live": name}
            else:
                out[key] = portable(value)
        return out
    if isinstance(node, list | tuple):
        return [portable(value) for value in node]
    if node is None or isinstance(node, str | int | float | bool):
        return node
    raise NotPortable(f"the schema holds {node!r}, which JSON cannot")


def revive(node: dict[str, Any]) -> Any:
    """json's object_hook for a cached schema: a `{"$live": name}` back to its object."""
    if len(node) == 1 and "$live" in node:
        return _LIVE[node["$live"]]  # KeyError for a name not in the table: the file is refused
    return node


#: A valid request of each type, with every field that calls a function of _LIVE: the
#: validators read from a cache must accept each of them (see ready).
CANARIES: Mapping[str, dict[str, Any]] = {
    "hello": {"type": "hello", "rid": 1, "browser": "chrome", "lang": "en"},
    "interrupted": {
        "type": "interrupted",
        "rid": "r",
        "event_key": "k",
        "occurred_at": "2026-01-01T00:00:00.000Z",
        "download": {"id": 1, "url": "https://example.org/f", "error": "NETWORK_FAILED"},
    },
    "outcome": {
        "type": "outcome",
        "rid": 2,
        "occurred_at": "2026-01-01T00:00:00+01:00",
        "download": {"id": 1, "url": "https://e/", "state": "interrupted", "error": "CRASH"},
    },
    "history": {"type": "history", "limit": 5, "since": "2026-01-01", "until": "2026-02-01T00:00Z"},
    "stats": {"type": "stats", "since": "2026-01-01T00:00:00+01:00"},
    "space": {"type": "space", "path": "/home/u/Downloads/f.iso", "needed": 1},
    "policy": {"type": "policy", "rid": 3},
    "doctor": {"type": "doctor", "rid": 4},
    "set_policy": {
        "type": "set_policy",
        "changes": [{"table": ["reasons", "NETWORK_FAILED"], "key": "max_attempts", "value": 3}],
    },
}


def ready(path: Path, log: cache.Log = None) -> dict[str, Any]:
    """Each request type's validator: from the compiled schema cached in `path`, or compiled
    with pydantic (and cached) when the file is missing, stale or damaged.

    Whatever fails while the cached schema is read, turned into validators or tried on
    CANARIES (pydantic_core may raise anything, even pyo3's PanicException, which is no
    Exception, on a schema it did not make) means the same: one log line, then compile."""
    core_module = core()
    try:
        schemas = _read(path, core_module)
        validators = {kind: core_module.SchemaValidator(schemas[kind]) for kind in KINDS}
        for kind, canary in CANARIES.items():
            if getattr(validators[kind].validate_python(canary), "type", None) != kind:
                raise ValueError(f"it does not validate a {kind!r} request")
        return validators
    except BaseException as exc:
        if fatal(exc):
            raise
        if not isinstance(exc, FileNotFoundError) and log is not None:
            log(f"the compiled request schema {path} is unusable ({why(exc)}); compiling it again")
    return compile_models(path, log)


def compile_models(path: Path, log: cache.Log = None) -> dict[str, Any]:
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
    core_module = core()
    names = sources()
    cache.write(path, _key(core_module, names), {"sources": names, "schemas": data}, log)
    revived = json.loads(json.dumps(data), object_hook=revive)
    return {kind: core_module.SchemaValidator(revived[kind]) for kind in KINDS}


#: `from .module import ...` or `from . import a, b` (names in parentheses may span lines).
_RELATIVE_IMPORT = r"^[ \t]*from \.([\w.]*) import (\([^)]*\)|[^\n]*)"


def sources() -> list[str]:
    """The package's modules the schema is built from: messages (the models), this module
    (how a schema is written), and every module of the package they import, transitively,
    found in their source (`from .name import` and `from . import name`, at any depth).
    Read when compiling only."""
    package = Path(__file__).parent
    found: set[str] = set()
    todo = ["messages", __name__.rpartition(".")[2]]
    while todo:
        name = todo.pop()
        if name in found or not (package / f"{name}.py").is_file():
            continue
        found.add(name)
        text = (package / f"{name}.py").read_text(encoding="utf-8")
        for module, names in re.findall(_RELATIVE_IMPORT, text, flags=re.M):
            if module:
                todo.append(module.partition(".")[0])
            else:
                todo.extend(re.findall(r"\w+", re.sub(r"#[^\n]*", "", names)))
    return sorted(found)


def _key(core_module: Any, names: list[str]) -> str | None:
    return cache.key(core_module.__version__, *names, sources=tuple(f"{n}.py" for n in names))


def _read(path: Path, core_module: Any) -> Any:
    """The schemas cached in `path`, when its key matches the sources it names."""
    stored = json.loads(cache.read_regular(path, cache.MAX_CACHE), object_hook=revive)
    data = stored.get("data") if isinstance(stored, dict) else None
    names = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(
        isinstance(n, str) and n.isidentifier() for n in names
    ):
        raise ValueError("it does not name the modules it was compiled from")
    assert isinstance(data, dict)
    key = _key(core_module, names)
    if key is None or stored.get("key") != key:
        raise ValueError("it was made by another version of dlrescue or from other sources")
    return data["schemas"]


def fatal(exc: BaseException) -> bool:
    """An exception no fallback may swallow: the process is being stopped."""
    return isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit)


def why(exc: BaseException) -> str:
    """An exception as one short, escaped line for the log."""
    from .textsafe import escape, shorten

    return escape(shorten(f"{type(exc).__name__}: {exc}", 300))


def core() -> Any:
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

"""The compiled request schema (schema_cache.py): the host validates with the same schema and
the same validator as the pydantic models, compiled once and cached, and a host with a warm
cache does not import pydantic. A missing, stale, damaged or unwritable cache costs time, never
a reply.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from native_host import fields, messages, parser, schema_cache
from native_host.reasons import Reason

# -- the same validation --------------------------------------------------------------------

#: Values that pass or fail each kind of field: types, bounds, lengths, dates, reasons.
VALUES = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        -2,
        7,
        2**53 - 1,
        2**53,
        -(2**53),
        1.0,
        "",
        "x",
        "x" * 129,
        "x" * 257,
        "NETWORK_FAILED",
        "USER_CANCELED",
        "COREWEBVIEW2_DOWNLOAD_INTERRUPT_REASON_FILE_FAILED",
        "NOT A REASON",
        "NOT_IN_THE_CATALOGUE",
        5,
        0,
        "2026-11-23T14:00:00Z",
        "2026-11-23T14:00:00",
        "23/11/2026",
        "https://example.org/f.iso",
        "complete",
        "given_up",
        "NETWORK",
        "pending",
        [],
        {},
        {"nested": [1]},
    ]
)
FIELDS = sorted(
    {
        name
        for model in (*messages.REQUESTS.values(), messages.DownloadItem, messages.OutcomeItem)
        for name in model.model_fields
    }
    | {"unknown", "danger"}
)
FIELDS.remove("download")


#: A valid item, which generated fields then override, so that valid writes are generated too.
ITEM = {"id": 1, "url": "https://example.org/f.iso", "error": "NETWORK_FAILED", "state": "complete"}
OBJECTS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6)
ITEMS = st.one_of(OBJECTS.map(lambda fields: {**ITEM, **fields}), OBJECTS, VALUES)
GENERATED = st.builds(
    lambda kind, fields, item: {**fields, "type": kind, "download": item},
    st.sampled_from(fields.KINDS),
    OBJECTS,
    ITEMS,
)


def _plain(value: Any) -> Any:
    """A validated object as nested dicts, whichever class holds it."""
    if isinstance(value, BaseModel):
        return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, schema_cache.Message):
        return {name: _plain(field) for name, field in value.__dict__.items()}
    if isinstance(value, dict):  # hello's managed_policy: JSON as sent
        return {key: _plain(field) for key, field in value.items()}
    if isinstance(value, list):
        return [_plain(field) for field in value]
    assert value is None or isinstance(value, str | int | float | bool | Reason | datetime)
    return value


def _outcome(validate: Any, obj: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "valid", _plain(validate(obj))
    except ValidationError as exc:
        return "invalid", exc.errors(include_url=False, include_context=False)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return schema_cache.ready(tmp_path_factory.mktemp("cache") / "request-schema.json")


@settings(
    max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(obj=GENERATED)
def test_the_compiled_validators_accept_and_refuse_exactly_what_the_models_do(
    compiled: dict[str, Any], obj: dict[str, Any]
) -> None:
    """For generated requests of every type, valid and not, the cached schema's validator
    gives the same fields (and a Reason where the model has one) or the same errors, with
    the same locations, messages and inputs, as the pydantic model."""
    kind = obj["type"]
    ours = _outcome(compiled[kind].validate_python, obj)
    models = _outcome(messages.REQUESTS[kind].model_validate, obj)
    assert ours == models


def test_a_validated_request_reads_like_the_model() -> None:
    """parse() gives a Message whose attributes are the model's fields, defaults included."""
    body = json.dumps(
        {"type": "history", "rid": "r1", "since": "2026-11-01T00:00:00+01:00", "extra": 1}
    ).encode()
    rid, request = parser.parse(body)
    assert rid == "r1" and isinstance(request, schema_cache.Message)
    assert request.limit == 50 and request.category is None and request.type == "history"
    assert request.since == datetime.fromisoformat("2026-10-31T23:00:00+00:00")
    assert not hasattr(request, "extra") and "limit=50" in repr(request)


# -- the cache ------------------------------------------------------------------------------


def _run(code: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """A fresh `python -I` that readies the validators from `cache` and parses one request."""
    prelude = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "from native_host import parser, schema_cache\n"
        f"validators = schema_cache.ready(Path({str(cache)!r}), lambda line: print('LOG', line))\n"
        "parser._validators.update(validators)\n"
        "parser._validation_error = schema_cache.core().ValidationError\n"
    )
    return subprocess.run(
        [sys.executable, "-I", "-c", prelude + code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )


INTERRUPTED = json.dumps(
    {"type": "interrupted", "rid": 1, "download": {"id": 4, "url": "u", "error": "CRASH"}}
)
PARSE = (
    f"rid, r = parser.parse({INTERRUPTED!r}.encode())\n"
    "print('REASON', r.download.error.name)\n"
    "print('PYDANTIC', sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n"
    "print('CORE', sorted(m for m in sys.modules if m.startswith('pydantic_core')))\n"
)


def test_the_first_process_compiles_and_the_next_does_not_import_pydantic(tmp_path: Path) -> None:
    """With no cache, pydantic compiles the models and the file is written (0600 in a 0700
    folder); the next process validates from it with pydantic_core's compiled module only:
    neither pydantic nor pydantic_core's Python package nor messages.py is imported."""
    cache = tmp_path / "cache" / "dlrescue" / "request-schema.json"
    first = _run(PARSE + "print('MODELS', 'native_host.messages' in sys.modules)", cache)
    assert "REASON CRASH" in first.stdout and "MODELS True" in first.stdout
    assert "LOG" not in first.stdout  # a missing cache is not worth a log line
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    second = _run(PARSE + "print('MODELS', 'native_host.messages' in sys.modules)", cache)
    assert "REASON CRASH" in second.stdout and "MODELS False" in second.stdout
    assert "PYDANTIC []" in second.stdout
    assert "CORE ['pydantic_core._pydantic_core']" in second.stdout


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\x00garbage", "not JSON"),
        (b"[1, 2]", "JSON, not an object"),
        (b'{"key": "0000", "data": {}}', "another key"),
        (None, "a schema naming an object outside the table"),
        (None, "a schema pydantic_core refuses"),
    ],
)
def test_a_damaged_or_stale_cache_is_compiled_again_and_logged(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    """A cache file that is not JSON, not an object, for another key, naming anything outside
    schema_cache._LIVE (here os.system) or holding a schema pydantic_core refuses: the log names the
    file, the schema is compiled again and rewritten, and the request is still validated."""
    cache = tmp_path / "request-schema.json"
    _run("", cache)
    if content is None:
        stored = json.loads(cache.read_text())
        if "outside" in why:
            stored["data"]["schemas"]["hello"]["cls"] = {"$live": "os.system"}
        else:
            stored["data"]["schemas"]["hello"] = {"type": "no-such-schema"}
        content = json.dumps(stored).encode()
    cache.write_bytes(content)
    again = _run(PARSE, cache)
    assert f"LOG the compiled request schema {cache} is unusable" in again.stdout
    assert "REASON CRASH" in again.stdout
    assert "LOG" not in _run(PARSE, cache).stdout  # repaired: the next process just reads it


def test_an_unwritable_cache_folder_costs_time_not_replies(tmp_path: Path) -> None:
    """When the cache cannot be written (its folder is a file), the log says so and every
    request is still validated, by the schema compiled in memory."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    result = _run(PARSE, blocker / "request-schema.json")
    assert "LOG could not cache request-schema.json" in result.stdout
    assert "REASON CRASH" in result.stdout


def test_only_objects_named_in_the_table_are_portable() -> None:
    """A schema holding a function outside schema_cache._LIVE cannot be written to the cache, so the
    models validate directly instead; JSON-able data and the named objects can."""
    with pytest.raises(schema_cache.NotPortable, match=r"not in schema_cache\._LIVE"):
        schema_cache.portable(
            {"type": "function-plain", "function": {"type": "no-info", "function": os.getcwd}}
        )
    with pytest.raises(schema_cache.NotPortable, match="JSON cannot"):
        schema_cache.portable({"type": "default", "default": b"bytes"})
    named = {"type": "function-before", "function": {"type": "no-info", "function": fields.reason}}
    assert schema_cache.portable(named)["function"]["function"] == {"$live": "reason"}


def test_a_schema_that_cannot_be_cached_is_validated_by_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a pydantic put an object in a schema that the table does not name, the host
    says so in the log, writes no cache, and validates with the models themselves."""
    monkeypatch.setattr(schema_cache, "_NAMES", {})
    lines: list[str] = []
    validators = schema_cache.ready(tmp_path / "request-schema.json", lines.append)
    assert lines and lines[0].startswith("validating with the models themselves")
    assert not (tmp_path / "request-schema.json").exists()
    request = validators["interrupted"].validate_python(json.loads(INTERRUPTED))
    assert isinstance(request, messages.Interrupted) and request.download.error.name == "CRASH"


#: What a host that has run before must not import on its way to its first decision: the
#: start-up budget of bench/RESULTS.md (pydantic, the CLI, the dataclasses that import inspect).
NOT_AT_START = ("pydantic", "native_host.messages", "native_host.cli", "argparse", "dataclasses")


def test_a_host_that_has_run_before_decides_without_pydantic_or_the_cli(
    xdg: dict[str, str],
) -> None:
    """The real host, started twice as a browser starts it: the first start compiles the
    schema; the second answers hello and an interruption having imported none of
    NOT_AT_START (`-X importtime` lists every module it imported)."""
    from hostio import CHROME_ORIGIN, frame, interrupted, unframe

    def start() -> tuple[list[dict[str, Any]], set[str]]:
        done = subprocess.run(
            [sys.executable, "-I", "-X", "importtime", "-m", "native_host.host", CHROME_ORIGIN],
            input=frame({"type": "hello", "rid": 0}) + frame(interrupted()),
            capture_output=True,
            env={**os.environ, **xdg},
            timeout=60,
            check=True,
        )
        lines = done.stderr.decode().splitlines()
        modules = {line.rsplit("|", 1)[1].strip() for line in lines if "import time:" in line}
        return unframe(done.stdout), modules

    first_replies, first = start()
    second_replies, second = start()
    assert "pydantic" in first and "native_host.schema_cache" in second  # the probe sees imports
    assert [r["ok"] for r in first_replies + second_replies] == [True] * 4
    assert second_replies[1]["decision"]["action"] == "resume"
    imported = {m for m in second if m.split(".")[0] in NOT_AT_START or m in NOT_AT_START}
    assert not imported, imported


# -- the key --------------------------------------------------------------------------------


def test_the_key_covers_the_modules_the_models_are_built_from_found_by_walking_imports() -> None:
    """sources() walks messages.py's and schema_cache.py's imports within the package: the
    modules that define the models, their limits and validators, and the file's format; the
    host and the parser, which only use the schema, are not among them."""
    names = schema_cache.sources()
    assert {"messages", "fields", "reasons", "schema_cache", "record"} <= set(names)
    assert not {"host", "parser", "cli"} & set(names)


def test_a_cache_compiled_from_other_sources_is_compiled_again(tmp_path: Path) -> None:
    """The cache lists the modules it was compiled from; a file whose key does not match
    their source now (here: a module the models import, as if edited) is refused."""
    cache = tmp_path / "request-schema.json"
    _run("", cache)
    stored = json.loads(cache.read_text())
    assert stored["data"]["sources"] == schema_cache.sources()
    stored["data"]["sources"] = [n for n in stored["data"]["sources"] if n != "fields"]
    cache.write_text(json.dumps(stored))
    again = _run(PARSE, cache)
    assert "from other sources); compiling it again" in again.stdout
    assert "REASON CRASH" in again.stdout

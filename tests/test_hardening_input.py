"""The host never dies of what it reads: requests with dates at the ends of the calendar,
frames that break parsing, a policy.toml with thousands of mistakes or nested 5,000 deep, a
damaged compiled-schema cache, a FIFO or /dev/zero where a file belongs, and every way a port
ends. Each case runs the real host over real pipes on real files, and checks the replies,
the exit status and that every acknowledged event is in the history.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from hardening_support import (
    Host,
    check_reply,
    db_file,
    events,
    integrity,
    interrupted,
    log_file,
)
from hostio import frame

from native_host import framing, parser, schema_cache
from native_host.caller import Caller
from native_host.handlers.hello import warnings
from native_host.host import Host as InProcessHost
from native_host.log import Log

pytestmark = pytest.mark.slow

#: Dates at the ends of what Python's datetime holds, with offsets that take them past it.
EXTREME_DATES = (
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00",
    "0001-01-01",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999-23:59",
    "9999-12-31",
)


def _config(xdg: dict[str, str]) -> Path:
    folder = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _schema_cache(xdg: dict[str, str]) -> Path:
    return Path(xdg["XDG_CACHE_HOME"]) / "dlrescue" / "request-schema.json"


def _session(xdg: dict[str, str], *requests: Any) -> tuple[list[dict[str, Any]], int, str]:
    """Run a host over pipes with these requests (dicts, or raw frame bytes), then end of
    input: every reply checked against the contract, the exit status, stderr."""
    with Host(xdg) as host:
        bodies = [r if isinstance(r, bytes) else json.dumps(r).encode() for r in requests]
        host.send_raw(b"".join(frame(b) for b in bodies))
        replies = [check_reply(host.reply_bytes(timeout=60), b) for b in bodies]
        status = host.finish(timeout=60)
        host.no_more_replies()
        return replies, status, host.stderr_text()


# -- 1. dates at the ends of the calendar -------------------------------------------------------


def test_dates_at_the_ends_of_the_calendar_are_clamped_and_served(xdg: dict[str, str]) -> None:
    """`since` and `until` near year 1 or 9999, with offsets that take them past it in UTC,
    are clamped to the calendar and served (PROTOCOL.md, history and stats): no internal
    error, no dead host, and the writes around them are recorded and answered."""
    requests: list[Any] = [interrupted(1, 1)]
    for date in EXTREME_DATES:
        requests += [
            {"type": "history", "rid": f"s {date}", "since": date},
            {"type": "history", "rid": f"u {date}", "until": date},
            {"type": "stats", "rid": f"t {date}", "since": date},
        ]
    requests.append(interrupted(2, 2))
    replies, status, stderr = _session(xdg, *requests)
    assert status == 0 and "internal error" not in stderr, stderr
    assert all(r["ok"] for r in replies), [r for r in replies if not r["ok"]]
    by_rid = {r["rid"]: r for r in replies}
    for date in EXTREME_DATES:
        early = date.startswith("0001")
        # From the beginning: the first event; up to year 1: none. The reverse for 9999.
        assert len(by_rid[f"s {date}"]["items"]) == (1 if early else 0), date
        assert len(by_rid[f"u {date}"]["items"]) == (0 if early else 1), date
        assert by_rid[f"t {date}"]["since"][:4] == date[:4]
    assert set(events(db_file(xdg))) == {replies[0]["event_id"], replies[-1]["event_id"]}


# -- 6. writes behind a refused frame -------------------------------------------------------------


def test_writes_behind_garbage_and_an_oversize_frame_are_answered_and_recorded(
    xdg: dict[str, str],
) -> None:
    """One batch of [valid interrupted, garbage, a frame of more than 1 MiB, valid
    interrupted]: four replies in order (the two refusals with rid null), both events
    recorded, exit 0."""
    first, second = interrupted("a", 1), interrupted("b", 2)
    oversize = framing.MAX_FRAME + 10
    wire_bytes = (
        frame(first)
        + frame(b"\xff\x00garbage{")
        + struct.pack("=I", oversize)
        + b" " * oversize
        + frame(second)
    )
    with Host(xdg) as host:
        host.send_raw(wire_bytes)
        raw = [host.reply_bytes(timeout=60) for _ in range(4)]
        status = host.finish()
        host.no_more_replies()
    sent: list[bytes | framing.Oversize] = [
        first,
        b"\xff\x00garbage{",
        framing.Oversize(oversize),
        second,
    ]
    replies = [check_reply(r, body) for r, body in zip(raw, sent, strict=True)]
    assert [r["rid"] for r in replies] == ["a", None, None, "b"]
    assert [r.get("error", {}).get("code") for r in replies] == [
        None,
        "invalid_json",
        "too_large",
        None,
    ]
    assert status == 0
    recorded = events(db_file(xdg))
    assert recorded[replies[0]["event_id"]][2] == 1 and recorded[replies[3]["event_id"]][2] == 2


def test_a_frame_whose_parsing_fails_is_answered_alone(tmp_path: Path) -> None:
    """parse() failing in a way it never should (here a validator that raises pyo3's
    PanicException, a BaseException, and no cache to rebuild from) answers that frame
    internal_error with its rid and a log line; the writes before and after it in the same
    batch are recorded and answered."""
    lines: list[str] = []
    host = InProcessHost(Caller("chrome"), lines.append, db_path=tmp_path / "history.sqlite3")
    parser.load()
    panic = _panic_exception()

    class Panicking:
        def validate_python(self, obj: object) -> object:
            raise panic("internal error: entered unreachable code")

    saved, source = dict(parser._validators), dict(parser._source)
    parser._validators["stats"] = Panicking()
    parser._source.clear()
    try:
        batch: list[bytes | framing.Oversize] = [
            interrupted(1, 1),
            b'{"type":"stats","rid":"boom"}',
            interrupted(3, 3),
        ]
        replies = [json.loads(r) for r in host.handle_batch(batch)]
    finally:
        parser._validators.update(saved)
        parser._source.update(source)
        host.close()
    assert [r["rid"] for r in replies] == [1, "boom", 3]
    assert replies[1]["error"]["code"] == "internal_error"
    assert replies[0]["ok"] and replies[2]["ok"]
    assert any("PanicException" in line for line in lines)
    assert set(events(tmp_path / "history.sqlite3")) == {
        replies[0]["event_id"],
        replies[2]["event_id"],
    }


def _panic_exception() -> type[BaseException]:
    """pyo3's PanicException (it derives from BaseException), as pydantic_core raises it."""
    from pydantic_core import SchemaValidator

    schema = _damaged_since_schema()
    try:
        SchemaValidator(schema["history"]).validate_python(
            {"type": "history", "since": "2026-01-01"}
        )
    except BaseException as exc:  # what is wanted: pyo3's PanicException
        assert not isinstance(exc, Exception), exc
        return type(exc)
    raise AssertionError("this schema no longer makes pydantic_core panic")


# -- 2. huge warnings, and replies over the cap ---------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "".join(f"[table{i}]\nx = 1\n" for i in range(1800)),
        "[categories.NETWORK]\naction = '" + "x" * 900_000 + "'\n",
        "[categories." + "N" * 900_000 + "]\nmax_attempts = 2\n",
    ],
    ids=["1800-unknown-tables", "a-900-KB-value", "a-900-KB-key"],
)
def test_a_policy_file_with_huge_problems_still_gets_a_hello(
    xdg: dict[str, str], content: str
) -> None:
    """A policy.toml with 1,800 unknown tables, or one huge bad value or key: the hello reply
    stays far under 1 MiB (at most MAX_WARNINGS warnings, each cut short, then how many
    more), every hello is answered, the default policy decides, and the host exits 0."""
    (_config(xdg) / "policy.toml").write_text(content)
    hello = {"type": "hello", "rid": "h"}
    replies, status, _ = _session(xdg, hello, interrupted(1, 1), hello)
    first, decided, again = replies
    assert status == 0 and first["ok"] and again["ok"]
    assert len(json.dumps(first)) < 64 * 1024
    assert 1 <= len(first["warnings"]) <= 21
    assert decided["decision"]["max_attempts"] == 8  # NETWORK's default
    if content.startswith("[table"):
        assert "1,781 more problems" in first["warnings"][-1]


def test_a_reply_over_the_frame_cap_becomes_that_requests_error(tmp_path: Path) -> None:
    """Should any reply pass 1,048,576 bytes, that request is answered internal_error with
    its rid (and a log line); the next reply is sent as usual."""
    import io

    from native_host import host as host_module

    lines: list[str] = []
    host = InProcessHost(Caller("chrome"), lines.append, db_path=tmp_path / "history.sqlite3")
    host.policies.problems = ["x" * (framing.MAX_FRAME + 1)]  # an unbounded warning, as before
    stdin = io.BytesIO(
        frame({"type": "hello", "rid": "big"}) + frame({"type": "stats", "rid": "next"})
    )
    stdout = io.BytesIO()
    try:
        assert host_module.serve(stdin, stdout, host) == 0
    finally:
        host.close()
    data, replies = stdout.getvalue(), []
    while data:
        (n,) = struct.unpack("=I", data[:4])
        replies.append(json.loads(data[4 : 4 + n]))
        data = data[4 + n :]
    assert [r["rid"] for r in replies] == ["big", "next"]
    assert replies[0]["error"]["code"] == "internal_error" and replies[1]["ok"]
    assert any("more than a frame" in line for line in lines)


def test_warnings_are_capped_cut_and_escaped() -> None:
    """handlers.hello.warnings: at most MAX_WARNINGS problems, each at most WARNING_CHARS long with
    control and bidi characters escaped, then one line counting the rest."""
    from native_host.handlers.hello import MAX_WARNINGS, WARNING_CHARS

    shown = warnings([f"problem {i} \x1b[31m\u202e" + "y" * 5000 for i in range(100)])
    assert len(shown) == MAX_WARNINGS + 1 and "80 more problems" in shown[-1]
    assert all(len(line) <= WARNING_CHARS for line in shown[:-1])
    assert all("\x1b" not in line and "\u202e" not in line for line in shown)
    assert "\\x1b[31m\\u202e" in shown[0]
    assert warnings(["one"]) == ["one"]


# -- 3. nested too deeply -----------------------------------------------------------------------


DEEP_FILES = {
    "arrays": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "inline-tables": "[categories.NETWORK]\nx = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n",
    "dotted-keys": "[categories.NETWORK]\n" + "a." * 5000 + "b = 1\n",
}


@pytest.mark.parametrize("name", DEEP_FILES)
def test_a_policy_file_nested_5000_deep_is_reported_and_the_defaults_serve(
    xdg: dict[str, str], name: str
) -> None:
    """A policy.toml nested 5,000 levels deep (arrays, inline tables, dotted keys): the host
    starts, hello warns (nested too deeply, or what is wrong), the defaults decide; `dlrescue
    policy` and `dlrescue doctor` report it without a traceback."""
    (_config(xdg) / "policy.toml").write_text(DEEP_FILES[name])
    replies, status, stderr = _session(xdg, {"type": "hello", "rid": 1}, interrupted(2, 2))
    assert status == 0 and "Traceback" not in stderr, stderr
    assert replies[0]["warnings"] and replies[1]["decision"]["max_attempts"] == 8
    if name != "dotted-keys":
        assert "not valid TOML (nested too deeply)" in replies[0]["warnings"][0]
    env = {**os.environ, **xdg, "HOME": xdg["XDG_CONFIG_HOME"]}
    for command in (["policy"], ["doctor"]):
        done = subprocess.run(
            [sys.executable, "-I", "-m", "native_host.cli", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
        assert "policy.toml" in done.stdout + done.stderr


# -- 4. a damaged compiled-schema cache -----------------------------------------------------------


def _damaged_since_schema() -> dict[str, Any]:
    """The request schemas with the `since` validator's function type unknown to
    pydantic_core: SchemaValidator accepts it, and validating a `since` panics."""
    compiled = schema_cache.ready(
        Path(os.environ["XDG_CACHE_HOME"]) / "dlrescue" / "request-schema.json"
    )
    assert compiled
    stored = json.loads(
        (Path(os.environ["XDG_CACHE_HOME"]) / "dlrescue" / "request-schema.json").read_text()
    )
    schemas: dict[str, Any] = json.loads(
        json.dumps(stored["data"]["schemas"]), object_hook=schema_cache.revive
    )
    _function_of(schemas["history"], "since")["type"] = "no-such-function-kind"
    return schemas


def _function_of(schema: dict[str, Any], field: str) -> dict[str, Any]:
    """The {"type": ..., "function": ...} slot of the validator of `field` in a schema."""
    found: list[dict[str, Any]] = []

    def walk(node: Any, inside: bool) -> None:
        if isinstance(node, dict):
            slot = node.get("function")
            if inside and isinstance(slot, dict) and "type" in slot and "function" in slot:
                found.append(slot)
            for key, value in node.items():
                walk(value, inside or (key == field))
        elif isinstance(node, list):
            for value in node:
                walk(value, inside)

    walk(schema, False)
    assert found, f"no function slot under {field}"
    return found[0]


def _damage(xdg: dict[str, str], how: str) -> None:
    """Write a host's schema cache, then damage it the way `how` says (under its valid key)."""
    _session(xdg, {"type": "hello"})
    path = _schema_cache(xdg)
    stored = json.loads(path.read_text())
    if how == "panic":
        _function_of(stored["data"]["schemas"]["history"], "since")["type"] = (
            "no-such-function-kind"
        )
    else:  # a plain value where a function belongs (it should be {"$live": "reason"})
        _function_of(stored["data"]["schemas"]["interrupted"], "error")["function"] = "reason"
    path.write_text(json.dumps(stored))


@pytest.mark.parametrize("how", ["panic", "not-callable"])
def test_a_damaged_schema_cache_is_rebuilt_once_and_the_host_serves(
    xdg: dict[str, str], how: str
) -> None:
    """A request-schema.json under the right key whose schema makes pydantic_core panic
    (pyo3's PanicException is no Exception), or with a plain string where a function
    belongs: the host logs it once, compiles the schema from the models, serves every
    request (dates and reasons included), and the next host reads the rebuilt file quietly."""
    _damage(xdg, how)
    requests = (
        {"type": "hello", "rid": 0},
        {"type": "history", "rid": 1, "since": "2026-01-01T00:00:00Z"},
        interrupted(2, 2),
        {"type": "stats", "rid": 3, "since": "2026-01-01"},
    )
    replies, status, stderr = _session(xdg, *requests)
    assert status == 0 and all(r["ok"] for r in replies), (replies, stderr)
    assert stderr.count("request schema") == 1 and "compiling it again" in stderr, stderr
    replies, status, stderr = _session(xdg, *requests)
    assert status == 0 and all(r["ok"] for r in replies)
    assert "request schema" not in stderr, stderr


def test_a_cached_validator_failing_on_a_request_is_rebuilt_from_the_models(
    tmp_path: Path,
) -> None:
    """When a validator read from the cache fails on a request in a way CANARIES did not
    show (here: a non-callable in the function slot of `hello`), parse() logs it once,
    compiles every validator from the models, rewrites the cache and answers the request."""
    from pydantic_core import SchemaValidator

    cache = tmp_path / "request-schema.json"
    lines: list[str] = []
    saved, source = dict(parser._validators), dict(parser._source)
    parser._validators.clear()
    parser._validators.update(schema_cache.ready(cache))
    parser._validators["hello"] = SchemaValidator(
        {"type": "function-plain", "function": {"type": "no-info", "function": 5}}
    )
    parser._source.update(path=cache, log=lines.append)
    cache.write_text("{}")
    try:
        rid, request = parser.parse(b'{"type":"hello","rid":7,"lang":"fr"}')
        assert (rid, request.lang) == (7, "fr")
        parser.parse(b'{"type":"hello","rid":8}')
    finally:
        parser._validators.clear()
        parser._validators.update(saved)
        parser._source.clear()
        parser._source.update(source)
    assert len(lines) == 1 and "failed on a 'hello' request" in lines[0], lines
    assert json.loads(cache.read_text())["key"]  # rewritten


# -- 5. every way a port ends ---------------------------------------------------------------------


def _end(xdg: dict[str, str], how: str) -> tuple[int, str, list[bytes]]:
    """Run a host, end it `how`; its exit status, stderr and the replies it sent."""
    env = dict(xdg)
    if how == "stdout-closed":
        return _stdout_closed_first(env)
    if how == "store-cannot-open":
        Path(env["XDG_DATA_HOME"]).write_text("a file where the data folder belongs")
    with Host(env) as host:
        burst = b"".join(frame(interrupted(f"r{i}", i)) for i in range(40))
        host.send_raw(frame({"type": "hello", "rid": "h"}))
        replies = [host.reply_bytes(timeout=60)]
        if how == "eof-between-frames" or how == "store-cannot-open":
            host.send_raw(burst)
            status = host.finish()
        elif how == "eof-inside-a-frame":
            host.send_raw(burst + struct.pack("=I", 100) + b'{"type":')
            status = host.finish()
        else:  # SIGTERM, idle or in the middle of a burst
            if how == "sigterm-in-a-burst":
                host.send_raw(burst * 5)
            time.sleep(0.05)
            host.signal(signal.SIGTERM)
            status = host.wait(whole_frames=False)
        while (body := host.replies.get(timeout=10)) is not None:
            replies.append(body)
        return status, host.stderr_text(), replies


def _stdout_closed_first(env: dict[str, str]) -> tuple[int, str, list[bytes]]:
    """The browser closes its end of the host's stdout, keeps stdin open and sends a burst:
    the host's next write fails and it ends while its reader thread is blocked on stdin."""
    host = Host(env, read_stdout=False)
    assert host.proc.stdout is not None
    host.proc.stdout.close()
    with suppress(BrokenPipeError):
        host.send_raw(b"".join(frame(interrupted(i, i)) for i in range(40)))
    status = host.wait(30)
    return status, host.stderr_text(), []


@pytest.mark.parametrize(
    "how",
    [
        "eof-between-frames",
        "eof-inside-a-frame",
        "stdout-closed",
        "store-cannot-open",
        "sigterm-idle",
        "sigterm-in-a-burst",
    ],
)
def test_the_host_always_ends_with_status_0_or_1_never_a_signal(
    xdg: dict[str, str], how: str
) -> None:
    """Eight times each way a port ends (end of input between frames or inside one, the
    browser closing stdout first while stdin stays open, a history that cannot open,
    SIGTERM idle or mid-burst): exit status 0 or 1 (never SIGABRT from a reader thread
    holding stdin's lock at shutdown, never death by SIGTERM), no fatal error on stderr,
    and every acknowledged event recorded."""
    for _ in range(8):
        status, stderr, replies = _end(xdg, how)
        assert status in (0, 1), (how, status, stderr[-2000:])
        assert "Fatal Python error" not in stderr and "Traceback" not in stderr, stderr
        expected = 1 if how == "eof-inside-a-frame" else 0
        assert status == expected, (how, status, stderr[-2000:])
        acked = [json.loads(r) for r in replies]
        acked_ids = {r["event_id"] for r in acked if r.get("ok") and "event_id" in r}
        if how == "store-cannot-open":
            assert not acked_ids and all(
                r["error"]["code"] == "store_unavailable" for r in acked[1:]
            )
        else:
            assert acked_ids <= set(events(db_file(xdg)))
            assert integrity(db_file(xdg)) == "ok"


# -- 7. control characters from policy.toml -------------------------------------------------------


def test_control_and_bidi_characters_in_policy_keys_never_reach_the_log_or_hello_raw(
    xdg: dict[str, str],
) -> None:
    """Keys and values of policy.toml holding an escape sequence, a bidi override, a line
    break and a NUL reach hello's warnings, stderr and host.log escaped (`\\x1b`, `\\u202e`,
    `\\x0a`), never raw, so they cannot color a terminal, reorder a line or forge a log line."""
    (_config(xdg) / "policy.toml").write_text(
        '[categories."NETWORK\\u001b[31m"]\nmax_attempts = 2\n'
        '[reasons."\\u202eDELIAF_KROWTEN"]\naction = "resume"\n'
        '["fake\\n2026-01-01T00:00:00 dlrescue-host[1]: forged"]\nx = 1\n'
        '[categories.SERVER]\naction = "\\u0000\\u001b]0;title\\u0007"\n'
    )
    replies, status, stderr = _session(xdg, {"type": "hello", "rid": 1})
    text = json.dumps(replies[0]["warnings"], ensure_ascii=False) + stderr
    text += log_file(xdg).read_text(encoding="utf-8")
    for raw in (
        "\x1b",
        "\u202e",
        "\x00",
        "\x07",
        "\nfake",
        "\n2026-01-01T00:00:00 dlrescue-host[1]",
    ):
        assert raw not in text, repr(raw)
    assert "NETWORK\\x1b[31m" in text and "\\u202eDELIAF_KROWTEN" in text
    assert "fake\\x0a2026" in text and status == 0


# -- 8. odd files where dlrescue's files belong ---------------------------------------------


def _odd(path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("where", ["policy", "schema-cache", "policy-cache", "log", "extensions"])
def test_a_fifo_or_dev_zero_where_a_file_belongs_neither_hangs_nor_eats_memory(
    xdg: dict[str, str], where: str, kind: str
) -> None:
    """A FIFO, or a symlink to /dev/zero, as policy.toml, the schema cache, the policy cache,
    the log or extensions.json: the host starts at once, serves (the policy one warns that
    it is not a regular file; the caches are rebuilt as regular files; the log goes to
    stderr only, with one line saying why), peaks within 64 MiB of a plain host's memory, and
    exits 0."""
    with Host(xdg) as plain:  # the yardstick: ru_maxrss also counts what the fork inherited
        plain.ask({"type": "hello", "rid": 0}, timeout=30)
        assert plain.finish(timeout=30) == 0
        budget = plain.rusage.ru_maxrss + 64 * 1024
    for leftover in Path(xdg["XDG_CACHE_HOME"]).glob("dlrescue/*.json"):
        leftover.unlink()
    config = _config(xdg)
    if where == "policy-cache":  # there must be a policy.toml for its cache to be read
        (config / "policy.toml").write_text("[categories.NETWORK]\nmax_attempts = 3\n")
    if where == "log":  # a policy problem to log
        (config / "policy.toml").write_text("[categories.NETWORK]\nmax_attempts = 'x'\n")
    target = {
        "policy": config / "policy.toml",
        "schema-cache": _schema_cache(xdg),
        "policy-cache": _schema_cache(xdg).with_name("policy.json"),
        "log": log_file(xdg),
        "extensions": config / "extensions.json",
    }[where]
    _odd(target, kind)
    started = time.monotonic()
    if where == "extensions":  # read only for a caller that is not dlrescue's own
        with Host(xdg, "chrome-extension://abcdefghijklmnopabcdefghijklmnop/") as stranger:
            assert stranger.finish(timeout=30) == 3  # refused, at once
            assert stranger.rusage.ru_maxrss < budget
    with Host(xdg) as host:
        hello = host.ask({"type": "hello", "rid": 1}, timeout=30)
        decided = host.ask(interrupted(2, 2), timeout=30)
        status = host.finish(timeout=30)
        stderr = host.stderr_text()
        peak_kib = host.rusage.ru_maxrss
    assert time.monotonic() - started < 30
    assert status == 0 and hello["ok"] and decided["ok"], stderr
    assert peak_kib < budget, (peak_kib, budget)
    label = "a FIFO" if kind == "fifo" else "a character device"
    if where == "policy":
        assert any(label in w and "regular file" in w for w in hello["warnings"])
    elif where == "policy-cache":
        assert decided["decision"]["max_attempts"] == 3
    if where in ("schema-cache", "policy-cache"):
        assert target.is_file() and not target.is_symlink()  # rebuilt in its place
        assert label in stderr
    if where == "log":
        assert "cannot write the log" in stderr and stderr.count("cannot write the log") == 1


def test_the_log_rotates_by_size_during_a_long_run(tmp_path: Path) -> None:
    """One Log writing far more than MAX_BYTES: the file is rotated as it grows, never
    passes MAX_BYTES, and at most KEEP files are kept; a second writer (another host) that
    still holds the rotated file reopens the new one instead of rotating again."""
    from native_host import log as log_module

    path = tmp_path / "log" / "host.log"
    sink = open(os.devnull, "w")  # noqa: SIM115 - closed below
    first, second = Log(path, stderr=sink), Log(path, stderr=sink)
    line = "y" * 10_000
    try:
        for i in range(500):
            (first if i % 3 else second)(f"{i} {line}")
            assert path.stat().st_size <= log_module.MAX_BYTES
    finally:
        first.close()
        second.close()
        sink.close()
    kept = sorted(p.name for p in path.parent.iterdir())
    assert kept == ["host.log", "host.log.1", "host.log.2", "host.log.3"][: log_module.KEEP + 1]
    assert "499 " in path.read_text()

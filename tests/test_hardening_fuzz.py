"""Hostile input, fuzzed: whatever arrives, the host answers every complete frame with one
valid reply (the request's rid echoed when it is valid, an error code from the contract,
never internal_error), writes nothing but frames to stdout, never dies, records exactly the
events it acknowledges, and leaves a history that passes `PRAGMA integrity_check`.

Most cases run in-process through `Host.handle_batch` on a real SQLite file; two long
sessions push thousands of generated frames through a real host over real pipes. Cases:
FRAMING_CASES streams, BYTE_CASES and REQUEST_CASES batches of 1 to 4 frames (hypothesis),
TOML_CASES hostile policy files (nested 6,000 deep, thousands of tables, giant or invisible
keys and values), GENERATED_FRAMES frames from a seeded generator (seeds from hypothesis),
and SESSIONS x SESSION_FRAMES frames over pipes: 4,000 hypothesis examples and about 27,000
frames in all.
"""

from __future__ import annotations

import io
import json
import random
import re
import sqlite3
import struct
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hardening_support import Host, check_reply, integrity, request_of, stored_download_id
from hostio import CHROME_ORIGIN
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from native_host import framing
from native_host.caller import Caller
from native_host.fields import MAX_SAFE_INT
from native_host.host import Host as InProcessHost
from native_host.reasons import KNOWN_REASONS, WEBVIEW2, WIN32_PREFIX

FRAMING_CASES = 1_000
BYTE_CASES = 2_000
REQUEST_CASES = 850
TOML_CASES = 150
GENERATED_SEEDS = 20
GENERATED_FRAMES = 10_000
SESSIONS = 2
SESSION_FRAMES = 3_000

FUZZ = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# -- values -------------------------------------------------------------------------------------

#: Characters that break naive code: NUL, lone and paired surrogates, bidi and invisible marks,
#: terminal controls, line separators, emoji with modifiers, the last code points.
NASTY = (
    "\x00",
    "\ud800",
    "\udfff",
    "\udbff\udfff",
    "\u202e",
    "\u200f",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\u0085",
    "\x1b[2J",
    "\x07",
    "\x7f",
    "\x9b",
    "\U0001f4a9",
    "\U0001f469\u200d\U0001f4bb",
    "\U0001f1eb\U0001f1f7",
    "\uffff",
    "\U0010ffff",
    "e\u0301",
    '"',
    "\\",
    "%00",
    "../",
)
odd_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=30),  # surrogates included
    st.lists(st.sampled_from(NASTY), max_size=8).map("".join),
)


def _repeat(piece: str, count: int) -> str:
    return piece * count


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3)


def _url(host: str, path: str) -> str:
    return f"https://{host}/{path}"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {**extra, **base}


giant_text = st.builds(
    _repeat,
    st.sampled_from(["a", "\u00e9", "\U0001f4a9", "\x00", "\ud800", "\u202e", "%"]),
    st.integers(0, 400_000),
)
numbers = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),  # NaN and Infinity are not JSON
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, odd_text),
    _containers,
    max_leaves=6,
)
#: Values of the wrong type or range for any field: booleans where numbers belong, numbers
#: past 2^53, empty, long and odd strings, containers, and names that look right elsewhere.
HOSTILE_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    -0.0,
    1.5,
    1e308,
    MAX_SAFE_INT,
    MAX_SAFE_INT + 1,
    -MAX_SAFE_INT - 1,
    2**63,
    2**64,
    "",
    "1",
    "x" * 300,
    "\ud800",
    "\u202e\u200f",
    "\x00\x1b[2J",
    "\U0001f4a9" * 50,
    [],
    {},
    [[[[]]]],
    {"a": {"b": {}}},
    "NETWORK_FAILED",
    11,
    "FileMalicious",
    "LOCAL_DOWNLOAD_BLOCKED",
]
hostile = st.one_of(st.sampled_from(HOSTILE_VALUES), numbers, odd_text, giant_text, json_values)


def _same(value: Any) -> Any:
    return value


def often(strategy: st.SearchStrategy[Any], times: int) -> list[st.SearchStrategy[Any]]:
    """`times` distinct copies of a strategy, to weight it in one_of (which merges copies
    that are the same object)."""
    return [strategy.map(_same) for _ in range(times)]


def valid_or(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A valid value eight times in nine, so that a good share of requests get past
    validation and reach the store, and each field is still often hostile."""
    return st.one_of(*often(valid, 8), hostile)


urls = st.one_of(
    st.sampled_from(
        [
            "https://example.org/big.iso",
            "https://user:pa%3Ass@example.org/f?token=abc&x=1#frag",
            "http://[::1]:8080/x",
            "https://[::1/broken",
            "data:text/plain;base64,aGVsbG8=",
            "blob:https://example.org/0b1c",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "",
        ]
    ),
    st.builds(_url, odd_text, odd_text),
)
reasons = st.one_of(
    *often(st.sampled_from(KNOWN_REASONS), 6),
    st.sampled_from(
        [
            *KNOWN_REASONS,
            *(name for name, _, _ in WEBVIEW2),
            *(value for _, value, _ in WEBVIEW2),
            WIN32_PREFIX + "FILE_FAILED",
            "None",
            "NONE",
            0,
            30,
            -1,
            "network_failed",
            "LOCAL_DOWNLOAD_BLOCKED",
            "A" * 64,
            "A" * 65,
        ]
    ),
    hostile,
)
instants = st.sampled_from(
    [
        "2026-11-23T14:00:00Z",
        "2026-11-23T14:00:00+05:30",
        "2026-11-23",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59",
        # Past the calendar once in UTC: clamped and served, never OverflowError.
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T00:00:00.000001+23:59",
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:59:59.999999-23:59:59.999999",
        "2026-13-45",
        "yesterday",
    ]
)
#: Dates at and past the ends of the calendar (see `instants`).
EXTREME_INSTANTS = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59-01:00",
]
download_ids = st.integers(0, MAX_SAFE_INT)
rids = st.one_of(st.integers(-MAX_SAFE_INT, MAX_SAFE_INT), st.text(max_size=130))
flags = st.booleans()


def with_extras(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A dict with the required keys, some optional ones, and now and then an unknown one."""
    base = st.fixed_dictionaries(required, optional=optional)
    extra = st.one_of(*often(st.just({}), 4), st.dictionaries(odd_text, hostile, max_size=1))
    return st.builds(_merge, base, extra)


ITEM_FIELDS = {
    "referrer": valid_or(urls),
    "filename": valid_or(odd_text),
    "bytesReceived": valid_or(st.integers(-1, MAX_SAFE_INT)),
    "canResume": valid_or(flags),
    "paused": valid_or(flags),
    "incognito": valid_or(flags),
}
_full_items = with_extras(
    {"id": valid_or(download_ids), "url": valid_or(urls), "error": reasons}, ITEM_FIELDS
)
_plain_items = with_extras(
    {"id": download_ids, "url": urls, "error": st.sampled_from(KNOWN_REASONS)},
    {"startTime": instants, "mime": st.text(max_size=20), "totalBytes": numbers},
)
download_items = st.one_of(*often(_full_items, 6), *often(_plain_items, 2), hostile)
outcome_items = with_extras(
    {
        "id": valid_or(download_ids),
        "url": valid_or(urls),
        "state": valid_or(st.sampled_from(["complete", "interrupted", "in_progress", "given_up"])),
    },
    {"error": reasons, "incognito": valid_or(flags)},
)
COMMON = {"rid": valid_or(rids), "browser": valid_or(st.sampled_from(["chrome", "firefox"]))}
#: Event keys: a few that recur (so events are sent again, as after a service worker died),
#: fresh ones, and hostile ones.
WRITES = {
    **COMMON,
    "event_key": valid_or(st.one_of(st.sampled_from(["k1", "k2", "k3"]), st.text(max_size=300))),
}
requests = st.one_of(
    with_extras(
        {"type": st.just("hello")},
        {**COMMON, "lang": valid_or(st.sampled_from(["en", "fr", "de"]))},
    ),
    with_extras({"type": st.just("interrupted"), "download": download_items}, WRITES),
    with_extras({"type": st.just("interrupted"), "download": download_items}, WRITES),
    with_extras({"type": st.just("outcome"), "download": outcome_items}, WRITES),
    with_extras(
        {"type": st.just("history")},
        {
            **COMMON,
            "limit": valid_or(st.integers(-5, 600)),
            "category": valid_or(st.sampled_from(["NETWORK", "SERVER", "network", "X"])),
            "reason": valid_or(st.sampled_from(KNOWN_REASONS)),
            "since": valid_or(instants),
            "until": valid_or(instants),
            "domain": valid_or(st.sampled_from(["example.org", "EXAMPLE.org", ""])),
            "outcome": valid_or(st.sampled_from(["complete", "pending", "x"])),
        },
    ),
    with_extras({"type": st.just("stats")}, {**COMMON, "since": valid_or(instants)}),
    with_extras({"type": hostile}, COMMON),
    json_values,
)


def encode(obj: Any, ascii_only: bool) -> bytes:
    """JSON as a sloppy sender would write it: NaN allowed, lone surrogates passed through
    as \\ud800 escapes, or as invalid UTF-8 bytes when not ASCII-only."""
    text = json.dumps(obj, ensure_ascii=ascii_only, allow_nan=True)
    return text.encode("utf-8", "surrogatepass")


encoded_requests = st.builds(encode, requests, st.booleans())

# -- frames that are wrong below the JSON level ------------------------------------------------


#: Valid requests of every type, to cut short and to corrupt byte by byte.
TEMPLATES = [
    b'{"type":"hello","rid":"t1","browser":"chrome","lang":"fr"}',
    b'{"type":"interrupted","rid":2,"browser":"firefox","download":{"id":42,'
    b'"url":"https://u:p@example.org/big.iso?token=s3cr3t#x","error":"NETWORK_FAILED",'
    b'"filename":"/home/u/big.iso","bytesReceived":1000,"totalBytes":5000,"canResume":true,'
    b'"paused":false,"incognito":false}}',
    b'{"type":"outcome","rid":3,"download":{"id":42,"url":"https://example.org/big.iso",'
    b'"state":"complete"}}',
    b'{"type":"history","rid":4,"limit":5,"category":"NETWORK","since":"2026-01-01T00:00:00Z"}',
    b'{"type":"stats","rid":5}',
]


def nest(depth: int, opener: str, inside: bytes) -> bytes:
    """`depth` levels of arrays or objects, around a request's download.error or alone."""
    closer = {"[": "]", '{"a":': "}"}[opener]
    deep = opener.encode() * depth + b"1" + closer.encode() * depth
    return inside.replace(b"@", deep) if inside else deep


def _put(digits: bytes, where: bytes) -> bytes:
    return where.replace(b"@", digits)


def _nines(count: int) -> bytes:
    return b"9" * count


def _cut(body: bytes, cut: int) -> bytes:
    return body[: cut % (len(body) + 1)]


def flip(body: bytes, where: int, value: int) -> bytes:
    if not body:
        return bytes([value])
    where %= len(body)
    return body[:where] + bytes([value]) + body[where + 1 :]


byte_frames = st.one_of(
    st.binary(max_size=300),
    st.builds(
        nest,
        st.integers(1, 120_000),
        st.sampled_from(["[", '{"a":']),
        st.sampled_from(
            [
                b"",
                b'{"type":"interrupted","rid":5,"download":{"id":1,"url":"https://e/","error":@}}',
                b'{"type":"hello","rid":"deep","x":@}',
                b'{"type":"hello","rid":@}',
            ]
        ),
    ),
    st.builds(  # numbers too long for int(), exponents that overflow, negative zero
        _put,
        st.one_of(
            st.integers(1, 20_000).map(_nines),
            st.sampled_from([b"1e999999", b"-1e999999", b"-0", b"1E400", b"0.0000001e-400"]),
        ),
        st.sampled_from(
            [
                b'{"type":"hello","rid":@}',
                b'{"type":"interrupted","rid":1,"download":{"id":@,"url":"u","error":"CRASH"}}',
                b'{"type":"history","rid":2,"limit":@}',
            ]
        ),
    ),
    st.sampled_from(
        [
            b"",
            b" ",
            b"null",
            b"[]",
            b"{}",
            b'"hello"',
            b'{"type":"hello","rid":NaN}',
            b'{"type":"hello","rid":Infinity}',
            b'{"type":"hello","rid":-Infinity}',
            b'{"type":"hello","rid":1}x',
            b'{"type":"hello","rid":1,"rid":{"x":1}}',
            b'{"type":"hello","rid":"\xff\xfe"}',
            b'{"type":"hello","rid":"\xed\xa0\x80"}',
            b'\xef\xbb\xbf{"type":"hello","rid":3}',
            '{"type":"hello","rid":4}'.encode("utf-16"),
            '{"type":"hello","rid":4}'.encode("utf-32-le"),
            b'{"type":"hello","rid":"\\ud800"}',
            b'{"type":"hello","rid":"\\u0000"}',
            b'{"type":"hello","rid":true}',
            b'{"type":"hello","rid":1.0}',
            b'{"type":"interrupted","rid":9,"download":{"id":true,"url":"u","error":"CRASH"}}',
            b'{"type":"interrupted","rid":9,"download":{"id":1.0,"url":"u","error":"CRASH"}}',
            b'{"type":"interrupted","rid":9,"download":{"id":"1","url":"u","error":"CRASH"}}',
            b'{"type":"interrupted","rid":9,"download":{"id":-1,"url":"u","error":"CRASH"}}',
        ]
    ),
    st.builds(_cut, st.sampled_from(TEMPLATES), st.integers()),
    st.builds(flip, st.sampled_from(TEMPLATES), st.integers(), st.integers(0, 255)),
)
oversize = st.builds(framing.Oversize, st.integers(framing.MAX_FRAME + 1, 2**32 - 1))

# -- the in-process host -----------------------------------------------------------------------


class Fuzzed:
    """One in-process host on a real history file, and a second connection that sees only
    what was committed."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "history.sqlite3"
        self.lines: list[str] = []
        self.host = InProcessHost(
            Caller("chrome", origin=CHROME_ORIGIN), self.lines.append, db_path=self.path
        )
        self.reader = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        self.frames = 0
        self.keyed: dict[str, int] = {}  # event_key -> the event recorded under it

    def run(self, frames: list[bytes | framing.Oversize]) -> None:
        """Handle one batch and check every reply and every acknowledged event."""
        self.frames += len(frames)
        batch = [
            f
            if isinstance(f, framing.Oversize) or len(f) <= framing.MAX_FRAME
            else framing.Oversize(len(f))  # what read_frame makes of it
            for f in frames
        ]
        replies = self.host.handle_batch(batch)
        assert len(replies) == len(batch), "one reply per frame"
        for raw, body in zip(replies, batch, strict=True):
            reply = check_reply(raw, body)
            if reply["ok"] and "event_id" in reply:
                self._recorded(reply, body)
        assert not [line for line in self.lines if "internal error" in line], self.lines

    def _recorded(self, reply: dict[str, Any], body: bytes | framing.Oversize) -> None:
        assert isinstance(body, bytes)
        try:
            request = request_of(body)
        except RecursionError:
            return  # a request this deep cannot be read back here
        assert request is not None
        row = self.reader.execute(
            "SELECT kind, download_id, reason, url, filename, event_key FROM events WHERE id = ?",
            (reply["event_id"],),
        ).fetchone()
        assert row is not None, f"event {reply['event_id']} was acknowledged but not committed"
        kind, download_id, reason, url, filename, stored_key = row
        assert kind == request["type"], "an event is answered as an event of its own kind"
        if kind == "interrupted":
            assert reason == reply["decision"]["reason"]
        key = request.get("event_key")
        if isinstance(key, str) and stored_key is not None:
            first = self.keyed.setdefault(stored_key, reply["event_id"])
            assert first == reply["event_id"], "an event sent again is answered as before"
            return  # sent again: the first one's row answers for it
        assert stored_key is None and download_id == stored_download_id(request)
        if request["download"].get("incognito") is True:
            assert url is None and filename is None

    def close(self) -> None:
        self.reader.close()
        self.host.close()


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """An in-process host in a private XDG world, shared by this module's fuzz tests."""
    root = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            patch.setenv(name, str(root / name.lower()))
        target = Fuzzed(root)
        yield target
        target.close()


def _then_sound(fuzzed: Fuzzed, frames: int, body: Callable[[], None]) -> None:
    """Run body (a hypothesis test); then at least `frames` frames were handled and the
    history passes integrity_check."""
    before = fuzzed.frames
    body()
    assert fuzzed.frames - before >= frames, "fewer cases ran than asked"
    assert integrity(fuzzed.path) == "ok"


@pytest.mark.slow
def test_hostile_bytes_get_one_valid_reply_per_frame(fuzzed: Fuzzed) -> None:
    """Random bytes, truncated and bit-flipped requests, deep nesting, numbers too long for
    int(), NaN and Infinity, invalid UTF-8, UTF-16, BOMs and oversize markers, in batches:
    one valid reply per frame (rid null unless the frame is an object with a valid rid), no
    internal error, only committed events acknowledged, a sound history afterwards."""

    @settings(FUZZ, max_examples=BYTE_CASES)
    @given(st.lists(st.one_of(byte_frames, byte_frames, oversize), min_size=1, max_size=4))
    def case(frames: list[bytes | framing.Oversize]) -> None:
        fuzzed.run(frames)

    _then_sound(fuzzed, BYTE_CASES, case)


@pytest.mark.slow
def test_requests_with_hostile_fields_get_one_valid_reply_each(fuzzed: Fuzzed) -> None:
    """Requests of every type whose fields are sometimes valid and sometimes hostile (wrong
    types, booleans for numbers, huge and negative numbers, odd and invisible Unicode, lone
    surrogates, giant strings, unknown keys): one valid reply each, every acknowledged event
    committed with the request's own download id, incognito items stored without URL or file
    name, no internal error, a sound history afterwards."""

    @settings(FUZZ, max_examples=REQUEST_CASES)
    @given(st.lists(encoded_requests, min_size=1, max_size=4))
    def case(frames: list[bytes]) -> None:
        fuzzed.run(list(frames))

    _then_sound(fuzzed, REQUEST_CASES, case)


# -- framing on hostile streams -----------------------------------------------------------------


class Dribble(io.RawIOBase):
    """A stream that hands out at most `step` bytes per read and records the largest read."""

    def __init__(self, data: bytes, step: int) -> None:
        self.data, self.step, self.at, self.largest = data, step, 0, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.largest = max(self.largest, n)
        chunk = self.data[self.at : self.at + min(n, self.step)]
        self.at += len(chunk)
        return chunk


LIMIT = 64  # a small frame cap, so oversize frames are cheap to build


@pytest.mark.slow
@settings(FUZZ, max_examples=FRAMING_CASES)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("frame"), st.binary(max_size=LIMIT)),
            st.tuples(
                st.just("oversize"),
                st.one_of(
                    st.integers(LIMIT + 1, 4 * LIMIT),
                    st.integers(framing.SKIP_CHUNK - 1, 2 * framing.SKIP_CHUNK + 1),
                ),
            ),
        ),
        max_size=8,
    ),
    st.integers(0, 2**32 - 1),
    st.sampled_from([1, 3, 4096, 1 << 30]),
)
def test_framing_on_any_stream_yields_frames_or_a_clean_truncation(
    items: list[tuple[str, Any]], cut: int, step: int
) -> None:
    """Any sequence of frames and oversize frames, cut at any byte and read in any chunk
    size, comes back as exactly those frames (oversize ones as Oversize markers), then None
    at a clean end or TruncatedFrame inside a frame; nothing else is ever raised, and no read
    asks for more than the larger of the frame cap and SKIP_CHUNK."""
    data, spans = b"", []
    for kind, value in items:
        body = value if kind == "frame" else b"\0" * value
        start = len(data)
        data += struct.pack("=I", len(body)) + body
        spans.append((start, len(data), value if kind == "frame" else framing.Oversize(value)))
    cut %= len(data) + 1
    stream = Dribble(data[:cut], max(step, cut // 256))  # one-byte reads of small streams
    read = partial(framing.read_frame, stream, LIMIT)  # type: ignore[arg-type]
    for start, end, expected in spans:
        if cut >= end:
            assert read() == expected
        elif cut == start:
            assert read() is None
            break
        else:
            with pytest.raises(framing.TruncatedFrame):
                read()
            break
    else:
        assert read() is None
    assert stream.largest <= max(LIMIT, framing.SKIP_CHUNK)


# -- hostile policy files -----------------------------------------------------------------------


def _toml_string(text: str) -> str:
    """text as a TOML basic string (JSON's escapes are TOML's; lone surrogates make it
    invalid TOML, which is hostile too)."""
    return json.dumps(text)


def _nested_toml(depth: int, kind: str, where: str) -> str:
    value = {
        "array": "[" * depth + "]" * depth,
        "inline": "{a = " * depth + "1" + "}" * depth,
    }.get(kind)
    if value is None:  # dotted keys, one table per level
        return f"[{where}]\n" + "a." * depth + "b = 1\n"
    return f"[{where}]\nmax_attempts = {value}\n"


def _many_tables(count: int, name: str) -> str:
    return "".join(f"[{_toml_string(name + str(i))}]\nx = 1\n" for i in range(count))


def _rule(table: str, key: str, value: str) -> str:
    return f"[{table}]\n{key} = {value}\n"


toml_keys = st.one_of(
    st.sampled_from(["action", "max_attempts", "initial_delay_ms", "notify", "backoff_factor"]),
    odd_text.map(_toml_string),
)
toml_values = st.one_of(
    st.sampled_from(['"resume"', "3", "true", "1e400", "-0", "nan", "inf", "[]", "{}"]),
    st.integers().map(str),
    odd_text.map(_toml_string),
    giant_text.map(_toml_string),
)
toml_tables = st.one_of(
    st.sampled_from(["categories.NETWORK", "reasons.SERVER_FAILED", "categories.NOPE"]),
    odd_text.map(lambda text: "categories." + _toml_string(text)),
    odd_text.map(_toml_string),
)
hostile_toml = st.one_of(
    st.builds(
        _nested_toml,
        st.integers(1, 6000),
        st.sampled_from(["array", "inline", "dotted"]),
        st.sampled_from(["categories.NETWORK", "x"]),
    ),
    st.builds(_many_tables, st.integers(1, 3000), st.sampled_from(["t", "\u202e", "\x1b[2J"])),
    st.lists(st.builds(_rule, toml_tables, toml_keys, toml_values), max_size=6).map("".join),
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
)


@pytest.mark.slow
@settings(FUZZ, max_examples=TOML_CASES)
@given(hostile_toml)
def test_any_policy_file_is_read_or_reported_never_raised(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    """Hostile policy.toml files (nested up to 6,000 deep as arrays, inline tables or dotted
    keys; thousands of tables; giant, odd and invisible keys and values; random bytes):
    load_policy returns a policy or problems without raising, through its cache and again
    from it; the warnings a hello would carry are at most MAX_WARNINGS + 1, each short, with
    no raw control or bidi character, and the hello fits easily in a frame."""
    from native_host.handlers.hello import MAX_WARNINGS, WARNING_CHARS, warnings
    from native_host.policy_file import load_policy
    from native_host.textsafe import UNSAFE

    folder = tmp_path_factory.mktemp("toml")
    path, cached = folder / "policy.toml", folder / "policy.json"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    first = load_policy(path, cached)
    assert load_policy(path, cached) == first  # read back from the cache, the same
    shown = warnings(first[1])
    assert len(shown) <= MAX_WARNINGS + 1
    assert all(len(line) <= WARNING_CHARS for line in shown)
    assert not any(re.search(UNSAFE, line) for line in shown), shown
    hello = json.dumps({"rid": None, "ok": True, "host_version": "x", "warnings": shown})
    assert len(hello) < framing.MAX_FRAME // 16


# -- long sessions over real pipes --------------------------------------------------------------


def generated_frame(rng: random.Random, n: int) -> bytes:
    """One frame body from a fast seeded generator: mostly requests of every type with, now
    and then, a field replaced by a hostile value, and the byte-level kinds above."""
    hostile_value = rng.choice(HOSTILE_VALUES)
    download: dict[str, Any] = {
        "id": n,
        "url": f"https://{rng.choice('abc')}.example/{n % 40}?token=t{n}&x={rng.choice(NASTY)}",
        "error": rng.choice(KNOWN_REASONS),
        "incognito": rng.random() < 0.2,
        "filename": f"/home/u/{rng.choice(NASTY)}-{n}.iso",
        "canResume": rng.random() < 0.5,
    }
    kind = rng.choice(["interrupted"] * 6 + ["outcome", "outcome", "hello", "history", "stats"])
    request: dict[str, Any] = {"type": kind, "rid": rng.choice([n, f"r{n}"]), "download": download}
    if kind == "outcome":
        download["state"] = rng.choice(["complete", "interrupted", "given_up", "in_progress"])
    if rng.random() < 0.3:  # sent again after a service worker died, or by mistake
        request["event_key"] = f"key-{rng.randrange(20)}"
    if kind in ("history", "stats") and rng.random() < 0.5:  # up to the ends of the calendar
        request[rng.choice(["since", "until"])] = rng.choice(EXTREME_INSTANTS)
    if rng.random() < 0.3:
        target = rng.choice([request, download])
        target[rng.choice([*target, "extra"])] = hostile_value
    body = encode(request, rng.random() < 0.7)
    roll = rng.random()
    if roll < 0.75:
        return body
    if roll < 0.80:
        return body[: rng.randrange(len(body) + 1)]
    if roll < 0.85:
        return flip(body, rng.randrange(1 << 30), rng.randrange(256))
    if roll < 0.90:
        return rng.randbytes(rng.randrange(64))
    if roll < 0.94:
        return nest(rng.choice([10, 900, 5000, 100_000]), rng.choice(["[", '{"a":']), b"")
    if roll < 0.97:
        return b'{"type":"hello","rid":' + b"9" * rng.choice([10, 4300, 5000]) + b"}"
    return rng.choice([b"", b"null", b"[]", b'{"type":"hello","rid":NaN}', b"\xff"])


@pytest.mark.slow
def test_generated_frames_in_process_in_batches(fuzzed: Fuzzed) -> None:
    """GENERATED_FRAMES frames from the seeded generator (seeds drawn by hypothesis), handled
    in batches of 1 to 40 as the host's group commit sees them: one valid reply per frame,
    every acknowledged event committed, no internal error, a sound history afterwards."""

    @settings(FUZZ, max_examples=GENERATED_SEEDS)
    @given(st.randoms(use_true_random=True))
    def case(rng: random.Random) -> None:
        count = 0
        while count < GENERATED_FRAMES // GENERATED_SEEDS:
            size = rng.randint(1, 40)
            fuzzed.run([generated_frame(rng, count + i) for i in range(size)])
            count += size

    _then_sound(fuzzed, GENERATED_FRAMES, case)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(SESSIONS))
def test_long_pipe_session_of_generated_frames(xdg: dict[str, str], seed: int) -> None:
    """A real host process fed SESSION_FRAMES generated frames (and two oversize frames of
    more than 1 MiB, skipped on the wire) over real pipes: stdout holds frames only, one valid
    reply per complete frame in order; a session cut inside a frame exits 1 with a line on
    stderr, one that ends between frames exits 0; every acknowledged event is in a sound
    history."""
    rng = random.Random(seed)
    bodies: list[bytes | framing.Oversize] = [
        generated_frame(rng, n) for n in range(SESSION_FRAMES)
    ]
    for where in (SESSION_FRAMES // 3, 2 * SESSION_FRAMES // 3):
        bodies.insert(where, framing.Oversize(framing.MAX_FRAME + rng.randrange(1, 70_000)))
    wire = b"".join(
        struct.pack("=I", b.length) + b"\0" * b.length
        if isinstance(b, framing.Oversize)
        else struct.pack("=I", len(b)) + b
        for b in bodies
    )
    cut_inside = seed % 2 == 1
    if cut_inside:
        wire += struct.pack("=I", 100) + b'{"type":"hello"'
    with Host(xdg) as host:
        host.send_raw(wire)
        replies = [host.reply_bytes(timeout=120) for _ in bodies]
        status = host.finish(timeout=120)
        host.no_more_replies()
    assert status == (1 if cut_inside else 0)
    stderr = host.stderr_text()
    assert ("ended inside" in stderr) == cut_inside, stderr
    assert "internal error" not in stderr
    acked: dict[int, int] = {}  # event id -> download id of the request that recorded it
    keyed: dict[str, int] = {}  # event_key -> the event recorded under it
    for raw, body in zip(replies, bodies, strict=True):
        reply = check_reply(raw, body)
        if reply["ok"] and "event_id" in reply:
            request = request_of(body) if isinstance(body, bytes) else None
            assert request is not None
            key = request.get("event_key")
            if key is not None:  # sent again: answered as the first time
                assert keyed.setdefault(key, reply["event_id"]) == reply["event_id"]
            acked.setdefault(reply["event_id"], stored_download_id(request))
    db = Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3"
    assert integrity(db) == "ok"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as reader:
        rows = dict(reader.execute("SELECT id, download_id FROM events").fetchall())
    assert rows == acked, "exactly the acknowledged events are recorded"
    assert len(acked) > SESSION_FRAMES // 5, "the session should record many events"

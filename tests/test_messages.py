"""Request validation: strict types, tolerated extra fields, error codes naming the field."""

from __future__ import annotations

import json

import pytest

from native_host.errors import ERROR_CODES, HostError
from native_host.parser import parse


def _body(**download: object) -> bytes:
    item = {"id": 1, "url": "https://example.org/f", "error": "NETWORK_FAILED", **download}
    return json.dumps({"type": "interrupted", "rid": 5, "download": item}).encode()


def _error(body: bytes) -> HostError:
    with pytest.raises(HostError) as info:
        parse(body)
    return info.value


def test_a_full_chrome_item_validates_and_unknown_fields_are_ignored() -> None:
    """Every DownloadItem field browsers send, plus fields we do not know, is accepted."""
    rid, req = parse(
        _body(
            finalUrl="https://cdn/f",
            filename="/home/u/f",
            bytesReceived=10,
            totalBytes=-1,
            canResume=True,
            paused=False,
            incognito=False,
            mime="application/x",
            startTime="2026-11-23T10:00:00.000Z",
            danger="safe",
            exists=True,
            fileSize=0,
            byExtensionId="x",
            newField={"a": 1},
        )
    )
    assert rid == 5 and req.type == "interrupted"
    assert req.download.error.name == "NETWORK_FAILED" and req.download.totalBytes == -1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", True),
        ("id", "42"),
        ("id", 1.0),
        ("id", -1),
        ("id", 2**53),
        ("url", 5),
        ("url", None),
        ("canResume", 1),
        ("canResume", "true"),
        ("bytesReceived", False),
        ("incognito", "no"),
    ],
)
def test_wrong_types_are_refused_naming_the_field(field: str, value: object) -> None:
    """A boolean is not a number, a number is not a string, ids stay in 0..2^53-1."""
    err = _error(_body(**{field: value}))
    assert (err.code, err.field, err.rid) == ("invalid_message", f"download.{field}", 5)
    assert f"download.{field}" in err.message


@pytest.mark.parametrize("value", ["", "junk", None, 0, "None", True, 3.5, [], "x" * 100])
def test_bad_reasons_are_invalid_reason_on_download_error(value: object) -> None:
    """Anything but a reason gets invalid_reason on download.error, with the rid echoed."""
    err = _error(_body(error=value))
    assert (err.code, err.field, err.rid) == ("invalid_reason", "download.error", 5)


def test_missing_reason_is_invalid_reason() -> None:
    """No error field at all is an invalid reason too."""
    body = json.dumps({"type": "interrupted", "rid": 5, "download": {"id": 1, "url": "u"}}).encode()
    assert _error(body).code == "invalid_reason"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json", "invalid_json"),
        (b"[1,2]", "invalid_json"),
        (b'"hello"', "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        (b'{"a": NaN}', "invalid_json"),
        (b'{"a": Infinity}', "invalid_json"),
        (b"[" * 100000 + b"]" * 100000, "invalid_json"),
        (b'{"rid": 1}', "invalid_message"),
        (b'{"type": 5}', "invalid_message"),
        (b'{"type": "launch_missiles", "rid": 2}', "unknown_type"),
    ],
)
def test_frames_that_are_not_requests_get_the_right_code(body: bytes, code: str) -> None:
    """Not JSON, not an object, no type, unknown type: each has its own code."""
    err = _error(body)
    assert err.code == code and err.code in ERROR_CODES
    assert len(err.message) > 15


def test_rid_is_echoed_when_valid_and_null_when_not() -> None:
    """A valid rid (string <= 128 or integer) is echoed on errors; an invalid one is not."""
    assert _error(b'{"type": "nope", "rid": "abc"}').rid == "abc"
    assert _error(b'{"type": "nope", "rid": "' + b"x" * 129 + b'"}').rid is None
    assert _error(b'{"type": "nope", "rid": true}').rid is None
    err = _error(b'{"type": "hello", "rid": 1.5}')
    assert (err.code, err.field, err.rid) == ("invalid_message", "rid", None)


def test_hello_accepts_language_and_version() -> None:
    """hello may carry browser, extension_version and lang."""
    _, req = parse(
        b'{"type": "hello", "browser": "firefox", "extension_version": "0.1.0", "lang": "fr"}'
    )
    assert req.type == "hello" and req.lang == "fr"


def test_history_and_stats_validate_limits_categories_and_dates() -> None:
    """limit 1..500, a known category, ISO 8601 since; each mistake names its field."""
    assert _error(b'{"type": "history", "limit": 501}').field == "limit"
    assert _error(b'{"type": "history", "category": "DISK"}').field == "category"
    assert _error(b'{"type": "stats", "since": "last week"}').field == "since"
    _, req = parse(b'{"type": "history", "since": "2026-11-01T00:00:00Z", "category": "NETWORK"}')
    assert req.since is not None and req.since.tzinfo is not None  # type: ignore[attr-defined]


def test_outcome_states_include_given_up() -> None:
    """outcome accepts complete, interrupted, in_progress and given_up, nothing else."""
    for state in ("complete", "interrupted", "in_progress", "given_up"):
        parse(
            json.dumps(
                {"type": "outcome", "download": {"id": 1, "url": "u", "state": state}}
            ).encode()
        )
    assert (
        _error(b'{"type": "outcome", "download": {"id": 1, "url": "u", "state": "done"}}').field
        == "download.state"
    )

"""JSON, JSON Lines and CSV of what the commands read; history items with their explanation.

JSON keeps readable Unicode but spells the characters textsafe would escape as `\\u`
escapes, which decode back to the same text; JSON Lines is ASCII; CSV keeps the text as it
is, quoted, for other tools.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from io import StringIO

from ..explanations import describe_reason
from ..record import TYPE_CHECKING
from ..textsafe import INVISIBLE

if TYPE_CHECKING:
    from typing import Any

#: In JSON text, C0 controls only appear escaped (json.dumps does it) or as layout.
_JSON_UNSAFE = re.compile(f"[{INVISIBLE}]")


def with_explanations(items: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The history items, each given (in place) its `explanation`: what its reason means, in
    `lang`. Each reason is described once: a history holds the same few reasons many times."""
    said: dict[str, str] = {}
    for item in items:
        reason = item["reason"]
        if reason not in said:
            said[reason] = describe_reason(reason, lang)
        item["explanation"] = said[reason]
    return items


def _json_escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def to_json(value: Any, indent: int | None = None) -> str:
    """JSON that keeps readable Unicode but spells unsafe characters as \\u escapes."""
    separators = (",", ": ") if indent else (",", ":")
    return _json_safe(json.dumps(value, ensure_ascii=False, indent=indent, separators=separators))


def _json_safe(text: str) -> str:
    """JSON text with the unsafe characters spelled as \\u escapes (ASCII has one: DEL)."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _JSON_UNSAFE.sub(_json_escape_one, text)


#: Separates the fields of an item and the items of the array. json escapes every control
#: character inside strings, so a raw NUL is only ever this separator; one before a `{` is
#: between two items (inside an item one comes before a key, `"`).
_SEP = ",\x00"
_ONE_LINE = json.JSONEncoder(ensure_ascii=False, separators=(_SEP, ": "))
_CHUNK = 100


def json_array(items: Sequence[dict[str, Any]]) -> Iterator[str]:
    """A JSON array of flat objects with one item per line, unsafe characters spelled as \\u
    escapes as in to_json. Each run of _CHUNK items is encoded in one call of json's C
    encoder (faster than a call per item, far faster than indent=), then cut into lines; so
    a long history never sits in memory twice as text."""
    if not items:
        yield "[]"
        return
    yield "["
    for start in range(0, len(items), _CHUNK):
        text = _json_safe(_ONE_LINE.encode(items[start : start + _CHUNK]))
        body = text[1:-1].replace("}" + _SEP + "{", "},\n  {").replace("\x00", " ")
        more = "," if start + _CHUNK < len(items) else ""
        yield from f"  {body}{more}".split("\n")
    yield "]"


#: Compact, ASCII-only JSON (every other character as a \u escape): safe and fast.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def json_lines(items: Iterable[Any]) -> Iterator[str]:
    """One JSON document per line (JSON Lines), ASCII only."""
    encode = _COMPACT.encode
    for item in items:
        yield encode(item)


def csv_lines(items: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> Iterator[str]:
    """CSV records, the header `fields` first (booleans true/false, None empty); a record may
    hold quoted newlines. No line terminator."""
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # so fields holding \r are quoted

    def record(values: Iterable[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()[:-2]

    yield record(fields)
    for item in items:
        yield record(_csv_value(item.get(name)) for name in fields)


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value

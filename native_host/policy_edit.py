"""Changes to policy.toml's text, line by line, keeping everything else as the person wrote it.

A change sets or removes one key of one table (`[reasons.NETWORK_FAILED] max_attempts`). The
edit touches only the lines of that key (its value, keeping a comment after it), or adds the
key at the end of its table, or the table at the end of the file; comments, blank lines,
order, line endings and every other byte stay. It understands the part of TOML a policy file
uses: `[table.headers]` and `key = value` lines with one plain value. Anything else (an
inline table, a dotted key, a value over several lines) is never guessed at: `edited` parses
its result and refuses, with PolicyEditError, a text that does not hold exactly the data
asked for. Pure: text in, text out.
"""

from __future__ import annotations

import copy
import math
import re
import tomllib

from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

Scalar = str | int | float | bool


class Change(Record):
    """Set `key` of the table at `table` (such as ("reasons", "NETWORK_FAILED")) to `value`,
    or remove it when `value` is None."""

    table: tuple[str, ...]
    key: str
    value: Scalar | None = None


class PolicyEditError(ValueError):
    """The file cannot be edited as asked; the message says why and what to do."""


_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_HEADER = re.compile(
    rf"[ \t]*\[[ \t]*(?P<path>{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*)[ \t]*\][ \t]*(?:#.*)?\r?\n?"
)
_PART = re.compile(rf"[ \t]*({_KEY})[ \t]*\.?")
_VALUE = r"""(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^ \t#\r\n"']+)"""
_PAIR = re.compile(
    rf"(?P<lead>[ \t]*)(?P<key>{_KEY})(?P<eq>[ \t]*=[ \t]*)(?P<value>{_VALUE})(?P<rest>.*)", re.S
)
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _unquoted(key: str) -> str:
    if key.startswith('"'):
        value: str = tomllib.loads(f"k = {key}")["k"]
        return value
    return key[1:-1] if key.startswith("'") else key


def _header_path(line: str) -> tuple[str, ...] | None:
    """The table a `[header]` line opens, or None for any other line (`[[array]]` is a header
    of no table this module edits, so it ends the table before it)."""
    match = _HEADER.fullmatch(line)
    if match is None or line.lstrip().startswith("[["):
        return None
    return tuple(_unquoted(m.group(1)) for m in _PART.finditer(match["path"]))


def _quoted(text: str) -> str:
    """`text` as a TOML basic string (or bare, when it can be)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            raise PolicyEditError(f"{text[:64]!r} holds a lone surrogate, which TOML cannot")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def rendered(value: Scalar) -> str:
    """A value as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PolicyEditError(f"{value!r} is not a number a policy can hold")
        return repr(value)
    return _quoted(value)


def header(table: Sequence[str]) -> str:
    return "[" + ".".join(p if _BARE.fullmatch(p) else _quoted(p) for p in table) + "]"


def applied(data: dict[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """The parsed file's data with `changes` made (a copy); a table is added for a set key."""
    out = copy.deepcopy(data)
    for change in changes:
        node: Any = out
        for part in change.table:
            if not isinstance(node, dict):
                raise PolicyEditError(f"[{'.'.join(change.table)}] is not a table in the file")
            if part not in node:
                if change.value is None:
                    node = None
                    break
                node[part] = {}
            node = node[part]
        if node is None:
            continue
        if not isinstance(node, dict):
            raise PolicyEditError(f"[{'.'.join(change.table)}] is not a table in the file")
        if change.value is None:
            node.pop(change.key, None)
        else:
            node[change.key] = change.value
    return out


def _lines_of(text: str) -> list[str]:
    """The lines, each with its end (TOML ends lines with LF or CRLF only: a U+2028 or a form
    feed in a comment is part of its line)."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _edit(lines: list[str], change: Change, newline: str) -> None:
    """Make one change in `lines`, in place."""
    start = next((i for i, line in enumerate(lines) if _header_path(line) == change.table), None)
    if start is None:
        if change.value is not None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += newline
            lead = [newline] if lines and lines[-1].strip() else []
            added = f"{change.key} = {rendered(change.value)}{newline}"
            lines += [*lead, header(change.table) + newline, added]
        return
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines)
    )
    last = start
    for i in range(start + 1, end):
        pair = _PAIR.fullmatch(lines[i])
        if pair is not None and _unquoted(pair["key"]) == change.key:
            if change.value is None:
                del lines[i]
            else:
                kept = pair.group("lead", "key", "eq")
                lines[i] = "".join((*kept, rendered(change.value), pair["rest"]))
            return
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            last = i
    if change.value is not None:
        if not lines[last].endswith("\n"):
            lines[last] += newline
        lines.insert(last + 1, f"{change.key} = {rendered(change.value)}{newline}")


def edited(text: str, changes: Sequence[Change]) -> tuple[str, dict[str, Any]]:
    """(the new text, the data it holds): `text` with `changes` made line by line.

    PolicyEditError when `text` is not valid TOML, or when the result would not parse to
    exactly the data the changes ask for (a layout this module does not edit)."""
    try:
        before = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyEditError(f"it is not valid TOML ({exc}); fix it by hand first") from None
    wanted = applied(before, changes)
    lines = _lines_of(text)
    newline = "\r\n" if "\r\n" in text else "\n"
    for change in changes:
        _edit(lines, change, newline)
    new = "".join(lines)
    try:
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        after = None
    if after != wanted:
        where = ", ".join(f"[{'.'.join(c.table)}] {c.key}" for c in changes)
        raise PolicyEditError(
            f"{where} is written in a way this page does not edit (such as an inline table "
            "or a dotted key); edit policy.toml by hand, or write it as a [table] of "
            "`key = value` lines"
        )
    return new, wanted

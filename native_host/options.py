"""The command line's option values, each parsed and checked: spans and dates (`--since 7d`),
counts, names from a fixed set, reasons, browsers, domains, and the language from the
locale. Each parser is an argparse `type=`; a bad value raises ArgumentTypeError with a
sentence that quotes it and says what is allowed (the CLI prefixes the option's name).
"""

from __future__ import annotations

import re
from argparse import ArgumentTypeError
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from .explanations import normalize_lang

_UNITS_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_RELATIVE = re.compile(r"(?i)\s*(\d{1,9}(?:\.\d{1,3})?)\s*([smhdw])\s*")

#: The instants --since, --until and --older-than may name: datetime's range, in UTC.
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"


def _ms_of(moment: datetime) -> int:
    """ms since the epoch of an aware datetime, exactly (timestamp() is a float: at the end
    of year 9999 its microseconds round up into year 10000)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def parse_when(text: str, now_ms: int) -> int:
    """An instant in ms since the epoch from `30m`, `24h`, `7d`, `2w` (that long before
    now_ms) or ISO 8601 (`2026-11-23`, `2026-11-23T14:00:00Z`; without an offset, UTC).
    The instant lies from 0001-01-01 to 9999-12-31 UTC.

    ValueError with a sentence that says what is wrong and shows the right forms.
    """
    shown = repr(text if len(text) <= 40 else text[:40] + "...")
    match = _RELATIVE.fullmatch(text)
    if match:
        amount, unit = match.groups()
        ms = now_ms - round(float(amount) * _UNITS_MS[unit.lower()])
        if ms < _ms_of(_EARLIEST):
            weeks = (now_ms - _ms_of(_EARLIEST)) // _UNITS_MS["w"]
            raise ValueError(
                f"{shown} reaches back before the year 1; give a span of at most "
                f"{weeks:,}w, or a date from {_RANGE}"
            )
        return ms
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{shown} is neither a time span like 30m, 24h or 7d nor an ISO 8601 date "
            f"like 2026-11-23 or 2026-11-23T14:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError(f"{shown} is outside the dates allowed, {_RANGE} (in UTC)")
    return _ms_of(moment)


def instant(now_ms: int) -> Callable[[str], int]:
    """The `type=` of a WHEN option: parse_when against the command's `now_ms`."""

    def parse(text: str) -> int:
        try:
            return parse_when(text, now_ms)
        except ValueError as exc:
            raise ArgumentTypeError(str(exc)) from None

    return parse


def count(low: int, high: int) -> Callable[[str], int]:
    """The `type=` of a whole number from low to high."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise ArgumentTypeError(
                f"{text!r} is not allowed; give a whole number from {low} to {high:,}"
            )
        return number

    return parse


def one_of(
    allowed: Sequence[str], aliases: Mapping[str, str] | None = None
) -> Callable[[str], str]:
    """The `type=` of a name from `allowed`, in any case, or one of its `aliases`."""

    def parse(text: str) -> str:
        folded = (aliases or {}).get(text.lower(), text.lower())
        for option in allowed:
            if option.lower() == folded:
                return option
        raise ArgumentTypeError(f"{text!r} is not one of {', '.join(allowed)}")

    return parse


def reason_name(text: str) -> str:
    """A reason's canonical name (any alias or case the catalogue knows)."""
    from .reasons import InvalidReason, lookup

    for candidate in (text, text.strip().upper()):
        try:
            return lookup(candidate).name
        except InvalidReason:
            continue
    raise ArgumentTypeError(
        f"{text!r} is not a reason name; reasons look like NETWORK_FAILED "
        "(upper case letters, digits and _)"
    )


def _utf8(text: str) -> bool:
    """Whether an argument is text (bytes that are not UTF-8 arrive as lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def browser_name(text: str) -> str:
    """A browser's name as the history records it (any name: browsers are not a fixed set)."""
    if not text.strip() or len(text) > 256 or not _utf8(text):
        raise ArgumentTypeError(f"{text!r} is not a browser name; write it like chrome or firefox")
    return text.strip().lower()


def domain_name(text: str) -> str:
    """A host name, lower case; a URL stands for its host."""
    from .privacy import domain

    name = text.strip().lower()
    if "://" in name:
        name = domain(name) or ""
    if not name or any(c in name for c in " /\\@") or len(name) > 253 or not _utf8(name):
        raise ArgumentTypeError(f"{text!r} is not a host name; write it like example.org")
    return name


def lang_from_env(env: Mapping[str, str]) -> str:
    """The explanations' language from the locale: LC_ALL, then LC_MESSAGES, then LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return normalize_lang(value)
    return normalize_lang(None)

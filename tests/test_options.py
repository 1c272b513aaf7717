"""native_host.options: the command line's values: `--since` times, the locale's language."""

from __future__ import annotations

import pytest
from historyfill import NOW

from native_host.options import lang_from_env, parse_when

# -- parse_when -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "back_ms"),
    [
        ("30m", 30 * 60_000),
        ("24h", 24 * 3_600_000),
        ("7d", 7 * 86_400_000),
        ("2w", 14 * 86_400_000),
        ("90s", 90_000),
        (" 7D ", 7 * 86_400_000),
        ("1.5h", 90 * 60_000),
        ("0m", 0),
    ],
)
def test_relative_spans_count_back_from_now(text: str, back_ms: int) -> None:
    """`30m`, `24h`, `7d`, `2w` (any case, spaces around) mean that long before now."""
    assert parse_when(text, NOW) == NOW - back_ms


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-11-23", "2026-11-23T00:00:00+00:00"),
        ("2026-11-23T14:00:00Z", "2026-11-23T14:00:00+00:00"),
        ("2026-11-23T14:00:00+02:00", "2026-11-23T12:00:00+00:00"),
        ("2026-11-23T14:00", "2026-11-23T14:00:00+00:00"),
        ("2026-11-23 14:00:05.250Z", "2026-11-23T14:00:05.250000+00:00"),
    ],
)
def test_iso_dates_are_read_with_utc_as_the_default_zone(text: str, iso: str) -> None:
    """ISO 8601 dates and times are absolute; one without an offset is UTC."""
    from datetime import datetime

    assert parse_when(text, NOW) == int(datetime.fromisoformat(iso).timestamp() * 1000)


@pytest.mark.parametrize("text", ["3x", "", "yesterday", "-7d", "7 days", "2026-13-01", "7d ago"])
def test_bad_times_are_refused_with_the_forms_that_work(text: str) -> None:
    """Anything else is a ValueError whose sentence shows a span and an ISO example."""
    with pytest.raises(ValueError, match=r"30m, 24h or 7d .* ISO 8601 date like 2026-11-23"):
        parse_when(text, NOW)


# -- language -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_MESSAGES": "fr_CA", "LANG": "en_GB"}, "fr"),
        ({"LC_ALL": "", "LANG": "fr_BE"}, "fr"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_language_follows_lc_all_then_lc_messages_then_lang(env: dict[str, str], lang: str) -> None:
    """The first non-empty of LC_ALL, LC_MESSAGES, LANG decides; unknown languages are English."""
    assert lang_from_env(env) == lang

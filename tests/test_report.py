"""native_host.report: time parsing, safe text, tables that fit, CSV, JSON, bars, policy view."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from typing import Any

import pytest
from hostio import CONTRACT_ITEM_KEYS
from hypothesis import example, given, settings
from hypothesis import strategies as st

from native_host.options import lang_from_env, parse_when
from native_host.policy import DEFAULT_POLICY, DEFAULT_REASONS, RULE_KEYS, Policy
from native_host.policy_schema import parse_policy
from native_host.policy_view import policy_view
from native_host.report.cells import fit, short_duration, shorten_url, text_width
from native_host.report.formats import csv_lines, json_array, json_lines, to_json
from native_host.report.history import history_table
from native_host.report.policy import policy_table
from native_host.report.prune import prune_lines
from native_host.report.stats import bar, stats_table
from native_host.store import EXPORT_FIELDS, HISTORY_FIELDS
from native_host.textsafe import escape

NOW = 1_795_435_200_000  # 2026-11-23T12:00:00Z
BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def visibly_safe(text: str) -> bool:
    """No control character, line separator or bidi control is left raw."""
    return not any(
        unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") or ord(ch) in BIDI_CONTROLS
        for ch in text
    )


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


# -- safe text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[31mred", "a\\x1b[31mred"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("two\nlines\r", "two\\x0alines\\x0d"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("café 界 😀 ok", "café 界 😀 ok"),
    ],
)
def test_escape_shows_control_and_bidi_characters_as_escapes(raw: str, shown: str) -> None:
    """Terminal escapes, C1 controls, bidi overrides and newlines are spelled out; the rest
    of Unicode is left as it is."""
    assert escape(raw) == shown


@given(st.text())
def test_escaped_text_never_holds_a_raw_control_character(text: str) -> None:
    """Whatever a URL or file name holds, escape() leaves nothing a terminal would obey."""
    assert visibly_safe(escape(text))


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=8))
def test_to_json_round_trips_and_is_visibly_safe(value: Any) -> None:
    """to_json output decodes to the same value and holds no raw control characters."""
    for indent in (None, 2):
        text = to_json(value, indent=indent)
        assert json.loads(text) == value
        assert visibly_safe(text.replace("\n", ""))


@given(st.lists(st.dictionaries(st.text(), st.none() | st.integers() | st.text()), max_size=4))
@example([{"\x7f": None}])  # DEL: ASCII, yet a control character
@example([{"a": "},\x00{", "}, {": "\x00"}, {}, {"\n": '"},\n  {'}])  # the cuts, in text
def test_json_array_is_one_item_per_line_and_round_trips(items: list[dict[str, Any]]) -> None:
    """History JSON is one array, an item per line, that decodes to the same items and holds
    no raw control characters; text that looks like the cut between items stays whole."""
    lines = list(json_array(items))
    assert json.loads("\n".join(lines)) == items
    assert [json.loads(line.strip().rstrip(",")) for line in lines[1:-1]] == items
    assert len(lines) == (1 if not items else len(items) + 2)
    assert all(visibly_safe(line) for line in lines)


def test_json_array_of_many_items_is_cut_right_across_encoder_calls() -> None:
    """Items are encoded a hundred at a time: the lines read the same across the seams."""
    items = [{"n": n, "text": "}, {" * (n % 3)} for n in range(250)]
    lines = list(json_array(items))
    assert len(lines) == 252 and lines[100] == '  {"n": 99, "text": ""},'
    assert [json.loads(line.strip().rstrip(",")) for line in lines[1:-1]] == items
    assert all(line.endswith(",") for line in lines[1:-2]) and not lines[-2].endswith(",")


@given(st.text())
def test_json_lines_are_ascii_one_line_and_round_trip(text: str) -> None:
    """Each exported event is one ASCII line that decodes back to the same item."""
    (line,) = json_lines([{"url": text}])
    assert line.isascii() and "\n" not in line
    assert json.loads(line) == {"url": text}


# -- widths ---------------------------------------------------------------------------------


def test_wide_characters_count_two_columns_and_marks_none() -> None:
    """CJK is two columns wide, a combining accent zero, ASCII one."""
    assert text_width("abc") == 3
    assert text_width("界界") == 4
    assert text_width("e\u0301") == 1


@given(st.text(), st.integers(min_value=0, max_value=60))
def test_fit_never_passes_its_width(text: str, cols: int) -> None:
    """fit() cuts to at most `cols` columns and keeps text that already fits."""
    text = escape(text)
    cut = fit(text, cols)
    assert text_width(cut) <= cols
    if text_width(text) <= cols:
        assert cut == text


@pytest.mark.parametrize(
    ("url", "cols", "expected"),
    [
        ("https://example.org/big.iso", 40, "https://example.org/big.iso"),
        ("https://example.org/pub/linux/releases/big.iso", 30, "example.org…x/releases/big.iso"),
        (
            "https://downloads.example.org/pub/linux/releases/2026/ubuntu-desktop-amd64.iso",
            40,
            "downloads.example.org…-desktop-amd64.iso",
        ),
        (
            "https://downloads.example.org/pub/linux/releases/2026/ubuntu-desktop-amd64.iso",
            24,
            "…example.org…p-amd64.iso",
        ),
        ("https://a.very.long.subdomain.example.co.uk/x", 24, "…example.co.uk/x"),
    ],
)
def test_urls_are_shortened_in_the_middle_keeping_the_host(
    url: str, cols: int, expected: str
) -> None:
    """The scheme goes first, then the middle of the path; the host name stays (at worst its
    leading labels go), and the end of the path, the file name, is kept as room allows."""
    assert shorten_url(url, cols) == expected


def test_shorten_url_keeps_the_url_when_it_fits_but_never_passes_the_width() -> None:
    """A URL that fits is unchanged (scheme included); a long one fits after shortening."""
    assert shorten_url("https://example.org/big.iso", 40) == "https://example.org/big.iso"
    long = "https://example.org/" + "x" * 200 + "/end.bin"
    short = shorten_url(long, 36)
    assert text_width(short) <= 36
    assert short.startswith("example.org…") and short.endswith("end.bin")


@given(
    st.from_regex(r"https?://[a-z0-9.-]{1,80}(/[^\s]{0,120})?", fullmatch=True),
    st.integers(min_value=16, max_value=100),
)
def test_shortened_urls_fit_and_keep_the_end_of_the_host(url: str, cols: int) -> None:
    """Every shortened URL fits its width and still shows the end of its host name."""
    short = shorten_url(escape(url), cols)
    assert text_width(short) <= cols
    host = url.split("://", 1)[1].split("/", 1)[0]
    last_label = host.rsplit(".", 1)[-1][:4]
    assert last_label in short or text_width(host) > cols // 2


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, "-"),
        (0, "0ms"),
        (850, "850ms"),
        (4_500, "4.5s"),
        (9_000, "9s"),
        (42_000, "42s"),
        (150_000, "2m30s"),
        (3_900_000, "1h05m"),
        (7_200_000, "2h"),
        (273_600_000, "3d04h"),
    ],
)
def test_short_durations(ms: int | None, text: str) -> None:
    """Table durations are compact: ms below a second, then s, m, h and d."""
    assert short_duration(ms) == text


# -- history table and CSV ------------------------------------------------------------------


def item(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": 1,
        "at": "2026-11-23T10:15:00.000Z",
        "browser": "chrome",
        "download_id": 42,
        "url": "https://example.org/big.iso",
        "domain": "example.org",
        "filename": "/home/u/Downloads/big.iso",
        "reason": "NETWORK_FAILED",
        "category": "NETWORK",
        "known": True,
        "action": "resume",
        "delay_ms": 2000,
        "attempt": 2,
        "max_attempts": 8,
        "notify": False,
        "incognito": False,
        "outcome": None,
        "episode_id": 7,
    }
    base.update(fields)
    return base


def test_history_table_shows_when_reason_action_outcome_and_url() -> None:
    """One row per item under a header, then what each reason shown means."""
    lines = list(
        history_table(
            [
                item(),
                item(
                    at="2026-01-02T03:04:00Z",
                    reason="SERVER_FORBIDDEN",
                    action="none",
                    outcome="given_up",
                ),
                item(at="2025-06-01T00:00:00Z", url=None, filename=None, incognito=True),
            ],
            now_ms=NOW,
        )
    )
    assert lines[0].split() == ["WHEN", "(UTC)", "REASON", "ACTION", "OUTCOME", "URL"]
    assert lines[1].split() == [
        "10:15",
        "NETWORK_FAILED",
        "resume",
        "2/8",
        "pending",
        "https://example.org/big.iso",
    ]
    assert lines[2].split()[:5] == ["01-02", "03:04", "SERVER_FORBIDDEN", "none", "given_up"]
    assert lines[3].split()[0] == "2025-06-01" and lines[3].endswith("(private)")
    assert lines[4] == ""
    assert lines[5].startswith("NETWORK_FAILED: The network connection failed.")
    assert any(line.startswith("SERVER_FORBIDDEN: ") for line in lines[6:])


def test_history_table_explains_reasons_in_french_when_asked() -> None:
    """--lang fr changes the descriptions under the table, not the table."""
    lines = list(history_table([item()], now_ms=NOW, lang="fr"))
    assert lines[-1].startswith("NETWORK_FAILED: La connexion réseau a échoué.")


def test_history_table_escapes_terminal_codes_in_urls_and_file_names() -> None:
    """A URL carrying ESC sequences or a bidi override is shown escaped, never raw."""
    evil = item(url="https://evil.example/\x1b]0;pwned\x07\u202eexe.txt", episode_id=None)
    private = item(url=None, filename="/tmp/\x1b[2Jname\u2028x")
    lines = list(history_table([evil, private], now_ms=NOW, width=200))
    text = "\n".join(lines)
    assert visibly_safe(text.replace("\n", ""))
    assert "\\x1b]0;pwned\\x07\\u202eexe.txt" in lines[1]
    assert "/tmp/\\x1b[2Jname\\u2028x" in lines[2]


urls = st.text(max_size=300) | st.from_regex(r"https://[a-z.]{1,60}/.{0,200}", fullmatch=True)
items = st.builds(
    item,
    url=st.none() | urls,
    filename=st.none() | st.text(max_size=100),
    reason=st.from_regex(r"[A-Z][A-Z0-9_]{0,63}", fullmatch=True),
    action=st.sampled_from(["resume", "restart", "none"]),
    attempt=st.integers(0, 10**6),
    max_attempts=st.integers(0, 1000),
    outcome=st.sampled_from([None, "complete", "given_up", "cancelled"]),
)


@settings(max_examples=150)
@given(st.lists(items, min_size=1, max_size=8), st.sampled_from([80, 100, 132]))
def test_history_table_always_fits_its_width_and_is_visibly_safe(
    rows: list[dict[str, Any]], width: int
) -> None:
    """Whatever the history holds (long reasons, odd Unicode, huge URLs), no line of the
    table passes the width and nothing raw reaches the terminal."""
    for line in history_table(rows, now_ms=NOW, width=width):
        assert text_width(line) <= width, line
        assert visibly_safe(line)


def test_empty_history_table_says_so() -> None:
    """No items: one line that says nothing was recorded, not an empty header."""
    assert list(history_table([], now_ms=NOW)) == ["No interruptions recorded."]


@given(st.lists(items, max_size=5))
def test_history_csv_round_trips_through_the_csv_module(rows: list[dict[str, Any]]) -> None:
    """CSV has the contract's columns first, quotes newlines and commas, writes booleans as
    true/false and None as empty, and reads back to the same text."""
    rows = [{**r, "explanation": "x"} for r in rows]
    text = "\n".join(csv_lines(rows, HISTORY_FIELDS)) + "\n"
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(parsed[0]) == HISTORY_FIELDS
    assert HISTORY_FIELDS[:13] == CONTRACT_ITEM_KEYS
    assert len(parsed) == len(rows) + 1
    for row, record in zip(rows, parsed[1:], strict=True):
        values = dict(zip(HISTORY_FIELDS, record, strict=True))
        assert values["url"] == (row["url"] or "")
        assert values["filename"] == (row["filename"] or "")
        assert values["known"] == "true"
        assert values["outcome"] == (row["outcome"] or "")


def test_export_fields_match_what_the_store_yields(tmp_path: Any) -> None:
    """The export's CSV header lists exactly the keys Store.events() gives each event."""
    from historyfill import interrupt

    from native_host.store import Store

    store = Store(tmp_path / "h.sqlite3")
    interrupt(store, NOW)
    (event,) = store.events()
    assert tuple(event) == EXPORT_FIELDS


# -- stats ----------------------------------------------------------------------------------


def test_bars_are_proportional_with_eighths_or_hashes() -> None:
    """A bar is value/top of the columns, in eighth blocks (or # in ASCII); none for 0."""
    assert bar(10, 10, 8) == "█" * 8
    assert bar(5, 10, 8) == "█" * 4
    assert bar(1, 16, 8) == "▌"
    assert bar(0, 10, 8) == ""
    assert bar(1, 1000, 8) == "▏"  # something shows for any non-zero count
    assert bar(5, 10, 8, unicode=False) == "####"


def stats(**fields: Any) -> dict[str, Any]:
    row = {
        "interruptions": 12,
        "episodes": 5,
        "ended": 4,
        "complete": 3,
        "given_up": 1,
        "cancelled": 0,
        "retried": 4,
        "rescued": 3,
        "rescue_share": 0.75,
        "median_recovery_ms": 42_000,
    }
    base = {
        "since": None,
        **row,
        "by_category": [{"category": "NETWORK", **row}],
        "by_reason": [
            {"reason": "NETWORK_FAILED", "category": "NETWORK", **row, "interruptions": 8},
            {"reason": "SERVER_CONTENT_LENGTH_MISMATCH", "category": "SERVER", **row},
        ],
        "by_domain": [{"domain": "example.org", "interruptions": 12}],
    }
    base.update(fields)
    return base


def test_stats_table_has_a_summary_bars_and_shares() -> None:
    """The summary says how many downloads retrying rescued; each section has bars scaled
    to its largest count, the share rescued and the median recovery."""
    lines = list(stats_table(stats()))
    assert lines[0] == "All recorded history:"
    assert "12 interruptions in 5 downloads: 3 complete, 1 given up" in lines[1]
    assert lines[2] == (
        "Retrying rescued 3 of 4 ended downloads (75%); median time to recovery 42s."
    )
    network = next(line for line in lines if line.startswith("NETWORK "))
    assert network.split()[-3:] == ["5", "75%", "42s"] and "█" in network
    failed = next(line for line in lines if line.startswith("NETWORK_FAILED "))
    mismatch = next(line for line in lines if line.startswith("SERVER_CONTENT_LENGTH_MISMATCH"))
    assert failed.count("█") < mismatch.count("█")
    assert any(line.startswith("NETWORK: A network problem") for line in lines)


def test_stats_table_fits_80_columns_and_can_be_ascii() -> None:
    """Every line fits 80 columns; without Unicode the bars are # and the table is ASCII."""
    many = stats(
        by_domain=[
            {"domain": f"host{i}." + "x" * 60 + ".org", "interruptions": i} for i in range(9)
        ]
    )
    for unicode in (True, False):
        lines = list(stats_table(many, unicode=unicode))
        assert all(text_width(line) <= 80 for line in lines), lines
    assert all(line.isascii() for line in stats_table(many, unicode=False))


def test_stats_table_with_nothing_recorded_is_just_the_summary() -> None:
    """An empty history gives the summary with zeros and no empty tables."""
    zero = dict.fromkeys(("interruptions", "episodes", "ended", "complete", "given_up"), 0)
    empty = stats(**zero, by_category=[], by_reason=[], by_domain=[])
    lines = list(stats_table(empty))
    assert lines == [
        "All recorded history:",
        "0 interruptions in 0 downloads: 0 complete, 0 given up, 0 cancelled, 0 open.",
    ]


# -- policy and prune -----------------------------------------------------------------------


def test_policy_view_names_the_source_of_every_value() -> None:
    """A value set in the user's file is sourced to its path, others to "default"; a user
    reason override adds that reason; each rule has every key."""
    user = parse_policy(
        b"[categories.NETWORK]\nmax_attempts = 3\n[reasons.NETWORK_TIMEOUT]\nnotify = false\n"
    )
    assert isinstance(user, Policy)
    view = policy_view(user, "/cfg/policy.toml", exists=True)
    network = view["categories"]["NETWORK"]
    assert network["max_attempts"] == {"value": 3, "source": "/cfg/policy.toml"}
    assert network["action"] == {"value": "resume", "source": "default"}
    timeout = view["reasons"]["NETWORK_TIMEOUT"]
    assert timeout["notify"] == {"value": False, "source": "/cfg/policy.toml"}
    assert timeout["max_attempts"]["source"] == "/cfg/policy.toml"  # from the user's category
    no_range = view["reasons"]["SERVER_NO_RANGE"]
    assert no_range["action"] == {"value": "restart", "source": "default"}
    assert set(view["reasons"]) == {r for r, o in DEFAULT_REASONS.items() if o} | {
        "NETWORK_TIMEOUT"
    }
    for rule in view["reasons"].values():
        assert tuple(k for k in rule if k != "category") == RULE_KEYS


def test_policy_table_marks_the_users_values() -> None:
    """Values from the user's file carry a * and the first line says where the file is."""
    user = parse_policy(b"[categories.SERVER]\nmax_attempts = 2\n")
    assert isinstance(user, Policy)
    lines = list(policy_table(policy_view(user, "/cfg/policy.toml", exists=True)))
    assert lines[0].startswith("Policy: /cfg/policy.toml; values marked * come from it")
    server = next(line for line in lines if line.startswith("SERVER "))
    assert server.split()[:3] == ["SERVER", "resume", "2*"]
    assert all(text_width(line) <= 80 for line in lines)
    defaults = list(policy_table(policy_view(DEFAULT_POLICY, "/cfg/policy.toml", exists=False)))
    assert defaults[0] == "Policy: built-in defaults (no /cfg/policy.toml)."
    assert not any("*" in line for line in defaults if not line.startswith(("Policy", "Keys")))


def test_prune_lines_say_what_went_or_would_go() -> None:
    """prune reports downloads and events removed, with the cut-off date, or that nothing was."""
    assert list(prune_lines({"episodes": 1, "events": 3}, NOW, dry_run=False)) == [
        "Removed 1 download that ended before 2026-11-23 12:00 UTC, and 3 events in all."
    ]
    assert list(prune_lines({"episodes": 2000, "events": 1}, NOW, dry_run=True)) == [
        "Would remove 2,000 downloads that ended before 2026-11-23 12:00 UTC, and 1 event in all."
    ]
    assert list(prune_lines({"episodes": 0, "events": 0}, NOW, dry_run=False)) == [
        "Nothing to prune: no download ended before 2026-11-23 12:00 UTC."
    ]

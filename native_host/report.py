"""What `dlrescue history`, `stats`, `policy` and `export` print: pure formatting, no I/O.

Every formatter is a generator of lines (the CLI writes them), so a long export never sits
in memory. Text from the history (URLs, file names, domains) can carry terminal escape codes
or bidirectional overrides: tables show such characters escaped (`\\x1b`, `\\u202e`), and
JSON spells them as `\\u` escapes, which decode back to the same text. CSV keeps the data
as it is, quoted, for other tools.

Also here: reading `--since 7d` or an ISO 8601 date, and the language from the locale.

textwrap and unicodedata are imported by the functions that use them: `history --format
json` starts without them (bench/RESULTS.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache

from .explanations import describe_category, describe_reason, normalize_lang
from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from typing import Any

# -- reading times --------------------------------------------------------------------------

_UNITS_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_RELATIVE = r"(?i)\s*(\d{1,9}(?:\.\d{1,3})?)\s*([smhdw])\s*"


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """pattern, compiled the first time it is needed. Compiling this module's patterns takes
    about 2.5 ms (the Unicode classes below 0.7 ms each), and most commands, such as
    `history --format json` of ASCII text, need none of them."""
    return re.compile(pattern)


#: The instants --since, --until and --older-than may name: datetime's range, in UTC.
_EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"


def _ms_of(moment: datetime) -> int:
    """ms since the epoch of an aware datetime, exactly (timestamp() is a float: at the end
    of year 9999 its microseconds round up into year 10000)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def utc_text(ms: int) -> str:
    """ms since the epoch as `2026-11-23 14:05 UTC`, for any instant parse_when returns
    (years before 1000 are written with four digits, and no platform's limits apply)."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return f"{moment.year:04d}-{moment:%m-%d %H:%M} UTC"


def parse_when(text: str, now_ms: int) -> int:
    """An instant in ms since the epoch from `30m`, `24h`, `7d`, `2w` (that long before
    now_ms) or ISO 8601 (`2026-11-23`, `2026-11-23T14:00:00Z`; without an offset, UTC).
    The instant lies from 0001-01-01 to 9999-12-31 UTC.

    ValueError with a sentence that says what is wrong and shows the right forms.
    """
    shown = repr(text if len(text) <= 40 else text[:40] + "...")
    match = _regex(_RELATIVE).fullmatch(text)
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


def lang_from_env(env: Mapping[str, str]) -> str:
    """The explanations' language from the locale: LC_ALL, then LC_MESSAGES, then LANG."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return normalize_lang(value)
    return normalize_lang(None)


# -- safe, measured text --------------------------------------------------------------------

#: Characters never shown raw: C0 and C1 controls, DEL, lone surrogates, and the invisible
#: formatting characters that reorder or hide text (bidi overrides, zero-width, tags).
_INVISIBLE = (
    "\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_UNSAFE = f"[\x00-\x1f{_INVISIBLE}]"
#: In JSON text, C0 controls only appear escaped (json.dumps does it) or as layout.
_JSON_UNSAFE = f"[{_INVISIBLE}]"


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str) -> str:
    """Text safe to print on a terminal: unsafe characters as \\x1b, \\u202e, \\U000e0041."""
    return _regex(_UNSAFE).sub(_escape_one, text)


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
    return _regex(_JSON_UNSAFE).sub(_json_escape_one, text)


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


def char_width(ch: str) -> int:
    """Terminal columns of one character: 0 for combining marks, 2 for wide East Asian."""
    if ch < "\u0300":
        return 1
    import unicodedata

    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Terminal columns of text (already escaped)."""
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def fit(text: str, cols: int, more: str = "…") -> str:
    """Text cut at the end, marked with `more`, to at most `cols` columns."""
    if text_width(text) <= cols:
        return text
    if cols < len(more):
        return more[:cols]
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > cols - len(more):
            break
        out.append(ch)
        used += w
    return "".join(out) + more


def _tail(text: str, cols: int) -> str:
    """The end of text that fits in `cols` columns."""
    out: list[str] = []
    used = 0
    for ch in reversed(text):
        w = char_width(ch)
        if used + w > cols:
            break
        out.append(ch)
        used += w
    return "".join(reversed(out))


def pad(text: str, cols: int, right: bool = False) -> str:
    """Text padded with spaces to `cols` columns (left-aligned unless `right`)."""
    gap = " " * max(0, cols - text_width(text))
    return gap + text if right else text + gap


_SCHEME = r"(?i)https?://"


def _host_end(host: str, cols: int) -> str:
    """The end of a host name in `cols` columns, cut at a dot when possible: …example.org."""
    labels = host.split(".")
    for i in range(1, len(labels)):
        rest = ".".join(labels[i:])
        if text_width(rest) + 1 <= cols and "." in rest:
            return "…" + rest
    return "…" + _tail(host, cols - 1)


def shorten_url(url: str, cols: int) -> str:
    """A URL in at most `cols` columns, cut in the middle so the host name stays.

    The http(s) scheme goes first; then the middle of the path is replaced by '…', keeping
    the host and the end of the path (the file name): `example.org…/releases/big.iso`. When
    the host would leave the file name too little room, its leading labels go too:
    `…example.org…s/big.iso`. Escape the URL first.
    """
    if text_width(url) <= cols:
        return url
    scheme = _regex(_SCHEME).match(url)
    if scheme:
        url = url[scheme.end() :]
        if text_width(url) <= cols:
            return url
    host, slash, rest = url.partition("/")
    path = slash + rest
    want = min(text_width(path), max(6, cols // 4))  # room kept for the end of the path
    if cols < 16 or not want:
        return fit(host, cols)
    if text_width(host) + 1 + want > cols:
        host = _host_end(host, cols - 1 - want)
    room = cols - text_width(host)
    if text_width(path) <= room:
        return host + path
    return host + "…" + _tail(path, room - 1)


def short_duration(ms: int | float | None) -> str:
    """A compact duration for tables: 850ms, 4.5s, 42s, 2m30s, 1h05m, 3d04h; '-' for None."""
    if ms is None:
        return "-"
    ms = max(0, round(ms))
    if ms < 1_000:
        return f"{ms}ms"
    if ms < 9_950:
        return f"{ms / 1000:.1f}".rstrip("0").rstrip(".") + "s"
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s" if seconds else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h" if hours else f"{days}d"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def _wrap(label: str, text: str, width: int) -> Iterator[str]:
    """`label: text` wrapped to width, continuation lines indented by four spaces."""
    import textwrap

    yield from textwrap.wrap(
        f"{label}: {text}", width=width, subsequent_indent="    ", break_on_hyphens=False
    )


# -- tables ---------------------------------------------------------------------------------


class Column(Record):
    header: str
    right: bool = False
    cap: int | None = None  # most columns it may take
    fill: bool = False  # takes the width that is left, at least `least`
    least: int = 12
    url: bool = False  # cut in the middle, keeping the host, rather than at the end


SEP = 2  # spaces between columns


def layout(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Column widths fitting `width`: each column its widest cell (up to `cap`), the `fill`
    column what is left (at least its `least`); when that does not fit, the widest other
    columns shrink, down to their header."""
    widths = [
        min(max([text_width(c.header), *(text_width(r[i]) for r in rows)]), c.cap or 10**6)
        for i, c in enumerate(columns)
    ]
    flex = next((i for i, c in enumerate(columns) if c.fill), None)
    if flex is not None:
        others = sum(w for i, w in enumerate(widths) if i != flex) + SEP * (len(columns) - 1)
        least = columns[flex].least
        while width - others < least:
            widest = max((i for i in range(len(columns)) if i != flex), key=lambda i: widths[i])
            if widths[widest] <= max(4, text_width(columns[widest].header)):
                break
            widths[widest] -= 1
            others -= 1
        widths[flex] = max(least, width - others)
    return widths


def render(
    columns: Sequence[Column],
    widths: Sequence[int],
    rows: Iterable[Sequence[str]],
    more: str = "…",
) -> Iterator[str]:
    """The header and rows laid out in `widths`; cells must be escaped already. A cell too
    wide is cut and marked with `more`."""

    def line(cells: Sequence[str]) -> str:
        out = []
        for column, cols, cell in zip(columns, widths, cells, strict=True):
            cell = shorten_url(cell, cols) if column.url else fit(cell, cols, more)
            out.append(pad(cell, cols, column.right))
        return (" " * SEP).join(out).rstrip()

    yield line([c.header for c in columns])
    for row in rows:
        yield line(row)


def table(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> Iterator[str]:
    """Aligned columns, two spaces apart, fitting `width` (see layout)."""
    yield from render(columns, layout(columns, rows, width), rows)


# -- history --------------------------------------------------------------------------------

#: The keys of a history item in PROTOCOL.md's order ("History items"), which CSV columns use.
HISTORY_FIELDS = (
    "event_id",
    "at",
    "browser",
    "download_id",
    "url",
    "filename",
    "reason",
    "category",
    "known",
    "action",
    "delay_ms",
    "attempt",
    "outcome",
    "max_attempts",
    "notify",
    "incognito",
    "domain",
    "episode_id",
    "explanation",
)


#: The keys of an exported event (Store.events), in the order CSV columns use.
EXPORT_FIELDS = (
    "event_id",
    "at",
    "kind",
    "browser",
    "download_id",
    "episode_id",
    "url",
    "domain",
    "filename",
    "reason",
    "category",
    "known",
    "action",
    "delay_ms",
    "attempt",
    "max_attempts",
    "notify",
    "state",
    "incognito",
    "bytes_received",
    "total_bytes",
    "outcome",
)


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


def _when(at: str, now_ms: int) -> str:
    """14:05 today, 11-23 14:05 this year, 2025-11-23 before (all UTC)."""
    moment = datetime.fromisoformat(at)
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%m-%d %H:%M" if moment.year == now.year else "%Y-%m-%d")


def _action(item: Mapping[str, Any]) -> str:
    """`resume 2/8` (attempt of max), or just `none`."""
    if item.get("action") in ("resume", "restart"):
        return f"{item['action']} {item.get('attempt')}/{item.get('max_attempts')}"
    return str(item.get("action"))


def _outcome(item: Mapping[str, Any]) -> str:
    if item.get("outcome"):
        return str(item["outcome"])
    return "pending" if item.get("episode_id") is not None else "-"


def _where(item: Mapping[str, Any]) -> str:
    if item.get("url"):
        return escape(str(item["url"]))
    if item.get("filename"):
        return escape(str(item["filename"]))
    return "(private)" if item.get("incognito") else "-"


def history_table(
    items: Sequence[Mapping[str, Any]], *, now_ms: int, width: int = 80, lang: str = "en"
) -> Iterator[str]:
    """The history as a table fitting `width`, then what each reason shown means."""
    if not items:
        yield "No interruptions recorded."
        return
    columns = (
        Column("WHEN (UTC)"),
        Column("REASON", cap=30),
        Column("ACTION"),
        Column("OUTCOME"),
        Column("URL", fill=True, url=True, least=24),
    )
    rows = [
        (
            _when(item["at"], now_ms),
            escape(str(item["reason"])),
            _action(item),
            _outcome(item),
            _where(item),
        )
        for item in items
    ]
    yield from table(columns, rows, width)
    yield ""
    seen: dict[str, None] = dict.fromkeys(str(item["reason"]) for item in items)
    for reason in seen:
        yield from _wrap(escape(reason), describe_reason(reason, lang), width)


def history_csv(items: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """A header line, then one CSV record per item (HISTORY_FIELDS; booleans true/false)."""
    return csv_lines(items, HISTORY_FIELDS)


def csv_lines(items: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> Iterator[str]:
    """CSV records (header first); a record may hold quoted newlines. No line terminator."""
    import csv
    import io

    buffer = io.StringIO()
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


#: Compact, ASCII-only JSON (every other character as a \u escape): safe and fast.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def json_lines(items: Iterable[Any]) -> Iterator[str]:
    """One JSON document per line (JSON Lines), ASCII only."""
    encode = _COMPACT.encode
    for item in items:
        yield encode(item)


# -- stats ----------------------------------------------------------------------------------

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, top: float, cols: int, unicode: bool = True) -> str:
    """A horizontal bar of value/top in `cols` columns (eighths of a block in Unicode)."""
    if top <= 0 or cols <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * cols * 8))
    if not unicode:
        return "#" * max(1, round(eighths / 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def _summary(stats: Mapping[str, Any], width: int) -> Iterator[str]:
    import textwrap

    for sentence in _sentences(stats):
        yield from textwrap.wrap(sentence, width=width)


def _sentences(stats: Mapping[str, Any]) -> Iterator[str]:
    if stats.get("since"):
        since = datetime.fromisoformat(stats["since"])
        yield f"Since {since.year:04d}-{since:%m-%d %H:%M} UTC:"
    else:
        yield "All recorded history:"
    open_ = stats["episodes"] - stats["ended"]
    yield (
        f"{stats['interruptions']:,} interruptions in {stats['episodes']:,} downloads: "
        f"{stats['complete']:,} complete, {stats['given_up']:,} given up, "
        f"{stats['cancelled']:,} cancelled, {open_:,} open."
    )
    if stats["ended"]:
        median = stats.get("median_recovery_ms")
        recovery = f"; median time to recovery {short_duration(median)}" if median else ""
        yield (
            f"Retrying rescued {stats['rescued']:,} of {stats['ended']:,} ended downloads "
            f"({_share(stats['rescue_share'])}){recovery}."
        )


def _counts_table(
    title: str,
    name: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    width: int,
    unicode: bool,
    episodes: bool = True,
) -> Iterator[str]:
    """One section of stats: a name, its count and a bar, then how its downloads ended."""
    columns = [Column(title, cap=30), Column("COUNT", right=True), Column("", fill=True)]
    if episodes:
        columns += [
            Column("DOWNLOADS", right=True),
            Column("RESCUED", right=True),
            Column("MEDIAN", right=True),
        ]
    cells = []
    for r in rows:
        cell = [escape(str(r[name] if r[name] is not None else "?")), f"{r['interruptions']:,}", ""]
        if episodes:
            cell += [
                f"{r['episodes']:,}",
                _share(r["rescue_share"]),
                short_duration(r["median_recovery_ms"]),
            ]
        cells.append(cell)
    widths = layout(columns, cells, width)
    top = max((r["interruptions"] for r in rows), default=0)
    for r, cell in zip(rows, cells, strict=True):
        cell[2] = bar(r["interruptions"], top, widths[2], unicode)
    yield from render(columns, widths, cells, "…" if unicode else "...")


def stats_table(
    stats: Mapping[str, Any], *, width: int = 80, unicode: bool = True, lang: str = "en"
) -> Iterator[str]:
    """Stats as a summary, bar charts by category, reason and domain, and a legend."""
    yield from _summary(stats, width)
    if not stats["interruptions"] and not stats["episodes"]:
        return
    yield ""
    yield from _counts_table(
        "CATEGORY", "category", stats["by_category"], width=width, unicode=unicode
    )
    yield ""
    yield from _counts_table("REASON", "reason", stats["by_reason"], width=width, unicode=unicode)
    if stats["by_domain"]:
        yield ""
        yield from _counts_table(
            "DOMAIN", "domain", stats["by_domain"], width=width, unicode=unicode, episodes=False
        )
    yield ""
    yield from _wrap(
        "DOWNLOADS",
        "downloads whose first interruption had this category or reason; RESCUED: the share "
        "of those that ended which completed after dlrescue retried; MEDIAN: from the first "
        "interruption to completion",
        width,
    )
    for row in stats["by_category"]:
        if row["category"]:
            yield from _wrap(row["category"], describe_category(row["category"], lang), width)


# -- prune --------------------------------------------------------------------------------


def prune_lines(removed: Mapping[str, int], before_ms: int, *, dry_run: bool) -> Iterator[str]:
    """What `prune` removed (or would remove)."""
    when = utc_text(before_ms)
    verb = "Would remove" if dry_run else "Removed"
    episodes, events = removed["episodes"], removed["events"]
    if not episodes and not events:
        yield f"Nothing to prune: no download ended before {when}."
        return
    yield (
        f"{verb} {episodes:,} download{'s' * (episodes != 1)} that ended before {when}, "
        f"and {events:,} event{'s' * (events != 1)} in all."
    )
    if removed.get("vacuumed") and not removed.get("secure_delete"):
        yield (
            "This SQLite cannot overwrite deleted rows (secure_delete is off in its build), "
            "so the file was vacuumed: rewritten without them."
        )
    elif removed.get("vacuumed"):
        yield (
            "The file was vacuumed once: an earlier dlrescue may have left copies of rows "
            "in its free space."
        )
    if removed.get("log_kept"):
        yield (
            "A running dlrescue host was reading the history, so its write-ahead log "
            "(history.sqlite3-wal) still holds the removed rows until its next checkpoint; "
            "run prune again once the browser is closed to empty it now."
        )


# -- policy ---------------------------------------------------------------------------------

_POLICY_HEADERS = {
    "action": "ACTION",
    "max_attempts": "TRIES",
    "initial_delay_ms": "WAIT",
    "max_delay_ms": "MAX WAIT",
    "backoff_factor": "BACKOFF",
    "notify": "NOTIFY",
    "no_progress_attempts": "STUCK",
}


def policy_view(
    policy: Any,
    file: str,
    *,
    exists: bool,
    problems: Sequence[str] = (),
    browser: str | None = None,
) -> dict[str, Any]:
    """The effective policy with, for each value, where it came from ("default" or `file`).

    Categories first, then every reason that has an override of its own (built-in or in the
    user's file); other reasons follow their category. With `browser`, the policy that
    browser gets; without, the generic policy and, under `browsers`, what each browser
    decides differently (its categories, and its reasons with a rule of their own).
    """
    from .policy import (
        BROWSERS,
        DEFAULT_BROWSERS,
        DEFAULT_CATEGORIES,
        DEFAULT_REASONS,
        RULE_KEYS,
        layers,
    )
    from .reasons import category_of

    def sourced(reason: str, category: str, browser: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for source, layer in layers(policy, reason, category, browser):
            for key, value in layer.items():
                values[key] = {"value": value, "source": "default" if source == "default" else file}
        return {key: values[key] for key in RULE_KEYS}

    def own(browser: str | None) -> list[str]:
        """The reasons with a rule of their own in `browser` (or in every browser)."""
        names = [r for r in DEFAULT_REASONS if DEFAULT_REASONS[r]] + list(policy.reasons)
        if browser is not None:
            names += list(DEFAULT_BROWSERS.get(browser, {}).get("reasons", {}))
            names += list(policy.browsers.get(browser, {}).get("reasons", {}))
        return list(dict.fromkeys(names))

    def effective(browser: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        categories = {c: sourced("", c, browser) for c in DEFAULT_CATEGORIES}
        reasons = {
            r: {"category": category_of(r), **sourced(r, category_of(r), browser)}
            for r in own(browser)
        }
        return categories, reasons

    categories, reasons = effective(browser)
    view = {
        "file": file,
        "file_exists": exists,
        "problems": list(problems),
        "browser": browser,
        "categories": categories,
        "reasons": reasons,
    }
    if browser is None:

        def values(rule: Mapping[str, Any]) -> list[object]:
            return [rule[key]["value"] for key in RULE_KEYS]

        differs: dict[str, Any] = {}
        for name in BROWSERS:
            cats, rsns = effective(name)
            differs[name] = {
                "categories": {
                    c: rule for c, rule in cats.items() if values(rule) != values(categories[c])
                },
                "reasons": {
                    r: rule
                    for r, rule in rsns.items()
                    if values(rule) != values(reasons.get(r) or categories[rule["category"]])
                },
            }
        view["browsers"] = differs
    return view


def _policy_value(key: str, value: object) -> str:
    if key in ("initial_delay_ms", "max_delay_ms"):
        return short_duration(int(value))  # type: ignore[call-overload]
    if key == "backoff_factor":
        return f"x{float(value):g}"  # type: ignore[arg-type]
    if key == "notify":
        return "yes" if value else "no"
    return str(value)


def policy_table(view: Mapping[str, Any], *, width: int = 80) -> Iterator[str]:
    """The effective policy as two tables; values from the user's file are marked `*`."""
    import textwrap

    from .policy import RULE_KEYS

    file = escape(view["file"])
    if view["problems"]:
        header = f"Policy: built-in defaults, because {file} has problems (see above)."
    elif view["file_exists"]:
        header = f"Policy: {file}; values marked * come from it, the rest are defaults."
    else:
        header = f"Policy: built-in defaults (no {file})."
    yield from textwrap.wrap(header, width, break_long_words=False, break_on_hyphens=False)

    def sections(*parts: Mapping[str, Mapping[str, Any]]) -> list[str]:
        # STUCK (no_progress_attempts) is shown only where a rule turns it on.
        used = any(r["no_progress_attempts"]["value"] for part in parts for r in part.values())
        return [k for k in RULE_KEYS if k != "no_progress_attempts" or used]

    def rows(section: Mapping[str, Mapping[str, Any]], keys: Sequence[str]) -> list[list[str]]:
        out = []
        for name, rule in section.items():
            cells = [escape(name)]
            for key in keys:
                value, source = rule[key]["value"], rule[key]["source"]
                cells.append(_policy_value(key, value) + ("*" if source != "default" else ""))
            out.append(cells)
        return out

    def grid(name: str, section: Mapping[str, Mapping[str, Any]], keys: list[str]) -> Iterator[str]:
        cells = rows(section, keys)
        headers = [Column(_POLICY_HEADERS[k], right=k != "action") for k in keys]
        values = sum(
            max([text_width(h.header), *(text_width(r[i + 1]) for r in cells)]) + SEP
            for i, h in enumerate(headers)
        )
        cap = max(12, min(30, width - values))  # reason names give way before the numbers do
        yield from table([Column(name, cap=cap), *headers], cells, width)

    if view.get("browser"):
        yield f"Decisions for {escape(view['browser'])}, with its own rules applied."
    keys = sections(view["categories"], view["reasons"])
    yield ""
    yield from grid("CATEGORY", view["categories"], keys)
    yield ""
    yield "Reasons with a rule of their own (every other reason follows its category):"
    yield from grid("REASON", view["reasons"], keys)
    for browser, differs in (view.get("browsers") or {}).items():
        both = {**differs["categories"], **differs["reasons"]}
        if both:
            yield ""
            yield f"In {escape(browser)}, decided differently (`--browser {escape(browser)}`):"
            yield from grid("NAME", both, sections(both))
    yield ""
    yield from _wrap(
        "Keys",
        "TRIES is max_attempts, WAIT initial_delay_ms, MAX WAIT max_delay_ms, BACKOFF "
        "backoff_factor, STUCK no_progress_attempts; edit them in policy.toml under "
        "[categories.X] or [reasons.X], or for one browser under [browsers.B.categories.X] "
        "or [browsers.B.reasons.X] (B: chrome or firefox)",
        width,
    )

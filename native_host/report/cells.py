"""A table cell's text: measured in terminal columns, cut, padded; durations and shares.

Cells hold text escaped already (textsafe.escape): these functions measure what a terminal
shows, where a combining mark takes no column and a wide East Asian character two.
"""

from __future__ import annotations

import re
import unicodedata


def char_width(ch: str) -> int:
    """Terminal columns of one character: 0 for combining marks, 2 for wide East Asian."""
    if ch < "\u0300":
        return 1
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


_SCHEME = re.compile(r"(?i)https?://")


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
    scheme = _SCHEME.match(url)
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


def short_size(n: int) -> str:
    """Bytes in decimal units, as disks are sold: 512 B, 3.4 kB, 1.2 MB, 1.5 GB, 2.1 TB."""
    n = max(0, int(n))
    for size, unit in ((10**12, "TB"), (10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} B"


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


def share(value: float | None) -> str:
    """A share as a whole percentage; '-' for None."""
    return "-" if value is None else f"{round(value * 100)}%"

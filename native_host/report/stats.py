"""`dlrescue stats` as text: a summary in sentences, then bar charts by category, reason and
domain with how the downloads ended, and a legend."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from ..explanations import describe_category
from ..record import TYPE_CHECKING
from ..textsafe import escape
from .cells import share, short_duration, short_size
from .tables import Column, layout, render, wrap

if TYPE_CHECKING:
    from typing import Any

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
            f"({share(stats['rescue_share'])}){recovery}."
        )
    if stats.get("bytes_kept"):
        yield (
            f"Resuming kept {short_size(stats['bytes_kept'])} already on disk instead of "
            "downloading it again."
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
                share(r["rescue_share"]),
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
    for sentence in _sentences(stats):
        yield from textwrap.wrap(sentence, width=width)
    if not stats["interruptions"] and not stats["episodes"]:
        return
    for title, name in (("CATEGORY", "category"), ("REASON", "reason")):
        yield ""
        rows = stats[f"by_{name}"]
        yield from _counts_table(title, name, rows, width=width, unicode=unicode)
    if stats["by_domain"]:
        yield ""
        yield from _counts_table(
            "DOMAIN", "domain", stats["by_domain"], width=width, unicode=unicode, episodes=False
        )
        for row in stats["by_domain"]:
            if row.get("failures"):
                paused = row.get("paused_until")
                until = f", paused until {paused[11:16]} UTC" if paused else ""
                yield from wrap(
                    escape(str(row["domain"])),
                    f"failing: {row['failures']:,} failures in a row since its last success"
                    + until,
                    width,
                )
    if stats.get("by_status"):
        yield ""
        yield from _counts_table(
            "HTTP STATUS",
            "status",
            [{"status": s, "interruptions": n} for s, n in stats["by_status"].items()],
            width=width,
            unicode=unicode,
            episodes=False,
        )
    yield ""
    yield from wrap(
        "DOWNLOADS",
        "downloads whose first interruption had this category or reason; RESCUED: the share "
        "of those that ended which completed after dlrescue retried; MEDIAN: from the first "
        "interruption to completion",
        width,
    )
    for row in stats["by_category"]:
        if row["category"]:
            yield from wrap(row["category"], describe_category(row["category"], lang), width)

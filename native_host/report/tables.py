"""Aligned columns that fit the terminal, and `label: text` lines wrapped to its width."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator, Sequence

from ..record import Record
from .cells import fit, pad, shorten_url, text_width


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


def wrap(label: str, text: str, width: int) -> Iterator[str]:
    """`label: text` wrapped to width, continuation lines indented by four spaces."""
    yield from textwrap.wrap(
        f"{label}: {text}", width=width, subsequent_indent="    ", break_on_hyphens=False
    )

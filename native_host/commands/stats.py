"""`dlrescue stats`: counts by category, reason and domain, and how retries pay off."""

from __future__ import annotations

import argparse

from ..options import count
from .common import emit, format_arg, lang, lang_arg, open_store, span_args, unicode_ok, width


def stats_args(p: argparse.ArgumentParser) -> None:
    span_args(p, "interruptions and downloads that started", until=False)
    p.add_argument(
        "--domains",
        default="10",
        type=count(0, 1000),
        help="how many of the busiest domains to list",
    )
    format_arg(p, ("table", "json"), "tables with bar charts (default) or one JSON object")
    lang_arg(p)


def stats_run(args: argparse.Namespace) -> int:
    store = open_store()
    try:
        stats = store.stats(since_ms=args.since, top_domains=args.domains)
    finally:
        store.close()
    if args.format == "json":
        from ..report.formats import to_json

        emit([to_json(stats, indent=2)])
    else:
        from ..report.stats import stats_table

        emit(stats_table(stats, width=width(), unicode=unicode_ok(), lang=lang(args)))
    return 0

"""`dlrescue export`: every recorded event, oldest first, as JSON Lines or CSV."""

from __future__ import annotations

import argparse

from .common import emit, format_arg, open_store, span, span_args


def export_args(p: argparse.ArgumentParser) -> None:
    span_args(p, "events")
    format_arg(
        p, ("jsonl", "csv"), "JSON Lines, one event per line (default), or CSV with a header"
    )


def export_run(args: argparse.Namespace) -> int:
    from ..report.formats import csv_lines, json_lines
    from ..store import EXPORT_FIELDS

    since, until = span(args)
    store = open_store()
    try:
        events = store.events(since_ms=since, until_ms=until)
        emit(json_lines(events) if args.format == "jsonl" else csv_lines(events, EXPORT_FIELDS))
    finally:
        store.close()
    return 0

"""`dlrescue history`: recorded interruptions, newest first, as a table, JSON or CSV."""

from __future__ import annotations

import argparse

from ..options import browser_name, count, domain_name, one_of, reason_name
from ..reasons import CATEGORIES
from .common import emit, format_arg, lang, lang_arg, open_store, span, span_args, unicode_ok
from .common import width as terminal_width

OUTCOMES = ("complete", "given_up", "cancelled", "pending")
#: Other spellings --outcome takes.
OUTCOME_ALIASES = {"open": "pending", "given-up": "given_up", "canceled": "cancelled"}


def history_args(p: argparse.ArgumentParser) -> None:
    span_args(p, "interruptions")
    p.add_argument("--reason", type=reason_name, help="only this reason, such as NETWORK_FAILED")
    p.add_argument(
        "--category",
        type=one_of(CATEGORIES),
        choices=CATEGORIES,
        metavar="CATEGORY",
        help="only this category: FILE, NETWORK, SERVER, USER, CRASH or UNKNOWN",
    )
    p.add_argument(
        "--browser", type=browser_name, help="only downloads from this browser, such as chrome"
    )
    p.add_argument(
        "--domain", type=domain_name, help="only downloads from this host name, such as example.org"
    )
    p.add_argument(
        "--outcome",
        type=one_of(OUTCOMES, OUTCOME_ALIASES),
        choices=OUTCOMES,
        metavar="{" + ",".join(OUTCOMES) + "}",
        help="only downloads that ended so (pending: not ended yet)",
    )
    p.add_argument(
        "--limit",
        default="50",
        type=count(1, 1_000_000),
        help="at most this many items (default 50)",
    )
    format_arg(
        p, ("table", "json", "csv"), "a table fitting the terminal (default), a JSON array, or CSV"
    )
    lang_arg(p)


def history_run(args: argparse.Namespace) -> int:
    from ..report.formats import csv_lines, json_array, with_explanations
    from ..store import HISTORY_FIELDS

    since, until = span(args)
    filters = {name: getattr(args, name) for name in ("reason", "category", "browser", "domain")}
    store = open_store()
    try:
        items = store.history(
            limit=args.limit, since_ms=since, until_ms=until, outcome=args.outcome, **filters
        )
    finally:
        store.close()
    items = with_explanations(items, lang(args))
    if args.format == "json":
        emit(json_array(items))
    elif args.format == "csv":
        emit(csv_lines(items, HISTORY_FIELDS))
    else:
        from ..report.history import history_table

        unicode_ok()
        emit(history_table(items, now_ms=args.now, width=terminal_width(), lang=lang(args)))
    return 0

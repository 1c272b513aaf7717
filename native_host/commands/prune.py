"""`dlrescue prune`: remove downloads that ended before a date, with all their events."""

from __future__ import annotations

import argparse

from .. import paths
from ..options import instant
from .common import emit, now_arg, open_store


def prune_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--older-than",
        metavar="AGE",
        required=True,
        type=instant(now_arg(p)),
        help="remove downloads that ended more than AGE ago (90d, 12w, 24h) or before an "
        "ISO 8601 date, with all their events; a download still in progress is kept",
    )
    p.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    p.add_argument(
        "--vacuum", action="store_true", help="then shrink the file (rewrites it; takes a while)"
    )


def prune_run(args: argparse.Namespace) -> int:
    from ..report.prune import prune_lines

    before: int = args.older_than
    if not paths.db_path().exists():
        emit(["Nothing to prune: no history yet."])
        return 0
    store = open_store(create=True)
    try:
        removed = store.prune(before, dry_run=args.dry_run)
        if args.vacuum and not args.dry_run:
            store.vacuum()
    finally:
        store.close()
    emit(prune_lines(removed, before, dry_run=args.dry_run))
    return 0

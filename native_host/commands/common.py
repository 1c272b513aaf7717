"""What the history's commands share: the store opened for reading, the --since and --until
options, the terminal's width and what it can show, and writing lines."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from .. import paths
from ..options import instant, one_of
from ..record import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Store


class CliError(Exception):
    """A failure to report as one sentence; `status` is the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def open_store(*, create: bool = False) -> Store:
    """The history store (StoreUnavailable when it cannot be opened).

    Readers (`create=False`) get an empty in-memory store when there is no history yet, so
    "nothing recorded" is an empty result and reading never creates files.
    """
    from ..store import Store

    path = paths.db_path()
    if not create and not path.exists():
        return Store(Path(":memory:"))
    return Store(path, reader=not create)


def emit(lines: Iterable[str]) -> None:
    out = sys.stdout
    for line in lines:
        out.write(line + "\n")


def width() -> int:
    """The terminal's width in columns (at least 40; 80 when it is not a terminal)."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def unicode_ok() -> bool:
    """Whether stdout takes block characters; if not, other non-ASCII text is written as
    backslash escapes rather than failing."""
    try:
        "█▏…".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        reconfigure = getattr(sys.stdout, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
        return False
    return True


def now_arg(p: argparse.ArgumentParser) -> int:
    """The command's "now" in ms, fixed when its options are declared (spans count back from
    it) and kept as `args.now`."""
    from ..store import now_ms

    now = now_ms()
    p.set_defaults(now=now)
    return now


def span_args(p: argparse.ArgumentParser, what: str, *, until: bool = True) -> None:
    when = instant(now_arg(p))
    p.add_argument(
        "--since",
        metavar="WHEN",
        type=when,
        help=f"only {what} at or after WHEN: a time span back from now (30m, 24h, 7d, 2w) "
        "or an ISO 8601 date or time (2026-11-23, 2026-11-23T14:00:00Z; UTC unless it says)",
    )
    if until:
        p.add_argument(
            "--until", metavar="WHEN", type=when, help=f"only {what} before WHEN (same forms)"
        )


def span(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """(since, until) in ms; CliError (status 2) when until is not after since."""
    since, until = args.since, getattr(args, "until", None)
    if since is not None and until is not None and until <= since:
        from ..report.prune import utc_text

        raise CliError(f"--until {utc_text(until)} is not after --since {utc_text(since)}", 2)
    return since, until


def format_arg(p: argparse.ArgumentParser, forms: tuple[str, ...], help: str) -> None:
    p.add_argument(
        "--format",
        default=forms[0],
        type=one_of(forms),
        choices=forms,
        metavar="{" + ",".join(forms) + "}",
        help=help,
    )


def lang_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang",
        type=one_of(("en", "fr")),
        choices=("en", "fr"),
        metavar="{en,fr}",
        help="language of the explanations (default: from LC_ALL, LC_MESSAGES or LANG)",
    )


def lang(args: argparse.Namespace) -> str:
    """--lang, else the locale's language."""
    import os

    from ..options import lang_from_env

    return str(args.lang) if args.lang is not None else lang_from_env(os.environ)

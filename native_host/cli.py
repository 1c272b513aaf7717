"""The `dlrescue` command line: a thin argparse layer over the library.

Each command parses its arguments, calls the library, and formats the result as lines.
Library failures become one sentence on stderr and a non-zero exit status here, in one
place: 1 for a failure, 2 for bad usage. `main(argv) -> int`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from . import __version__
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class CliError(Exception):
    """A failure to report as one sentence; `status` is the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _emit(lines: Iterable[str]) -> None:
    out = sys.stdout
    for line in lines:
        out.write(line + "\n")


# -- register / unregister / doctor (registration) ----------------------------------------------


def _registration(name: str) -> Any:
    """A function of the registration commands (register, unregister, doctor)."""
    from .registration import commands

    return getattr(commands, name)


def _registration_run(name: str, args: argparse.Namespace) -> int:
    from .registration import RegistrationError, UsageError

    try:
        status: int = _registration(name)(args)
    except RegistrationError as exc:
        raise CliError(str(exc), 2 if isinstance(exc, UsageError) else 1) from exc
    return status


def _register_args(p: argparse.ArgumentParser) -> None:
    _registration("register_args")(p)


def _register_run(args: argparse.Namespace) -> int:
    return _registration_run("register_run", args)


def _unregister_args(p: argparse.ArgumentParser) -> None:
    _registration("unregister_args")(p)


def _unregister_run(args: argparse.Namespace) -> int:
    return _registration_run("unregister_run", args)


def _doctor_args(p: argparse.ArgumentParser) -> None:
    _registration("doctor_args")(p)


def _doctor_run(args: argparse.Namespace) -> int:
    return _registration_run("doctor_run", args)


# -- history / stats / policy / export / prune (history) -----------------------------------------


def _usage(message: str) -> CliError:
    """A bad option value: one sentence, exit status 2."""
    return CliError(message, 2)


def _open_store(*, create: bool = False) -> Any:
    """The history store; CliError when it cannot be opened.

    Readers (`create=False`) get an empty in-memory store when there is no history yet, so
    "nothing recorded" is an empty result and reading never creates files.
    """
    from pathlib import Path

    from . import paths
    from .store import Store, StoreUnavailable

    path = paths.db_path()
    try:
        if not create and not path.exists():
            return Store(Path(":memory:"))
        return Store(path, reader=not create)
    except StoreUnavailable as exc:
        raise CliError(str(exc)) from exc


class _Reading:
    """`with _Reading() as store:` opens the history, closes it, and turns a failure while
    using it into a CliError."""

    def __init__(self, *, create: bool = False) -> None:
        self.create = create

    def __enter__(self) -> Any:
        self.store = _open_store(create=self.create)
        return self.store

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        from .store import StoreUnavailable

        self.store.close()
        if isinstance(exc, StoreUnavailable):
            raise CliError(str(exc)) from exc


def _choice(
    flag: str, value: str, allowed: Sequence[str], aliases: dict[str, str] | None = None
) -> str:
    folded = (aliases or {}).get(value.lower(), value.lower())
    for option in allowed:
        if option.lower() == folded:
            return option
    raise _usage(f"{flag} {value!r} is not one of {', '.join(allowed)}")


def _when(flag: str, value: str | None, now: int) -> int | None:
    from .report import parse_when

    if value is None:
        return None
    try:
        return parse_when(value, now)
    except ValueError as exc:
        raise _usage(f"{flag} {exc}") from None


def _count(flag: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise _usage(f"{flag} {value!r} is not allowed; give a whole number from {low} to {high:,}")
    return number


def _lang(value: str | None) -> str:
    import os

    from .report import lang_from_env

    if value is None:
        return lang_from_env(os.environ)
    return _choice("--lang", value, ("en", "fr"))


def _width() -> int:
    import shutil

    return max(40, shutil.get_terminal_size((80, 24)).columns)


def _unicode_ok() -> bool:
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


def _span_args(p: argparse.ArgumentParser, what: str, *, until: bool = True) -> None:
    p.add_argument(
        "--since",
        metavar="WHEN",
        help=f"only {what} at or after WHEN: a time span back from now (30m, 24h, 7d, 2w) "
        "or an ISO 8601 date or time (2026-11-23, 2026-11-23T14:00:00Z; UTC unless it says)",
    )
    if until:
        p.add_argument("--until", metavar="WHEN", help=f"only {what} before WHEN (same forms)")


def _span(args: argparse.Namespace, now: int) -> tuple[int | None, int | None]:
    since = _when("--since", args.since, now)
    until = _when("--until", getattr(args, "until", None), now)
    if since is not None and until is not None and until <= since:
        raise _usage(f"--until {args.until!r} is not after --since {args.since!r}")
    return since, until


def _lang_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--lang",
        metavar="{en,fr}",
        help="language of the explanations (default: from LC_ALL, LC_MESSAGES or LANG)",
    )


def _history_args(p: argparse.ArgumentParser) -> None:
    _span_args(p, "interruptions")
    p.add_argument("--reason", help="only this reason, such as NETWORK_FAILED")
    p.add_argument(
        "--category", help="only this category: FILE, NETWORK, SERVER, USER, CRASH or UNKNOWN"
    )
    p.add_argument("--browser", help="only downloads from this browser, such as chrome")
    p.add_argument("--domain", help="only downloads from this host name, such as example.org")
    p.add_argument(
        "--outcome",
        metavar="{complete,given_up,cancelled,pending}",
        help="only downloads that ended so (pending: not ended yet)",
    )
    p.add_argument("--limit", default="50", help="at most this many items (default 50)")
    p.add_argument(
        "--format",
        default="table",
        metavar="{table,json,csv}",
        help="a table fitting the terminal (default), a JSON array, or CSV",
    )
    _lang_arg(p)


def _reason(value: str) -> str:
    from .reasons import InvalidReason, lookup

    for candidate in (value, value.strip().upper()):
        try:
            return lookup(candidate).name
        except InvalidReason:
            continue
    raise _usage(
        f"--reason {value!r} is not a reason name; reasons look like NETWORK_FAILED "
        "(upper case letters, digits and _)"
    )


def _utf8(value: str) -> bool:
    """Whether an argument is text (bytes that are not UTF-8 arrive as lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _browser(value: str) -> str:
    if not value.strip() or len(value) > 256 or not _utf8(value):
        raise _usage(f"--browser {value!r} is not a browser name; write it like chrome or firefox")
    return value.strip().lower()


def _domain(value: str) -> str:
    from .privacy import domain

    text = value.strip().lower()
    if "://" in text:
        text = domain(text) or ""
    if not text or any(c in text for c in " /\\@") or len(text) > 253 or not _utf8(text):
        raise _usage(f"--domain {value!r} is not a host name; write it like example.org")
    return text


def _history_run(args: argparse.Namespace) -> int:
    from .reasons import CATEGORIES
    from .report import history_csv, history_table, json_array, with_explanations
    from .store import now_ms

    now = now_ms()
    since, until = _span(args, now)
    form = _choice("--format", args.format, ("table", "json", "csv"))
    limit = _count("--limit", args.limit, 1, 1_000_000)
    lang = _lang(args.lang)
    outcomes = ("complete", "given_up", "cancelled", "pending")
    aliases = {"open": "pending", "given-up": "given_up", "canceled": "cancelled"}
    parsers: dict[str, Callable[[str], str]] = {
        "reason": _reason,
        "category": lambda v: _choice("--category", v, CATEGORIES),
        "browser": _browser,
        "domain": _domain,
        "outcome": lambda v: _choice("--outcome", v, outcomes, aliases),
    }
    filters = {
        name: None if getattr(args, name) is None else parse(getattr(args, name))
        for name, parse in parsers.items()
    }
    with _Reading() as store:
        items = store.history(limit=limit, since_ms=since, until_ms=until, **filters)
    items = with_explanations(items, lang)
    if form == "json":
        _emit(json_array(items))
    elif form == "csv":
        _emit(history_csv(items))
    else:
        _unicode_ok()
        _emit(history_table(items, now_ms=now, width=_width(), lang=lang))
    return 0


def _stats_args(p: argparse.ArgumentParser) -> None:
    _span_args(p, "interruptions and downloads that started", until=False)
    p.add_argument("--domains", default="10", help="how many of the busiest domains to list")
    p.add_argument(
        "--format",
        default="table",
        metavar="{table,json}",
        help="tables with bar charts (default) or one JSON object",
    )
    _lang_arg(p)


def _stats_run(args: argparse.Namespace) -> int:
    from .report import stats_table, to_json
    from .store import now_ms

    since = _when("--since", args.since, now_ms())
    form = _choice("--format", args.format, ("table", "json"))
    domains = _count("--domains", args.domains, 0, 1000)
    lang = _lang(args.lang)
    with _Reading() as store:
        stats = store.stats(since_ms=since, top_domains=domains)
    if form == "json":
        _emit([to_json(stats, indent=2)])
    else:
        _emit(stats_table(stats, width=_width(), unicode=_unicode_ok(), lang=lang))
    return 0


def _policy_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        default="table",
        metavar="{table,json}",
        help="tables (default) or JSON with the source of every value",
    )
    p.add_argument(
        "--browser",
        metavar="{chrome,firefox}",
        help="the policy one browser gets, its own rules applied (default: the generic "
        "policy, and what each browser decides differently)",
    )


def _policy_run(args: argparse.Namespace) -> int:
    from . import paths
    from .config import load_policy
    from .policy import BROWSERS
    from .report import escape, policy_table, policy_view, to_json

    form = _choice("--format", args.format, ("table", "json"))
    browser = None if args.browser is None else _choice("--browser", args.browser, BROWSERS)
    path = paths.policy_path()
    policy, problems = load_policy(path)
    view = policy_view(policy, str(path), exists=path.exists(), problems=problems, browser=browser)
    for problem in problems:  # they quote the file's keys and values: escaped, as in history
        print(f"dlrescue policy: {escape(problem)}", file=sys.stderr)
    _emit([to_json(view, indent=2)] if form == "json" else policy_table(view, width=_width()))
    return 1 if problems else 0


def _export_args(p: argparse.ArgumentParser) -> None:
    _span_args(p, "events")
    p.add_argument(
        "--format",
        default="jsonl",
        metavar="{jsonl,csv}",
        help="JSON Lines, one event per line (default), or CSV with a header",
    )


def _export_run(args: argparse.Namespace) -> int:
    from .report import EXPORT_FIELDS, csv_lines, json_lines
    from .store import now_ms

    since, until = _span(args, now_ms())
    form = _choice("--format", args.format, ("jsonl", "csv"))
    with _Reading() as store:
        events = store.events(since_ms=since, until_ms=until)
        _emit(json_lines(events) if form == "jsonl" else csv_lines(events, EXPORT_FIELDS))
    return 0


def _prune_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--older-than",
        metavar="AGE",
        required=True,
        help="remove downloads that ended more than AGE ago (90d, 12w, 24h) or before an "
        "ISO 8601 date, with all their events; a download still in progress is kept",
    )
    p.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    p.add_argument(
        "--vacuum", action="store_true", help="then shrink the file (rewrites it; takes a while)"
    )


def _prune_run(args: argparse.Namespace) -> int:
    from . import paths
    from .report import prune_lines
    from .store import now_ms

    before = _when("--older-than", args.older_than, now_ms())
    assert before is not None
    if not paths.db_path().exists():
        _emit(["Nothing to prune: no history yet."])
        return 0
    with _Reading(create=True) as store:
        removed = store.prune(before, dry_run=args.dry_run)
        if args.vacuum and not args.dry_run:
            store.vacuum()
    _emit(prune_lines(removed, before, dry_run=args.dry_run))
    return 0


# -- the table of commands ----------------------------------------------------------------------

Command = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]

COMMANDS: dict[str, Command] = {
    "register": (
        _register_args,
        _register_run,
        "install the native-messaging host manifest for your browsers",
    ),
    "unregister": (_unregister_args, _unregister_run, "remove what `register` installed"),
    "doctor": (_doctor_args, _doctor_run, "check every registration and talk to the host"),
    "history": (_history_args, _history_run, "list recorded interruptions, newest first"),
    "stats": (_stats_args, _stats_run, "counts by category and reason, and how retries pay off"),
    "policy": (_policy_args, _policy_run, "print the effective retry policy"),
    "export": (_export_args, _export_run, "write every recorded event as JSON Lines or CSV"),
    "prune": (_prune_args, _prune_run, "remove old ended downloads from the history"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of command `only` alone: what main() needs when the
    command is known, since building every command's parser costs more than a history query.
    Its usage and errors read the same (`usage: dlrescue history ...`)."""
    formatter = partial(argparse.HelpFormatter, width=_width() - 2)  # asks the terminal once
    if only is not None:
        add_args, run, summary = COMMANDS[only]
        command = argparse.ArgumentParser(
            prog=f"dlrescue {only}", description=_sentence(summary), formatter_class=formatter
        )
        add_args(command)
        command.set_defaults(run=run, command=only)
        return command
    parser = argparse.ArgumentParser(
        prog="dlrescue",
        description="Rescue browser downloads that die half way.",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"dlrescue {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add_args, run, summary) in COMMANDS.items():
        command = sub.add_parser(
            name, help=summary, description=_sentence(summary), formatter_class=formatter
        )
        add_args(command)
        command.set_defaults(run=run)
    return parser


def _sentence(summary: str) -> str:
    return summary[0].upper() + summary[1:] + "."


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    known = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(known)
    try:
        args = parser.parse_args(argv[1:] if known else argv)
    except SystemExit as exc:  # argparse already printed usage and the problem
        return int(exc.code or 0)
    try:
        status: int = args.run(args)
    except CliError as exc:
        print(f"dlrescue {args.command}: {_safe(str(exc))}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `dlrescue history | head`
        return 0
    except UnicodeEncodeError as exc:
        encoding = getattr(sys.stdout, "encoding", None) or "?"
        if exc.encoding.lower().replace("-", "").startswith("utf"):
            print(f"dlrescue {args.command}: {_safe(_unexpected(exc))}", file=sys.stderr)
            return 1
        print(
            f"dlrescue {args.command}: the output's encoding ({encoding}) cannot write "
            f"{exc.object[exc.start : exc.end]!r}; set PYTHONIOENCODING=utf-8 or use a UTF-8 "
            "locale",
            file=sys.stderr,
        )
        return 1
    except Exception as exc:  # the last resort: a sentence, never a traceback
        print(f"dlrescue {args.command}: {_safe(_unexpected(exc))}", file=sys.stderr)
        return 1
    return status


def _safe(sentence: str) -> str:
    """A sentence safe for a terminal: what it quotes (a path, a file's key) may hold control
    or bidi characters, shown escaped as `history` shows URLs."""
    from .report import escape

    return escape(sentence)


def _unexpected(exc: Exception) -> str:
    """A sentence for an error no command foresaw, its traceback kept in the CLI's log."""
    import traceback

    what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    shown = what if len(what) <= 200 else what[:200] + "..."
    try:
        from . import paths

        path = paths.log_dir() / "cli.log"
        _append_private(path, "".join(traceback.format_exception(exc)))
    except Exception:  # the log is a courtesy; the sentence is the report
        return f"failed unexpectedly ({shown}); please report this as a dlrescue bug"
    return (
        f"failed unexpectedly ({shown}); the details are in {path}; please report this "
        "as a dlrescue bug"
    )


def _append_private(path: Any, text: str, limit: int = 1 << 20) -> None:
    """Append text to a 0600 file in a 0700 folder (made if missing), starting the file
    afresh when it has grown past `limit` bytes."""
    import os
    import time

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    if path.exists() and path.stat().st_size > limit:
        flags |= os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as out:
        out.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} dlrescue[{os.getpid()}]: {text}\n")


if __name__ == "__main__":
    sys.exit(main())

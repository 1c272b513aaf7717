"""The `dlrescue` command line: a thin argparse layer over the library.

Each command lives in a module of its own with `<name>_args(parser)`, which declares its
options (each checked by an argparse `type=`, options.py), and `<name>_run(args) -> int`,
which calls the library and writes what report/ formats. Only the module of the command
given is imported: `history` does not load the registration code, nor `register` the store.

Failures become one sentence on stderr and an exit status here, in one place (`_failure`):
1 for a failure, 2 for bad usage, 130 for an interrupt. `main(argv) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from functools import partial

from . import __version__
from .commands.common import CliError, width
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["COMMANDS", "CliError", "build_parser", "main"]

#: Each command: the module that holds its `<name>_args` and `<name>_run`, and its summary.
COMMANDS: dict[str, tuple[str, str]] = {
    "register": (
        "native_host.registration.commands",
        "install the native-messaging host manifest for your browsers",
    ),
    "unregister": ("native_host.registration.commands", "remove what `register` installed"),
    "doctor": (
        "native_host.registration.commands",
        "check every registration and talk to the host",
    ),
    "history": ("native_host.commands.history", "list recorded interruptions, newest first"),
    "stats": (
        "native_host.commands.stats",
        "counts by category and reason, and how retries pay off",
    ),
    "policy": ("native_host.commands.policy", "print the effective retry policy"),
    "export": ("native_host.commands.export", "write every recorded event as JSON Lines or CSV"),
    "prune": ("native_host.commands.prune", "remove old ended downloads from the history"),
}


def command(name: str) -> tuple[Callable[[argparse.ArgumentParser], None], Callable[..., int]]:
    """(declare the options, run) of command `name`, its module imported now."""
    module = importlib.import_module(COMMANDS[name][0])
    return getattr(module, f"{name}_args"), getattr(module, f"{name}_run")


def _command_parser(
    name: str, make: Callable[..., argparse.ArgumentParser], **kwargs: object
) -> argparse.ArgumentParser:
    """The parser of one command; a bad option value raises argparse.ArgumentError (main
    says it in one sentence) rather than printing the usage."""
    summary = COMMANDS[name][1]
    parser = make(description=summary[0].upper() + summary[1:] + ".", exit_on_error=False, **kwargs)
    add_args, run = command(name)
    add_args(parser)
    parser.set_defaults(run=run, command=name)
    return parser


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of command `only` alone: what main() needs when the
    command is known, since building every command's parser costs more than a history query.
    Its usage and errors read the same (`usage: dlrescue history ...`)."""
    formatter = partial(argparse.HelpFormatter, width=width() - 2)  # asks the terminal once
    if only is not None:
        return _command_parser(
            only, argparse.ArgumentParser, prog=f"dlrescue {only}", formatter_class=formatter
        )
    parser = argparse.ArgumentParser(
        prog="dlrescue",
        description="Rescue browser downloads that die half way.",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"dlrescue {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, summary) in COMMANDS.items():
        _command_parser(
            name, partial(sub.add_parser, name), help=summary, formatter_class=formatter
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    known = argv[0] if argv and argv[0] in COMMANDS else None
    try:
        parser = build_parser(known)
        args = parser.parse_args(argv[1:] if known else argv)
    except SystemExit as exc:  # argparse already printed usage and the problem
        return int(exc.code or 0)
    except argparse.ArgumentError as exc:  # a bad option value: one sentence
        print(f"dlrescue {known}: {_safe(f'{exc.argument_name} {exc.message}')}", file=sys.stderr)
        return 2
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `dlrescue history | head`
        return 0
    except Exception as exc:
        status, sentence = _failure(exc)
        print(f"dlrescue {args.command}: {_safe(sentence)}", file=sys.stderr)
    return status


def _failure(exc: Exception) -> tuple[int, str]:
    """The exit status and the sentence of a failed command: the one place they are chosen."""
    from .registration import RegistrationError, UsageError
    from .store import StoreUnavailable

    if isinstance(exc, CliError):
        return exc.status, str(exc)
    if isinstance(exc, RegistrationError | StoreUnavailable):
        return 2 if isinstance(exc, UsageError) else 1, str(exc)
    if isinstance(exc, UnicodeEncodeError) and not exc.encoding.lower().replace("-", "").startswith(
        "utf"
    ):
        encoding = getattr(sys.stdout, "encoding", None) or "?"
        return 1, (
            f"the output's encoding ({encoding}) cannot write "
            f"{exc.object[exc.start : exc.end]!r}; set PYTHONIOENCODING=utf-8 or use a UTF-8 "
            "locale"
        )
    return 1, _unexpected(exc)  # the last resort: a sentence, never a traceback


def _safe(sentence: str) -> str:
    """A sentence safe for a terminal: what it quotes (a path, a file's key) may hold control
    or bidi characters, shown escaped as `history` shows URLs."""
    from .textsafe import escape

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


def _append_private(path: Path, text: str, limit: int = 1 << 20) -> None:
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

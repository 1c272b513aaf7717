"""The `dlrescue` command line: a thin argparse layer over the library.

Each command parses its arguments, calls the library, and formats the result as lines.
Library failures become one sentence on stderr and a non-zero exit status here, in one
place: 1 for a failure, 2 for bad usage. `main(argv) -> int`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import __version__


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


# -- history / stats / policy (history) ---------------------------------------------------------


def _open_store() -> Any:
    """The history store; CliError when it cannot be opened."""
    from . import paths
    from .store import Store, StoreUnavailable

    try:
        return Store(paths.db_path())
    except StoreUnavailable as exc:
        raise CliError(str(exc)) from exc


def _history_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--limit", type=int, default=50, help="at most this many items (default 50)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")


def _history_run(args: argparse.Namespace) -> int:
    import json

    store = _open_store()
    try:
        items = store.history(limit=args.limit)
    finally:
        store.close()
    if args.format == "json":
        _emit([json.dumps(items, ensure_ascii=False, indent=2)])
        return 0
    raise CliError(f"--format {args.format} is not built yet; use --format json", 2)


def _stats_args(p: argparse.ArgumentParser) -> None:
    pass


def _stats_run(args: argparse.Namespace) -> int:
    raise CliError("stats is not built yet")


def _policy_args(p: argparse.ArgumentParser) -> None:
    pass


def _policy_run(args: argparse.Namespace) -> int:
    raise CliError("policy is not built yet")


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
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlrescue",
        description="Rescue browser downloads that die half way.",
    )
    parser.add_argument("--version", action="version", version=f"dlrescue {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (add_args, run, summary) in COMMANDS.items():
        command = sub.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + "."
        )
        add_args(command)
        command.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the problem
        return int(exc.code or 0)
    try:
        status: int = args.run(args)
    except CliError as exc:
        print(f"dlrescue {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `dlrescue history | head`
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())

"""The argparse side of `register`, `unregister` and `doctor` (wired in by cli.py).

Each run function parses what argparse left as strings, calls the library and prints lines;
failures are raised as RegistrationError (exit 1) or UsageError (exit 2) for cli.py to
report as one sentence.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import TextIO

from . import RegistrationError, UsageError, apply, assets, detect, doctor, ledger, plan
from .manifest import BadExtensionId, ExtensionIds, parse_extension_ids
from .targets import BROWSERS, Scope, UnknownBrowser, browser, own_dir
from .windows import Registry, WinRegistry

_NAMES = ", ".join(b.key for b in BROWSERS)


def _browser_option(p: argparse.ArgumentParser, verb: str) -> None:
    p.add_argument(
        "--browser",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help=f"{verb} only these browsers ({_NAMES}); default: every browser found",
    )


def _user_data_dir_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--user-data-dir",
        metavar="DIR",
        help="a Chromium-family browser started with --user-data-dir=DIR "
        "(its host manifests live in DIR/NativeMessagingHosts)",
    )


def register_args(p: argparse.ArgumentParser) -> None:
    _browser_option(p, "register")
    _user_data_dir_option(p)
    p.add_argument(
        "--extension-id",
        action="extend",
        nargs="+",
        default=[],
        metavar="ID",
        help="also allow these extensions (a self-built or store copy): a Chrome id "
        "(32 letters a-p) or a Firefox add-on id (name@domain or {GUID})",
    )
    p.add_argument(
        "--system",
        action="store_true",
        help="register for every user of this machine (as root; writes no home folder)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print every file and registry value it would write, and write nothing",
    )


def unregister_args(p: argparse.ArgumentParser) -> None:
    _browser_option(p, "unregister")
    _user_data_dir_option(p)
    p.add_argument("--system", action="store_true", help="remove the system-wide registration")
    p.add_argument("--dry-run", action="store_true", help="print what it would remove")


def doctor_args(p: argparse.ArgumentParser) -> None:
    _browser_option(p, "check")
    p.add_argument(
        "--no-hello",
        action="store_true",
        help="check the files only; do not start the host",
    )


def _keys(names: Iterable[str]) -> tuple[str, ...]:
    try:
        return tuple(dict.fromkeys(browser(n).key for n in names))
    except UnknownBrowser as e:
        raise UsageError(str(e)) from None


def _scope(args: argparse.Namespace) -> Scope:
    scope: Scope = "system" if args.system else "user"
    refusal = detect.system_scope_refusal(scope)
    if refusal:
        raise RegistrationError(refusal)
    return scope


def _user_data_dir(text: str | None) -> PurePath | None:
    if text is None:
        return None
    if not text.strip():
        raise UsageError("--user-data-dir needs a folder: the one the browser was started with")
    return PurePath(os.path.abspath(os.path.expanduser(text)))


def _registry(os_name: str) -> Registry | None:
    return WinRegistry() if os_name == "windows" else None


def _print(lines: Iterable[str], out: TextIO) -> None:
    """Lines to the terminal, with control and bidi characters escaped (`\\x1b`,
    `\\u202e`): they quote paths, policy.toml's keys and values, a host's stderr."""
    from native_host.textsafe import escape

    for line in lines:
        out.write(escape(line) + "\n")


def register_run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    keys = _keys(args.browser)
    try:
        ids: ExtensionIds = parse_extension_ids(args.extension_id)
    except BadExtensionId as e:
        raise UsageError(str(e)) from None
    scope = _scope(args)
    env = detect.current_env()
    request = plan.Request(scope, keys, _user_data_dir(args.user_data_dir), ids)
    own = Path(str(own_dir(env, scope)))
    record = ledger.load(own)
    steps = plan.plan_register(request, env, detect.install(), record)
    if args.dry_run:
        _print(plan.describe(steps, dry_run=True), out)
        return 0
    note = detect.sudo_note(scope)
    if note:
        print(note, file=sys.stderr)
    apply.apply_register(steps, record, _registry(env.os))
    _print(plan.describe(steps, dry_run=False), out)
    out.write("\n")
    _print(plan.next_steps(steps, assets.extension_dir()), out)
    return 0


def unregister_run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    keys = _keys(args.browser)
    scope = _scope(args)
    env = detect.current_env()
    own = Path(str(own_dir(env, scope)))
    steps = plan.plan_unregister(
        scope, keys, _user_data_dir(args.user_data_dir), env, ledger.load(own)
    )
    if not args.dry_run:
        apply.apply_unregister(steps, _registry(env.os))
    _print(plan.describe(steps, dry_run=args.dry_run), out)
    if not steps.steps:
        out.write("nothing to remove: dlrescue has no record of registering that\n")
    return 0


def doctor_run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    rows, broken = doctor.examine(_keys(args.browser), not args.no_hello)
    _print(doctor.table(rows), out)
    _print((f"BROKEN: {b}" for b in broken), out)
    _print((f"policy: {p}" for p in _policy_problems()), out)
    _print([doctor.summary(rows)], out)
    return 1 if broken or any(r.broken for r in rows) else 0


def _policy_problems() -> list[str]:
    """The problems of the policy files (the user's and the system-wide) and of the managed
    policy the host last received, as `dlrescue policy` finds them (the host serves without
    what is wrong meanwhile)."""
    from native_host import paths
    from native_host.policy_file import shown

    return shown(paths.policy_path(), None)[1]

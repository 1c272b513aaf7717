"""`dlrescue policy`: the effective retry policy, each value with where it came from."""

from __future__ import annotations

import argparse
import sys

from .. import paths
from ..options import one_of
from ..policy import BROWSERS
from .common import emit, format_arg, width


def policy_args(p: argparse.ArgumentParser) -> None:
    format_arg(p, ("table", "json"), "tables (default) or JSON with the source of every value")
    p.add_argument(
        "--browser",
        type=one_of(BROWSERS),
        choices=BROWSERS,
        metavar="{" + ",".join(BROWSERS) + "}",
        help="the policy one browser gets, its own rules applied (default: the generic "
        "policy, and what each browser decides differently)",
    )


def policy_run(args: argparse.Namespace) -> int:
    """Exit 1 when a policy file has problems (each on stderr; what applies is shown)."""
    from ..policy_file import shown
    from ..policy_view import policy_view
    from ..report.formats import to_json
    from ..report.policy import policy_table
    from ..textsafe import escape

    path = paths.policy_path()
    policy, problems, more = shown(path, args.browser)
    view = policy_view(
        policy, str(path), exists=path.exists(), problems=problems, browser=args.browser, **more
    )
    for problem in problems:  # they quote the file's keys and values: escaped, as in history
        print(f"dlrescue policy: {escape(problem)}", file=sys.stderr)
    emit([to_json(view, indent=2)] if args.format == "json" else policy_table(view, width=width()))
    return 1 if problems else 0

"""`policy`: the effective policy as the port's browser gets it, each value with where it
comes from (policy_view.py, as `dlrescue policy` shows it), and what each key allows (from
the policy file's models). Loaded on first use: it imports pydantic."""

from __future__ import annotations

from pathlib import Path

from ..policy import DEFAULT_POLICY, Policy
from ..policy_file import shown
from ..policy_schema import allowed_values
from ..policy_view import policy_view
from ..reasons import KNOWN_REASONS, category_of
from ..record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from ..messages import PolicyRead
    from .port import Port


def policy(port: Port, request: PolicyRead, path: Path) -> dict[str, Any]:
    """The view of policy.toml at `path` for the request's browser, and `allowed`."""
    return view_reply(path, port.browser_of(request))


def by_table(policy: Policy) -> dict[str, Any]:
    """A Policy's values by table, as policy.toml names its tables (`status`, not statuses)."""
    return {
        "categories": policy.categories,
        "reasons": policy.reasons,
        "browsers": policy.browsers,
        "status": policy.statuses,
        "sites": policy.sites,
    }


def view_reply(path: Path, browser: str | None) -> dict[str, Any]:
    """{view, allowed, known_reasons, file_values}: policy.toml read again (an edit by hand
    shows at once) over the system-wide file and under the managed policy (policy_file.shown);
    every reason the catalogue knows with its category, so a page can add a rule; the values
    the user's file itself sets, table by table, so a page offers to remove those."""
    known = browser if browser in ("chrome", "firefox") else None
    loaded, problems, more = shown(path, known)
    view = policy_view(
        loaded, str(path), exists=path.exists(), problems=problems, browser=known, **more
    )
    # the user's file's own values: its layer when the files are stacked, else all there is
    own = dict(loaded.files).get(str(path), DEFAULT_POLICY) if loaded.files else loaded
    return {
        "view": view,
        "allowed": allowed_values(),
        "known_reasons": {reason: category_of(reason) for reason in KNOWN_REASONS},
        "file_values": by_table(own),
    }

"""`set_policy`: changes to the user's policy.toml, checked with the policy file's own models
and written keeping the person's comments (policy_write.py), all or nothing. The reply is the
new view, as `policy` answers. Loaded on first use: it imports pydantic."""

from __future__ import annotations

from pathlib import Path

from ..errors import HostError
from ..policy_edit import Change
from ..policy_write import PolicyRefused, field_of, save
from ..record import TYPE_CHECKING
from .policy import by_table, view_reply

if TYPE_CHECKING:
    from typing import Any

    from ..messages import SetPolicy
    from .port import Port


def set_policy(
    port: Port, request: SetPolicy, path: Path, managed: bytes | None = None
) -> dict[str, Any]:
    """Make the changes in policy.toml at `path`; HostError policy_refused, nothing written,
    when one is not allowed, or sets a value of the `managed` policy (the administrator's,
    as policy_file.managed_json gives it)."""
    changes = [Change(tuple(c.table), c.key, c.value) for c in request.changes]
    _refuse_managed(changes, managed)
    try:
        _policy, written = save(path, changes)
    except PolicyRefused as exc:
        raise HostError("policy_refused", str(exc), exc.field) from None
    return {"file": str(path), "written": written, **view_reply(path, port.browser_of(request))}


def _refuse_managed(changes: list[Change], managed: bytes | None) -> None:
    """HostError policy_refused for the first change of a value the administrator set: the
    host would ignore the user's value under it anyway, so the page must not pretend."""
    if managed is None:
        return
    import json

    from ..policy_schema import parse_managed

    tables = by_table(parse_managed(json.loads(managed))[0])
    for change in changes:
        node: Any = tables
        for part in change.table:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and change.key in node:
            raise HostError(
                "policy_refused",
                f"[{'.'.join(change.table)}] {change.key} is set by your administrator "
                "(the browser's managed policy), so it cannot be changed here; nothing was "
                "written",
                field_of(change),
            )

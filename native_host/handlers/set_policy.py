"""`set_policy`: changes to the user's policy.toml, checked with the policy file's own models
and written keeping the person's comments (policy_write.py), all or nothing. The reply is the
new view, as `policy` answers. Loaded on first use: it imports pydantic."""

from __future__ import annotations

from pathlib import Path

from ..errors import HostError
from ..policy_edit import Change
from ..policy_write import PolicyRefused, save
from ..record import TYPE_CHECKING
from .policy import view_reply

if TYPE_CHECKING:
    from typing import Any

    from ..messages import SetPolicy
    from .port import Port


def set_policy(port: Port, request: SetPolicy, path: Path) -> dict[str, Any]:
    """Make the changes in policy.toml at `path`; HostError policy_refused, nothing written,
    when one is not allowed."""
    changes = [Change(tuple(c.table), c.key, c.value) for c in request.changes]
    try:
        _policy, written = save(path, changes)
    except PolicyRefused as exc:
        raise HostError("policy_refused", str(exc), exc.field) from None
    return {"file": str(path), "written": written, **view_reply(path, port.browser_of(request))}

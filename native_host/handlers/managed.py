"""The administrator's policy a browser sends in `hello` (`managed_policy`): capped, kept per
browser in the data folder (so that `dlrescue policy` in a terminal shows it too), and given
back as the canonical JSON the policy files are loaded with (policy_file.load_policy).
Loaded on the first hello that carries one, or when one was kept before.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ..cache import Log
from ..policy_file import keep_managed

#: A managed policy larger than this (as compact JSON) is refused whole: the policy file's
#: tables of every category and reason fit in a tenth of it.
MAX_MANAGED = 64 * 1024


def managed(path: Path, sent: object, log: Log = None) -> tuple[bytes | None, list[str]]:
    """(the managed policy as canonical JSON or None, problems): what the hello sent, kept
    in `path` (the browser's); None (and the kept one removed) when it sent none or too
    much."""
    import json

    if sent is not None:
        try:
            size = len(json.dumps(sent, separators=(",", ":")))
        except (ValueError, TypeError, RecursionError):
            size = MAX_MANAGED + 1
        if size > MAX_MANAGED:
            keep_managed(path, None, "")
            return None, [
                f"managed policy: {size:,} bytes is more than the {MAX_MANAGED // 1024} KiB "
                "allowed; ignored whole: keep to the tables dlrescue knows (see README, "
                "A fleet's policy)"
            ]
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return keep_managed(path, sent, now, log), []

"""The administrator's policy a browser sends in `hello` (`managed_policy`): capped, kept per
browser in the data folder (so that `dlrescue policy` in a terminal shows it too), and given
back as the JSON the policy files are loaded with (policy_file.managed_json).
Loaded on the first hello that carries one, or when one was kept before.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ..cache import Log
from ..policy_file import keep_managed, managed_json

#: A managed policy larger than this (as compact JSON) is refused whole: the policy file's
#: tables of every category and reason fit in a tenth of it.
MAX_MANAGED = 64 * 1024


def managed(path: Path, sent: object, log: Log = None) -> tuple[bytes | None, list[str]]:
    """(the managed policy as policy_file.managed_json or None, problems): what the hello
    sent, kept in `path` (the browser's); None (and the kept one removed) when it sent none
    or too much."""
    text = None
    if sent is not None:
        try:
            text = managed_json(sent)
        except (ValueError, TypeError, RecursionError):
            size = MAX_MANAGED + 1
        else:
            size = len(text)
        if size > MAX_MANAGED:
            keep_managed(path, None, "")
            return None, [
                f"managed policy: {size:,} bytes is more than the {MAX_MANAGED // 1024} KiB "
                "allowed; ignored whole: keep to the tables dlrescue knows (see README, "
                "A fleet's policy)"
            ]
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    keep_managed(path, sent, now, log)
    return text, []

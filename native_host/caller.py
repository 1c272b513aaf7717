"""Who started the host, and whether it may use it: the caller check, before any frame.

Browsers name the extension on the host's command line; a caller that is not dlrescue's own
extension, nor one `dlrescue register --extension-id` allowed, is refused (exit status 3).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from . import CHROME_EXTENSION_IDS, GECKO_ID, cache
from .record import Record


class Caller(Record):
    """Who launched the host, from its argv (lenient: sandboxes may pass nothing)."""

    browser: str | None = None
    origin: str | None = None
    addon_id: str | None = None


def identify(argv: Sequence[str]) -> Caller:
    """Chrome passes `chrome-extension://ID/` (and `--parent-window=N` on Windows); Firefox
    passes the manifest path and the add-on id; a Flatpak or Snap portal may pass nothing."""
    origin = next((a for a in argv if a.startswith("chrome-extension://")), None)
    if origin is not None:
        return Caller("chrome", origin=origin)
    rest = [a for a in argv if not a.startswith("-")]
    if len(rest) >= 2 and rest[0].endswith(".json"):
        return Caller("firefox", addon_id=rest[1])
    return Caller()


def refusal(caller: Caller, allowed_file: Path) -> str | None:
    """Why this caller may not use the host, or None when it may."""
    if caller.origin is None and caller.addon_id is None:
        return None
    own = {f"chrome-extension://{i}/" for i in CHROME_EXTENSION_IDS.values()}
    if caller.origin in own or caller.addon_id == GECKO_ID:
        return None
    try:
        extra = json.loads(cache.read_regular(allowed_file, cache.MAX_CACHE))
        origins = extra.get("allowed_origins", [])
        addons = extra.get("allowed_extensions", [])
    except (OSError, ValueError, AttributeError, RecursionError):
        origins, addons = [], []
    # Only lists count: `in` on a string would match any part of it, and on a number raise.
    if (isinstance(origins, list) and caller.origin in origins) or (
        isinstance(addons, list) and caller.addon_id in addons
    ):
        return None
    who = caller.origin or caller.addon_id
    ident = (caller.origin or "").removeprefix("chrome-extension://").rstrip("/") or caller.addon_id
    return (
        f"refusing {who}: it is not a registered dlrescue extension; if you trust it, run "
        f"`dlrescue register --extension-id {ident}`"
    )

"""`outcome`: record how a download ended, and close its episode when it did end; a download
running or complete resets its domain's failures (sites.site_step), unless the news is late
(sites.is_late: a success long ago says nothing of the site now)."""

from __future__ import annotations

from ..privacy import domain, url_key
from ..record import TYPE_CHECKING
from ..sites import SiteState, is_late
from ..store import Store
from .interrupted import Counts
from .port import Port

if TYPE_CHECKING:
    from typing import Any

    from ..messages import Outcome

#: The episode's outcome for each state that ends it. `truncated` (complete in the browser's
#: eyes, bytes short) keeps the episode open: the extension then sends an interruption
#: (SERVER_CONTENT_LENGTH_MISMATCH) for it.
CLOSING = {"complete": "complete", "given_up": "given_up"}
#: The states that show the download's site answers: they reset its domain's failures.
SUCCESS = ("in_progress", "complete")


def outcome(
    store: Store,
    port: Port,
    request: Outcome,
    *,
    counts: Counts,
    event_key: str | None,
    at: int,
    now: int,
) -> dict[str, Any]:
    """Record the outcome at `at` (when it occurred); a download that ended closes its
    episode (in memory when incognito)."""
    item = request.download
    incognito = item.incognito is True
    episode_id = None if incognito else store.find_open_episode(url_key(item.url))
    reason = item.error
    closing = CLOSING.get(item.state)
    if item.state == "interrupted" and reason is not None and reason.name == "USER_CANCELED":
        closing = "cancelled"
    if episode_id is not None and closing is not None:
        store.close_episode(episode_id, closing, at)
    if incognito and closing is not None:
        counts[url_key(item.url)] = []
    name = domain(item.url) if item.state in SUCCESS and not is_late(at, now) else None
    if name is not None:  # the site is back: its schedule starts again
        if incognito:
            port.sites.pop(name, None)
        else:
            store.save_site(name, SiteState())
    event_id = store.add_event(
        {
            "at_ms": at,
            "kind": "outcome",
            "browser": port.browser_of(request),
            "download_id": item.id,
            "episode_id": episode_id,
            "state": item.state,
            "reason": reason.name if reason else None,
            "category": reason.category if reason else None,
            "known": int(reason.known) if reason else None,
            "incognito": int(incognito),
            "bytes_received": item.bytesReceived,
            "total_bytes": item.totalBytes,
            "event_key": event_key,
        }
    )
    return {"event_id": event_id}

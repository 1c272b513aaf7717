"""The two writes, `interrupted` and `outcome`: each recorded once under its event key.

The extension may send an event again (it cannot know whether a reply was lost); one it
sent under a key already recorded gets the reply it got then, and nothing is counted again.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import HostError
from ..policy import Policy
from ..record import TYPE_CHECKING
from ..store import Store, iso, now_ms
from .interrupted import Counts, interrupted, replay
from .outcome import outcome
from .port import Port, ms, stored_key

if TYPE_CHECKING:
    from typing import Any

#: The request types that write; the host runs them in the batch's transaction.
WRITES = ("interrupted", "outcome")

#: How far after the host's now an event's `occurred_at` may be and still be taken as now
#: (the browser and the host read one clock, at slightly different moments).
SKEW_MS = 5_000
#: How far back an `occurred_at` may be: the extension keeps an event while no host answers
#: (README, "Without the companion"); an older time is taken as this old.
MAX_AGE_MS = 30 * 86_400_000


def event_time(occurred_ms: int | None, now: int, log: Callable[[str], None]) -> int:
    """When the event happened, in ms: its `occurred_at` (when the extension caught it), or
    `now` without one. A time after now is now; one more than SKEW_MS after now, or more
    than MAX_AGE_MS before it, is clamped (to now, or to MAX_AGE_MS ago) and the log says
    so: the event is recorded all the same."""
    if occurred_ms is None:
        return now
    if occurred_ms > now + SKEW_MS:
        log(
            f"an event's occurred_at {iso(occurred_ms)} is after the host's time {iso(now)}; "
            "recorded at the host's time: check the computer's clock"
        )
        return now
    if occurred_ms < now - MAX_AGE_MS:
        oldest = now - MAX_AGE_MS
        log(
            f"an event's occurred_at {iso(occurred_ms)} is more than {MAX_AGE_MS // 86_400_000} "
            f"days before the host's time {iso(now)}; recorded at {iso(oldest)}"
        )
        return oldest
    return min(occurred_ms, now)


def record(
    store: Store,
    port: Port,
    request: Any,
    *,
    policy: Policy,
    rng: Callable[[], float],
    counts: Counts,
) -> dict[str, Any]:
    """Record the event at its time (event_time), or replay the one recorded under its key,
    and return the reply."""
    key = stored_key(request.event_key)
    seen = store.find_event(key) if key is not None else None
    if seen is not None and seen["kind"] != request.type:
        # Replaying it would answer an interruption without a decision (or the reverse);
        # recording it would reuse the key.
        raise HostError(
            "invalid_message",
            f"event_key: an event of kind {seen['kind']!r} was recorded under this "
            f"key; send a new key for a new {request.type!r} event",
            "event_key",
        )
    if seen is not None:
        return (
            replay(seen, port.lang) if seen["kind"] == "interrupted" else {"event_id": seen["id"]}
        )
    now = now_ms()
    at = event_time(ms(request.occurred_at), now, port.log)
    if request.type == "interrupted":
        return interrupted(
            store,
            port,
            request,
            policy=policy,
            rng=rng,
            counts=counts,
            event_key=key,
            at=at,
            now=now,
        )
    return outcome(store, port, request, counts=counts, event_key=key, at=at, now=now)

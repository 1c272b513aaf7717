"""The two writes, `interrupted` and `outcome`: each recorded once under its event key.

The extension may send an event again (it cannot know whether a reply was lost); one it
sent under a key already recorded gets the reply it got then, and nothing is counted again.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import HostError
from ..policy import Policy
from ..record import TYPE_CHECKING
from ..store import Store
from .interrupted import Counts, interrupted, replay
from .outcome import outcome
from .port import Port, stored_key

if TYPE_CHECKING:
    from typing import Any

#: The request types that write; the host runs them in the batch's transaction.
WRITES = ("interrupted", "outcome")


def record(
    store: Store,
    port: Port,
    request: Any,
    *,
    policy: Policy,
    rng: Callable[[], float],
    counts: Counts,
) -> dict[str, Any]:
    """Record the event (or replay the one recorded under its key) and return the reply."""
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
    if request.type == "interrupted":
        return interrupted(
            store, port, request, policy=policy, rng=rng, counts=counts, event_key=key
        )
    return outcome(store, port, request, counts=counts, event_key=key)

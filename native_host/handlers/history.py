"""`history`: the recorded events, filtered, each with its reason explained."""

from __future__ import annotations

from ..explanations import describe_reason
from ..record import TYPE_CHECKING
from ..replies import shrink
from .port import Port, ms

if TYPE_CHECKING:
    from typing import Any

    from ..messages import History
    from ..store import Store


def history(store: Store, port: Port, request: History) -> dict[str, Any]:
    """The newest events first, as many as fit in a frame (`truncated` says when not all)."""
    items = store.history(
        limit=request.limit,
        since_ms=ms(request.since),
        until_ms=ms(request.until),
        category=request.category,
        reason=request.reason,
        domain=request.domain and request.domain.lower(),
        outcome=request.outcome,
    )
    for item in items:
        item["explanation"] = describe_reason(item["reason"], port.lang)
    return shrink({"items": items, "truncated": False}, "items")

"""`stats`: the counts by category, reason and domain, each category and reason explained."""

from __future__ import annotations

from ..explanations import describe_category, describe_reason
from ..record import TYPE_CHECKING
from ..replies import shrink
from .port import Port, ms

if TYPE_CHECKING:
    from typing import Any

    from ..messages import Stats as StatsRequest
    from ..store import Store


def stats(store: Store, port: Port, request: StatsRequest) -> dict[str, Any]:
    """The store's counts since `since`, the smallest reasons dropped if they pass a frame."""
    counts: dict[str, Any] = store.stats(since_ms=ms(request.since))
    for row in counts["by_category"]:
        row["explanation"] = describe_category(row["category"] or "", port.lang)
    for row in counts["by_reason"]:
        row["explanation"] = describe_reason(row["reason"] or "", port.lang)
    return shrink(counts, "by_reason")

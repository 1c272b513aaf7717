"""`dlrescue history` as a table: when, reason, action, outcome and URL, then what each
reason shown means."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime

from ..explanations import describe_reason
from ..record import TYPE_CHECKING
from ..textsafe import escape
from .tables import Column, table, wrap

if TYPE_CHECKING:
    from typing import Any


def _when(at: str, now_ms: int) -> str:
    """14:05 today, 11-23 14:05 this year, 2025-11-23 before (all UTC)."""
    moment = datetime.fromisoformat(at)
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%m-%d %H:%M" if moment.year == now.year else "%Y-%m-%d")


def _action(item: Mapping[str, Any]) -> str:
    """`resume 2/8` (attempt of max), or just `none`."""
    if item.get("action") in ("resume", "restart"):
        return f"{item['action']} {item.get('attempt')}/{item.get('max_attempts')}"
    return str(item.get("action"))


def _reason(item: Mapping[str, Any]) -> str:
    """The reason, with the HTTP status beside it when one was sent: `SERVER_FAILED 503`."""
    status = item.get("http_status")
    reason = escape(str(item["reason"]))
    return reason if status is None else f"{reason} {status}"


def _outcome(item: Mapping[str, Any]) -> str:
    if item.get("outcome"):
        return str(item["outcome"])
    return "pending" if item.get("episode_id") is not None else "-"


def _where(item: Mapping[str, Any]) -> str:
    if item.get("url"):
        return escape(str(item["url"]))
    if item.get("filename"):
        return escape(str(item["filename"]))
    return "(private)" if item.get("incognito") else "-"


def history_table(
    items: Sequence[Mapping[str, Any]], *, now_ms: int, width: int = 80, lang: str = "en"
) -> Iterator[str]:
    """The history as a table fitting `width`, then what each reason shown means."""
    if not items:
        yield "No interruptions recorded."
        return
    columns = (
        Column("WHEN (UTC)"),
        Column("REASON", cap=30),
        Column("ACTION"),
        Column("OUTCOME"),
        Column("URL", fill=True, url=True, least=24),
    )
    rows = [
        (
            _when(item["at"], now_ms),
            _reason(item),
            _action(item),
            _outcome(item),
            _where(item),
        )
        for item in items
    ]
    yield from table(columns, rows, width)
    yield ""
    seen: dict[str, None] = dict.fromkeys(str(item["reason"]) for item in items)
    for reason in seen:
        yield from wrap(escape(reason), describe_reason(reason, lang), width)

"""What `dlrescue stats` and the popup's stats count: interruptions, and how episodes ended.

Covering and partial indexes (schema v2) let these queries count without reading the
tables, and find median recovery times by skipping half an index rather than sorting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..record import TYPE_CHECKING
from .clock import iso, now_ms
from .connection import Connection

if TYPE_CHECKING:
    from typing import Any

#: How an episode ended, counted per category and reason (each a SUM over episodes).
_ENDINGS = {
    "episodes": "COUNT(*)",
    "ended": "SUM(closed_ms IS NOT NULL)",
    "complete": "SUM(outcome = 'complete')",
    "given_up": "SUM(outcome = 'given_up')",
    "cancelled": "SUM(outcome = 'cancelled')",
    "retried": "SUM(retries > 0)",
    "rescued": "SUM(outcome = 'complete' AND retries > 0)",
}


def _entry(table: dict[Any, dict[str, Any]], key: Any, **names: object) -> dict[str, Any]:
    """table[key], made with its names and every count at 0 the first time."""
    if key not in table:
        table[key] = {**names, "interruptions": 0, **dict.fromkeys(_ENDINGS, 0)}
    return table[key]


def _ranked(rows: Iterable[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-r["interruptions"], -r["episodes"], r[name] or ""))


class Stats(Connection):
    def _median(self, where: str, args: Sequence[object], count: int) -> int | None:
        """The median recovery time of `count` rescued episodes matching `where`.

        The partial indexes episodes_recovery* hold rescued episodes in order of recovery
        time, so the middle one (or two) is found by skipping half the index, not by sorting.
        """
        if count <= 0:
            return None
        sql = f"""
            SELECT closed_ms - opened_ms AS recovery FROM episodes
            WHERE {where} AND outcome = 'complete' AND retries > 0
            ORDER BY closed_ms - opened_ms LIMIT ? OFFSET ?"""  # noqa: S608 (fixed clauses only)
        rows = self._rows(sql, [*args, 2 - count % 2, (count - 1) // 2])
        middle = [r["recovery"] for r in rows]
        return round(sum(middle) / len(middle)) if middle else None

    def stats(self, *, since_ms: int | None = None, top_domains: int = 10) -> dict[str, Any]:
        """What happened since `since_ms` (all history when None), as a JSON-able dict.

        Interruptions (events) are counted by category, reason and domain. Episodes (one
        download from its first interruption until it completes, is cancelled or is given up)
        opened since then are attributed to the reason that opened them; for each category and
        reason: `episodes`, `ended` (closed), `retried` (at least one resume or restart),
        `rescued` (ended `complete` after at least one retry), `rescue_share` (rescued / ended,
        None when none ended) and `median_recovery_ms` (first interruption to completion,
        over rescued episodes). `by_domain` holds the `top_domains` busiest domains, each
        with its `failures` in a row since its last success and `paused_until` (ISO 8601, or
        None when the site is not paused now). `by_status` counts interruptions per HTTP
        status ({"503": 4}), over those the extension sent a status for. `bytes_kept`: the
        bytes already on disk at each interruption decided `resume`, over episodes that
        ended complete (what a restart from zero would have fetched again).
        """
        by_reason = self._by_reason(since_ms)
        by_category: dict[str, dict[str, Any]] = {}
        for (category, _reason), row in by_reason.items():
            total = _entry(by_category, category, category=category)
            for name in ("interruptions", *_ENDINGS):
                total[name] += row[name]
        overall: dict[str, Any] = {"interruptions": 0, **dict.fromkeys(_ENDINGS, 0)}
        for row in by_category.values():
            for name in overall:
                overall[name] += row[name]
        self._add_medians(since_ms, overall, by_category, by_reason)
        for row in (overall, *by_category.values(), *by_reason.values()):
            row["rescue_share"] = row["rescued"] / row["ended"] if row["ended"] else None
        return {
            "since": None if since_ms is None else iso(since_ms),
            **overall,
            "by_category": _ranked(by_category.values(), "category"),
            "by_reason": _ranked(by_reason.values(), "reason"),
            "by_domain": self._by_domain(since_ms, top_domains),
            "by_status": self._by_status(since_ms),
            "bytes_kept": self._bytes_kept(since_ms),
        }

    def _by_reason(self, since_ms: int | None) -> dict[tuple[str, str], dict[str, Any]]:
        """Interruptions and episodes counted per (category, reason)."""
        event_where = "kind = 'interrupted'" + ("" if since_ms is None else " AND at_ms >= ?")
        episode_where = "1" if since_ms is None else "opened_ms >= ?"
        args: list[object] = [] if since_ms is None else [since_ms]
        counts = self._rows(
            f"SELECT category, reason, COUNT(*) AS n FROM events WHERE {event_where} "  # noqa: S608
            "GROUP BY category, reason",
            args,
        )
        endings = ", ".join(f"{sql} AS {name}" for name, sql in _ENDINGS.items())
        groups = self._rows(
            f"""SELECT category, reason, {endings}
                FROM episodes WHERE {episode_where} GROUP BY category, reason""",  # noqa: S608
            args,
        )
        by_reason: dict[tuple[str, str], dict[str, Any]] = {}
        for r in counts:
            row = _entry(
                by_reason, (r["category"], r["reason"]), reason=r["reason"], category=r["category"]
            )
            row["interruptions"] += r["n"]
        for r in groups:
            row = _entry(
                by_reason, (r["category"], r["reason"]), reason=r["reason"], category=r["category"]
            )
            for name in _ENDINGS:
                row[name] += r[name] or 0
        return by_reason

    def _by_domain(self, since_ms: int | None, top: int) -> list[dict[str, Any]]:
        """The `top` busiest domains by interruptions."""
        since = "" if since_ms is None else " AND at_ms >= ?"
        rows = self._rows(
            f"""SELECT domain, COUNT(*) AS interruptions FROM events
                WHERE kind = 'interrupted'{since} AND domain IS NOT NULL
                GROUP BY domain ORDER BY interruptions DESC, domain LIMIT ?""",  # noqa: S608
            [*([] if since_ms is None else [since_ms]), top],
        )
        now = now_ms()
        out = []
        for r in rows:
            site = self._rows(
                "SELECT failures, paused_until_ms FROM sites WHERE domain = ?", [r["domain"]]
            )
            until = site[0]["paused_until_ms"] if site else None
            out.append(
                {
                    "domain": r["domain"],
                    "interruptions": r["interruptions"],
                    "failures": site[0]["failures"] if site else 0,
                    "paused_until": iso(until) if until is not None and until > now else None,
                }
            )
        return out

    def _bytes_kept(self, since_ms: int | None) -> int:
        """The bytes on disk when each resumed interruption of a completed episode was resumed.

        An episode opened since `since_ms` has its events after it too: with `since_ms` the
        events are found by their time (events_at), not by walking every interruption.
        """
        since = "" if since_ms is None else " AND events.at_ms >= ? AND episodes.opened_ms >= ?"
        rows = self._rows(
            f"""SELECT COALESCE(SUM(events.bytes_received), 0) AS kept
                FROM episodes JOIN events ON events.episode_id = episodes.id
                WHERE episodes.outcome = 'complete'{since}
                AND events.kind = 'interrupted' AND events.action = 'resume'""",  # noqa: S608
            [] if since_ms is None else [since_ms, since_ms],
        )
        return int(rows[0]["kept"])

    def _by_status(self, since_ms: int | None) -> dict[str, int]:
        """Interruptions per HTTP status, the busiest first."""
        since = "" if since_ms is None else " AND at_ms >= ?"
        rows = self._rows(
            f"""SELECT http_status, COUNT(*) AS n FROM events
                WHERE kind = 'interrupted' AND http_status IS NOT NULL{since}
                GROUP BY http_status ORDER BY n DESC, http_status""",  # noqa: S608
            [] if since_ms is None else [since_ms],
        )
        return {str(r["http_status"]): r["n"] for r in rows}

    def _add_medians(
        self,
        since_ms: int | None,
        overall: dict[str, Any],
        by_category: dict[str, dict[str, Any]],
        by_reason: dict[tuple[str, str], dict[str, Any]],
    ) -> None:
        """Each row's median_recovery_ms, over the episodes opened since `since_ms`."""
        since = [] if since_ms is None else [since_ms]
        opened = "" if since_ms is None else " AND opened_ms >= ?"
        for (category, reason), row in by_reason.items():
            row["median_recovery_ms"] = self._median(
                f"category IS ? AND reason IS ?{opened}", [category, reason, *since], row["rescued"]
            )
        for category, row in by_category.items():
            row["median_recovery_ms"] = self._median(
                f"category IS ?{opened}", [category, *since], row["rescued"]
            )
        episode_where = "1" if since_ms is None else "opened_ms >= ?"
        overall["median_recovery_ms"] = self._median(episode_where, since, overall["rescued"])

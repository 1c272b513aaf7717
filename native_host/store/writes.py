"""What the host writes (inside Store.transaction()): episodes and events.

An episode is one download from its first interruption until it completes, is cancelled or
is given up; it is keyed by URL (Firefox's download ids restart every session).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..record import TYPE_CHECKING, Record
from .columns import EVENT_COLUMNS, INCOGNITO_DROPPED, SITE_COLUMNS
from .connection import Connection

if TYPE_CHECKING:
    from typing import Any

    from ..decide import Interruption
    from ..sites import SiteState


class Episode(Record):
    id: int
    attempts: int


def _text(value: str | None) -> str | None:
    """Text SQLite can store: lone surrogates (odd Unicode from JSON escapes) become '?'."""
    if value is None:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


class Writes(Connection):
    def open_episode(self, url_key: str, at_ms: int) -> Episode:
        """The open episode of this URL, or a new one opened at `at_ms`. An open one opened
        after `at_ms` (an interruption that reached the host late) now opens at `at_ms`."""
        row = self.db.execute(
            "SELECT id, attempts, opened_ms FROM episodes WHERE url_key = ? AND closed_ms IS NULL",
            (url_key,),
        ).fetchone()
        if row is not None:
            if at_ms < row["opened_ms"]:  # an interruption that reached the host late
                self.db.execute(
                    "UPDATE episodes SET opened_ms = ? WHERE id = ?", (at_ms, row["id"])
                )
            return Episode(row["id"], row["attempts"])
        cursor = self.db.execute(
            "INSERT INTO episodes (url_key, opened_ms) VALUES (?, ?)", (url_key, at_ms)
        )
        return Episode(int(cursor.lastrowid or 0), 0)

    def find_open_episode(self, url_key: str) -> int | None:
        row = self.db.execute(
            "SELECT id FROM episodes WHERE url_key = ? AND closed_ms IS NULL", (url_key,)
        ).fetchone()
        return None if row is None else int(row["id"])

    def count_attempt(self, episode_id: int, *, retried: bool) -> None:
        self.db.execute(
            "UPDATE episodes SET attempts = attempts + 1, retries = retries + ? WHERE id = ?",
            (int(retried), episode_id),
        )

    def find_event(self, event_key: str) -> dict[str, Any] | None:
        """The event recorded under this key, if any, with what its reply was made of."""
        row = self.db.execute(
            "SELECT id, kind, reason, category, known, action, delay_ms, attempt, max_attempts,"
            " notify, cause, browser, http_status, bytes_needed, filename"
            " FROM events WHERE event_key = ?",
            (event_key,),
        ).fetchone()
        return None if row is None else dict(row)

    def interruptions(self, episode_id: int) -> list[Interruption]:
        """The episode's interruptions so far, oldest first, as decide.tally() reads them."""
        from ..decide import Interruption

        rows = self.db.execute(
            "SELECT reason, bytes_received, reachable, action FROM events"
            " WHERE episode_id = ? AND kind = 'interrupted' ORDER BY id",
            (episode_id,),
        ).fetchall()
        return [
            Interruption(
                r["reason"],
                r["bytes_received"],
                None if r["reachable"] is None else bool(r["reachable"]),
                r["action"],
            )
            for r in rows
        ]

    def count_reason(self, episode_id: int, reason: str) -> int:
        """How many of the episode's interruptions so far had this reason."""
        row = self.db.execute(
            "SELECT count(*) AS n FROM events"
            " WHERE episode_id = ? AND reason = ? AND kind = 'interrupted'",
            (episode_id, reason),
        ).fetchone()
        return int(row["n"])

    def site(self, domain: str) -> SiteState:
        """The domain's failures since its last success (a new SiteState when none)."""
        from ..sites import SiteState

        row = self.db.execute(
            f"SELECT {', '.join(SiteState._fields)} FROM sites WHERE domain = ?",  # noqa: S608
            (domain,),
        ).fetchone()
        return SiteState() if row is None else SiteState(*row)

    def save_site(self, domain: str, state: SiteState) -> None:
        """Keep the domain's state (columns.SITE_COLUMNS); a state with neither failures
        nor a probe to wait for is removed."""
        if not state.failures and state.probe_due_ms is None:
            self.db.execute("DELETE FROM sites WHERE domain = ?", (domain,))
            return
        names = ", ".join(SITE_COLUMNS)
        marks = ", ".join("?" * len(SITE_COLUMNS))
        self.db.execute(
            f"INSERT OR REPLACE INTO sites ({names}) VALUES ({marks})",  # noqa: S608
            (domain, *state),
        )

    def close_episode(self, episode_id: int, outcome: str, at_ms: int) -> None:
        """Close the episode at `at_ms`, never before it opened (a clamped time)."""
        self.db.execute(
            "UPDATE episodes SET closed_ms = max(?, opened_ms), outcome = ?"
            " WHERE id = ? AND closed_ms IS NULL",
            (at_ms, outcome, episode_id),
        )

    def add_event(self, fields: Mapping[str, object]) -> int:
        """Insert one event row; keys are columns.EVENT_COLUMNS (ValueError naming any other).
        Returns its id.

        An incognito event keeps only its time, kind, browser, reason, decision and state:
        whatever the caller passed, no URL, domain, file name, download id or byte counts."""
        unknown = [name for name in fields if name not in EVENT_COLUMNS]
        if unknown:
            raise ValueError(
                f"add_event: {', '.join(map(repr, unknown))} is not a column of events; "
                f"use the names in native_host/store/columns.py EVENT_COLUMNS"
            )
        if fields.get("incognito"):
            fields = {**fields, **dict.fromkeys(INCOGNITO_DROPPED)}
        columns = ", ".join(fields)
        marks = ", ".join("?" * len(fields))
        values = [_text(v) if isinstance(v, str) else v for v in fields.values()]
        cursor = self.db.execute(f"INSERT INTO events ({columns}) VALUES ({marks})", values)  # noqa: S608
        if fields.get("kind") == "interrupted" and fields.get("episode_id") is not None:
            # The episode is attributed to the reason that opened it (stats group by it).
            self.db.execute(
                "UPDATE episodes SET reason = ?, category = ? WHERE id = ? AND reason IS NULL",
                (fields.get("reason"), fields.get("category"), fields["episode_id"]),
            )
        return int(cursor.lastrowid or 0)

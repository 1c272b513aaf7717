"""`dlrescue prune` and `--vacuum`: removing old episodes so that nothing of them stays readable."""

from __future__ import annotations

import sqlite3

from .connection import Connection
from .errors import StoreUnavailable, explain_error


class Pruning(Connection):
    def prune(self, before_ms: int, *, dry_run: bool = False, batch: int = 5000) -> dict[str, int]:
        """Remove episodes closed before `before_ms` with all their events, and events older
        than that which belong to no episode, and the failures of domains whose last failure
        came before it. An open episode is never touched.

        Deletes in transactions of `batch` episodes so a running host is never kept waiting
        long. Returns {"episodes": n, "events": n} removed (or that would be, with dry_run).

        What is removed leaves nothing readable in the file: deleted rows are overwritten
        with zeros (`"secure_delete": 1`); where this SQLite was built without it, and
        once in a file written before dlrescue set it (schema v5), the file is vacuumed
        instead (`"vacuumed": 1`). The write-ahead log, which still holds the rows
        as they were written, is then checkpointed and emptied; `"log_kept": 1` when another
        program's open read kept it (it is emptied at a later checkpoint).
        """
        old_events = "episode_id IS NULL AND at_ms < ?"
        if dry_run:
            (ended,) = self._rows(
                """SELECT COUNT(*) AS episodes,
                          COALESCE(SUM((SELECT COUNT(*) FROM events e
                                        WHERE e.episode_id = ep.id)), 0) AS events
                   FROM episodes ep WHERE closed_ms < ?""",
                [before_ms],
            )
            (loose,) = self._rows(
                f"SELECT COUNT(*) AS events FROM events WHERE {old_events}",  # noqa: S608
                [before_ms],
            )
            return {"episodes": ended["episodes"], "events": ended["events"] + loose["events"]}
        chosen = "SELECT id FROM episodes WHERE closed_ms < ? ORDER BY closed_ms, id LIMIT ?"
        removed = {"episodes": 0, "events": 0}
        while True:
            with self.transaction():
                gone = self.db.execute(
                    f"DELETE FROM events WHERE episode_id IN ({chosen})",  # noqa: S608
                    (before_ms, batch),
                ).rowcount
                done = self.db.execute(
                    f"DELETE FROM episodes WHERE id IN ({chosen})",  # noqa: S608
                    (before_ms, batch),
                ).rowcount
            removed["events"] += gone
            removed["episodes"] += done
            if done < batch:
                break
        while True:
            with self.transaction():
                gone = self.db.execute(
                    f"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE {old_events} "  # noqa: S608
                    "LIMIT ?)",
                    (before_ms, batch),
                ).rowcount
            removed["events"] += gone
            if gone < batch:
                break
        with self.transaction():  # a domain's failures older than that go too
            self.db.execute("DELETE FROM sites WHERE last_ms < ?", (before_ms,))
        removed.update(self._scrub(removed["episodes"] + removed["events"] > 0))
        return removed

    def secure_delete(self) -> bool:
        """Whether this connection overwrites deleted content (set in _connect; a build may
        lack it: SQLITE_SECURE_DELETE off and the pragma compiled out, or fixed off)."""
        try:
            self.db.execute("PRAGMA secure_delete=ON")
            row = self.db.execute("PRAGMA secure_delete").fetchone()
        except sqlite3.Error:
            return False
        return row is not None and row["secure_delete"] == 1

    def _scrub(self, deleted: bool) -> dict[str, int]:
        """After a delete: vacuum when deleted rows were not overwritten, then empty the WAL
        (also when nothing was deleted now: an earlier prune may have left it full)."""
        pending = self._rows("SELECT 1 FROM settings WHERE name = 'vacuum_at_prune'")
        secure = self.secure_delete()
        vacuumed = deleted and (bool(pending) or not secure)
        if vacuumed:
            self.vacuum()
            with self.transaction():
                self.db.execute("DELETE FROM settings WHERE name = 'vacuum_at_prune'")
        try:
            busy = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()["busy"]
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc
        return {"secure_delete": int(secure), "vacuumed": int(vacuumed), "log_kept": int(busy != 0)}

    def vacuum(self) -> None:
        """Give the space of removed rows back to the file system (rewrites the file)."""
        try:
            self.db.execute("VACUUM")
        except sqlite3.Error as exc:
            raise StoreUnavailable(explain_error(exc, self.path)) from exc

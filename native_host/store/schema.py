"""The history's schema: migrations from version to version, and applying them.

The file's `PRAGMA user_version` is the number of migrations applied. A host that finds an
older file migrates it in one write transaction (another host may have done so first); a
file written by a newer dlrescue is refused with a sentence saying to upgrade.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from .errors import StoreUnavailable

# Each entry migrates from version i to i + 1. Append only; never edit a shipped one.
MIGRATIONS: Sequence[str] = (
    """
    CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        url_key TEXT NOT NULL,
        opened_ms INTEGER NOT NULL,
        closed_ms INTEGER,
        outcome TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX episodes_open ON episodes(url_key) WHERE closed_ms IS NULL;
    CREATE INDEX episodes_url ON episodes(url_key);
    CREATE INDEX episodes_closed ON episodes(closed_ms);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('interrupted', 'outcome')),
        browser TEXT,
        download_id INTEGER,
        episode_id INTEGER REFERENCES episodes(id),
        url TEXT,
        domain TEXT,
        filename TEXT,
        reason TEXT,
        category TEXT,
        known INTEGER,
        action TEXT,
        delay_ms INTEGER,
        attempt INTEGER,
        max_attempts INTEGER,
        notify INTEGER,
        state TEXT,
        incognito INTEGER NOT NULL DEFAULT 0,
        bytes_received INTEGER,
        total_bytes INTEGER
    );
    CREATE INDEX events_at ON events(kind, at_ms);
    CREATE INDEX events_reason ON events(reason, at_ms);
    CREATE INDEX events_category ON events(category, at_ms);
    CREATE INDEX events_domain ON events(domain, at_ms);
    CREATE INDEX events_episode ON events(episode_id);
    """,
    # v2, for history and stats at scale: each episode keeps the reason and category of the
    # interruption that opened it (stats attribute an episode to them), and covering indexes
    # let stats count by category, reason and domain, and find median recovery times, without
    # reading the tables. events_domain is replaced by one that also holds the kind.
    """
    ALTER TABLE episodes ADD COLUMN reason TEXT;
    ALTER TABLE episodes ADD COLUMN category TEXT;
    UPDATE episodes SET (reason, category) = (
        SELECT e.reason, e.category FROM events e
        WHERE e.episode_id = episodes.id AND e.kind = 'interrupted' ORDER BY e.id LIMIT 1);
    CREATE INDEX episodes_stats
        ON episodes(category, reason, opened_ms, outcome, retries, closed_ms);
    CREATE INDEX episodes_recovery ON episodes(category, reason, closed_ms - opened_ms, opened_ms)
        WHERE outcome = 'complete' AND retries > 0;
    CREATE INDEX episodes_recovery_category ON episodes(category, closed_ms - opened_ms, opened_ms)
        WHERE outcome = 'complete' AND retries > 0;
    CREATE INDEX episodes_recovery_all ON episodes(closed_ms - opened_ms, opened_ms)
        WHERE outcome = 'complete' AND retries > 0;
    CREATE INDEX events_stats ON events(kind, category, reason, at_ms);
    DROP INDEX events_domain;
    CREATE INDEX events_kind_domain ON events(kind, domain, at_ms);
    """,
    # v3, for at-least-once delivery: an event sent again (the extension's service worker died
    # before it stored the reply) is found by its key and answered as before, not recorded
    # twice. The key is stored hashed; the decision's cause is kept to explain it again.
    """
    ALTER TABLE events ADD COLUMN event_key TEXT;
    ALTER TABLE events ADD COLUMN cause TEXT;
    CREATE UNIQUE INDEX events_key ON events(event_key) WHERE event_key IS NOT NULL;
    """,
    # v4, for judging attempts by progress: whether the server answered the extension's
    # probe after an interruption (1, 0, or NULL when it did not probe). An interruption
    # without progress during an outage spends no attempt, so later ones must know it.
    """
    ALTER TABLE events ADD COLUMN reachable INTEGER;
    """,
    # v5, for prune leaving nothing readable: writers now set secure_delete, but a file
    # written before may hold stale copies of rows in free space (b-tree pages rebalanced
    # without it), so the first prune after this upgrade vacuums the file once.
    """
    CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO settings (name, value) VALUES ('vacuum_at_prune', '1');
    """,
    # v6, for listening to the server and the machine (issue 18): the HTTP status of the
    # download's last response (NULL when the extension did not send it), and how many more
    # bytes a full disk must free; each domain's failures, so that a site has one backoff
    # shared by every browser and host (columns.SITE_COLUMNS; the probe's key is hashed).
    """
    ALTER TABLE events ADD COLUMN http_status INTEGER;
    ALTER TABLE events ADD COLUMN bytes_needed INTEGER;
    CREATE INDEX events_status ON events(kind, http_status, at_ms) WHERE http_status IS NOT NULL;
    CREATE TABLE sites (
        domain TEXT PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0,
        last_ms INTEGER,
        probe TEXT,
        probe_due_ms INTEGER,
        paused_until_ms INTEGER
    ) WITHOUT ROWID;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(db: sqlite3.Connection) -> int:
    """The number of migrations the file has had."""
    version: int = db.execute("PRAGMA user_version").fetchone()["user_version"]
    return version


def migrate(db: sqlite3.Connection, path: Path) -> None:
    """Bring the file at `path`, opened as `db`, to SCHEMA_VERSION."""
    version = user_version(db)
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"the history {path} was written by a newer dlrescue (schema {version}, "
            f"this one knows {SCHEMA_VERSION}); upgrade dlrescue"
        )
    db.execute("BEGIN IMMEDIATE")
    try:
        version = user_version(db)  # another host may have won
        for step in MIGRATIONS[version:]:
            for statement in step.split(";"):
                if statement.strip():
                    db.execute(statement)
        if version == 0:  # a new file, written with secure_delete from the start
            db.execute("DELETE FROM settings WHERE name = 'vacuum_at_prune'")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise

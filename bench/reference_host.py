"""The reference host: what the benchmarks measure dlrescue against. Standard library only.

Read a frame, `json.loads` it, look the reason up in a set, insert one row into SQLite in
WAL mode with one commit per message, reply. Durability is the same as dlrescue's store:
`journal_mode=WAL` and `synchronous=FULL`, so every reply follows an fsync'd commit.

It does none of the rest of dlrescue's work (no schema validation of the other fields, no
episodes, no policy, no privacy scrubbing, no explanations): it is the floor a stdlib
program pays for the same round trip. Usage: `python -I bench/reference_host.py DB_PATH`.
"""

import json
import sqlite3
import struct
import sys

REASONS = frozenset(
    {
        "FILE_FAILED",
        "FILE_ACCESS_DENIED",
        "FILE_NO_SPACE",
        "FILE_NAME_TOO_LONG",
        "FILE_TOO_LARGE",
        "FILE_VIRUS_INFECTED",
        "FILE_TRANSIENT_ERROR",
        "FILE_BLOCKED",
        "FILE_SECURITY_CHECK_FAILED",
        "FILE_TOO_SHORT",
        "NETWORK_FAILED",
        "NETWORK_TIMEOUT",
        "NETWORK_DISCONNECTED",
        "NETWORK_SERVER_DOWN",
        "NETWORK_INVALID_REQUEST",
        "SERVER_FAILED",
        "SERVER_NO_RANGE",
        "SERVER_BAD_CONTENT",
        "SERVER_UNAUTHORIZED",
        "SERVER_CERT_PROBLEM",
        "SERVER_FORBIDDEN",
        "USER_CANCELED",
        "USER_SHUTDOWN",
        "CRASH",
    }
)
HEADER = struct.Struct("=I")


def main() -> int:
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, type TEXT, "
        "download_id INTEGER, url TEXT, reason TEXT)"
    )
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = stdin.read(4)
        if len(header) < 4:
            return 0 if not header else 1
        (length,) = HEADER.unpack(header)
        msg = json.loads(stdin.read(length))
        reply: dict[str, object] = {"rid": msg.get("rid"), "ok": True}
        if msg.get("type") == "interrupted":
            item = msg["download"]
            reason = item["error"]
            if reason not in REASONS:
                reply = {"rid": msg.get("rid"), "ok": False, "error": {"code": "invalid_reason"}}
            else:
                db.execute("BEGIN IMMEDIATE")
                cursor = db.execute(
                    "INSERT INTO events (type, download_id, url, reason) VALUES (?, ?, ?, ?)",
                    ("interrupted", item["id"], item["url"], reason),
                )
                db.execute("COMMIT")
                reply["event_id"] = cursor.lastrowid
                reply["decision"] = {"action": "resume", "reason": reason}
        body = json.dumps(reply).encode()
        stdout.write(HEADER.pack(len(body)) + body)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())

"""History at scale: `dlrescue stats` and filtered `dlrescue history` on a big store, each
against the same SQL run directly with sqlite3 on the same file.

The store is generated in the real schema (native_host.store's migrations, every index)
with direct SQL inserts in one transaction: episodes of one to several interruptions, then
usually an outcome, spread over the last 365 days; reasons, domains (Zipf), browsers,
outcomes and incognito shares drawn from realistic weights; each decision made by the
real policy. It is cached in bench/.cache/ (keyed by size and schema version, regenerated
after a day so `--since 30d` keeps meaning the same slice).

For each command the "same SQL" is what the command itself runs: its SELECT statements
are captured with sqlite3's trace callback, then replayed on a plain connection.

- in process: `cli.main(argv)` (open the store, query, format JSON) against a fresh
  `sqlite3.connect()` + the captured SELECTs + `fetchall()`;
- end to end: the `dlrescue ...` command (the script pip installed beside the interpreter,
  else `python -I -m native_host.cli`) against a `python -I` process that runs the captured
  SELECTs with sqlite3 and prints the rows (an interpreter start-up on both sides).

Beside both, the stack's floor (stack_floor.py): the same SELECTs behind argparse,
platformdirs and json alone, the least any such command on this stack does.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import stack_floor
from _common import BENCH, PYTHON, median, ratio

from native_host import cli, reasons, store
from native_host.decide import decide
from native_host.policy import DEFAULT_POLICY, rule_for

GENERATOR_VERSION = 1
CACHE = BENCH / ".cache"
DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS

#: (reason, weight): what a year of interruptions looks like (network drops dominate).
REASON_WEIGHTS = (
    ("NETWORK_FAILED", 300),
    ("NETWORK_DISCONNECTED", 120),
    ("NETWORK_TIMEOUT", 80),
    ("NETWORK_SERVER_DOWN", 15),
    ("NETWORK_INVALID_REQUEST", 5),
    ("SERVER_FAILED", 100),
    ("SERVER_FORBIDDEN", 40),
    ("SERVER_NO_RANGE", 20),
    ("SERVER_UNAUTHORIZED", 10),
    ("SERVER_BAD_CONTENT", 10),
    ("SERVER_UNREACHABLE", 10),
    ("SERVER_CONTENT_LENGTH_MISMATCH", 5),
    ("SERVER_CERT_PROBLEM", 3),
    ("USER_CANCELED", 150),
    ("USER_SHUTDOWN", 50),
    ("USER_PAUSED", 20),
    ("FILE_FAILED", 30),
    ("FILE_NO_SPACE", 10),
    ("FILE_ACCESS_DENIED", 5),
    ("FILE_TRANSIENT_ERROR", 5),
    ("FILE_VIRUS_INFECTED", 2),
    ("FILE_TOO_SHORT", 2),
    ("CRASH", 20),
    ("LOCAL_DOWNLOAD_BLOCKED", 3),  # a newer browser's reason: recorded with known = 0
)
BROWSERS = (("chrome", 65), ("firefox", 25), ("edge", 7), ("brave", 3))
OUTCOMES = (("complete", 70), ("given_up", 12), ("cancelled", 8), (None, 10))  # None: open
EXTENSIONS = ("iso", "zip", "mp4", "tar.gz", "pdf", "exe", "dmg", "deb", "img", "mkv")
DOMAINS = 2000

#: The columns the generator writes: those of schema v1, which it creates before the rows
#: (the later migrations then run on the filled file, with their backfills).
EPISODE_COLUMNS = tuple(c for c, added in store.EPISODE_COLUMNS.items() if added == 1)
EVENT_COLUMNS = tuple(c for c, added in store.EVENT_COLUMNS.items() if added == 1)


def _cumulative(pairs: tuple[tuple[Any, int], ...]) -> tuple[list[Any], list[int]]:
    values, total, cum = [], 0, []
    for value, weight in pairs:
        values.append(value)
        total += weight
        cum.append(total)
    return values, cum


def generate(path: Path, count: int, *, seed: int = 8) -> dict[str, Any]:
    """Write a store of exactly `count` events at `path`; returns what it holds."""
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed)
    now = store.now_ms()
    reason_names, reason_cum = _cumulative(REASON_WEIGHTS)
    browser_names, browser_cum = _cumulative(BROWSERS)
    outcome_names, outcome_cum = _cumulative(OUTCOMES)
    domains = [f"dl{rank}.example{rank % 7}.org" for rank in range(DOMAINS)]
    domain_cum, total = [], 0.0
    for rank in range(DOMAINS):
        total += 1 / (rank + 1) ** 1.1
        domain_cum.append(total)
    looked_up = {name: reasons.lookup(name) for name in reason_names}
    rules = {
        name: rule_for(DEFAULT_POLICY, reason.name, reason.category)
        for name, reason in looked_up.items()
    }

    events: list[tuple[Any, ...]] = []
    episodes: list[tuple[Any, ...]] = []
    event_id = 0
    episode_id = 0
    while event_id < count:
        episode_id += 1
        reason = looked_up[rng.choices(reason_names, cum_weights=reason_cum)[0]]
        rule = rules[reason.name]
        browser = rng.choices(browser_names, cum_weights=browser_cum)[0]
        incognito = rng.random() < 0.03
        domain = domains[rng.choices(range(DOMAINS), cum_weights=domain_cum)[0]]
        name = f"file-{episode_id}.{EXTENSIONS[episode_id % len(EXTENSIONS)]}"
        url = f"https://{domain}/pub/{episode_id % 997}/{name}"
        total_bytes = int(rng.lognormvariate(18, 2)) + 1
        download_id = rng.randrange(1, 5000)
        at = now - rng.randrange(YEAR_MS)
        opened = at
        interruptions = 1 + min(int(rng.expovariate(0.8)), 20)
        retries = 0
        action = "none"
        for attempt in range(1, interruptions + 1):
            if event_id >= count:
                break
            decision = decide(
                rule,
                reason=reason.name,
                category=reason.category,
                known=reason.known,
                attempt=attempt,
                can_resume=rng.random() < 0.85,
                http=True,
                paused=reason.name == reasons.PAUSED,
                jitter=rng.random(),
            )
            action = decision.action
            retries += action != "none"
            event_id += 1
            events.append(
                (
                    event_id,
                    at,
                    "interrupted",
                    browser,
                    download_id,
                    None if incognito else episode_id,
                    None if incognito else url,
                    None if incognito else domain,
                    None if incognito else f"/home/u/Downloads/{name}",
                    reason.name,
                    reason.category,
                    int(reason.known),
                    decision.action,
                    decision.delay_ms,
                    decision.attempt,
                    decision.max_attempts,
                    int(decision.notify),
                    None,
                    int(incognito),
                    int(total_bytes * rng.random()),
                    total_bytes,
                )
            )
            if action == "none":
                break
            at += decision.delay_ms + rng.randrange(60_000)
        outcome = rng.choices(outcome_names, cum_weights=outcome_cum)[0]
        if action == "none" and outcome == "complete":
            outcome = "given_up" if reason.name != "USER_CANCELED" else "cancelled"
        closed = None
        if outcome is not None and event_id < count:
            at += rng.randrange(1_000, 3_600_000)
            closed = at
            event_id += 1
            events.append(
                (
                    event_id,
                    at,
                    "outcome",
                    browser,
                    download_id,
                    None if incognito else episode_id,
                    None,
                    None,
                    None,
                    None if outcome == "complete" else reason.name,
                    None if outcome == "complete" else reason.category,
                    None if outcome == "complete" else int(reason.known),
                    None,
                    None,
                    None,
                    None,
                    None,
                    "complete" if outcome == "complete" else "interrupted",
                    int(incognito),
                    total_bytes if outcome == "complete" else None,
                    total_bytes,
                )
            )
        if not incognito:
            key = f"{episode_id:032x}"
            episodes.append((episode_id, key, opened, closed, outcome, interruptions, retries))

    # The rows go into the first schema, as a host of the first version would have written
    # them; then the real Store migrates the file to the current schema, backfills included,
    # as it does on a user's machine after an upgrade. No ANALYZE: the product runs none.
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        for statement in store.MIGRATIONS[0].split(";"):
            if statement.strip() and "CREATE INDEX" not in statement.upper():
                db.execute(statement)
        db.executemany(
            f"INSERT INTO episodes ({', '.join(EPISODE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(EPISODE_COLUMNS))})",
            episodes,
        )
        marks = ", ".join("?" * len(EVENT_COLUMNS))
        db.executemany(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})", events)
        for statement in store.MIGRATIONS[0].split(";"):  # indexes after the rows: faster
            if "CREATE INDEX" in statement.upper():
                db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        db.execute("COMMIT")
        db.execute("PRAGMA journal_mode=WAL")
    finally:
        db.close()
    store.Store(path).close()  # migrations 2.. and their backfills
    return {
        "events": len(events),
        "episodes": episode_id,
        "interrupted": sum(1 for e in events if e[2] == "interrupted"),
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 1),
    }


def cached_store(count: int) -> tuple[Path, dict[str, Any]]:
    """XDG_DATA_HOME of a generated store of `count` events (reused for a day)."""
    home = CACHE / f"history-{count}-schema{store.SCHEMA_VERSION}-gen{GENERATOR_VERSION}"
    path = home / "dlrescue" / "history.sqlite3"
    stamp = home / "generated.txt"
    if stamp.exists() and path.exists() and time.time() - stamp.stat().st_mtime < 86_400:
        return home, {"events": count, "cached": True}
    shutil.rmtree(home, ignore_errors=True)
    facts = generate(path, count)
    stamp.write_text(repr(facts) + "\n")
    return home, facts


#: The commands timed, as `dlrescue` argv (JSON output: no table layout in the figures).
CASES: tuple[tuple[str, ...], ...] = (
    ("stats", "--format", "json"),
    ("stats", "--since", "30d", "--format", "json"),
    ("history", "--category", "NETWORK", "--since", "30d", "--limit", "50", "--format", "json"),
    ("history", "--reason", "SERVER_FAILED", "--format", "json"),
    ("history", "--limit", "50", "--format", "json"),
    ("history", "--domain", "dl3.example3.org", "--limit", "50", "--format", "json"),
    ("history", "--outcome", "given_up", "--limit", "50", "--format", "json"),
)


@contextlib.contextmanager
def _data_home(home: Path) -> Any:
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(home)
    try:
        yield
    finally:
        if before is None:
            del os.environ["XDG_DATA_HOME"]
        else:
            os.environ["XDG_DATA_HOME"] = before


def _cli(argv: tuple[str, ...]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def captured_sql(argv: tuple[str, ...]) -> tuple[int, str, list[str]]:
    """Run the command once; its exit status, its stderr, and the SELECTs it ran."""
    statements: list[str] = []
    connect = store.Store._connect

    def traced(self: store.Store, timeout: float) -> sqlite3.Connection:
        db = connect(self, timeout)
        db.set_trace_callback(statements.append)
        return db

    store.Store._connect = traced  # type: ignore[method-assign]
    try:
        status, _out, err = _cli(argv)
    finally:
        store.Store._connect = connect  # type: ignore[method-assign]
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    return status, err, selects


def raw(path: Path, statements: list[str]) -> int:
    db = sqlite3.connect(path)
    try:
        return sum(len(db.execute(sql).fetchall()) for sql in statements)
    finally:
        db.close()


_RAW_SCRIPT = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for sql in sys.argv[2:]:
    for row in db.execute(sql).fetchall():
        print(*row, sep="\\t")
"""


#: The `dlrescue` command as a user runs it: the script pip installed next to the interpreter
#: (no runpy), else `python -I -m native_host.cli`.
_SCRIPT = Path(PYTHON).with_name("dlrescue")
COMMAND = [str(_SCRIPT)] if _SCRIPT.exists() else [PYTHON, "-I", "-m", "native_host.cli"]


def _process(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def floor_spec(argv: tuple[str, ...], statements: list[str]) -> dict[str, Any]:
    """What stack_floor needs to do a command's work: its options (those that take a
    value, as `dlrescue`'s parser defines them), its argv and its SELECTs."""
    parser = cli.build_parser(argv[0])
    options = [a.option_strings[-1] for a in parser._actions if a.option_strings and a.nargs != 0]
    return {"prog": parser.prog, "options": options, "argv": argv[1:], "statements": statements}


def plans(path: Path, statements: list[str]) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [
            " / ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in statements
        ]
    finally:
        db.close()


def run(count: int, runs: int) -> dict[str, Any]:
    home, facts = cached_store(count)
    path = home / "dlrescue" / "history.sqlite3"
    env = dict(os.environ, XDG_DATA_HOME=str(home))
    cases = []
    with _data_home(home):
        for argv in CASES:
            status, err, statements = captured_sql(argv)  # also warms the OS cache
            case: dict[str, Any] = {"command": "dlrescue " + " ".join(argv)}
            if status != 0 or not statements:
                case["unavailable"] = err.strip() or f"exit status {status}, no SELECT ran"
                cases.append(case)
                continue
            raw(path, statements)
            spec = floor_spec(argv, statements)
            ours, direct, base, ours_e2e, direct_e2e, base_e2e = [], [], [], [], [], []
            # In process, runs back to back (a process spawned in between would leave the
            # caches cold); then as processes.
            for _ in range(runs * 5):
                start = time.perf_counter()
                _cli(argv)
                ours.append(time.perf_counter() - start)
                start = time.perf_counter()
                raw(path, statements)
                direct.append(time.perf_counter() - start)
                start = time.perf_counter()
                stack_floor.floor(spec, io.StringIO())
                base.append(time.perf_counter() - start)
            floor_command = [PYTHON, "-I", stack_floor.__file__, json.dumps(spec)]
            for _ in range(runs):
                ours_e2e.append(_process([*COMMAND, *argv], env))
                direct_e2e.append(
                    _process([PYTHON, "-I", "-c", _RAW_SCRIPT, str(path), *statements], env)
                )
                base_e2e.append(_process(floor_command, env))
            case.update(
                ours_ms=round(median(ours) * 1000, 1),
                sql_ms=round(median(direct) * 1000, 1),
                ratio=ratio(median(ours), median(direct)),
                floor_ms=round(median(base) * 1000, 1),
                floor_ratio=ratio(median(base), median(direct)),
                ours_process_ms=round(median(ours_e2e) * 1000, 1),
                sql_process_ms=round(median(direct_e2e) * 1000, 1),
                process_ratio=ratio(median(ours_e2e), median(direct_e2e)),
                floor_process_ms=round(median(base_e2e) * 1000, 1),
                floor_process_ratio=ratio(median(base_e2e), median(direct_e2e)),
                statements=statements,
                plans=plans(path, statements),
            )
            cases.append(case)
    return {"events": count, "runs": runs, "command": COMMAND, "store": facts, "cases": cases}


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(json.dumps(run(count, runs), indent=2))

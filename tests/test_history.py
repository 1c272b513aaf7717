"""`dlrescue history`, `export` and `prune`, and the popup's `history` message, on real files.

Histories are filled by driving the real host over pipes (what a browser does) or, where
times must be chosen, through the Store's own write methods (tests/historyfill.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from historyfill import DAY, finish, interrupt
from hostio import CONTRACT_ITEM_KEYS, Host, dlrescue, frame, interrupted, run_host, unframe

from native_host import framing
from native_host.cli import COMMANDS, build_parser, main
from native_host.report.cells import text_width
from native_host.store import EXPORT_FIELDS, HISTORY_FIELDS, Store, now_ms

CONTRACT_KEYS = set(CONTRACT_ITEM_KEYS)
HOUR = 3_600_000


def db_path(xdg: dict[str, str]) -> Path:
    return Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `dlrescue ARGV` in this process; (exit status, stdout, stderr)."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def history_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    status, out, err = cli(capsys, "history", "--format", "json", *argv)
    assert status == 0, err
    items: list[dict[str, Any]] = json.loads(out)
    return items


@pytest.fixture
def store(xdg: dict[str, str]) -> Any:
    """The user's history file (in the test's XDG world), open for filling."""
    opened = Store(db_path(xdg))
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are laid out for an 80-column terminal."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")


def drive_host(xdg: dict[str, str], *messages: dict[str, Any]) -> list[dict[str, Any]]:
    """Send messages to the real host over pipes; its replies."""
    proc = run_host(b"".join(frame(m) for m in messages), env=xdg)
    assert proc.returncode == 0, proc.stderr
    return unframe(proc.stdout)


def outcome(url: str, state: str = "complete", download_id: int = 42) -> dict[str, Any]:
    return {
        "type": "outcome",
        "download": {"id": download_id, "url": url, "state": state},
    }


# -- what the host recorded, as the command line shows it -----------------------------------


def test_history_json_lists_what_the_host_recorded_newest_first(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every interruption the host recorded is an item with the contract's keys, newest
    first, with the episode's outcome and an explanation; outcomes are not items."""
    drive_host(
        xdg,
        interrupted(1, url="https://a.example/big.iso"),
        interrupted(2, url="https://a.example/big.iso", id=43),
        outcome("https://a.example/big.iso", download_id=43),
        interrupted(3, "SERVER_FORBIDDEN", url="https://b.example/doc.pdf", id=7),
    )
    items = history_json(capsys)
    assert [i["reason"] for i in items] == ["SERVER_FORBIDDEN", "NETWORK_FAILED", "NETWORK_FAILED"]
    assert all(set(i) >= CONTRACT_KEYS for i in items)
    assert [i["event_id"] for i in items] == sorted((i["event_id"] for i in items), reverse=True)
    forbidden, second, first = items
    assert forbidden["outcome"] == "given_up" and forbidden["action"] == "none"
    assert (first["attempt"], second["attempt"]) == (1, 2)
    assert first["outcome"] == second["outcome"] == "complete"
    assert second["download_id"] == 43 and second["browser"] == "chrome"
    assert first["at"].endswith("Z") and first["known"] is True
    assert forbidden["explanation"].startswith("The server refused access")
    assert first["explanation"] == second["explanation"]
    assert second["explanation"].startswith("The network connection failed")


def test_history_table_fits_80_columns_and_escapes_what_a_url_carries(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default table fits 80 columns, keeps the host name of a long URL, and shows an
    escape sequence hidden in a URL or file name escaped, never raw."""
    long_url = "https://downloads.example.org/" + "/".join(["deep"] * 30) + "/ubuntu.iso"
    drive_host(
        xdg,
        interrupted(1, url=long_url),
        interrupted(2, "FILE_FAILED", id=5, url="https://evil.example/\x1b[2Jx\u202eexe.txt"),
    )
    status, out, err = cli(capsys, "history")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert all(text_width(line) <= 80 for line in lines)
    assert "\x1b" not in out and "\u202e" not in out
    network = next(line for line in lines if "NETWORK_FAILED  resume 1/8" in line)
    assert "downloads.example.org…" in network and network.endswith(".iso")
    monkeypatch.setenv("COLUMNS", "300")  # room for the whole URL
    status, out, err = cli(capsys, "history")
    assert "evil.example/\\x1b[2Jx\\u202eexe.txt" in out
    assert "\x1b" not in out and "\u202e" not in out


def test_history_csv_has_the_contract_columns_and_reads_back(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--format csv writes a header and one record per item that csv readers parse back,
    a comma or quote in a URL included."""
    drive_host(xdg, interrupted(1, url='https://example.org/a,"b".iso', filename="/d/a,b.iso"))
    status, out, _ = cli(capsys, "history", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and tuple(rows[0]) == HISTORY_FIELDS
    assert rows[0]["url"] == 'https://example.org/a,"b".iso'
    assert rows[0]["filename"] == "/d/a,b.iso"
    assert rows[0]["known"] == "true" and rows[0]["attempt"] == "1"


def test_history_explains_reasons_in_the_language_asked_or_the_locale(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--lang fr gives French explanations; without it, LANG=fr_FR.UTF-8 does too; --lang
    wins over the locale."""
    drive_host(xdg, interrupted(1))
    (item,) = history_json(capsys, "--lang", "fr")
    assert item["explanation"].startswith("La connexion réseau a échoué")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    (item,) = history_json(capsys)
    assert item["explanation"].startswith("La connexion réseau a échoué")
    (item,) = history_json(capsys, "--lang", "en")
    assert item["explanation"].startswith("The network connection failed")
    status, out, _ = cli(capsys, "history")
    assert status == 0 and "NETWORK_FAILED: La connexion réseau a échoué" in out


# -- filters ---------------------------------------------------------------------------------


@pytest.fixture
def varied(store: Store) -> dict[str, int]:
    """A history spread over ten days: which event ids went where."""
    now = now_ms()
    ids = {
        "old_network": interrupt(store, now - 10 * DAY, "https://a.example/1", browser="firefox"),
        "server_given_up": interrupt(
            store, now - 3 * DAY, "https://b.example/2", "SERVER_FORBIDDEN", action="none"
        ),
        "cancelled": interrupt(
            store, now - 2 * DAY, "https://c.example/3", "USER_CANCELED", action="none"
        ),
        "completed": interrupt(store, now - 5 * HOUR, "https://dl.a.example/4"),
        "open": interrupt(store, now - 1 * HOUR, "https://a.example/5", "NETWORK_TIMEOUT"),
    }
    finish(store, now - 4 * HOUR, "https://dl.a.example/4")
    return ids


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ((), ["open", "completed", "cancelled", "server_given_up", "old_network"]),
        (("--since", "24h"), ["open", "completed"]),
        (("--since", "7d", "--until", "3h"), ["completed", "cancelled", "server_given_up"]),
        (("--reason", "network_timeout"), ["open"]),
        (("--reason", "NETWORK_FAILED"), ["completed", "old_network"]),
        (("--category", "server"), ["server_given_up"]),
        (("--browser", "Firefox"), ["old_network"]),
        (("--domain", "a.example"), ["open", "old_network"]),
        (("--domain", "https://dl.a.example/x"), ["completed"]),
        (("--outcome", "complete"), ["completed"]),
        (("--outcome", "given_up"), ["server_given_up"]),
        (("--outcome", "cancelled"), ["cancelled"]),
        (("--outcome", "open"), ["open", "old_network"]),
        (("--outcome", "pending", "--since", "2d"), ["open"]),
        (("--limit", "2"), ["open", "completed"]),
        (("--category", "NETWORK", "--since", "1d", "--limit", "1"), ["open"]),
    ],
)
def test_history_filters(
    varied: dict[str, int],
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    expected: list[str],
) -> None:
    """Each filter (time spans, ISO dates, reason in any case, category, browser, domain as a
    host or a URL, outcome, limit) keeps exactly the matching items, newest first."""
    names = {event_id: name for name, event_id in varied.items()}
    assert [names[i["event_id"]] for i in history_json(capsys, *argv)] == expected


def test_history_since_accepts_iso_dates(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """--since and --until take ISO 8601 dates and times (UTC unless they say otherwise)."""
    from native_host.options import parse_when

    at = parse_when("2026-03-10T12:00:00Z", 0)
    for offset in (-DAY, 0, DAY):
        interrupt(store, at + offset, f"https://e.example/{offset}")
    got = history_json(capsys, "--since", "2026-03-10T12:00:00Z", "--until", "2026-03-11")
    assert [i["at"] for i in got] == ["2026-03-10T12:00:00.000Z"]
    got = history_json(capsys, "--since", "2026-03-10T13:00:00+02:00")
    assert [i["at"] for i in got] == ["2026-03-11T12:00:00.000Z", "2026-03-10T12:00:00.000Z"]


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (("history", "--since", "yesterday"), "--since"),
        (("history", "--until", "3x"), "--until"),
        (("history", "--since", "1h", "--until", "2h"), "--until"),
        (("history", "--limit", "0"), "--limit"),
        (("history", "--limit", "ten"), "--limit"),
        (("history", "--category", "DISK"), "--category"),
        (("history", "--reason", "not a reason"), "--reason"),
        (("history", "--outcome", "finished"), "--outcome"),
        (("history", "--domain", "a b"), "--domain"),
        (("history", "--format", "xml"), "--format"),
        (("history", "--lang", "de"), "--lang"),
        (("stats", "--since", "last week"), "--since"),
        (("stats", "--format", "csv"), "--format"),
        (("stats", "--domains", "-1"), "--domains"),
        (("export", "--format", "json"), "--format"),
        (("export", "--since", "x"), "--since"),
        (("prune", "--older-than", "ninety days"), "--older-than"),
        (("policy", "--format", "yaml"), "--format"),
    ],
)
def test_a_bad_flag_value_is_one_sentence_and_status_2(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], flag: str
) -> None:
    """A bad value gets one line on stderr naming the flag and the bad value, nothing on
    stdout, exit status 2, and no history file is created."""
    status, out, err = cli(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"dlrescue {argv[0]}: {flag} ")
    assert not db_path(xdg).exists()


# -- no history yet ---------------------------------------------------------------------------


def test_no_history_yet_is_an_empty_result_and_creates_nothing(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Before the host ever ran, every reading command succeeds with an empty result and
    leaves no file behind."""
    assert history_json(capsys) == []
    assert cli(capsys, "history") == (0, "No interruptions recorded.\n", "")
    status, out, _ = cli(capsys, "history", "--format", "csv")
    assert status == 0 and out == ",".join(HISTORY_FIELDS) + "\n"
    status, out, _ = cli(capsys, "stats", "--format", "json")
    assert status == 0 and json.loads(out)["interruptions"] == 0
    assert cli(capsys, "stats")[0] == 0
    assert cli(capsys, "export") == (0, "", "")
    assert cli(capsys, "prune", "--older-than", "90d") == (
        0,
        "Nothing to prune: no history yet.\n",
        "",
    )
    for folder in xdg.values():
        assert not Path(folder).exists() or not any(Path(folder).rglob("*"))


def test_a_history_that_cannot_be_read_is_exit_1_with_a_sentence(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """When the history path is unusable (a folder stands there), the command says what is
    wrong in one sentence on stderr and exits 1."""
    db_path(xdg).mkdir(parents=True)
    status, out, err = cli(capsys, "history")
    assert status == 1 and out == ""
    assert err.startswith("dlrescue history: ") and err.count("\n") == 1


# -- export -----------------------------------------------------------------------------------


def test_export_writes_every_event_of_both_kinds_oldest_first(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON Lines holds every interruption and outcome with EXPORT_FIELDS; CSV the same
    events under a header; --since limits both."""
    drive_host(
        xdg,
        interrupted(1, url="https://a.example/x"),
        outcome("https://a.example/x"),
        interrupted(2, "CRASH", url="https://b.example/é"),
    )
    status, out, _ = cli(capsys, "export")
    events = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and out.isascii()
    assert [e["kind"] for e in events] == ["interrupted", "outcome", "interrupted"]
    assert [tuple(e) for e in events] == [EXPORT_FIELDS] * 3
    assert events[1]["state"] == "complete" and events[0]["outcome"] == "complete"
    assert events[2]["url"] == "https://b.example/é"
    status, out, _ = cli(capsys, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["event_id"] for r in rows] == [str(e["event_id"]) for e in events]
    assert tuple(rows[0]) == EXPORT_FIELDS
    assert cli(capsys, "export", "--since", "2000-01-01")[1].count("\n") == 3
    assert cli(capsys, "export", "--until", "2000-01-01")[1] == ""


def bulk_fill(path: Path, count: int) -> None:
    """`count` interrupted events in one transaction, quickly (not through the host)."""
    store = Store(path)
    store.db.execute("PRAGMA synchronous=OFF")
    row = (1_700_000_000_000, "interrupted", "chrome", 1, "https://example.org/" + "f" * 300)
    with store.transaction():
        store.db.executemany(
            "INSERT INTO events (at_ms, kind, browser, download_id, url, reason, category) "
            "VALUES (?, ?, ?, ?, ?, 'NETWORK_FAILED', 'NETWORK')",
            [row] * count,
        )
    store.close()


def test_export_streams_instead_of_loading_every_event(
    xdg: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exporting 20,000 events (about 10 MB of JSON) never holds more than a small part of
    them in memory: events are read and written in batches."""
    bulk_fill(db_path(xdg), 20_000)
    sink = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
    monkeypatch.setattr(sys, "stdout", sink)
    tracemalloc.start()
    try:
        status = main(["export"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sink.close()
    assert status == 0
    assert peak < 4_000_000, f"peak {peak:,} bytes"


# -- prune ------------------------------------------------------------------------------------


def test_prune_removes_old_ended_downloads_and_never_an_open_one(
    store: Store, capsys: pytest.CaptureFixture[str], xdg: dict[str, str]
) -> None:
    """--older-than 90d removes downloads that ended more than 90 days ago with all their
    events, and old events of no download (private windows); it keeps a download still
    open however old, and recent ones. --dry-run only counts."""
    now = now_ms()
    interrupt(store, now - 200 * DAY, "https://old.example/done")
    interrupt(store, now - 199 * DAY, "https://old.example/done")
    finish(store, now - 198 * DAY, "https://old.example/done")
    interrupt(store, now - 120 * DAY, "https://old.example/gone", "SERVER_FORBIDDEN", action="none")
    interrupt(store, now - 150 * DAY, "https://old.example/still-open")
    interrupt(store, now - 100 * DAY, "https://old.example/private", incognito=True)
    interrupt(store, now - 100 * DAY, "https://old.example/ended-late")
    finish(store, now - 10 * DAY, "https://old.example/ended-late")
    interrupt(store, now - 1 * DAY, "https://new.example/recent", "USER_CANCELED", action="none")
    before = store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    status, out, _ = cli(capsys, "prune", "--older-than", "90d", "--dry-run")
    assert status == 0 and out.startswith("Would remove 2 downloads that ended before ")
    assert out.rstrip().endswith("and 5 events in all.")
    assert store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == before

    status, out, _ = cli(capsys, "prune", "--older-than", "90d")
    assert status == 0 and out.startswith("Removed 2 downloads that ended before ")
    assert out.rstrip().endswith("and 5 events in all.")
    left = {r[0] for r in store.db.execute("SELECT url FROM events WHERE url IS NOT NULL")}
    assert left == {
        "https://old.example/still-open",
        "https://old.example/ended-late",
        "https://new.example/recent",
    }
    open_ = store.db.execute("SELECT COUNT(*) FROM episodes WHERE closed_ms IS NULL").fetchone()
    assert open_[0] == 1
    assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert cli(capsys, "prune", "--older-than", "90d")[1].startswith("Nothing to prune")


def test_prune_in_batches_removes_everything_due(store: Store) -> None:
    """Pruning works in small transactions; with batches smaller than the work, every old
    download and loose event still goes, and the counts add up."""
    now = now_ms()
    for i in range(7):
        interrupt(store, now - 100 * DAY, f"https://x.example/{i}", "FILE_FAILED", action="none")
        interrupt(store, now - 100 * DAY, f"https://x.example/p{i}", incognito=True)
    removed = store.prune(now - 90 * DAY, batch=2)
    assert (removed["episodes"], removed["events"]) == (7, 14)
    assert store.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


def test_prune_vacuum_gives_space_back(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--vacuum shrinks the file after removing rows."""
    path = db_path(xdg)
    store = Store(path)
    store.db.execute("PRAGMA synchronous=OFF")
    with store.transaction():
        for i in range(300):
            episode = store.open_episode(f"k{i}", 0)
            store.add_event(
                {"at_ms": 0, "kind": "interrupted", "episode_id": episode.id, "url": "u" * 2000}
            )
            store.close_episode(episode.id, "given_up", 0)
    store.close()
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    size = path.stat().st_size
    status, out, _ = cli(capsys, "prune", "--older-than", "1d", "--vacuum")
    assert status == 0 and out.startswith("Removed 300 downloads")
    assert path.stat().st_size < size / 4


# -- the installed command ---------------------------------------------------------------------


def test_installed_command_reads_what_the_host_wrote(xdg: dict[str, str]) -> None:
    """The installed `dlrescue` reads the history the real host wrote: JSON, table, export."""
    drive_host(xdg, interrupted(1), interrupted(2, "SERVER_NO_RANGE", url="https://s.example/f"))
    done = dlrescue("history", "--format", "json", "--category", "SERVER", env=xdg)
    assert done.returncode == 0, done.stderr
    (item,) = json.loads(done.stdout)
    assert item["reason"] == "SERVER_NO_RANGE" and item["action"] == "restart"
    table = dlrescue("history", env=xdg)
    assert table.returncode == 0 and table.stdout.startswith("WHEN (UTC)")
    assert all(text_width(line) <= 80 for line in table.stdout.splitlines())
    exported = dlrescue("export", "--format", "csv", env=xdg)
    assert exported.returncode == 0 and exported.stdout.count("\n") == 3


def test_installed_command_bad_value_is_status_2_and_one_line(xdg: dict[str, str]) -> None:
    """Through the installed command too, a bad value is one line on stderr and status 2."""
    done = dlrescue("history", "--since", "soon", env=xdg)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "--since 'soon'" in done.stderr


def test_export_into_a_closed_pipe_stops_quietly(xdg: dict[str, str]) -> None:
    """`dlrescue export | head -1` ends without a traceback when head stops reading."""
    bulk_fill(db_path(xdg), 5_000)
    command = shutil.which("dlrescue")
    assert command
    pipeline = subprocess.run(
        f"'{command}' export | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env={**os.environ, **xdg},
        timeout=60,
        check=False,
    )
    assert pipeline.stdout.count("\n") == 1
    assert "Traceback" not in pipeline.stderr and "Error" not in pipeline.stderr


# -- the popup's history message ----------------------------------------------------------------


def test_history_message_takes_the_new_filters(host: Host) -> None:
    """The popup can filter by domain (any case), outcome and until, as well as category,
    reason and since."""
    host.ask(interrupted(1, url="https://A.example/x"))
    host.ask(interrupted(2, "USER_CANCELED", url="https://b.example/y", id=5))
    by_domain = host.ask({"type": "history", "domain": "A.EXAMPLE"})
    assert [i["domain"] for i in by_domain["items"]] == ["a.example"]
    cancelled = host.ask({"type": "history", "outcome": "cancelled"})
    assert [i["reason"] for i in cancelled["items"]] == ["USER_CANCELED"]
    pending = host.ask({"type": "history", "outcome": "pending"})
    assert [i["reason"] for i in pending["items"]] == ["NETWORK_FAILED"]
    none_yet = host.ask({"type": "history", "until": "2000-01-01T00:00:00Z"})
    assert none_yet["ok"] is True and none_yet["items"] == []
    bad = host.ask({"type": "history", "outcome": "done", "rid": 9})
    assert bad["ok"] is False and bad["error"]["field"] == "outcome" and bad["rid"] == 9


def test_history_message_shrinks_a_reply_that_would_pass_1_mib(xdg: dict[str, str]) -> None:
    """500 items with long file names would be several MiB: the reply drops the oldest
    items, says truncated: true, and its frame stays within the browsers' 1 MiB."""
    long_name = "/home/u/Downloads/" + "n" * 6000 + ".bin"
    messages = [
        interrupted(i, id=i, url=f"https://example.org/{i}", filename=long_name) for i in range(500)
    ]
    messages.append({"type": "history", "rid": "h", "limit": 500})
    proc = run_host(b"".join(frame(m) for m in messages), env=xdg)
    body_sizes = []
    data = proc.stdout
    while data:
        size = int.from_bytes(data[:4], sys.byteorder)
        body_sizes.append(size)
        data = data[4 + size :]
    reply = unframe(proc.stdout)[-1]
    assert reply["rid"] == "h" and reply["truncated"] is True
    assert 0 < len(reply["items"]) < 500
    assert max(body_sizes) <= framing.MAX_FRAME
    ids = [i["download_id"] for i in reply["items"]]
    assert ids == list(range(499, 499 - len(ids), -1))


# -- help -------------------------------------------------------------------------------------


def test_every_command_and_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Each command answers --help with exit 0 and a description, and every option of
    history, stats, policy, export and prune says what it does."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in COMMANDS:
        assert cli(capsys, name, "--help")[0] == 0
        command = sub.choices[name]
        assert command.description
        if name in ("history", "stats", "policy", "export", "prune"):
            for action in command._actions:
                assert action.help, f"{name} {action.option_strings} has no help"

"""native_host.commands.history: `dlrescue history` on real files, filled by driving the real host
over pipes (what a browser does) or, where times must be chosen, through the Store's own write
methods (tests/historyfill.py)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from historyfill import DAY, finish, interrupt
from hostio import (
    CONTRACT_ITEM_KEYS,
    dlrescue,
    drive_host,
    history_file,
    interrupted,
    outcome,
    run_cli,
)

from native_host.report.cells import text_width
from native_host.store import HISTORY_FIELDS, Store, now_ms

pytestmark = pytest.mark.usefixtures("terminal")


CONTRACT_KEYS = set(CONTRACT_ITEM_KEYS)
HOUR = 3_600_000


def history_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    status, out, err = run_cli(capsys, "history", "--format", "json", *argv)
    assert status == 0, err
    items: list[dict[str, Any]] = json.loads(out)
    return items


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
    status, out, err = run_cli(capsys, "history")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert all(text_width(line) <= 80 for line in lines)
    assert "\x1b" not in out and "\u202e" not in out
    network = next(line for line in lines if "NETWORK_FAILED  resume 1/8" in line)
    assert "downloads.example.org…" in network and network.endswith(".iso")
    monkeypatch.setenv("COLUMNS", "300")  # room for the whole URL
    status, out, err = run_cli(capsys, "history")
    assert "evil.example/\\x1b[2Jx\\u202eexe.txt" in out
    assert "\x1b" not in out and "\u202e" not in out


def test_history_csv_has_the_contract_columns_and_reads_back(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--format csv writes a header and one record per item that csv readers parse back,
    a comma or quote in a URL included."""
    drive_host(xdg, interrupted(1, url='https://example.org/a,"b".iso', filename="/d/a,b.iso"))
    status, out, _ = run_cli(capsys, "history", "--format", "csv")
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
    status, out, _ = run_cli(capsys, "history")
    assert status == 0 and "NETWORK_FAILED: La connexion réseau a échoué" in out


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
    status, out, err = run_cli(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"dlrescue {argv[0]}: {flag} ")
    assert not history_file(xdg).exists()


# -- no history yet ---------------------------------------------------------------------------


def test_no_history_yet_is_an_empty_result_and_creates_nothing(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Before the host ever ran, every reading command succeeds with an empty result and
    leaves no file behind."""
    assert history_json(capsys) == []
    assert run_cli(capsys, "history") == (0, "No interruptions recorded.\n", "")
    status, out, _ = run_cli(capsys, "history", "--format", "csv")
    assert status == 0 and out == ",".join(HISTORY_FIELDS) + "\n"
    status, out, _ = run_cli(capsys, "stats", "--format", "json")
    assert status == 0 and json.loads(out)["interruptions"] == 0
    assert run_cli(capsys, "stats")[0] == 0
    assert run_cli(capsys, "export") == (0, "", "")
    assert run_cli(capsys, "prune", "--older-than", "90d") == (
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
    history_file(xdg).mkdir(parents=True)
    status, out, err = run_cli(capsys, "history")
    assert status == 1 and out == ""
    assert err.startswith("dlrescue history: ") and err.count("\n") == 1


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

"""native_host.commands.stats: `dlrescue stats` on real histories, the same numbers as the
popup's `stats` message (native_host.handlers.stats), as a table in English or French."""

from __future__ import annotations

import json
from typing import Any

import pytest
from historyfill import row
from hostio import Host, frame, interrupted, run_host

from native_host.cli import main
from native_host.report.cells import text_width


@pytest.fixture(autouse=True)
def columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are laid out for an 80-column terminal, in English."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")


# -- the command line and the popup ------------------------------------------------------------


def fill_through_host(xdg: dict[str, str]) -> None:
    messages: list[dict[str, Any]] = [
        interrupted(1, url="https://a.example/1"),
        {
            "type": "outcome",
            "download": {"id": 42, "url": "https://a.example/1", "state": "complete"},
        },
        interrupted(2, url="https://a.example/2", id=2),
        interrupted(3, "SERVER_FORBIDDEN", url="https://b.example/3", id=3),
        interrupted(4, "USER_CANCELED", url="https://c.example/4", id=4),
    ]
    proc = run_host(b"".join(frame(m) for m in messages), env=xdg)
    assert proc.returncode == 0


def test_stats_json_and_the_popup_message_report_the_same_numbers(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`dlrescue stats --format json` and the popup's stats reply agree; the popup's rows
    carry explanations in the port's language."""
    fill_through_host(xdg)
    assert main(["stats", "--format", "json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["interruptions"] == 4 and cli["episodes"] == 4 and cli["rescued"] == 1
    assert row(cli["by_category"], "category", "NETWORK")["rescue_share"] == 1.0
    assert [d["domain"] for d in cli["by_domain"]] == ["a.example", "b.example", "c.example"]

    host = Host(env=xdg)
    try:
        host.ask({"type": "hello", "lang": "fr"})
        reply = host.ask({"type": "stats", "rid": 5})
        since = host.ask({"type": "stats", "since": "2000-01-01T00:00:00Z"})
        future = host.ask({"type": "stats", "since": "2999-01-01"})
    finally:
        host.close()
    assert reply["ok"] is True and reply["rid"] == 5
    for key in ("interruptions", "episodes", "rescued", "rescue_share", "by_domain"):
        assert reply[key] == cli[key]
    network = row(reply["by_category"], "category", "NETWORK")
    assert network["explanation"].startswith("Un problème de réseau")
    assert row(reply["by_reason"], "reason", "SERVER_FORBIDDEN")["explanation"].startswith(
        "Le serveur a refusé"
    )
    assert since["interruptions"] == 4 and future["interruptions"] == 0


def test_stats_table_has_bars_and_fits_80_columns(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The table shows a summary, a bar per category, reason and domain, and fits 80
    columns; --since 1h still counts what the host just recorded."""
    fill_through_host(xdg)
    assert main(["stats", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Since ") and lines[1].startswith("4 interruptions in 4 downloads")
    assert "Retrying rescued 1 of 3 ended downloads (33%)" in out
    assert all(text_width(line) <= 80 for line in lines)
    network = next(line for line in lines if line.startswith("NETWORK "))
    user = next(line for line in lines if line.startswith("USER "))
    assert network.count("█") > user.count("█") > 0
    assert any(line.startswith("a.example ") and "█" in line for line in lines)


def test_stats_in_french_explains_categories_in_french(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--lang fr writes the category explanations under the tables in French."""
    fill_through_host(xdg)
    assert main(["stats", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "NETWORK: Un problème de réseau" in out

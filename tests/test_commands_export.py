"""native_host.commands.export: `dlrescue export` on real files: every event, streamed, and quiet
into a closed pipe."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hostio import drive_host, history_file, interrupted, outcome, run_cli

from native_host.cli import main
from native_host.store import EXPORT_FIELDS, Store

pytestmark = pytest.mark.usefixtures("terminal")


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
    status, out, _ = run_cli(capsys, "export")
    events = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and out.isascii()
    assert [e["kind"] for e in events] == ["interrupted", "outcome", "interrupted"]
    assert [tuple(e) for e in events] == [EXPORT_FIELDS] * 3
    assert events[1]["state"] == "complete" and events[0]["outcome"] == "complete"
    assert events[2]["url"] == "https://b.example/é"
    status, out, _ = run_cli(capsys, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["event_id"] for r in rows] == [str(e["event_id"]) for e in events]
    assert tuple(rows[0]) == EXPORT_FIELDS
    assert run_cli(capsys, "export", "--since", "2000-01-01")[1].count("\n") == 3
    assert run_cli(capsys, "export", "--until", "2000-01-01")[1] == ""


def test_export_streams_instead_of_loading_every_event(
    xdg: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exporting 20,000 events (about 10 MB of JSON) never holds more than a small part of
    them in memory: events are read and written in batches."""
    bulk_fill(history_file(xdg), 20_000)
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


def test_export_into_a_closed_pipe_stops_quietly(xdg: dict[str, str]) -> None:
    """`dlrescue export | head -1` ends without a traceback when head stops reading."""
    bulk_fill(history_file(xdg), 5_000)
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

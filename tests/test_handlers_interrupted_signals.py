"""native_host.handlers.interrupted over real pipes, issue 18: the real host decides with the HTTP
status and Retry-After, schedules a failing site's downloads behind one probe (state shared
through the history), and waits for room on a full disk (a real 2 MiB tmpfs when this user
may mount one)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostio import Host, interrupted

MIB = 1024 * 1024


def _ask(host: Host, rid: int, error: str = "NETWORK_FAILED", **fields: Any) -> dict[str, Any]:
    """An interruption whose top-level fields (http_status, ...) and download fields
    (url=, id=, ...) are given by name; its reply's decision."""
    top = {
        k: fields.pop(k)
        for k in ("http_status", "retry_after_ms", "net_error", "event_key")
        if k in fields
    }
    reply = host.ask({**interrupted(rid, error, **fields), **top})
    assert reply["ok"] is True, reply
    decision: dict[str, Any] = reply["decision"]
    return decision


def _sites(xdg: dict[str, str]) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3")
    try:
        return db.execute("SELECT domain, failures FROM sites ORDER BY domain").fetchall()
    finally:
        db.close()


# A full disk -------------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (as root); skipped only when this user may not mount one."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        (folder / "Downloads").mkdir()
        yield folder / "Downloads"
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_503_with_retry_after_resumes_after_what_the_server_asked(host: Host) -> None:
    """503 + retry_after_ms 15000: resume after 15 s, the status echoed and explained."""
    decision = _ask(host, 1, "SERVER_FAILED", http_status=503, retry_after_ms=15_000)
    assert (decision["action"], decision["delay_ms"]) == ("resume", 15_000)
    assert decision["http_status"] == 503 and "HTTP 503" in decision["explanation"]
    assert "wait" not in decision and "bytes_needed" not in decision


def test_a_401_is_left_with_a_notification_to_sign_in(host: Host) -> None:
    """401: none + notify, "sign in on the site, then retry"; in Firefox too, where
    SERVER_FAILED would otherwise restart."""
    for rid, browser in ((1, "chrome"), (2, "firefox")):
        reply = host.ask(
            {
                **interrupted(rid, "SERVER_FAILED", url=f"https://{browser}.example/f"),
                "browser": browser,
                "http_status": 401,
                "net_error": "net::ERR_HTTP_RESPONSE_CODE_FAILURE",
            }
        )
        decision = reply["decision"]
        assert (decision["action"], decision["notify"]) == ("none", True), decision
        assert "Sign in on the site, then retry" in decision["explanation"]


def test_a_request_without_the_new_fields_is_decided_as_before(host: Host) -> None:
    """No http_status: no http_status in the decision, no status text."""
    decision = _ask(host, 1, "SERVER_FAILED")
    assert "http_status" not in decision and decision["delay_ms"] >= 5_000


def test_firefox_entity_changed_restarts_instead_of_leaving_an_expired_link(host: Host) -> None:
    """Firefox fails every resume of a download whose first answer had no Content-Length with
    NS_ERROR_ENTITY_CHANGED (its 206 names a total size, so "another file"), at once, with
    no bytes. Without the error's name that looks like an expired link (no progress while
    the server answers: left, and still so without the error); with it, the download is
    started again from the beginning, "since the browser cannot continue it"."""

    def ask(rid: int, url: str, received: int, **top: Any) -> dict[str, Any]:
        message = {
            **interrupted(rid, url=url, bytesReceived=received),
            "browser": "firefox",
            "reachable": True,
            **top,
        }
        reply = host.ask(message)
        assert reply["ok"] is True, reply
        decision: dict[str, Any] = reply["decision"]
        return decision

    stuck, changed = "https://files.example/stuck.bin", "https://files.example/changed.bin"
    assert ask(1, stuck, 65_536)["action"] == "resume"
    assert ask(2, stuck, 0, http_status=206)["action"] == "resume"
    left = ask(3, stuck, 0, http_status=206)
    assert (left["action"], left["notify"]) == ("none", True), left
    assert ask(4, changed, 65_536)["action"] == "resume"
    for rid in (5, 6):
        decision = ask(rid, changed, 0, http_status=206, net_error="NS_ERROR_ENTITY_CHANGED")
        assert decision["action"] == "restart", decision
        assert "since the browser cannot continue it" in decision["explanation"], decision


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("http_status", 99),
        ("http_status", 600),
        ("http_status", True),
        ("http_status", "503"),
        ("retry_after_ms", -1),
        ("retry_after_ms", 86_400_001),
        ("retry_after_ms", 1.5),
        ("net_error", "x" * 129),
        ("net_error", 7),
    ],
)
def test_bad_new_fields_are_refused_naming_the_field(host: Host, field: str, value: Any) -> None:
    """Strict types and ranges: a bad value is invalid_message naming its field, and
    nothing is recorded."""
    reply = host.ask({**interrupted(1), field: value})
    assert reply["ok"] is False
    assert (reply["error"]["code"], reply["error"]["field"]) == ("invalid_message", field)
    assert host.ask({"type": "history", "rid": 2})["items"] == []


def test_downloads_cut_together_after_a_good_start_follow_one_probe(
    host: Host, xdg: dict[str, str]
) -> None:
    """Eight downloads of one domain cut at once after each got bytes (a site that went down
    mid-transfer): their progress ends the site's failures, yet they still share one
    schedule: the first is the probe, the other seven wait for it (the state is kept with no
    failure counted, so the next host call sees it)."""
    decisions = [
        _ask(host, i + 1, url=f"https://cut.example/f{i}", id=i + 1, bytesReceived=16_384)
        for i in range(8)
    ]
    assert "wait" not in decisions[0]
    assert [d.get("wait") for d in decisions[1:]] == ["site"] * 7, decisions
    assert ("cut.example", 0) in _sites(xdg)


def test_three_failures_of_one_site_one_probe_then_a_success_resets(
    host: Host, xdg: dict[str, str]
) -> None:
    """Three downloads of one domain fail within the window: the first is decided as usual,
    the next two wait for the site (`wait: "site"`, after the probe's slot) and are not the
    site's failures (only the probe's counts). An outcome
    in_progress of the domain resets it: the next failure is decided as usual. The state
    is in the history, so another host (another browser) sees it."""
    first = _ask(host, 1, url="https://cdn.example/a", id=1)
    waits = [
        _ask(host, 2 + i, url=f"https://cdn.example/{n}", id=2 + i) for i, n in enumerate("bc")
    ]
    assert "wait" not in first and first["delay_ms"] == 2_000
    for decision in waits:
        assert decision["wait"] == "site" and decision["action"] == "resume"
        assert 2_000 < decision["delay_ms"] <= first["delay_ms"] + 2_000
        assert decision["notify"] is False
    assert _ask(host, 9, url="https://elsewhere.example/x", id=9).get("wait") is None
    assert ("cdn.example", 1) in _sites(xdg)
    stats = host.ask({"type": "stats", "rid": 10})
    row = next(r for r in stats["by_domain"] if r["domain"] == "cdn.example")
    assert (row["failures"], row["paused_until"]) == (1, None)

    with Host(env=xdg) as other:  # another browser's host shares the schedule
        assert _ask(other, 1, url="https://cdn.example/d", id=4)["wait"] == "site"
        outcome = {
            "type": "outcome",
            "rid": 2,
            "download": {"id": 1, "url": "https://cdn.example/a", "state": "in_progress"},
        }
        assert other.ask(outcome)["ok"] is True
        other.close()
    assert all(d != "cdn.example" for d, _ in _sites(xdg))
    assert "wait" not in _ask(host, 11, url="https://cdn.example/e", id=5)


def test_a_site_failing_pause_after_times_is_paused_with_one_notification(
    xdg: dict[str, str],
) -> None:
    """With [sites."*"] pause_after = 3: the site's probe failing the third time in a row
    pauses the site for pause_ms with notify true and `wait: "site"` (the pause counts from
    the host's decision, as the host keeps it, not from the interruption); another
    download's failure then waits for the pause, without notifying."""
    config = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    config.mkdir(parents=True)
    (config / "policy.toml").write_text('[sites."*"]\npause_after = 3\npause_ms = 60000\n')
    with Host(env=xdg) as host:
        decisions = [_ask(host, i, url="https://down.example/probe", id=1) for i in range(3)]
        decisions.append(_ask(host, 3, url="https://down.example/other", id=2))
        host.close()
    paused, during = decisions[2], decisions[3]
    assert (paused["delay_ms"], paused["notify"], paused["wait"]) == (60_000, True, "site")
    assert "pauses them for 1 min" in paused["explanation"]
    assert (during["wait"], during["notify"]) == ("site", False)
    assert during["delay_ms"] > 60_000 - 1_000


def test_an_incognito_sites_failures_stay_in_memory(host: Host, xdg: dict[str, str]) -> None:
    """Private downloads share their site's schedule within the port, and nothing of the
    domain reaches the history."""
    first = _ask(host, 1, url="https://private.example/a", id=1, incognito=True)
    second = _ask(host, 2, url="https://private.example/b", id=2, incognito=True)
    assert "wait" not in first and second["wait"] == "site"
    assert _sites(xdg) == []


def test_a_replayed_event_gets_its_wait_back(host: Host) -> None:
    """An interruption sent again under its event_key gets the same decision, `wait` and
    http_status included, and is not counted again."""
    _ask(host, 1, url="https://replay.example/a", id=1)
    waiting = _ask(host, 2, url="https://replay.example/b", id=2, event_key="k-b", http_status=502)
    assert waiting["wait"] == "site" and waiting["http_status"] == 502
    assert _ask(host, 3, url="https://replay.example/b", id=2, event_key="k-b") == waiting


def test_no_space_on_a_tiny_disk_waits_for_room_then_restarts(host: Host, tiny_disk: Path) -> None:
    """Chrome's FILE_NO_SPACE with 10 MiB missing on a 2 MiB disk: restart (Chrome continues
    a download cut by a full disk only through a Save As dialog) with wait space,
    bytes_needed = missing + 1 MiB - free, notify, "Free ... on the disk that holds
    Downloads"; `space` says not enough. A download that fits is restarted at once."""
    name = str(tiny_disk / "big.iso")
    free = shutil.disk_usage(tiny_disk).free
    decision = _ask(host, 1, "FILE_NO_SPACE", filename=name, totalBytes=10 * MIB, bytesReceived=0)
    assert (decision["action"], decision["wait"], decision["notify"]) == ("restart", "space", True)
    assert decision["bytes_needed"] == 11 * MIB - free
    assert "on the disk that holds Downloads" in decision["explanation"]
    reply = host.ask({"type": "space", "rid": 2, "path": name, "needed": 11 * MIB})
    assert (reply["free"], reply["enough"]) == (free, False)
    small = _ask(
        host,
        3,
        "FILE_NO_SPACE",
        url="https://example.org/small",
        filename=str(tiny_disk / "small.bin"),
        totalBytes=256 * 1024,
        bytesReceived=0,
    )
    assert small["action"] == "restart" and "wait" not in small and small["notify"] is False


def test_no_space_against_a_need_larger_than_any_disk(host: Host, tmp_path: Path) -> None:
    """Without a tmpfs: a download missing more bytes than the disk holds waits for space;
    Firefox's FILE_FAILED does too, and with room Firefox's FILE_FAILED is left as before."""
    name = str(tmp_path / "Downloads" / "huge.iso")
    total = shutil.disk_usage(tmp_path).total
    decision = _ask(host, 1, "FILE_NO_SPACE", filename=name, totalBytes=total * 4, bytesReceived=0)
    assert decision["wait"] == "space" and decision["bytes_needed"] > total
    ff = host.ask(
        {
            **interrupted(
                2, "FILE_FAILED", url="https://example.org/ff", filename=name, totalBytes=total * 4
            ),
            "browser": "firefox",
        }
    )["decision"]
    assert (ff["action"], ff["wait"]) == ("resume", "space")
    roomy = host.ask(
        {
            **interrupted(
                3, "FILE_FAILED", url="https://example.org/ok", filename=name, totalBytes=10
            ),
            "browser": "firefox",
        }
    )["decision"]
    assert roomy["action"] == "none" and "wait" not in roomy
    assert os.path.isdir(tmp_path) and not os.path.exists(name)  # nothing written there

"""The scenarios of bench/rescue.py as data: what the server does, how the download starts,
how long it may take; and the observer extension that stands in for dlrescue in the bare
browser.

Every file is 4 MiB unless a scenario says otherwise. A body that is cut trickles first
(64 KiB every 50 ms, about 1.3 MB/s, on its first request only): Firefox reports a clean
NETWORK_FAILED only for a body that ran a moment before the cut; one cut at once can stay
`in_progress` for ever (docs/BROWSERS.md, "Seen in real runs"). Both browsers and both
modes get the same server behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
FOUR_MB = 4 * MIB

#: The first body trickles, so that its cut is a clean interruption in Firefox.
TRICKLE_FIRST: Mapping[str, Any] = {
    "trickle_chunk": 64 * 1024,
    "trickle_interval": 0.05,
    "trickle_times": 1,
}

#: A flaky mirror (as FLAKY in tests/e2e/test_keep_partial.py): the body is dropped every
#: 380 KiB at about 800 KB/s, so a 4 MiB file is cut ten times.
FLAKY: Mapping[str, Any] = {
    "cut_times": 10,
    "cut_bytes": 380 * 1024,
    "trickle_chunk": 32 * 1024,
    "trickle_interval": 0.04,
}


@dataclass(frozen=True)
class Scenario:
    """One way a server misbehaves, and how the bench drives it."""

    id: str
    #: One line for the notes under the tables.
    what: str
    #: Keyword arguments of tests/e2e/server.py's Behaviour (`size` defaults to 4 MiB).
    behaviour: Mapping[str, Any] = field(default_factory=dict)
    #: Seconds after the download's start (after the restart, for `kill_after`) at which
    #: the download counts "not completed", in whatever state it is.
    deadline: float = 60.0
    #: How Firefox asks for it: "page" (a page clicks a download link, as a user does) or
    #: "extension" (downloads.download from an extension page: a page navigation to an
    #: error status makes no download in Firefox). Chromium always uses the page.
    firefox_via: str = "page"
    #: Downloads at once, each on its own loopback address (127.0.0.2, ...).
    count: int = 1
    #: Hold every cut body before its first byte until all `count` were asked for.
    gate: bool = False
    #: After the first cut, every address refuses connections for this many seconds.
    outage: float | None = None
    #: dlrescue's stall time (the extension's setting stallSeconds) for this scenario.
    stall_seconds: int | None = None
    #: SIGKILL the browser 2 s after the server sent this many bytes, then start it again.
    kill_after: int | None = None
    #: A browser launch of its own (it is killed, or must be quiet).
    own_browser: bool = False
    #: Every download from one address (127.0.0.1), not each from its own; the gate then
    #: holds the first PER_HOST only (the others wait for a connection in the browser), and
    #: both browsers start them with downloads.download (a click page would wait too).
    one_host: bool = False
    #: Measured a third time, with dlrescue and the user's consent to read the server's
    #: answers (the optional permission webRequest; tests/e2e/consent.py gives it).
    consent: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "cut-once",
        "body cut once at 50%, Range honoured",
        {"cut_times": 1, **TRICKLE_FIRST},
    ),
    Scenario("cut-10", "body cut ten times, every 380 KiB (a flaky mirror)", FLAKY),
    Scenario(
        "outage-20s",
        "body cut at 1 MiB, then every connection refused for 20 s",
        {"cut_times": 1, "cut_bytes": MIB, **TRICKLE_FIRST},
        outage=20.0,
    ),
    Scenario(
        "503x3",
        "the first three requests (a HEAD probe counts) answered 503, then served",
        {"statuses": [503, 503, 503]},
        deadline=150.0,  # the default policy waits 5 s, up to 15 s, then up to 45 s
        firefox_via="extension",
    ),
    Scenario(
        "range-ignored-cut",
        "Range ignored (200 with the whole body), the first body cut at 50%",
        {"cut_times": 1, "range_mode": "ignore", **TRICKLE_FIRST},
    ),
    Scenario(
        "416",
        "Range answered 416, the first body cut at 50%",
        {"cut_times": 1, "range_mode": "416", **TRICKLE_FIRST},
    ),
    Scenario("403", "403 to every request", {"status_always": 403}, firefox_via="extension"),
    Scenario("404", "404 to every request", {"status_always": 404}, firefox_via="extension"),
    Scenario(
        "stall-90s",
        "1 MiB, then 90 s of silence with the connection open, and again",
        {"trickle_chunk": MIB, "trickle_interval": 90, "trickle_times": 1},
        deadline=100.0,
        stall_seconds=20,
        own_browser=True,
    ),
    Scenario(
        "twenty-cut",
        "twenty downloads, each body cut at 1 MiB at the same moment",
        {"cut_times": 1, "cut_bytes": MIB, **TRICKLE_FIRST},
        deadline=90.0,  # past dlrescue's default stall time (60 s): a retry can hang
        count=20,
        gate=True,
        own_browser=True,
    ),
    Scenario(
        "browser-killed",
        "browser SIGKILLed 2 s after 1 MiB of a slow download (320 KiB/s), then started again",
        {"trickle_chunk": 32 * 1024, "trickle_interval": 0.1, "trickle_times": 1},
        kill_after=MIB,
        own_browser=True,
    ),
)

#: What the server says and a site that is down (issue 18): not in the default run, asked for
#: by id (bench/RESULTS.md, "Retry-After and a site that is down").
SIGNAL_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "retry-after-503",
        "the first request answered 503 with Retry-After: 15, then served",
        {"statuses": [503], "retry_after": 15},
        firefox_via="extension",
        consent=True,
    ),
    Scenario(
        "retry-after-429",
        "the first request answered 429 with Retry-After: 15, then served",
        {"statuses": [429], "retry_after": 15},
        firefox_via="extension",
        consent=True,
    ),
    Scenario(
        "twenty-outage",
        "twenty 128 KiB downloads from one host (chunked, no Content-Length), each body cut "
        "at half the first time; the first cut (six at once) takes the host down for 20 s",
        {
            "size": 128 * 1024,
            "cut_times": 1,
            "chunked": True,
            "trickle_times": 1,
            "trickle_chunk": 16 * 1024,
            "trickle_interval": 0.1,
        },
        deadline=90.0,
        firefox_via="extension",
        count=20,
        gate=True,
        outage=20.0,
        own_browser=True,
        one_host=True,
        consent=True,
    ),
)

ALL_SCENARIOS = SCENARIOS + SIGNAL_SCENARIOS
BY_ID: Mapping[str, Scenario] = {s.id: s for s in ALL_SCENARIOS}

#: A browser opens this many connections to one host at once.
PER_HOST = 6

#: What --quick runs: one scenario of each kind of outcome, none longer than a minute.
QUICK = ("cut-once", "cut-10", "403")


def write_observer(folder: Path, product_manifest: Path) -> Path:
    """Write the bare browser's extension into `folder` and return it: manifest v3 with
    only the `downloads` permission and a blank popup page (the bench evaluates
    `downloads.search` and `downloads.download` there). No background script: nothing
    watches or rescues. It has dlrescue's Gecko id, under which the Firefox launcher
    registers the extension's fixed page address."""
    gecko = json.loads(product_manifest.read_text())["browser_specific_settings"]["gecko"]
    manifest = {
        "manifest_version": 3,
        "name": "dlrescue bench observer",
        "version": "1.0",
        "permissions": ["downloads"],
        "action": {"default_popup": "blank.html"},
        "browser_specific_settings": {"gecko": gecko},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (folder / "blank.html").write_text(
        "<!doctype html><meta charset=utf-8><title>observer</title>\n"
    )
    return folder

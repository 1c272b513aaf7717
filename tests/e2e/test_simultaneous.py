"""Scenario 6 of issue 6: twenty downloads cut at once, all decided and recorded."""

from __future__ import annotations

import threading
import time

from .browsers import wait_for
from .rig import Rig
from .server import Behaviour

MANY = 20


def test_twenty_downloads_cut_at_once_are_all_decided_and_recorded(rig: Rig) -> None:
    """Scenario 6: twenty downloads are cut at the same moment; every one of them is
    recorded exactly once (no event lost, none doubled), decided `resume`, resumed, and
    completes byte-identical.

    In Chromium the cut is a chunked body ended short (NETWORK_FAILED; a cut with a
    Content-Length would be resumed by Chromium itself). Chromium's service worker has been
    seen dying silently when several downloads fail together; the extension must reconcile
    on every start: here Chromium's worker is stopped right after the cuts, in the middle of
    handling them, and woken by opening the popup. Firefox: trickled bodies cut half way."""
    paths = [rig.path(f"s6-many-{i:02d}.bin") for i in range(MANY)]
    gate = threading.Barrier(MANY)  # no body is sent before all twenty were asked for
    for p in paths:
        if rig.name == "chromium":
            b = Behaviour(size=128 * 1024, cut_times=1, chunked=True, gate=gate)
        else:
            # Twenty trickles at once on a loaded 2-core machine: trickle longer (1.6 s), or
            # Firefox may not have set a download up before the cut and keeps it
            # in_progress for ever (docs/BROWSERS.md, "Seen in real runs").
            b = Behaviour(
                size=256 * 1024,
                cut_times=1,
                trickle_times=1,
                gate=gate,
                trickle_chunk=16 * 1024,
                trickle_interval=0.2,
            )
        rig.server.add(p, b)
    urls = rig.download(*paths, spread=True)
    if rig.name == "chromium":
        # Make the silent death certain: stop the service worker the moment the twenty cuts
        # have happened, in the middle of its handling them; then open the popup, as a user
        # would, which starts the worker again. Its start-up reconciliation must find every
        # interruption it did not get to.
        wait_for(
            "the twenty cuts",
            lambda: all(rig.server.requests(p) and rig.server.requests(p)[0].cut for p in paths),
            30,
            interval=0.05,
        )
        rig.browser.stop_service_workers()  # type: ignore[attr-defined]
        time.sleep(0.5)
        rig.browser.open(rig.browser.extension_url(rig.browser.blank_extension_page()))

    def all_closed() -> bool:
        by_url: dict[str, list[dict[str, object]]] = {}
        for h in rig.history():
            by_url.setdefault(str(h["url"]), []).append(h)
        return all(by_url.get(u) and by_url[u][-1]["outcome"] == "complete" for u in urls)

    try:
        wait_for("twenty episodes to close complete", all_closed, 120, interval=0.5)
    except TimeoutError as e:
        stuck = [u for u in urls if not [h for h in rig.history(u) if h["outcome"] == "complete"]]
        raise AssertionError(
            f"{e}; {len(stuck)} not complete, first:\n{rig.explain(stuck[0])}"
        ) from None
    doubled = []
    for url, path in zip(urls, paths, strict=True):
        hist = rig.history(url)
        # None lost: each interruption recorded, as NETWORK_FAILED, and decided resume.
        assert hist and {(h["reason"], h["action"]) for h in hist} == {
            ("NETWORK_FAILED", "resume")
        }, rig.explain(url, hist)
        (item,) = rig.items(url)
        assert item["state"] == "complete", rig.explain(url, hist)
        assert rig.file_on_disk(item) == rig.server.body(path), f"{item['filename']} differs"
        assert rig.server.count(path) == 2, rig.explain(url, hist)
        if len(hist) > 1:
            doubled.append((url, [h["attempt"] for h in hist]))
    # None doubled: when the worker is stopped after the host recorded an event but before
    # the extension stored the reply, the event is sent again with the same event_key and
    # the host answers it from the first record instead of recording it twice.
    assert not doubled, f"{len(doubled)} of {MANY} interruptions recorded twice: {doubled}"

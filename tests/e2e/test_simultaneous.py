"""Scenario 6 of issue 6: twenty downloads cut at once, all decided and recorded."""

from __future__ import annotations

import threading

from .browsers import wait_for
from .conftest import Rig
from .server import Behaviour
from .test_rescue import FIREFOX_CUT

MANY = 20


def test_twenty_downloads_cut_at_once_are_all_decided_and_recorded(rig: Rig) -> None:
    """Scenario 6: twenty downloads are cut at the same moment; every one of them is
    recorded exactly once (no event lost, none doubled), decided `resume`, resumed, and
    completes byte-identical.

    In Chromium the cut is a chunked body ended short (NETWORK_FAILED; a cut with a
    Content-Length would be resumed by Chromium itself). Chromium's service worker has been
    seen dying silently when several downloads fail together; the extension must reconcile
    on every start, and this is where that shows. Firefox: trickled bodies cut half way."""
    paths = [rig.path(f"s6-many-{i:02d}.bin") for i in range(MANY)]
    gate = threading.Barrier(MANY)  # no body is sent before all twenty were asked for
    for p in paths:
        if rig.name == "chromium":
            b = Behaviour(size=128 * 1024, cut_times=1, chunked=True, gate=gate)
        else:
            b = Behaviour(size=128 * 1024, cut_times=1, trickle_times=1, gate=gate, **FIREFOX_CUT)
        rig.server.add(p, b)
    urls = rig.download(*paths, spread=True)

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
    starts = [ln for ln in rig.extension_log() if "background started" in ln]
    print(f"{rig.name}: the extension's background started {len(starts)} time(s) so far")
    for url, path in zip(urls, paths, strict=True):
        hist = rig.history(url)
        assert [(h["reason"], h["action"]) for h in hist] == [("NETWORK_FAILED", "resume")], (
            rig.explain(url, hist)
        )
        (item,) = rig.items(url)
        assert item["state"] == "complete", rig.explain(url, hist)
        assert rig.file_on_disk(item) == rig.server.body(path), f"{item['filename']} differs"
        assert rig.server.count(path) == 2, rig.explain(url, hist)

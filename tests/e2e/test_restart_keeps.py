"""Issue 16: a restart keeps the name the download was given, and leaves one file behind.

The server names the file in Content-Disposition (not the URL's last segment) and answers
every Range request with 416, so the host decides `restart`: Chromium reports
SERVER_NO_RANGE (body cut on the full requests too, so its own restarts fail); Firefox
(the download started by the extension) reports the cut as NETWORK_FAILED, resumes, meets
the 416 as SERVER_FAILED, then restarts. In Firefox a resumable item keeps an empty
placeholder under its name: without discarding it first the restart became "name(1).bin".

Asserted: the final file has the name the first download got, it is the only file in the
downloads folder (no "name (1).bin" copy, no .crdownload/.part left), no interrupted item
is left in `downloads.search`, and the bytes are the server's.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .browsers import wait_for
from .rig import Rig
from .server import Behaviour
from .test_rescue import FIREFOX_CUT, closed


def files_in(folder: Any) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


#: Chromium forgets a name the requester chose at its own silent resumes (SERVER_NO_RANGE
#: comes after them): the interrupted item already carries the server's name, so that case
#: is Firefox's only.
@pytest.mark.parametrize(
    ("rig", "named_by"),
    [("chromium", "server"), ("firefox", "server"), ("firefox", "requester")],
    indirect=["rig"],
)
def test_restart_keeps_the_chosen_name_and_leaves_one_file(rig: Rig, named_by: str) -> None:
    """A restarted download completes under the name the first one got, the dead download
    is erased and its partial file removed: one file, the server's bytes.

    `server`: the name comes from Content-Disposition (the restart would get it again).
    `requester`: the first download was asked for under a name the server never sends
    (`downloads.download({filename})`, as a Save As would), which only the restart's
    `filename` can keep."""
    path = rig.path(f"rk-url-segment-{named_by}.bin")
    chosen = f"rk-chosen-by-{named_by}-{rig.name}.bin"
    served = chosen if named_by == "server" else f"rk-served-{rig.name}.bin"
    if rig.name == "chromium":
        rig.server.add(path, Behaviour(cut_times=6, range_mode="416", filename=served))
    else:
        cut = Behaviour(cut_times=1, range_mode="416", filename=served)
        cut.trickle_chunk = int(FIREFOX_CUT["trickle_chunk"])
        cut.trickle_interval = float(FIREFOX_CUT["trickle_interval"])
        rig.server.add(path, cut)
    folder = rig.home.downloads
    before = set(files_in(folder))
    if named_by == "server":
        # Firefox: a download the extension started meets the 416 as SERVER_FAILED (decided
        # restart); one a page started reports NETWORK_FAILED with no progress, now left alone
        (url,) = rig.download(path, via="page" if rig.name == "chromium" else "extension")
    else:
        url = rig.server.url(path)
        options = json.dumps({"url": url, "filename": chosen})
        rig.browser.ext_eval(f"{rig.browser.api()}.downloads.download({options})")

    hist = rig.wait_history(url, closed("complete"), 40, "the episode to close complete")
    assert "restart" in [h["action"] for h in hist], rig.explain(url, hist)

    def settled() -> list[dict[str, Any]] | None:
        items = rig.items(url)
        return items if len(items) == 1 and items[0]["state"] == "complete" else None

    try:
        (item,) = wait_for("the dead download to be erased", settled, 15, interval=0.3)
    except TimeoutError as e:
        raise AssertionError(f"{e}\n{rig.explain(url, hist)}") from None
    # Firefox's downloads.download() names the file from the URL, never Content-Disposition:
    # the name the first download got is the URL's last segment there
    expected = path.rsplit("/", 1)[1] if (rig.name, named_by) == ("firefox", "server") else chosen
    assert item["filename"].endswith("/" + expected), (
        f"{item['filename']}\n{rig.explain(url, hist)}"
    )
    time.sleep(1.0)  # let a late copy or a leftover partial file show itself
    new_files = sorted(set(files_in(folder)) - before)
    assert new_files == [expected], f"{new_files}\n{rig.explain(url, hist)}"
    assert rig.file_on_disk(item) == rig.server.body(path), "the bytes differ from the server's"
    interrupted = [
        i for i in rig.browser.downloads() if i["state"] == "interrupted" and i["url"] == url
    ]
    assert not interrupted, f"interrupted items left: {interrupted}"

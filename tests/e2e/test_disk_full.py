"""Issue 18 in real browsers: a full disk is waited out. The browser's download folder is a
small tmpfs (mounted over it before the browser starts, unmounted after, even on failure;
CI runs as root and fails rather than skips when it cannot mount): a filler file leaves
less room than the download needs, the browser reports the full disk (Chromium
FILE_NO_SPACE, Firefox FILE_FAILED), the host decides "wait for space", the test deletes the
filler, and the extension (asking the host every 15 s) acts: the file completes
byte-identical.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .rig import Rig, unavailable
from .server import Behaviour
from .test_rescue import assert_complete_and_identical, closed

MIB = 1024 * 1024
DISK = 4 * MIB
SIZE = 2 * MIB
#: What the filler leaves free: part of the download, not all of it.
ROOM = 512 * 1024


@pytest.fixture
def tiny_downloads(fresh_rig_factory: Callable[..., Rig]) -> Iterator[Rig]:
    """A browser whose download folder is a 4 MiB tmpfs."""
    rig = fresh_rig_factory()
    folder = rig.home.downloads
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        unavailable(f"cannot mount a tmpfs on {folder}: {done.stderr.strip() or done.returncode}")
    try:
        rig.browser.start()
        yield rig
    finally:
        rig.browser.kill()
        subprocess.run(["umount", "-l", str(folder)], check=False)


#: What each browser reports for the full disk, and what the host decides (docs/BROWSERS.md,
#: "Seen in real runs").
FULL_DISK = {"chromium": ("FILE_NO_SPACE", "restart"), "firefox": ("FILE_FAILED", "restart")}


@pytest.mark.parametrize("fresh_rig_factory", ["chromium", "firefox"], indirect=True)
def test_a_full_disk_waits_for_room_then_completes(tiny_downloads: Rig) -> None:
    """A 2 MiB download into a folder with 512 KiB free: Firefox reports FILE_FAILED (and
    canResume false: it threw the partial file away), Chromium FILE_NO_SPACE (which it would
    continue only through a Save As dialog), the host sees the disk short of room
    and decides to start again once there is room, with a notification that says how much
    to free; nothing is fetched while the disk is full; once the filler is deleted the
    download starts again and completes byte-identical, the server having sent the file
    at most twice."""
    rig = tiny_downloads
    folder = rig.home.downloads
    filler = folder / "filler.bin"
    filler.write_bytes(b"\0" * (shutil.disk_usage(folder).free - ROOM))
    path = rig.path("d1-full-disk.bin")
    rig.server.add(path, Behaviour(size=SIZE))
    (url,) = rig.download(path, via="extension")
    hist = rig.wait_history(url, bool, 30, "the full disk to be recorded")
    assert (hist[0]["reason"], hist[0]["action"]) == FULL_DISK[rig.name], rig.explain(url)
    assert hist[0]["delay_ms"] == 15_000 and hist[0]["notify"] is True, rig.explain(url, hist)
    shown = rig.notifications()
    assert any(k.startswith("dlrescue:space:") for k in shown), shown
    time.sleep(20)  # past a space check: the disk is still full, nothing is fetched
    assert len(rig.server.requests(path)) == 1, rig.server.describe(path)
    filler.unlink()
    rig.wait_history(url, closed("complete"), 60, "the episode to close complete")
    item = assert_complete_and_identical(rig, url, path)
    assert rig.server.sent(path) <= 2 * SIZE, rig.server.describe(path)
    # One file: the partial of the first attempt did not stay behind (.crdownload, .part).
    assert [p.name for p in folder.iterdir()] == [Path(item["filename"]).name], rig.explain(url)

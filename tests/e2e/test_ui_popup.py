"""Scenario 8 of issue 6: the popup shows the recorded history (runs after the other
scenarios of its browser, so the screenshot shows their history too)."""

from __future__ import annotations

import os
from pathlib import Path

from native_host import __version__

from .browsers import wait_for
from .rig import ARTIFACTS, POPUP_WIDTH, Rig
from .server import Behaviour


def test_popup_shows_the_recorded_history(rig: Rig) -> None:
    """Scenario 8: the popup page, opened in the browser, shows the history the host
    recorded (it asks the host through the extension): the newest events by file name and
    reason, and the connected host's version; a screenshot is saved under
    tests/e2e/artifacts/popup-<browser>.png and its path printed."""
    path = rig.path("s8-popup-forbidden.bin")
    rig.server.add(path, Behaviour(status_always=403))
    (url,) = rig.download(path, via="page" if rig.name == "chromium" else "extension")
    rig.wait_history(url, lambda h: bool(h), 20, "the 403 to be recorded")
    recorded = rig.history()

    page = rig.browser.extension_url(rig.browser.blank_extension_page())
    tab = rig.browser.open(page)
    name = os.path.basename(path)

    def shown() -> str | None:
        text = str(rig.browser.eval_in(tab, "document.body ? document.body.innerText : ''"))
        return (
            text if name in text and "SERVER_FORBIDDEN" in text.upper().replace(" ", "_") else None
        )

    try:
        text = wait_for("the popup to list the recorded 403", shown, 15)
    except TimeoutError as e:
        text = rig.browser.eval_in(tab, "document.body ? document.body.innerText : ''")
        raise AssertionError(f"{e}\npopup text:\n{text}\n{rig.explain(url)}") from None
    assert __version__ in text, f"the popup does not show the connected host's version:\n{text}"
    # The five newest events are listed, not only the last one.
    names = {os.path.basename(str(h["filename"] or h["url"])) for h in recorded[-5:]}
    missing = [n for n in names if n not in text]
    assert not missing, f"the popup omits {missing}:\n{text}"
    shot = rig.browser.screenshot(
        tab, ARTIFACTS / f"popup-{rig.name}.png", width=POPUP_WIDTH, height=0
    )
    print(f"popup screenshot ({rig.name}): {shot}")
    assert shot.stat().st_size > 1000
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rig.browser.close_tab(tab)

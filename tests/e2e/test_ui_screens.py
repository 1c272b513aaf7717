"""Issue 19: the popup and the settings page as people see them, in Chromium and Firefox,
in English and French, with a history (a download rescued after a cut, one left on a 403,
one waiting ten minutes for a 503). PNGs are saved in tests/e2e/artifacts/ (CI's artifacts):
popup-<browser>-<lang>.png, popup-<browser>-<lang>-dark.png (prefers-color-scheme: dark)
and settings-<browser>-<lang>.png. The popup must say what dlrescue did, one row per
download with its state in words, in the browser's language, within the popup's width."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .browsers import wait_for
from .rig import ARTIFACTS, POPUP_WIDTH, Rig
from .server import Behaviour
from .test_popup_actions import LONG_SERVER, SHORT_SERVER

#: The width a popup should have (issue 19), within what the browsers allow (800 px).
WIDTH_RANGE = (360, 400)

#: What each language's page says, per row and in its header (the locales' own words).
WORDS = {
    "en": {
        "heading": "Downloads",
        "rescued": "1 of 3",
        "rescued label": "interrupted downloads rescued",
        "kept": "kept instead of downloaded again",
        "complete": "Completed",
        "left": "Left:",
        "badge": "Companion",
    },
    "fr": {
        "heading": "Téléchargements",
        "rescued": "1 sur 3",
        "rescued label": "téléchargements interrompus sauvés",
        "kept": "gardés au lieu d'être téléchargés à nouveau",
        "complete": "Terminé",
        "left": "Laissé :",
        "badge": "Compagnon",
    },
}

#: The settings page's words in each language (its title and the policy's heading).
SETTINGS_WORDS = {
    "en": ("dlrescue settings", "Retry policy"),
    "fr": ("Réglages de dlrescue", "Règles de reprise"),
}
#: The width the settings page is shown at (a browser's options dialog or a narrow tab).
SETTINGS_WIDTH = 700

BACKGROUND_JS = "getComputedStyle(document.body).backgroundColor"

#: How the 503's row reads while it waits: Firefox restarts SERVER_FAILED (it cannot resume
#: what a 503 answered), Chromium resumes it.
WAITING = {
    ("chromium", "en"): "Resumes in",
    ("chromium", "fr"): "Reprise dans",
    ("firefox", "en"): "Starts again from zero in",
    ("firefox", "fr"): "Repart de zéro dans",
}

ROWS_JS = """[...document.querySelectorAll('#history-list > li')].map((li) => ({
    name: li.querySelector('.name').textContent,
    state: li.querySelector('.state').textContent,
    buttons: [...li.querySelectorAll('button')].map((b) => b.textContent)}))"""

LAYOUT_JS = """({width: document.body.getBoundingClientRect().width,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    lang: document.documentElement.lang, text: document.body.innerText})"""


def with_history(rig: Rig, lang: str) -> dict[str, str]:
    """Three downloads on three hosts (no shared site backoff): left on a 403, a 503 whose
    retry waits ten minutes, and one rescued after a cut at 1 MiB followed by a 3 s outage
    (which both browsers report: Chromium does not retry a refused connection by itself);
    returns name -> URL once recorded."""
    policy = rig.home.config / "dlrescue" / "policy.toml"
    server = "[categories.SERVER]\n"
    text = policy.read_text()
    assert server + SHORT_SERVER in text, text
    policy.write_text(text.replace(server + SHORT_SERVER, server + LONG_SERVER))
    rig.browser.start()
    paths = {
        f"forbidden-{lang}.bin": Behaviour(status_always=403),
        f"busy-{lang}.bin": Behaviour(statuses=[503]),
        f"rescued-{lang}.iso": Behaviour(
            size=2 * 1024 * 1024,
            cut_times=1,
            cut_bytes=1024 * 1024,
            trickle_chunk=256 * 1024,
            trickle_interval=0.1,
            trickle_times=1,
        ),
    }
    for name, behaviour in paths.items():
        rig.server.add(rig.path(name), behaviour)
    hosts = {name: 2 + i for i, name in enumerate(paths)}
    urls = {name: rig.server.url(rig.path(name), host=n) for name, n in hosts.items()}
    forbidden, busy, rescued = urls.values()
    api = rig.browser.api()
    start = f"Promise.all([{{}}].map((url) => {api}.downloads.download({{{{url}}}})))"
    rig.browser.ext_eval(start.format(", ".join(json.dumps(u) for u in (forbidden, busy))))
    rig.wait_history(forbidden, bool, 20, "the 403 to be recorded")
    rig.wait_history(busy, bool, 20, "the 503 to be recorded")
    rig.server.outage_on_next_cut(3.0)
    rig.browser.ext_eval(start.format(json.dumps(rescued)))
    rig.wait_history(
        rescued, lambda h: any(i["outcome"] == "complete" for i in h), 40, "the rescue"
    )
    return urls


def shown_rows(rig: Rig, tab: str, count: int = 3) -> list[dict[str, Any]] | None:
    """The popup's rows once it has rendered at least `count`."""
    ready = rig.browser.eval_in(tab, "document.body.dataset.ready === 'true'")
    rows = list(rig.browser.eval_in(tab, ROWS_JS) or [])
    return rows if ready and len(rows) >= count else None


def row_named(rows: list[dict[str, Any]], url: str) -> dict[str, Any]:
    name = url.rsplit("/", 1)[1]
    # Chromium names a download answered 503 or 403 `.txt`
    found = [r for r in rows if r["name"].startswith(name.rsplit(".", 1)[0])]
    assert len(found) == 1, f"{name}: {json.dumps(rows, ensure_ascii=False)}"
    return found[0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_popup_in_each_browser_and_language(
    fresh_rig_factory: Callable[..., Rig], lang: str
) -> None:
    """The popup, opened with three downloads recorded, says in the browser's language what
    dlrescue did (1 of 3 rescued, the bytes kept), one row per download with its state in
    words (completed; left, with why; resumes in ... with Retry now and Give up), the
    companion's badge, within 360-400 px and without sideways scrolling; its screenshot is
    saved for CI."""
    rig = fresh_rig_factory(lang=lang)
    urls = with_history(rig, lang)
    forbidden, busy, rescued = urls.values()
    tab = rig.browser.open(rig.browser.extension_url("popup.html"))
    try:
        rows = wait_for("the popup's three rows", lambda: shown_rows(rig, tab), 20)
    except TimeoutError as e:
        text = rig.browser.eval_in(tab, "document.body.innerText")
        raise AssertionError(f"{e}\npopup:\n{text}\n{rig.extension_log()[-20:]}") from None
    words = WORDS[lang]
    layout = rig.browser.eval_in(tab, LAYOUT_JS)
    text = layout["text"]
    for key, word in words.items():  # innerText is as shown: the heading in capitals
        assert word.casefold() in text.casefold(), f"{lang}: {key} ({word!r}) missing:\n{text}"
    if lang == "fr":
        english = [w for w in WORDS["en"].values() if w.casefold() in text.casefold()]
        assert not english, f"English left in the French popup: {english}\n{text}"
    assert layout["lang"] == lang
    assert row_named(rows, rescued)["state"] == words["complete"]
    assert row_named(rows, forbidden)["state"].startswith(words["left"])
    waiting = row_named(rows, busy)
    assert waiting["state"].startswith(WAITING[rig.name, lang]), waiting
    assert len(waiting["buttons"]) == 2, waiting

    shot = rig.browser.screenshot(
        tab, ARTIFACTS / f"popup-{rig.name}-{lang}.png", width=POPUP_WIDTH, height=0
    )
    width = rig.browser.eval_in(tab, LAYOUT_JS)
    assert WIDTH_RANGE[0] <= width["width"] <= WIDTH_RANGE[1], width["width"]
    assert width["overflow"] <= 0, f"the popup scrolls sideways by {width['overflow']} px"
    print(f"popup screenshot ({rig.name}, {lang}): {shot}")
    assert Path(shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    light = rig.browser.eval_in(tab, BACKGROUND_JS)
    rig.browser.color_scheme(tab, "dark")
    dark = wait_for(
        "the popup to turn dark",
        lambda: (lambda b: b if b != light else None)(rig.browser.eval_in(tab, BACKGROUND_JS)),
        5,
    )
    assert dark != light, f"the popup ignores prefers-color-scheme: dark ({dark})"
    rig.browser.screenshot(
        tab, ARTIFACTS / f"popup-{rig.name}-{lang}-dark.png", width=POPUP_WIDTH, height=0
    )
    rig.browser.color_scheme(tab, "light")
    rig.browser.close_tab(tab)
    settings_screenshot(rig, lang)


def settings_screenshot(rig: Rig, lang: str) -> None:
    """The settings page renders in the browser's language without sideways scrolling; its
    PNG is saved as settings-<browser>-<lang>.png."""
    tab = rig.browser.open(rig.browser.extension_url("options.html"))
    wait_for(
        "the settings page to show the policy",
        lambda: rig.browser.eval_in(tab, "document.body.dataset.ready === 'true'"),
        20,
    )
    shot = rig.browser.screenshot(
        tab, ARTIFACTS / f"settings-{rig.name}-{lang}.png", width=SETTINGS_WIDTH, height=0
    )
    layout = rig.browser.eval_in(tab, LAYOUT_JS)
    for word in SETTINGS_WORDS[lang]:
        assert word.casefold() in layout["text"].casefold(), f"{lang}: {word!r} missing"
    if lang == "fr":
        assert not any(w in layout["text"] for w in SETTINGS_WORDS["en"]), layout["text"]
    assert layout["lang"] == lang
    assert layout["overflow"] <= 0, f"the settings page scrolls sideways: {layout['overflow']}"
    print(f"settings screenshot ({rig.name}, {lang}): {shot}")
    rig.browser.close_tab(tab)


#: The popup's words when no companion is registered (the extension works alone).
ALONE_WORDS = ("Working alone", "built-in rules", "dlrescue register", "history, the settings")


def test_the_popup_without_the_companion_says_it_works_alone(
    fresh_rig_factory: Callable[..., Rig],
) -> None:
    """With no companion registered, the extension rescues by itself and the popup says so:
    the "Working alone" badge, that downloads are rescued with the built-in rules, what the
    companion adds and the command that registers it, and a row for each download it
    decided (a 503 resumed and completed, a 403 left); saved as popup-<browser>-alone.png."""
    rig = fresh_rig_factory(register=False)
    rig.browser.start()
    paths = {
        "alone-busy.bin": Behaviour(statuses=[503]),
        "alone-gone.bin": Behaviour(status_always=403),
    }
    for name, behaviour in paths.items():
        rig.server.add(rig.path(name), behaviour)
    busy, gone = rig.download(*(rig.path(n) for n in paths), via="extension", spread=True)
    rig.wait_state(busy, "complete", 40)
    tab = rig.browser.open(rig.browser.extension_url("popup.html"))
    try:
        rows = wait_for("the popup's two rows", lambda: shown_rows(rig, tab, 2), 20)
    except TimeoutError as e:
        text = rig.browser.eval_in(tab, "document.body.innerText")
        raise AssertionError(f"{e}\npopup:\n{text}\n{rig.extension_log()[-20:]}") from None
    layout = rig.browser.eval_in(tab, LAYOUT_JS)
    for word in ALONE_WORDS:
        assert word in layout["text"], f"{word!r} missing from the popup:\n{layout['text']}"
    assert rig.browser.eval_in(tab, "document.getElementById('mode').dataset.mode") == "alone"
    assert row_named(rows, busy)["state"] == "Completed", rows
    assert row_named(rows, gone)["state"].startswith("Left:"), rows
    shot = rig.browser.screenshot(
        tab, ARTIFACTS / f"popup-{rig.name}-alone.png", width=POPUP_WIDTH, height=0
    )
    assert WIDTH_RANGE[0] <= rig.browser.eval_in(tab, LAYOUT_JS)["width"] <= WIDTH_RANGE[1]
    print(f"popup screenshot ({rig.name}, alone): {shot}")
    rig.browser.close_tab(tab)

"""Issue 15: "Retry now" and "Give up" in the popup act on the real download, not on the URL
the host stored (scrubbed: tokens redacted, no user-info, no fragment, cut at 2,048).

Each URL below is stored differently from what the browser fetched. The server answers the
first request 503 and the policy waits ten minutes before the retry, so the action is
pending when the popup is used: "Retry now" must start exactly one download, of the real
URL (the pending one must not fire as well), and "Give up" must close the host's episode.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from .browsers import wait_for
from .rig import Rig
from .server import Behaviour

#: The suite's SERVER delays, and a wait no test reaches in their place: the action stays
#: pending until the popup is used.
SHORT_SERVER = "initial_delay_ms = 200\nmax_delay_ms = 600\n"
LONG_SERVER = "initial_delay_ms = 600000\nmax_delay_ms = 600000\n"


def urls_for(rig: Rig) -> dict[str, str]:
    """name -> the URL the browser downloads (each scrubbed differently by the host)."""
    origin = rig.server.origin
    host = origin.removeprefix("http://")
    base = f"/{rig.name}/pa-"
    return {
        "signed": f"{origin}{base}signed.bin?X-Amz-Signature=0123456789abcdef&X-Amz-Expires=600",
        "userinfo": f"http://user:password@{host}{base}userinfo.bin",
        "fragment": f"{origin}{base}fragment.bin#part-2",
        "long": f"{origin}{base}long.bin?pad=" + "x" * 3000,
    }


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3].split("?")[0].split("#")[0]


def popup_rows(rig: Rig, tab: str) -> list[dict[str, Any]]:
    js = (
        "[...document.querySelectorAll('#history-list > li')].map((li) => ({"
        "name: li.querySelector('.name')?.textContent ?? '',"
        "buttons: !!li.querySelector('button.retry')}))"
    )
    return list(rig.browser.eval_in(tab, js) or [])


def press(rig: Rig, tab: str, stem: str, button: str) -> str:
    """Click `button` in the row whose name starts with `stem` (Chromium names a download
    answered 503 `.txt`); return the row's result text once shown."""
    name = "(li.querySelector('.name')?.textContent ?? '')"
    find = (
        "[...document.querySelectorAll('#history-list > li')]"
        f".find((li) => {name}.startsWith({json.dumps(stem)}))"
    )
    rig.browser.eval_in(tab, f"{find}.querySelector('button.{button}').click(), true")

    def result() -> str | None:
        row = f"(({find}) || {{querySelector: () => null}})"
        text = rig.browser.eval_in(tab, f"{row}.querySelector('.result')?.textContent ?? ''")
        return str(text) if text else None

    return str(wait_for(f"the popup's answer to {button} for {stem}", result, 15))


def test_popup_retry_and_give_up_act_on_the_real_download(
    fresh_rig_factory: Callable[..., Rig],
) -> None:
    """Retry now on a signed URL, a URL with user:password@ and one with a #fragment starts
    exactly one download each, of the real URL (the server sees its query; the pending
    retry does not fire as well); Give up on a 3,000-character URL closes the host's episode
    (`dlrescue history` says given_up) and nothing is downloaded again."""
    rig = fresh_rig_factory()
    policy = rig.home.config / "dlrescue" / "policy.toml"
    text = policy.read_text()
    assert SHORT_SERVER in text, text
    policy.write_text(text.replace(SHORT_SERVER, LONG_SERVER))
    rig.browser.start()
    cases = urls_for(rig)
    for url in cases.values():
        rig.server.add(path_of(url), Behaviour(statuses=[503]))
    api = rig.browser.api()
    calls = ", ".join(f"{api}.downloads.download({{url: {json.dumps(u)}}})" for u in cases.values())
    rig.browser.ext_eval(f"Promise.all([{calls}])")

    names = {k: path_of(u).rsplit("/", 1)[1].removesuffix(".bin") for k, u in cases.items()}
    paths = [path_of(u) for u in cases.values()]

    def recorded() -> bool:
        urls = [str(h.get("url")) for h in rig.history()]
        return all(any(p in u for u in urls) for p in paths)

    wait_for("the four 503s to be recorded", recorded, 20)

    tab = rig.browser.open(rig.browser.extension_url(rig.browser.blank_extension_page()))

    def ready() -> list[dict[str, Any]] | None:
        rows = popup_rows(rig, tab)
        acting = [r["name"] for r in rows if r["buttons"]]
        ok = all(any(n.startswith(stem) for n in acting) for stem in names.values())
        return rows if ok else None

    try:
        wait_for("the popup to offer the actions on every row", ready, 20)
    except TimeoutError as e:
        text = rig.browser.eval_in(tab, "document.body.innerText")
        raise AssertionError(f"{e}\npopup:\n{text}\n{rig.extension_log()[-20:]}") from None

    # Give up first: the retries below make the site answer again, and a site that is back
    # wakes every download of it that waits (one backoff per site) -- not a given-up one.
    assert press(rig, tab, names["long"], "give-up")
    for kind in ("signed", "userinfo", "fragment"):
        answer = press(rig, tab, names[kind], "retry")
        assert answer and "Could not" not in answer, f"{kind}: {answer}"

    def done(kind: str) -> dict[str, Any] | None:
        items = [i for i in rig.browser.downloads() if i["url"] == cases[kind]]
        finished = [i for i in items if i["state"] == "complete"]
        return finished[0] if finished else None

    for kind in ("signed", "userinfo", "fragment"):
        item = wait_for(f"the {kind} download to complete", functools.partial(done, kind), 30)
        assert rig.file_on_disk(item) == rig.server.body(path_of(cases[kind]))
    time.sleep(2.0)  # a pending action that fired as well would show now
    for kind in ("signed", "userinfo", "fragment"):
        # GETs only: the extension's probe (a HEAD) asks whether the server answers at all
        reqs = [r for r in rig.server.requests(path_of(cases[kind])) if r.method == "GET"]
        assert [r.status for r in reqs] in ([503, 200], [503, 206]), (kind, reqs)
        items = [i for i in rig.browser.downloads() if path_of(cases[kind]) in i["url"]]
        assert [i["state"] for i in items].count("complete") == 1, (kind, items)
        assert all(i["url"] == cases[kind] for i in items), (kind, items)

    long_path = path_of(cases["long"])
    gets = [r for r in rig.server.requests(long_path) if r.method == "GET"]
    assert len(gets) == 1, rig.server.describe(long_path)
    hist = wait_for(
        "the long URL's episode to close given_up",
        lambda: (
            [h for h in rig.history() if long_path in str(h.get("url"))]
            if any(
                h.get("outcome") == "given_up"
                for h in rig.history()
                if long_path in str(h.get("url"))
            )
            else None
        ),
        15,
    )
    assert hist[-1]["outcome"] == "given_up", hist
    rig.browser.close_tab(tab)

"""Issue 19, the settings page in a real browser: it shows the companion's checks (the
browser's registration healthy) and policy.toml's values with their source; a bad value is
refused beside the field it names (nothing written); a good one is saved into policy.toml
keeping its comments, and the next interruption is decided with it.

The rule changed is the one of the reason the browser reports for the cut below (Chromium: a
503 is SERVER_FAILED; Firefox: a body cut half way is NETWORK_FAILED), added on the page
and set to `none`: by default that reason is resumed, so a download left as it is, with one
request only, is the saved value at work.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .browsers import wait_for
from .rig import Rig
from .server import Behaviour

FIREFOX_CUT = {
    "cut_times": 1,
    "trickle_times": 1,
    "trickle_chunk": 16 * 1024,
    "trickle_interval": 0.1,
}
COMMENT = "# my own note, kept by the settings page: é 🦊\n"


def _js(expression: str) -> str:
    return f"(() => {{ {expression} }})()"


def _set(field: str, value: str) -> str:
    """JS that sets a field's input (by its dotted name) and submits the form."""
    return _js(
        f"const i = document.getElementById({json.dumps('f-' + field)});"
        f"if (!i) return false; i.value = {json.dumps(value)};"
        "document.getElementById('policy-form').requestSubmit(); return true;"
    )


def _text(rig: Rig, tab: str, element_id: str) -> str:
    js = f"(document.getElementById({json.dumps(element_id)}) || {{}}).textContent || ''"
    return str(rig.browser.eval_in(tab, js) or "")


def test_settings_page_saves_keeping_comments_refuses_bad_values_and_the_next_decision_uses_it(
    fresh_rig_factory: Callable[..., Rig],
) -> None:
    rig = fresh_rig_factory()
    policy = rig.home.config / "dlrescue" / "policy.toml"
    before = COMMENT + policy.read_text(encoding="utf-8")
    policy.write_text(before, encoding="utf-8")
    rig.browser.start()
    reason = "SERVER_FAILED" if rig.name == "chromium" else "NETWORK_FAILED"
    category = reason.split("_")[0]

    tab = rig.browser.open(rig.browser.extension_url("options.html"))
    wait_for(
        "the settings page to show the policy",
        lambda: rig.browser.eval_in(tab, "document.body.dataset.ready === 'true'"),
        20,
    )
    sources: dict[str, Any] = rig.browser.eval_in(
        tab,
        "Object.fromEntries([...document.querySelectorAll('.field')].map((f) => "
        "[f.dataset.field, f.querySelector('.source').textContent]))",
    )
    assert sources["categories.NETWORK.initial_delay_ms"].startswith("your policy.toml"), sources
    assert sources["categories.NETWORK.action"] == "built-in default", sources

    # The companion's checks, as `dlrescue doctor` makes them: this browser's registration.
    summary = _text(rig, tab, "doctor-summary")
    assert summary.endswith("registration(s) healthy"), summary
    checks = _text(rig, tab, "doctor-rows")
    assert ("Chromium" if rig.name == "chromium" else "Firefox") in checks, checks

    # A bad value: refused by the host beside its field, with what is allowed; nothing written.
    field = f"categories.{category}.max_attempts"
    assert rig.browser.eval_in(tab, _set(field, "5000"))
    error = wait_for(
        "the refusal beside the field",
        lambda: _text(rig, tab, f"f-{field}-error") or None,
        15,
    )
    assert f"[{field.rsplit('.', 1)[0]}] max_attempts = 5000 is not allowed" in error, error
    assert "use a whole number from 0 to 1000" in error, error
    assert policy.read_text(encoding="utf-8") == before

    # A good one: a rule of its own for the reason, `none`; written keeping the comments.
    original = "3" if category == "SERVER" else "8"
    added = _js(
        f"document.getElementById({json.dumps('f-' + field)}).value = {json.dumps(original)};"
        f"const b = document.querySelector('[data-table=\"categories.{category}\"] .add');"
        f"b.querySelector('select').value = {json.dumps(reason)};"
        "b.querySelector('button').click(); return true;"
    )
    assert rig.browser.eval_in(tab, added)
    assert rig.browser.eval_in(tab, _set(f"reasons.{reason}.action", "none"))
    saved = wait_for(
        "the page to say it saved",
        lambda: (lambda s: s if "Saved" in s else None)(_text(rig, tab, "save-result")),
        15,
    )
    assert saved
    assert policy.read_text(encoding="utf-8") == before + f'\n[reasons.{reason}]\naction = "none"\n'
    source = _text(rig, tab, f"f-reasons.{reason}.action-source")
    assert source.startswith("your policy.toml"), source

    # The next interruption of that reason is left as it is, after one request.
    path = rig.path("settings-left.bin")
    if rig.name == "chromium":
        rig.server.add(path, Behaviour(statuses=[503]))
    else:
        rig.server.add(path, Behaviour(**FIREFOX_CUT))
    (url,) = rig.download(path)
    hist = rig.wait_history(url, lambda h: bool(h), 30, "the interruption to be recorded")
    assert [(h["reason"], h["action"]) for h in hist] == [(reason, "none")], rig.explain(url, hist)
    wait_for("the download to stay interrupted", lambda: rig.wait_state(url, "interrupted", 10), 15)
    gets = [r for r in rig.server.requests(path) if r.method == "GET"]
    assert len(gets) == 1, rig.server.describe(path)
    rig.browser.close_tab(tab)

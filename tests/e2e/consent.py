"""The user's consent to read the server's answers (issue 18), given in a real browser.

The consent is the optional permissions `webRequest` and `<all_urls>`, which the popup asks
for with `permissions.request` on a click. How each browser gets it here:

- Firefox: the popup's own button is clicked with real input (WebDriver BiDi
  `input.performActions`, a user gesture), with `extensions.webextOptionalPermissionPrompts`
  off so that no doorhanger waits for a second click: the extension's real path
  (permissions.request, then permissions.onAdded starts the listeners).
- Chromium: `permissions.request` opens a dialog no automation protocol can click (seen with
  Chromium 156: the request never settles, even with CDP's userGesture). The browser is
  closed and started again with the grant written where Chromium keeps one the user gave
  (Preferences: extensions.settings.<id>.active_permissions, granted_permissions and
  runtime_granted_permissions), so the extension starts with the permission, as after a
  user's "Allow" and a browser restart. The popup's click path is covered in node
  (tests/js/server_signals.test.js) and in Firefox.

Used by tests/e2e/test_server_signals.py and bench/rescue.py (its consent mode).
"""

from __future__ import annotations

import json
from typing import Any

from .browsers import LOAD_WAIT, START_WAIT, Chromium, Firefox, chrome_extension_id, wait_for
from .rig import Rig

PERMISSIONS = "{permissions: ['webRequest'], origins: ['<all_urls>']}"


def debug_state(rig: Rig) -> dict[str, Any]:
    """The background's debug state (runtime message `dlrescue:debug`)."""
    api = rig.browser.api()
    return dict(
        rig.browser.ext_eval(f"{api}.runtime.sendMessage({{type: 'dlrescue:debug'}})") or {}
    )


def granted(rig: Rig) -> bool:
    return bool(rig.browser.ext_eval(f"{rig.browser.api()}.permissions.contains({PERMISSIONS})"))


def chromium_grant(browser: Chromium, grant: bool) -> None:
    """Close Chromium (so it writes its Preferences), write or remove the grant the user
    would have given, start it again."""
    assert browser.rpc is not None and browser.proc is not None
    browser.rpc.call("Browser.close")
    browser.proc.wait(timeout=START_WAIT)  # it writes its Preferences as it closes
    browser.kill()
    prefs_path = browser.user_data_dir / "Default" / "Preferences"
    prefs = json.loads(prefs_path.read_text())
    ext = chrome_extension_id(browser.extension_dir)
    settings = prefs["extensions"]["settings"][ext]
    for key in ("active_permissions", "granted_permissions", "runtime_granted_permissions"):
        perms = settings.setdefault(
            key, {"api": [], "explicit_host": [], "manifest_permissions": [], "scriptable_host": []}
        )
        api = set(perms.get("api", [])) - {"webRequest"}
        perms["api"] = sorted(api | ({"webRequest"} if grant else set()))
        perms["explicit_host"] = ["<all_urls>"] if grant else []
    prefs_path.write_text(json.dumps(prefs))
    browser.start()


#: Scrolls the popup's "Allow" into view; returns its centre, and whether that point hits it
#: (else what it hits).
ALLOW_TARGET_JS = (
    "(() => { const b = document.getElementById('consent-allow');"
    " b.scrollIntoView({block: 'center'}); const r = b.getBoundingClientRect();"
    " const x = Math.round(r.x + r.width / 2), y = Math.round(r.y + r.height / 2);"
    " const hit = document.elementFromPoint(x, y);"
    " return {x, y, hits: hit === b, hit: hit ? hit.outerHTML.slice(0, 120) : null}; })()"
)


def firefox_click_allow(browser: Firefox) -> None:
    """The popup's "Allow" clicked with real input; no doorhanger (pref off).

    The click waits for the popup to be ready (its history list drawn): the section shows
    as soon as permissions.contains answers, above it the list is still "Loading…", and the
    rows drawn a moment later push the button down (seen under load after the suite's other
    Firefox tests: the button went from y=141 to y=1055 and the click hit nothing)."""
    browser.eval_in(
        browser.chrome_context(),
        "Services.prefs.setBoolPref('extensions.webextOptionalPermissionPrompts', false)",
    )
    tab = browser.open(browser.extension_url(browser.blank_extension_page()))
    wait_for(
        "the popup to draw its list and show the consent button",
        lambda: browser.eval_in(
            tab,
            "document.body.dataset.ready === 'true' && !document.getElementById('consent').hidden",
        ),
        LOAD_WAIT,
    )
    target: dict[str, Any] = {}

    def on_target() -> bool:
        # in view first: after a suite's other tests the popup lists many downloads, and a
        # click outside the viewport reaches nothing
        target.update(browser.eval_in(tab, ALLOW_TARGET_JS))
        return bool(target["hits"])

    try:
        wait_for("the Allow button's centre to hit it", on_target, LOAD_WAIT)
    except TimeoutError as e:
        raise AssertionError(
            f"{e}: at ({target.get('x')}, {target.get('y')}) is {target.get('hit')}"
        ) from None
    assert browser.rpc is not None
    pointer = [
        {"type": "pointerMove", "x": target["x"], "y": target["y"]},
        {"type": "pointerDown", "button": 0},
        {"type": "pointerUp", "button": 0},
    ]
    browser.rpc.call(
        "input.performActions",
        {"context": tab, "actions": [{"type": "pointer", "id": "mouse", "actions": pointer}]},
    )
    wait_for(
        f"the consent section to go after the click at ({target['x']}, {target['y']})",
        lambda: browser.eval_in(tab, "document.getElementById('consent').hidden"),
        LOAD_WAIT,
    )
    browser.close_tab(tab)


def give(rig: Rig) -> None:
    """Give the consent in the rig's running browser (Chromium: a restart with the grant;
    Firefox: a restart, then the popup's button), and wait until the extension listens."""
    if isinstance(rig.browser, Chromium):
        chromium_grant(rig.browser, True)  # a new host starts with the policy now on disk
    else:
        assert isinstance(rig.browser, Firefox)
        rig.browser.restart()
        firefox_click_allow(rig.browser)
    wait_for("the consent", lambda: granted(rig), LOAD_WAIT)
    wait_for(
        "the extension to listen to the server's answers",
        lambda: debug_state(rig).get("serverSignals", {}).get("listening"),
        LOAD_WAIT,
    )


def take_back(rig: Rig) -> None:
    """Take the consent back (Chromium: a restart without the grant; Firefox:
    permissions.remove, then a restart)."""
    if isinstance(rig.browser, Chromium):
        chromium_grant(rig.browser, False)
    else:
        rig.browser.ext_eval(f"browser.permissions.remove({PERMISSIONS})")
        rig.browser.restart()

"""Issue 19, a fleet's policy: the administrator's policy for dlrescue, set through the
browser's own enterprise policy, reaches the host and wins over the user's policy.toml.

Chromium reads every JSON file in /etc/chromium/policies/managed/ at start, validates the
`3rdparty.extensions.<id>` part against the extension's managed_schema.json and gives it to
the extension as `storage.managed`. Firefox ESR (Debian's too) reads
/etc/firefox/policies/policies.json first, else <install>/distribution/policies.json, and
gives `3rdparty.Extensions.<id>` as it is. The extension sends it in `hello`. The test
writes such a file (CI runs as root; it fails, never skips, under CI=true when it cannot)
and removes it afterwards whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from .browsers import Chromium, chrome_extension_id, wait_for
from .product import run_dlrescue
from .rig import Rig, make_rig, short_root, unavailable
from .server import Behaviour, MisbehavingServer


class Fleet(NamedTuple):
    """One browser's enterprise policy, and the interruption the test makes."""

    #: The policy file the browser reads at start.
    file: Path
    #: The administrator's policy for the extension `ext` inside that file.
    wrap: Callable[[str, dict[str, Any]], dict[str, Any]]
    #: The reason the server's misbehaviour gives, and the misbehaviour.
    reason: str
    behaviour: Behaviour
    #: `dlrescue policy --browser` and the extension's `browser`.
    browser: str


FLEETS = {
    "chromium": Fleet(
        Path("/etc/chromium/policies/managed/dlrescue-e2e.json"),
        lambda ext, policy: {"3rdparty": {"extensions": {ext: policy}}},
        "SERVER_FAILED",
        Behaviour(statuses=[503]),
        "chrome",
    ),
    "firefox": Fleet(
        Path("/etc/firefox/policies/policies.json"),
        lambda ext, policy: {"policies": {"3rdparty": {"Extensions": {ext: policy}}}},
        "NETWORK_FAILED",  # a cut body (see test_rescue.py, FIREFOX_CUT)
        Behaviour(cut_times=1, trickle_times=1, trickle_chunk=16 * 1024, trickle_interval=0.1),
        "firefox",
    ),
}
#: Longer than any policy delay of the suite (policy.toml: at most 1 s), with slack.
QUIET = 2.0


@contextlib.contextmanager
def policy_file(path: Path, content: dict[str, Any]) -> Iterator[Path]:
    """`content` as JSON at `path` for the test's length; removed after, even on failure,
    with the folders made for it."""
    made = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            unavailable(f"{path} exists already: this test would replace the machine's policy")
        path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    except OSError as exc:
        unavailable(f"cannot write the browser's policy {path} ({exc.strerror}): run as root")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
        for folder in made:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()


def settings_field(rig: Rig, tab: str, name: str) -> dict[str, Any]:
    """One field of the settings page once rendered: its value, whether it can be edited,
    and the source it names."""
    wait_for(
        "the settings page to render",
        lambda: rig.browser.eval_in(tab, "document.body?.dataset.ready === 'true'"),
        20,
    )
    js = (
        f"(() => {{ const i = document.getElementById({json.dumps('f-' + name)});"
        f" const s = document.getElementById({json.dumps('f-' + name + '-source')});"
        " return i && {value: i.value, disabled: i.disabled, source: s?.textContent ?? ''}; })()"
    )
    return dict(wait_for(f"the field {name}", lambda: rig.browser.eval_in(tab, js), 20))


@pytest.mark.parametrize("name", list(FLEETS))
def test_the_browsers_managed_policy_wins_over_policy_toml_and_the_ui_says_so(
    name: str, server: MisbehavingServer
) -> None:
    """An interruption the user's policy.toml says to resume (Chromium: a 503,
    SERVER_FAILED; Firefox: a cut body, NETWORK_FAILED) is left, because the administrator's
    policy in the browser's enterprise policy file says never: the host decided `none`, the
    server saw one request and no retry, the download stays interrupted; then `dlrescue
    policy` marks the value `!` "set by your administrator", and the settings page shows it
    as such and does not let it be edited. The managed max_attempts out of range reaches the
    host (the schema leaves limits to it), is refused and named by `dlrescue policy`, and the
    user's own value there stays, editable."""
    fleet = FLEETS[name]
    # max_attempts out of range: refused by the host alone, named; the rest applies
    managed = {"reasons": {fleet.reason: {"action": "none", "notify": True, "max_attempts": 5000}}}
    with short_root(name) as root:
        rig = make_rig(name, server, root)
        browser = rig.browser
        ext = chrome_extension_id(browser.extension_dir) if isinstance(browser, Chromium) else ""
        ext = ext or browser.gecko_id()  # type: ignore[attr-defined]
        users = rig.home.config / "dlrescue" / "policy.toml"
        own = f'\n[reasons.{fleet.reason}]\naction = "resume"\nmax_attempts = 3\n'
        users.write_text(users.read_text(encoding="utf-8") + own, encoding="utf-8")
        with policy_file(fleet.file, fleet.wrap(ext, managed)):
            browser.start()
            try:
                _managed_value_wins(rig, fleet, managed)
            finally:
                browser.kill()


def _managed_value_wins(rig: Rig, fleet: Fleet, managed: dict[str, Any]) -> None:
    held = rig.browser.ext_eval(f"{rig.browser.api()}.storage.managed.get(null)")
    assert held == managed, f"storage.managed holds {held!r}"
    path = rig.path("fleet-managed.bin")
    rig.server.add(path, fleet.behaviour)
    (url,) = rig.download(path)
    hist = rig.wait_history(url, bool, 30, "the interruption to be recorded")
    assert [(h["reason"], h["action"]) for h in hist] == [(fleet.reason, "none")], rig.explain(
        url, hist
    )
    time.sleep(QUIET)
    assert rig.server.count(path) == 1, rig.explain(url, hist)
    assert [i["state"] for i in rig.items(url)] == ["interrupted"], rig.explain(url, hist)

    shown = run_dlrescue(rig.home, "policy", "--browser", fleet.browser, check=False)
    refused = f"managed policy: [reasons.{fleet.reason}] max_attempts = 5000 is not allowed"
    assert shown.returncode == 1 and refused in shown.stderr, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "Values marked ! are set by your administrator" in text, shown.stdout
    row = next(line for line in shown.stdout.splitlines() if line.startswith(fleet.reason))
    assert row.split()[1:3] == ["none!", "3*"], row  # the action managed; the user's tries

    tab = rig.browser.open(rig.browser.extension_url("options.html"))
    try:
        action = settings_field(rig, tab, f"reasons.{fleet.reason}.action")
        assert action == {
            "value": "none",
            "disabled": True,
            "source": "set by your administrator",
        }, action
        tries = settings_field(rig, tab, f"reasons.{fleet.reason}.max_attempts")
        assert tries["value"] == "3" and tries["disabled"] is False, tries
    finally:
        rig.browser.close_tab(tab)


def _kept(rig: Rig) -> Any:
    """The managed policy the host last received from Chromium (its 0600 copy), or None."""
    path = rig.home.data / "dlrescue" / "managed-chrome.json"
    return json.loads(path.read_text(encoding="utf-8"))["data"]["policy"] if path.exists() else None


def test_chromium_a_policy_changed_while_closed_reaches_the_host_once_storage_managed_answers(
    server: MisbehavingServer,
) -> None:
    """Chromium answers storage.managed only ~2.8 s after it starts, so the restarted
    extension's hello goes with the last policy it read (not waiting for it), and the policy
    the administrator wrote while Chromium was closed reaches the host in a second hello as
    soon as Chromium answers: the host's kept copy is the new one, and the extension's log
    says it sent the kept one first, then the answer."""
    fleet = FLEETS["chromium"]
    first = {"reasons": {fleet.reason: {"action": "none"}}}
    changed = {"reasons": {fleet.reason: {"action": "none", "notify": False}}}
    with short_root("chromium") as root:
        rig = make_rig("chromium", server, root)
        ext = chrome_extension_id(rig.browser.extension_dir)
        with policy_file(fleet.file, fleet.wrap(ext, first)):
            rig.browser.start()
            try:
                wait_for("the host to keep the first policy", lambda: _kept(rig) == first, 30)
                rig.browser.kill()
                fleet.file.write_text(json.dumps(fleet.wrap(ext, changed)), encoding="utf-8")
                rig.browser.start()
                wait_for("the host to keep the changed policy", lambda: _kept(rig) == changed, 30)
                text = [line.split(" ", 2)[-1] for line in rig.extension_log()]
                kept = next(i for i, t in enumerate(text) if t.startswith("hello with the last"))
                other = next(i for i, t in enumerate(text) if "gave another policy" in t)
                assert kept < other, text
            finally:
                rig.browser.kill()

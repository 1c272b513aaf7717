"""native_host.caller through the real host: who may use it (its own ids, registered ones)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostio import CHROME_ORIGIN, frame, run_host, unframe

from native_host import CHROME_EXTENSION_IDS, GECKO_ID, caller


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        ((CHROME_ORIGIN,), True),
        (("chrome-extension://abcdefghijklmnopabcdefghijklmnop/",), False),
        (("/home/u/.mozilla/native-messaging-hosts/org.dlrescue.host.json", GECKO_ID), True),
        (
            ("/home/u/.mozilla/native-messaging-hosts/org.dlrescue.host.json", "evil@example.com"),
            False,
        ),
        ((CHROME_ORIGIN, "--parent-window=1234"), True),
        ((), True),
    ],
)
def test_callers_not_allowed_are_refused_at_launch(
    xdg: dict[str, str], args: tuple[str, ...], allowed: bool
) -> None:
    """Chrome's origin / Firefox's add-on id must be ours (or registered); no argv (a sandbox
    portal) is served."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-I", "-m", "native_host.host", *args],
        input=frame({"type": "hello"}),
        capture_output=True,
        env={**__import__("os").environ, **xdg},
        timeout=60,
    )
    if allowed:
        assert proc.returncode == 0 and unframe(proc.stdout)[0]["ok"] is True
    else:
        assert proc.returncode == 3 and proc.stdout == b""
        assert b"not a registered dlrescue extension" in proc.stderr


def test_extra_extension_ids_from_register_are_allowed(xdg: dict[str, str]) -> None:
    """An id listed in extensions.json (written by `register --extension-id`) is served."""
    cfg = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    cfg.mkdir(parents=True)
    other = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"
    (cfg / "extensions.json").write_text(json.dumps({"allowed_origins": [other]}))
    proc = run_host(frame({"type": "hello"}), other, env=xdg)
    assert proc.returncode == 0


def test_every_id_in_the_table_of_own_ids_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store's id added to native_host.CHROME_EXTENSION_IDS is ours, with no extensions.json:
    the caller check takes every id of the table, not the unpacked one alone."""
    store = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"
    nothing = tmp_path / "no-extensions.json"
    assert caller.refusal(caller.identify([store]), nothing) is not None
    monkeypatch.setitem(
        CHROME_EXTENSION_IDS, "chrome-web-store", "abcdefghijklmnopabcdefghijklmnop"
    )
    assert caller.refusal(caller.identify([store]), nothing) is None
    assert caller.refusal(caller.identify([CHROME_ORIGIN]), nothing) is None

"""`dlrescue register` and `unregister` end to end: the real CLI on real files under a
temporary HOME (XDG variables unset, so everything lands where a user's would)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path, PurePath

import pytest
from hostio import run_cli as run

from native_host import CHROME_EXTENSION_ID, GECKO_ID, caller
from native_host.registration import detect, plan
from native_host.registration.launcher import Install
from native_host.registration.steps import WriteFile
from native_host.registration.targets import Env

OTHER_CHROME = "abcdefghijklmnopabcdefghijklmnop"
MANIFEST = "org.dlrescue.host.json"


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root: file bytes, or None for a folder."""
    return {
        str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


def launcher_path(home: Path) -> Path:
    return home / ".local" / "share" / "dlrescue" / "dlrescue-host"


def test_register_chromium_with_user_data_dir_writes_the_manifest_there(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The e2e suite's call: DIR/NativeMessagingHosts/org.dlrescue.host.json (0644) names
    the launcher (0755), and the output says where the extension is and how to load it."""
    udd = tmp_path / "chromium profile"
    code, out, err = run(capsys, "register", "--browser", "chromium", "--user-data-dir", str(udd))
    assert (code, err) == (0, "")
    path = udd / "NativeMessagingHosts" / MANIFEST
    doc = json.loads(path.read_text())
    assert doc["path"] == str(launcher_path(home))
    assert doc["allowed_origins"] == [f"chrome-extension://{CHROME_EXTENSION_ID}/"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(launcher_path(home).stat().st_mode) == 0o755
    assert f"wrote {path} (chromium manifest, mode 0644)" in out
    assert "Next: load the dlrescue extension from " in out
    assert "Chromium: open chrome://extensions, turn on Developer mode" in out
    assert not (home / ".config" / "chromium").exists()  # only DIR is written


def test_register_firefox_writes_into_the_temporary_homes_mozilla_folder(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The e2e suite's other call: $HOME/.mozilla/native-messaging-hosts, allowed_extensions,
    and the Firefox loading steps."""
    code, out, _ = run(capsys, "register", "--browser", "firefox")
    assert code == 0
    doc = json.loads((home / ".mozilla" / "native-messaging-hosts" / MANIFEST).read_text())
    assert doc["allowed_extensions"] == [GECKO_ID]
    assert "Firefox: open about:debugging#/runtime/this-firefox" in out
    assert "registered anyway" in out  # no profile folder: said, not refused


def test_register_without_browser_picks_installed_ones_and_says_what_it_skipped(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Browsers whose profile folder exists are registered; every other one is named with
    the reason it was skipped."""
    (home / ".config" / "chromium").mkdir(parents=True)
    (home / ".mozilla" / "firefox").mkdir(parents=True)
    code, out, _ = run(capsys, "register")
    assert code == 0
    assert (home / ".config" / "chromium" / "NativeMessagingHosts" / MANIFEST).is_file()
    assert (home / ".mozilla" / "native-messaging-hosts" / MANIFEST).is_file()
    assert not (home / ".config" / "google-chrome").exists()
    chrome = home / ".config" / "google-chrome"
    assert f"skipped Google Chrome: not found (no profile folder in {chrome})" in out
    assert "skipped Tor Browser: no unpacked Tor Browser found" in out
    assert out.count("skipped ") == 10


def test_a_flatpak_only_browser_is_skipped_with_an_explanation(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A browser present only as a Flatpak is not registered: the sandbox is explained."""
    (home / ".var" / "app" / "org.chromium.Chromium").mkdir(parents=True)
    (home / ".mozilla" / "firefox").mkdir(parents=True)
    code, out, _ = run(capsys, "register")
    assert code == 0
    assert (
        "skipped Chromium: only its flatpak packaging (org.chromium.Chromium) is installed: "
        "Flatpak browsers start native hosts inside their sandbox" in out
    )
    assert not (home / ".var" / "app" / "org.chromium.Chromium" / "config").exists()


def test_register_with_no_browser_found_fails_with_a_sentence(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing installed: exit 1, one line saying to name a browser, nothing written."""
    code, _, err = run(capsys, "register")
    assert code == 1
    assert err == (
        "dlrescue register: no supported browser was found for this user; name one with "
        "--browser NAME (see `dlrescue register --help`)\n"
    )
    assert tree(home) == {}


def test_dry_run_prints_every_file_and_its_content_and_writes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--dry-run lists the launcher, each manifest and extensions.json, with contents."""
    code, out, _ = run(
        capsys, "register", "--browser", "firefox", "chrome", "--extension-id", OTHER_CHROME,
        "--dry-run",
    )  # fmt: skip
    assert code == 0
    assert tree(home) == {}
    assert f"would write {launcher_path(home)} (launcher, mode 0755)" in out
    for folder in (".mozilla/native-messaging-hosts", ".config/google-chrome/NativeMessagingHosts"):
        assert f"would write {home / folder / MANIFEST}" in out
    assert f"would write {home / '.config/dlrescue/extensions.json'} (extension ids" in out
    assert f'      "chrome-extension://{OTHER_CHROME}/"' in out


def test_extension_ids_reach_the_manifest_and_the_hosts_allow_list(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--extension-id adds the id to the manifest and to extensions.json, which the host's
    own argv check then accepts; a later register keeps the ids (merged, not replaced)."""
    assert run(capsys, "register", "--browser", "chromium", "--extension-id", OTHER_CHROME)[0] == 0
    assert (
        run(capsys, "register", "--browser", "firefox", "--extension-id", "me@example.org")[0] == 0
    )
    chromium = json.loads((home / ".config/chromium/NativeMessagingHosts" / MANIFEST).read_text())
    assert f"chrome-extension://{OTHER_CHROME}/" in chromium["allowed_origins"]
    extensions = home / ".config" / "dlrescue" / "extensions.json"
    assert json.loads(extensions.read_text()) == {
        "allowed_origins": [f"chrome-extension://{OTHER_CHROME}/"],
        "allowed_extensions": ["me@example.org"],
    }
    other = caller.Caller("chrome", origin=f"chrome-extension://{OTHER_CHROME}/")
    assert caller.refusal(other, extensions) is None
    stranger = caller.Caller("chrome", origin="chrome-extension://" + "b" * 32 + "/")
    assert caller.refusal(stranger, extensions) is not None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--browser", "netscape"], "unknown browser 'netscape': use one of chrome, "),
        (
            ["--browser", "chrome", "--extension-id", "not-an-id"],
            "'not-an-id' is not an extension id",
        ),
        (
            ["--browser", "firefox", "--user-data-dir", "/x"],
            "--user-data-dir is for Chromium-family",
        ),
        (["--browser", "brave", "--user-data-dir", "/x"], "Brave ignores --user-data-dir"),
        (["--system", "--user-data-dir", "/x"], "drop --system"),
        (["--system", "--browser", "chrome", "--extension-id", OTHER_CHROME], "without --system"),
    ],
)
def test_bad_usage_gets_one_sentence_exit_2_and_writes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    """Bad input: exit status 2, a single line on stderr that says what to do, no traceback."""
    code, _, err = run(capsys, "register", *args)
    assert code == 2
    assert err.startswith("dlrescue register: ") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert tree(home) == {}


def test_unregister_removes_exactly_what_register_wrote(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After register then unregister, the home (with a profile and another host's manifest
    in the same folder) and the --user-data-dir folder are as they were before."""
    (home / ".mozilla" / "firefox" / "abc.default").mkdir(parents=True)
    (home / ".mozilla" / "native-messaging-hosts").mkdir()
    (home / ".mozilla" / "native-messaging-hosts" / "other.host.json").write_text("{}")
    (home / ".config" / "chromium" / "Default").mkdir(parents=True)
    udd = tmp_path / "udd"
    udd.mkdir()
    before = {"home": tree(home), "udd": tree(udd)}
    assert run(capsys, "register")[0] == 0
    assert run(capsys, "register", "--browser", "chromium", "--user-data-dir", str(udd))[0] == 0
    assert tree(home) != before["home"]
    code, out, err = run(capsys, "unregister")
    assert (code, err) == (0, "")
    assert {"home": tree(home), "udd": tree(udd)} == before
    assert f"removed {home / '.mozilla/native-messaging-hosts' / MANIFEST}" in out


def test_unregister_one_browser_keeps_the_others_and_the_shared_launcher(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Removing Firefox leaves Chromium's manifest and the launcher it needs."""
    assert run(capsys, "register", "--browser", "firefox", "chromium")[0] == 0
    code, _, _ = run(capsys, "unregister", "--browser", "firefox")
    assert code == 0
    assert not (home / ".mozilla" / "native-messaging-hosts" / MANIFEST).exists()
    assert (home / ".config" / "chromium" / "NativeMessagingHosts" / MANIFEST).is_file()
    assert launcher_path(home).is_file()
    assert run(capsys, "unregister", "--browser", "chromium")[0] == 0
    assert not launcher_path(home).exists()
    assert tree(home) == {}


def test_unregister_leaves_a_manifest_edited_by_hand_and_says_so(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file changed since register is not dlrescue's to delete any more."""
    assert run(capsys, "register", "--browser", "firefox")[0] == 0
    path = home / ".mozilla" / "native-messaging-hosts" / MANIFEST
    path.write_text('{"edited": true}')
    code, out, _ = run(capsys, "unregister")
    assert code == 0
    assert path.read_text() == '{"edited": true}'
    assert f"left {path}: it changed since dlrescue wrote it" in out


def test_unregister_of_something_never_registered_says_so(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing recorded: exit 0 and a plain sentence, nothing touched."""
    code, out, _ = run(capsys, "unregister", "--browser", "edge")
    assert code == 0
    assert "Microsoft Edge: dlrescue has no record of registering it" in out


def test_registering_twice_is_idempotent_and_still_fully_removable(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second register rewrites the same files; one unregister still removes them all."""
    assert run(capsys, "register", "--browser", "firefox")[0] == 0
    first = tree(home)
    assert run(capsys, "register", "--browser", "firefox")[0] == 0
    assert tree(home) == first
    assert run(capsys, "unregister")[0] == 0
    assert tree(home) == {}


def test_root_through_sudo_is_told_whose_browsers_it_registers(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root with SUDO_USER set, register says it registers root's own browsers."""
    if not detect.is_root():
        pytest.skip("needs root")
    monkeypatch.setenv("SUDO_USER", "alice")
    code, _, err = run(capsys, "register", "--browser", "firefox")
    assert code == 0
    assert "registers dlrescue for root's browsers" in err and "as alice without sudo" in err


def test_system_scope_needs_root(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--system as an ordinary user: exit 1 and the sudo hint, nothing written."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    code, _, err = run(capsys, "register", "--system", "--browser", "chrome", "--dry-run")
    assert code == 1
    assert err == (
        "dlrescue register: --system writes system-wide folders and needs root: run it with sudo\n"
    )


def test_system_scope_plan_writes_only_system_folders() -> None:
    """--system targets /etc and /usr/lib folders and a root-owned launcher folder; no path
    is under the home folder."""
    env = Env("linux", home="/home/u", config="/home/u/.config", own_user="/home/u/.local/x")
    request = plan.Request("system", ("chrome", "brave", "firefox", "vivaldi"))
    steps = plan.plan_register(request, env, Install("/usr/bin/python3"))
    written = [str(s.path) for s in steps.steps if isinstance(s, WriteFile)]
    expected = [
        "/usr/local/lib/dlrescue/dlrescue-host",
        "/etc/opt/chrome/native-messaging-hosts/org.dlrescue.host.json",
        "/usr/lib/mozilla/native-messaging-hosts/org.dlrescue.host.json",
        "/etc/opt/vivaldi/native-messaging-hosts/org.dlrescue.host.json",
        "/etc/chromium/native-messaging-hosts/org.dlrescue.host.json",
    ]
    if os.path.isdir("/usr/lib64"):
        expected.insert(3, "/usr/lib64/mozilla/native-messaging-hosts/org.dlrescue.host.json")
    assert written == expected
    chrome_owners = next(
        s.owners for s in steps.steps if isinstance(s, WriteFile) and "chrome/" in str(s.path)
    )
    assert chrome_owners == {"chrome", "brave"}  # one shared file, removed with its last owner


def test_tor_browser_registers_inside_its_bundle(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unpacked Tor Browser in ~/tor-browser gets its manifest inside the bundle."""
    (home / "tor-browser" / "Browser" / "TorBrowser" / "Data" / "Browser").mkdir(parents=True)
    assert run(capsys, "register", "--browser", "tor-browser")[0] == 0
    data = home / "tor-browser" / "Browser" / "TorBrowser" / "Data" / "Browser"
    assert (data / ".mozilla" / "native-messaging-hosts" / MANIFEST).is_file()


def test_user_data_dir_plan_uses_the_given_folder_exactly() -> None:
    """--user-data-dir DIR: the manifest goes to DIR/NativeMessagingHosts and nowhere else."""
    env = Env("linux", home="/home/u", config="/home/u/.config", own_user="/home/u/.local/d")
    request = plan.Request("user", ("chromium", "chrome"), PurePath("/p/udd"))
    steps = plan.plan_register(request, env, Install("/usr/bin/python3"))
    files = [s for s in steps.steps if isinstance(s, WriteFile)]
    assert [str(f.path) for f in files] == [
        "/home/u/.local/d/dlrescue-host",
        "/p/udd/NativeMessagingHosts/org.dlrescue.host.json",
    ]
    assert files[1].owners == {
        "chromium --user-data-dir /p/udd",
        "chrome --user-data-dir /p/udd",
    }


def test_root_never_writes_into_another_users_home(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sudo -E dlrescue register` with HOME=/home/alice: refused in one sentence, before
    anything is written (the launcher folder is checked first)."""
    if not detect.is_root():
        pytest.skip("needs root")
    os.chown(home, 65534, 65534)
    code, _, err = run(capsys, "register", "--browser", "firefox")
    assert code == 1
    assert err.startswith(f"dlrescue register: refusing to write in {home}/.local/share/dlrescue")
    assert "no other user's home folder" in err and err.count("\n") == 1
    assert tree(home) == {}


def test_system_dry_run_names_system_folders_and_writes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root, `register --system --dry-run` prints /etc and /usr/local paths only."""
    if not detect.is_root():
        pytest.skip("needs root")
    target = Path("/etc/opt/chrome/native-messaging-hosts") / MANIFEST
    existed = target.exists()
    code, out, _ = run(capsys, "register", "--system", "--browser", "chrome", "--dry-run")
    assert code == 0
    assert f"would write {target} (chromium manifest, mode 0644)" in out
    assert "would write /usr/local/lib/dlrescue/dlrescue-host (launcher, mode 0755)" in out
    assert str(home) not in out
    assert target.exists() == existed

"""`dlrescue doctor`: real registrations under a temporary HOME, the real host answering
hello through the registered launcher, and each kind of breakage reported with its fix."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from hostio import dlrescue
from hostio import run_cli as run
from test_handlers_managed import USER, fleet_files

from native_host import CHROME_EXTENSION_ID, GECKO_ID, HOST_NAME
from native_host.registration import doctor

MANIFEST = f"{HOST_NAME}.json"


def row(out: str, browser: str) -> str:
    """The table line of one browser (first match)."""
    return next(line for line in out.splitlines() if line.startswith(browser + " "))


def fake_host(folder: Path, body: str) -> Path:
    """An executable host written in Python: `body` runs with `frame` bytes read and
    `reply(obj)` available; argv and cwd are saved next to it."""
    path = folder / "fake-host"
    path.write_text(
        f"#!{sys.executable}\n"
        "import json, os, struct, sys\n"
        f"open({str(folder / 'seen.json')!r}, 'w').write(json.dumps("
        "{'argv': sys.argv[1:], 'cwd': os.getcwd()}))\n"
        "n = sys.stdin.buffer.read(4)\n"
        "frame = sys.stdin.buffer.read(struct.unpack('=I', n)[0]) if len(n) == 4 else b''\n"
        "def reply(obj):\n"
        "    data = json.dumps(obj).encode()\n"
        "    sys.stdout.buffer.write(struct.pack('=I', len(data)) + data)\n"
        "    sys.stdout.buffer.flush()\n" + body + "\n"
    )
    path.chmod(0o755)
    return path


def test_registered_chromium_and_firefox_answer_hello_and_doctor_exits_0(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After register, doctor starts the real host through the launcher as each browser
    would and gets a hello reply; browsers that are not installed are reported, not errors."""
    udd = tmp_path / "udd"
    assert run(capsys, "register", "--browser", "firefox")[0] == 0
    assert run(capsys, "register", "--browser", "chromium", "--user-data-dir", str(udd))[0] == 0
    code, out, err = run(capsys, "doctor")
    assert (code, err) == (0, ""), out
    firefox = row(out, "Firefox")
    assert " ok " in firefox and str(home / ".mozilla/native-messaging-hosts" / MANIFEST) in firefox
    assert out.count("answered hello in") == 2
    udd_line = next(line for line in out.splitlines() if "user-data-dir" in line)
    assert " ok " in udd_line and str(udd / "NativeMessagingHosts" / MANIFEST) in udd_line
    assert "not installed" in row(out, "Google Chrome")
    assert out.rstrip().endswith("2 registration(s) healthy")


def test_nothing_registered_is_not_broken(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No browser installed, nothing registered: every browser listed, exit 0, advice given."""
    code, out, _ = run(capsys, "doctor")
    assert code == 0
    assert out.count("not installed") == 12
    assert out.rstrip().endswith("no registration found: run `dlrescue register`")


def test_an_installed_but_unregistered_browser_gets_the_register_command(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A browser with a profile but no manifest: 'not registered' and the exact command."""
    (home / ".config" / "google-chrome").mkdir(parents=True)
    code, out, _ = run(capsys, "doctor", "--browser", "chrome")
    assert code == 0
    assert "not registered" in row(out, "Google Chrome")
    assert "run `dlrescue register --browser chrome`" in out


def _registered_firefox(capsys: pytest.CaptureFixture[str], home: Path) -> Path:
    assert run(capsys, "register", "--browser", "firefox")[0] == 0
    return home / ".mozilla" / "native-messaging-hosts" / MANIFEST


def test_a_missing_trailing_slash_is_broken_and_says_so(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The classic silent failure of Chrome manifests is caught, with the fix."""
    (home / ".config" / "chromium").mkdir(parents=True)
    assert run(capsys, "register", "--browser", "chromium")[0] == 0
    path = home / ".config" / "chromium" / "NativeMessagingHosts" / MANIFEST
    doc = json.loads(path.read_text())
    doc["allowed_origins"] = [f"chrome-extension://{CHROME_EXTENSION_ID}"]
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "doctor", "--browser", "chromium")
    assert code == 1
    assert "BROKEN" in row(out, "Chromium")
    assert "(the trailing / is required)" in out and "fix: " in out


def test_a_launcher_that_is_not_executable_is_broken(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """path must be executable: the chmod command is given."""
    path = _registered_firefox(capsys, home)
    host = Path(json.loads(path.read_text())["path"])
    host.chmod(0o644)
    code, out, _ = run(capsys, "doctor", "--browser", "firefox")
    assert code == 1
    assert f"its host {host} is not executable; run `chmod 755 '{host}'`" in out


def test_a_missing_launcher_is_broken(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """path names a file that is gone: broken, with `register again` as the fix."""
    path = _registered_firefox(capsys, home)
    Path(json.loads(path.read_text())["path"]).unlink()
    code, out, _ = run(capsys, "doctor", "--browser", "firefox")
    assert code == 1
    assert "does not exist; run `dlrescue register --browser firefox` again" in out


def test_a_manifest_with_a_bom_or_bad_json_is_broken(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BOM (which browsers refuse) and unparsable JSON are each reported."""
    path = _registered_firefox(capsys, home)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    code, out, _ = run(capsys, "doctor", "--browser", "firefox")
    assert code == 1 and "byte-order mark" in out
    path.write_text("{not json")
    code, out, _ = run(capsys, "doctor", "--browser", "firefox")
    assert code == 1 and "is not valid UTF-8 JSON" in out


def test_a_group_writable_manifest_folder_is_broken(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another user could replace the manifest: doctor says so and gives the chmod."""
    path = _registered_firefox(capsys, home)
    path.parent.chmod(0o775)
    code, out, _ = run(capsys, "doctor", "--browser", "firefox", "--no-hello")
    assert code == 1
    assert f"{path.parent} is group-writable (mode 0775)" in out
    assert f"chmod go-w '{path.parent}'" in out


def test_a_host_that_refuses_is_broken_with_its_own_words(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A host that exits without a reply: its last stderr line is shown."""
    path = _registered_firefox(capsys, home)
    host = fake_host(tmp_path, "sys.stderr.write('refusing somebody\\n'); sys.exit(3)")
    doc = json.loads(path.read_text())
    doc["path"] = str(host)
    path.write_text(json.dumps(doc))
    code, out, _ = run(capsys, "doctor", "--browser", "firefox")
    assert code == 1
    assert "the host exited with status 3 without a reply: refusing somebody" in out


def test_the_host_is_started_exactly_as_each_browser_would(tmp_path: Path) -> None:
    """Chrome family: argv [chrome-extension://ID/]; Firefox family: [manifest path, add-on
    id]; the working directory is the host's folder; one hello frame in, one reply out."""
    host = fake_host(
        tmp_path,
        "assert json.loads(frame)['type'] == 'hello'\n"
        "reply({'rid': 'doctor', 'ok': True, 'host_version': '9.9', 'protocol': 1})",
    )
    seen = tmp_path / "seen.json"
    for family, args in [
        ("chromium", [f"chrome-extension://{CHROME_EXTENSION_ID}/"]),
        ("firefox", ["/m/org.dlrescue.host.json", GECKO_ID]),
    ]:
        got = doctor.browser_args(family, "linux", "/m/org.dlrescue.host.json")  # type: ignore[arg-type]
        assert got == args
        said = doctor.hello([str(host), *got], cwd=str(tmp_path))
        assert said.problem is None and said.reply is not None
        assert said.reply["host_version"] == "9.9"
        assert json.loads(seen.read_text()) == {"argv": args, "cwd": str(tmp_path)}
    assert doctor.browser_args("chromium", "windows", "x")[-1] == "--parent-window=0"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("reply({'ok': True, 'protocol': 2, 'host_version': 'x'})", "speaks protocol 2"),
        ("reply({'ok': False, 'error': {'code': 'x'}})", "the host refused hello"),
        ("sys.stdout.buffer.write(b'\\x10\\x00\\x00\\x00{}')", "cut short"),
        ("sys.stdout.buffer.write(struct.pack('=I', 2) + b'no')", "is not JSON"),
        (
            "reply({'ok': True, 'protocol': 1}); reply({'ok': True, 'protocol': 1})",
            "more than one frame",
        ),
        ("import time; time.sleep(30)", "no reply within 1 s"),
    ],
)
def test_every_bad_hello_is_named(tmp_path: Path, body: str, problem: str) -> None:
    """Wrong protocol, an error reply, a cut frame, non-JSON, two frames, silence."""
    host = fake_host(tmp_path, body)
    said = doctor.hello([str(host)], cwd=str(tmp_path), timeout=1.0)
    assert said.problem is not None and problem in said.problem


def test_a_host_that_cannot_start_is_named(tmp_path: Path) -> None:
    """A path that cannot be executed gives a sentence, not an exception."""
    said = doctor.hello([str(tmp_path / "nothing")], cwd=str(tmp_path))
    assert said.problem is not None and said.problem.startswith("the host did not start")


def test_policy_problems_are_shown_without_breaking_the_registration(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad policy.toml is shown (the host serves with defaults); doctor still exits 0."""
    _registered_firefox(capsys, home)
    policy = home / ".config" / "dlrescue" / "policy.toml"
    policy.parent.mkdir(parents=True, exist_ok=True)
    policy.write_text("[categories.NETWORK]\nmax_atempts = 3\n")
    code, out, _ = run(capsys, "doctor", "--browser", "firefox", "--no-hello")
    assert code == 0
    assert any(line.startswith("policy: ") and "max_atempts" in line for line in out.splitlines())


def test_the_browser_option_limits_the_table_to_that_browser(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--browser limits the table to that browser."""
    code, out, _ = run(capsys, "doctor", "--browser", "edge", "--no-hello")
    assert code == 0
    lines = [ln for ln in out.splitlines() if ln and not ln.startswith(("BROWSER", "no "))]
    assert len(lines) == 1 and lines[0].startswith("Microsoft Edge")


OTHER_CHROME = "abcdefghijklmnopabcdefghijklmnop"


def udd_manifest(udd: Path) -> Path:
    return udd / "NativeMessagingHosts" / MANIFEST


def test_a_new_extension_id_reaches_the_manifest_of_an_earlier_user_data_dir(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """register --browser chromium --user-data-dir DIR, then register --extension-id X:
    the second run rewrites DIR's manifest too (dlrescue's record lists it), so doctor finds
    every registration healthy. With no browser installed, the id still reaches it."""
    udd = tmp_path / "my profile"
    assert run(capsys, "register", "--browser", "chromium", "--user-data-dir", str(udd))[0] == 0
    code, out, err = run(capsys, "register", "--extension-id", OTHER_CHROME)
    assert (code, err) == (0, ""), err
    assert f"wrote {udd_manifest(udd)} (chromium manifest, mode 0644)" in out
    origins = json.loads(udd_manifest(udd).read_text())["allowed_origins"]
    assert f"chrome-extension://{OTHER_CHROME}/" in origins
    code, out, _ = run(capsys, "doctor")
    assert code == 0, out
    assert out.rstrip().endswith("1 registration(s) healthy")


def test_doctor_names_the_exact_command_that_repairs_a_user_data_dir_registration(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DIR manifest changed by hand is left by a later register (and named with the
    command that rewrites it); doctor reports it broken with that exact command, with
    --browser, --user-data-dir DIR and the extension ids; running it repairs it: exit 0."""
    udd = tmp_path / "my profile"
    (home / ".config" / "chromium").mkdir(parents=True)
    assert run(capsys, "register", "--browser", "chromium", "--user-data-dir", str(udd))[0] == 0
    doc = json.loads(udd_manifest(udd).read_text())
    doc["description"] = "edited by hand"
    udd_manifest(udd).write_text(json.dumps(doc))
    code, out, _ = run(capsys, "register", "--extension-id", OTHER_CHROME)
    exact = (
        f"dlrescue register --browser chromium --user-data-dir '{udd}' "
        f"--extension-id {OTHER_CHROME}"
    )
    assert code == 0
    assert f"left {udd_manifest(udd)}: it changed since dlrescue wrote it (`{exact}`" in out
    code, out, _ = run(capsys, "doctor", "--no-hello")
    assert code == 1
    (fix,) = [line for line in out.splitlines() if "fix: " in line]
    assert f"lacks chrome-extension://{OTHER_CHROME}/; run `{exact}` again" in fix
    advised = re.search(r"run `([^`]+)`", fix)
    assert advised is not None and advised.group(1) == exact
    argv = shlex.split(advised.group(1))
    assert argv[:1] == ["dlrescue"]
    code, _, err = run(capsys, *argv[1:])
    assert (code, err) == (0, "")
    code, out, _ = run(capsys, "doctor")
    assert code == 0, out
    assert out.rstrip().endswith("2 registration(s) healthy")


def test_a_gone_user_data_dir_manifest_gets_its_exact_command(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DIR manifest deleted since: doctor's fix is the register command for that DIR."""
    udd = tmp_path / "p"
    assert run(capsys, "register", "--browser", "chromium", "--user-data-dir", str(udd))[0] == 0
    udd_manifest(udd).unlink()
    code, out, _ = run(capsys, "doctor", "--no-hello")
    assert code == 1
    fix = f"the manifest is gone; run `dlrescue register --browser chromium --user-data-dir {udd}`"
    assert fix in out
    assert run(capsys, "register", "--browser", "chromium", "--user-data-dir", str(udd))[0] == 0
    assert run(capsys, "doctor", "--no-hello")[0] == 0


def test_dlrescue_doctor_reports_the_system_files_problems(xdg: dict[str, str]) -> None:
    """A mistake in the system-wide file is a `policy:` line of `dlrescue doctor`, as one in
    the user's file is; the user's file, right, still applies (dlrescue policy)."""
    system, _user = fleet_files(xdg, b"[categories.NETWORK]\nmax_attempts = 'x'\n", USER)
    done = dlrescue("doctor", "--no-hello", env=xdg)
    lines = [line for line in done.stdout.splitlines() if line.startswith("policy: ")]
    assert any(f"{system}: [categories.NETWORK] max_attempts = 'x'" in line for line in lines), (
        done.stdout
    )
    view = json.loads(dlrescue("policy", "--format", "json", env=xdg).stdout)
    assert view["reasons"]["SERVER_UNREACHABLE"]["action"]["value"] == "resume"

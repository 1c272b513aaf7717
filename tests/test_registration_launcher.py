"""The launcher: rendered per OS, read back, and really run with `python -I`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from native_host.registration import RegistrationError, detect, launcher
from native_host.registration.launcher import BOOT, Install


def test_posix_launcher_quotes_paths_with_spaces_and_quotes() -> None:
    """Paths are shell-quoted arguments, never spliced into code: spaces and ' survive."""
    install = Install("/opt/my venv/bin/python", ("/home/o'brien/site packages",))
    text = launcher.render("linux", install).decode()
    assert text.startswith("#!/bin/sh\n")
    assert text.splitlines()[-1] == (
        "exec '/opt/my venv/bin/python' -I -c "
        f"'{BOOT}' 1 '/home/o'\"'\"'brien/site packages' \"$@\""
    )
    assert launcher.parse("linux", text.encode()) == install


def test_windows_launcher_is_a_batch_file_passing_the_browser_arguments() -> None:
    """On Windows: @echo off, every path double-quoted, %* for the browser's arguments."""
    install = Install(r"C:\Program Files\Python312\python.exe", (r"C:\Users\u\site",))
    data = launcher.render("windows", install)
    assert data == (
        b"@echo off\r\n"
        b"rem dlrescue native-messaging host launcher, written by `dlrescue register`.\r\n"
        + f'"C:\\Program Files\\Python312\\python.exe" "-I" "-c" "{BOOT}" "1" '
        f'"C:\\Users\\u\\site" %*\r\n'.encode()
    )
    assert launcher.parse("windows", data) == install


@pytest.mark.parametrize("bad", ["&", "^", "%", '"'])
def test_windows_launcher_refuses_paths_cmd_exe_would_misread(bad: str) -> None:
    """cmd.exe gives & ^ % \" meaning even inside quotes: such a path is refused in words."""
    with pytest.raises(RegistrationError, match=r"cmd\.exe misreads"):
        launcher.render("windows", Install(rf"C:\Users\a{bad}b\python.exe"))


def test_boot_code_has_no_character_cmd_exe_would_misread() -> None:
    """The constant code on the command line survives cmd.exe and single shell quotes."""
    assert not set(BOOT) & set("&^%\"'")


def test_parse_rejects_a_foreign_script() -> None:
    """Doctor only trusts launchers written by register."""
    assert launcher.parse("linux", b'#!/bin/sh\nexec python3 -m something "$@"\n') is None
    assert launcher.parse("linux", b"\xff\xfe") is None


def test_windows_argv_goes_through_cmd_exe() -> None:
    """A .bat cannot be executed directly: doctor starts it the way Chrome does, via cmd."""
    assert launcher.argv("windows", r"C:\d\dlrescue-host.bat", ["x"]) == [
        "cmd.exe",
        "/d",
        "/c",
        r"C:\d\dlrescue-host.bat",
        "x",
    ]
    assert launcher.argv("linux", "/d/dlrescue-host", ["x"]) == ["/d/dlrescue-host", "x"]


def test_the_install_of_this_test_run_is_found() -> None:
    """detect.install() names this interpreter unresolved, and every folder it adds is a
    real folder that `python -I` would not have."""
    install = detect.install()
    assert install.python == sys.executable
    isolated = set(detect.isolated_sys_path(sys.executable))
    assert all(os.path.isdir(d) and d not in isolated for d in install.site_dirs)


@pytest.mark.skipif(os.name == "nt", reason="POSIX launcher")
def test_a_written_launcher_starts_the_host_in_isolated_mode_from_a_folder_with_spaces(
    tmp_path: Path,
) -> None:
    """The real launcher, in a folder with spaces, starts the host (--version) even with a
    hostile environment: PYTHONPATH and a cwd holding a fake native_host are ignored."""
    folder = tmp_path / "data dir"
    folder.mkdir()
    path = folder / "dlrescue-host"
    path.write_bytes(launcher.render("linux", detect.install()))
    path.chmod(0o755)
    decoy = tmp_path / "decoy"
    (decoy / "native_host").mkdir(parents=True)
    (decoy / "native_host" / "__init__.py").write_text("raise SystemExit('decoy imported')")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(decoy), "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(path), "--version"], cwd=decoy, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dlrescue-host ")


@pytest.mark.skipif(os.name == "nt", reason="POSIX launcher")
def test_a_user_site_copy_wins_and_its_pth_files_are_read_under_isolation(
    tmp_path: Path,
) -> None:
    """The `pip install --user` case: `-I` drops the user site, so the launcher adds it.
    The copy there wins over an older one in the interpreter's site-packages (as it would
    without -I), its .pth files are honoured (editable installs), and the host sees only
    the browser's arguments."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    system_site = subprocess.run(
        [python, "-I", "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(system_site) / "native_host").mkdir()
    (Path(system_site) / "native_host" / "__init__.py").write_text("")
    (Path(system_site) / "native_host" / "host.py").write_text(
        "def main():\n    print('older system-wide copy')\n"
    )
    site_dir = tmp_path / "user site" / "site-packages"
    (site_dir / "native_host").mkdir(parents=True)
    (site_dir / "native_host" / "__init__.py").write_text("")
    (site_dir / "native_host" / "host.py").write_text(
        "import sys\ndef main():\n    import dep\n    print(dep.WHO, sys.argv[1:])\n    return 7\n"
    )
    extra = tmp_path / "from pth"
    extra.mkdir()
    (extra / "dep.py").write_text("WHO = 'user-site copy'\n")
    (site_dir / "dlrescue-test.pth").write_text(f"{extra}\n")
    path = tmp_path / "dlrescue-host"
    path.write_bytes(launcher.render("linux", Install(python, (str(site_dir),))))
    path.chmod(0o755)
    origin = "chrome-extension://gjccldfdjgdpkjgmhcahflepmbmohjjc/"
    done = subprocess.run(
        [str(path), origin], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (7, f"user-site copy ['{origin}']\n"), done.stderr

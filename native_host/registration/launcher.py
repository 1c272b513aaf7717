"""The launcher: the small script a manifest's `path` names (pure builder).

Browsers run `path` directly, so it must start the installed host with the right Python
whether dlrescue came from pip, pipx, a venv, `pip install --user` or `pip install -e .`:

    exec '/venv/bin/python' -I -c '<BOOT>' 1 '/home/u/.local/lib/python3.12/site-packages' "$@"

`-I` (isolated) ignores PYTHON* variables, the current folder and the user's site-packages,
so the browser's environment cannot change what runs. Because it drops the user's
site-packages, the folders the install needs that `python -I` would not see (found by
`detect.install()`) are passed as arguments and added with `site.addsitedir`, which also
reads their `.pth` files (editable installs). Paths are passed as arguments, quoted, never
spliced into code, so spaces and quotes in them are harmless. On Windows the launcher is a
batch file, and `cmd.exe` gives `& ^ % "` meanings even inside quotes: such paths are
refused with a sentence saying what to move.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from . import RegistrationError
from .targets import OS

#: Run by `python -I -c`: argv is [-c, N, dir1..dirN, browser args...]. The N folders are
#: added with their .pth files and placed where a user site-packages would be: after the
#: standard library, before the interpreter's site-packages (so a `pip install --user` copy
#: wins over an older one installed system-wide, as it would without -I).
BOOT = (
    "import site,sys;n=int(sys.argv[1]);d=sys.argv[2:2+n];del sys.argv[1:2+n];"
    "p=sys.path;k=len(p);[site.addsitedir(x) for x in d];s=set(site.getsitepackages());"
    "i=next((j for j,x in enumerate(p[:k]) if x in s),k);p[:]=p[:i]+p[k:]+p[i:k];"
    "from native_host.host import main;sys.exit(main())"
)

_CMD_SPECIAL = frozenset('&^%"\r\n')


@dataclass(frozen=True, slots=True)
class Install:
    """How this copy of dlrescue runs: its interpreter and the folders to add."""

    python: str
    site_dirs: tuple[str, ...] = ()


def render(os_name: OS, install: Install) -> bytes:
    """The launcher file's bytes for this OS."""
    args = [install.python, "-I", "-c", BOOT, str(len(install.site_dirs)), *install.site_dirs]
    if os_name == "windows":
        bad = [a for a in (install.python, *install.site_dirs) if _CMD_SPECIAL & set(a)]
        if bad:
            raise RegistrationError(
                f"cannot write a Windows launcher for {bad[0]!r}: cmd.exe misreads "
                'the characters & ^ % " in paths; reinstall dlrescue (and Python) in a '
                "folder whose path has none of them"
            )
        line = " ".join(f'"{a}"' for a in args) + " %*"
        return (
            "@echo off\r\n"
            "rem dlrescue native-messaging host launcher, written by `dlrescue register`.\r\n"
            f"{line}\r\n"
        ).encode()
    line = "exec " + " ".join(shlex.quote(a) for a in args) + ' "$@"'
    return (
        "#!/bin/sh\n"
        "# dlrescue native-messaging host launcher, written by `dlrescue register`.\n"
        "# Runs the host with the Python dlrescue is installed in, isolated (-I).\n"
        f"{line}\n"
    ).encode()


def parse(os_name: OS, data: bytes) -> Install | None:
    """Read back a launcher written by render() (doctor uses it); None if it is not one."""
    try:
        text = data.decode("utf-8")
        lines = [ln for ln in text.splitlines() if ln and not ln.startswith(("#", "@", "rem "))]
        if len(lines) != 1:
            return None
        if os_name == "windows":
            parts = [p for p in lines[0].split('"') if p.strip()]
            parts = parts[:-1] if parts[-1].strip() == "%*" else parts
        else:
            parts = shlex.split(lines[0])
            if parts[:1] != ["exec"] or parts[-1:] != ["$@"]:
                return None
            parts = parts[1:-1]
        python, flag, dash_c, boot, count, *dirs = parts
    except (UnicodeDecodeError, ValueError, IndexError):
        return None
    if (flag, dash_c, boot) != ("-I", "-c", BOOT) or not count.isdigit() or int(count) != len(dirs):
        return None
    return Install(python, tuple(dirs))


def argv(os_name: OS, launcher_path: str, browser_args: Sequence[str]) -> list[str]:
    """The command a browser runs for this launcher (Windows: through cmd.exe)."""
    if os_name == "windows":
        return ["cmd.exe", "/d", "/c", launcher_path, *browser_args]
    return [launcher_path, *browser_args]

"""What this machine has: its folders, the browsers installed, sandboxed packagings, and how
this copy of dlrescue is installed. All the look-ups of the machine that the pure tables
(targets.py) and builders (manifest.py, launcher.py) need, in one place.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from native_host import paths

from . import RegistrationError
from .launcher import Install
from .targets import (
    OS,
    PROFILES,
    PROGRAMS,
    SANDBOX_DIRS,
    SANDBOXES,
    TOR_BUNDLES,
    Env,
    Sandbox,
    Scope,
)


def current_os() -> OS:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "linux"


def current_env() -> Env:
    """This machine and user, as the tables need them (XDG variables honoured)."""
    os_name = current_os()
    home = os.path.expanduser("~")
    env = Env(
        os=os_name,
        home=home,
        config=os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
        data=os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share"),
        appdata=os.environ.get("APPDATA", ""),
        localappdata=os.environ.get("LOCALAPPDATA", ""),
        programdata=os.environ.get("PROGRAMDATA", ""),
        programfiles=os.environ.get("PROGRAMFILES", ""),
        own_user=str(paths.data_dir()),
        extensions_file=str(paths.extensions_path()),
    )
    return dataclasses.replace(env, tbb=tor_bundle(env) or "")


def tor_bundle(env: Env) -> str | None:
    """The first unpacked Tor Browser bundle found (Linux), else None."""
    for pattern in TOR_BUNDLES[env.os]:
        for match in sorted(glob.glob(env.path(pattern).as_posix())):
            if os.path.isdir(os.path.join(match, "Browser")):
                return match
    return None


@dataclass(frozen=True, slots=True)
class Presence:
    """Is a browser here, and how it is packaged."""

    installed: bool
    looked_in: tuple[str, ...]
    sandboxes: tuple[Sandbox, ...] = ()


def presence(key: str, env: Env, scope: Scope) -> Presence:
    """User scope: does the browser's profile folder exist? System scope: its program?"""
    templates = (PROFILES if scope == "user" else PROGRAMS).get((key, env.os), ())
    if any("{tbb}" in t for t in templates) and not env.tbb:  # no bundle found: not here
        looked = tuple(str(env.path(t)) for t in TOR_BUNDLES[env.os])
        installed = False
    else:
        looked = tuple(str(env.path(t)) for t in templates)
        installed = any(os.path.exists(p) for p in looked)
    found_sandboxes = tuple(
        s
        for s in SANDBOXES
        if s.browser == key
        and env.os == "linux"
        and scope == "user"
        and os.path.isdir(env.path(SANDBOX_DIRS[s.kind].replace("{app_id}", s.app_id)))
    )
    return Presence(installed, looked, found_sandboxes)


# --- how this copy of dlrescue is installed -------------------------------------------

_REQ_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _distribution_dirs(seed: str) -> list[str]:
    """Where the distribution `seed` and everything it requires are installed."""
    from importlib import metadata

    dirs: list[str] = []
    seen: set[str] = set()
    todo = [seed]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        where = os.path.abspath(str(dist.locate_file("")))
        if where not in dirs:
            dirs.append(where)
        for req in dist.requires or ():
            if "extra ==" in req:
                continue
            m = _REQ_NAME.match(req)
            if m:
                todo.append(m.group(0))
    return dirs


def isolated_sys_path(python: str) -> list[str]:
    """sys.path of `python -I`: what the launcher gets without help."""
    try:
        out = subprocess.run(
            [python, "-I", "-c", "import sys,json;print(json.dumps(sys.path))"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        found = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        raise RegistrationError(
            f"cannot run {python} -I to see its module path ({e}); reinstall dlrescue"
        ) from None
    return [os.path.abspath(p) for p in found if isinstance(p, str) and p]


def install() -> Install:
    """The interpreter running dlrescue now, and the folders `python -I` would miss.

    sys.executable is kept as it is (not resolved): in a venv or pipx it is the venv's
    python, which is what makes the venv's packages visible.
    """
    python = sys.executable
    if not python or not os.path.isabs(python):
        raise RegistrationError(
            "cannot tell which Python runs dlrescue (sys.executable is empty); "
            "run dlrescue through its installed `dlrescue` command"
        )
    if current_os() == "windows" and python.lower().endswith("pythonw.exe"):
        python = python[: -len("pythonw.exe")] + "python.exe"  # browsers need the console one
    import native_host

    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(native_host.__file__)))
    wanted = [package_parent, *_distribution_dirs("dlrescue")]
    seen = set(isolated_sys_path(python))
    extra: list[str] = []
    for d in wanted:
        if d not in seen and d not in extra:
            extra.append(d)
    return Install(python, tuple(extra))


def launcher_runs(argv: list[str], timeout: float = 30.0) -> str | None:
    """Run the launcher with --version: None when it starts the host, else why not."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        return f"it did not start: {e}"
    if done.returncode == 0 and "dlrescue-host" in done.stdout:
        return None
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return f"it exited with status {done.returncode}: {tail}"


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def system_scope_refusal(scope: Scope) -> str | None:
    """For --system on POSIX: why this process may not do it (None when it may)."""
    if scope == "system" and hasattr(os, "geteuid") and os.geteuid() != 0:
        return "--system writes system-wide folders and needs root: run it with sudo"
    return None


def sudo_note(scope: Scope) -> str | None:
    """As root through sudo in user scope, the registration is root's own, not the user's."""
    user = os.environ.get("SUDO_USER")
    if scope == "user" and is_root() and user and user != "root":
        return (
            f"note: running as root through sudo registers dlrescue for root's browsers "
            f"(HOME={Path.home()}); to register for {user}, run the command as {user} "
            "without sudo, or use --system"
        )
    return None

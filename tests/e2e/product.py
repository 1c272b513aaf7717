"""The product as a user meets it: the `dlrescue` command and its policy file.

Everything here goes through the public surface (contract sections 3 and 4): the policy is
made short through policy.toml in the user's config folder, the host is registered with
`dlrescue register`, and the history is read with `dlrescue history --format json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from .browsers import Home

REPO = Path(__file__).resolve().parents[2]

#: Short delays so the suite runs in minutes; the actions stay the product's defaults,
#: except SERVER's max_attempts, set to 3 (default 4) to prove the file is honoured.
POLICY_TOML = """\
# Written by the real-browser suite (tests/e2e): short delays, same actions.
[categories.NETWORK]
initial_delay_ms = 200
max_delay_ms = 600

[categories.SERVER]
initial_delay_ms = 200
max_delay_ms = 600
max_attempts = 3

[categories.CRASH]
initial_delay_ms = 200
max_delay_ms = 400

[reasons.SERVER_NO_RANGE]
initial_delay_ms = 200

[reasons.FILE_TOO_SHORT]
initial_delay_ms = 200
"""

SERVER_MAX_ATTEMPTS = 3


def dlrescue_command() -> list[str]:
    """The `dlrescue` console script next to this interpreter (not a pyenv shim, which
    needs the real HOME), else the module."""
    script = Path(sys.executable).parent / "dlrescue"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "native_host.cli"]


def run_dlrescue(home: Home, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*dlrescue_command(), *args],
        env=home.environ(),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"`dlrescue {' '.join(args)}` exited {proc.returncode}\n"
            f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
    return proc


def write_policy(home: Home) -> Path:
    path = home.config / "dlrescue" / "policy.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POLICY_TOML)
    return path


def register(home: Home, browser: str, user_data_dir: Path | None = None) -> str:
    """`dlrescue register` for one browser in this home; returns its output."""
    args = ["register", "--browser", browser]
    if user_data_dir is not None:
        args += ["--user-data-dir", str(user_data_dir)]
    proc = run_dlrescue(home, *args)
    return proc.stdout + proc.stderr


def manifest_path(home: Home, browser: str, user_data_dir: Path | None = None) -> Path:
    if browser == "chromium":
        assert user_data_dir is not None
        return user_data_dir / "NativeMessagingHosts" / "org.dlrescue.host.json"
    return home.home / ".mozilla" / "native-messaging-hosts" / "org.dlrescue.host.json"


def history(home: Home) -> list[dict[str, Any]]:
    """Every recorded event, newest first (`dlrescue history --format json`)."""
    if not (home.data / "dlrescue").exists():
        return []
    proc = run_dlrescue(home, "history", "--format", "json", "--limit", "500")
    try:
        items = json.loads(proc.stdout)
    except ValueError as e:
        raise AssertionError(
            f"`dlrescue history --format json` printed no JSON ({e}):\n"
            f"stdout: {proc.stdout[:600]!r}\nstderr: {proc.stderr[:600]!r}"
        ) from None
    assert isinstance(items, list)
    return items

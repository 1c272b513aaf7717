"""native_host.commands.policy: `dlrescue policy`: the effective policy, where each value came
from, and a broken file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hostio import Host, dlrescue
from test_handlers_managed import MANAGED, SYSTEM, USER, fleet_files

from native_host.cli import main
from native_host.policy import DEFAULT_CATEGORIES, DEFAULT_REASONS, RULE_KEYS
from native_host.report.cells import text_width


def policy_file(xdg: dict[str, str]) -> Path:
    return Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue" / "policy.toml"


def write_policy(xdg: dict[str, str], text: str) -> Path:
    path = policy_file(xdg)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["policy", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_without_a_file_every_value_is_a_default(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """With no policy.toml, the table says built-in defaults and names where the file would
    go; JSON sources every value to "default"; exit 0; nothing is created."""
    status, out, err = run(capsys)
    assert status == 0 and err == ""
    assert " ".join(out.split()).startswith(f"Policy: built-in defaults (no {policy_file(xdg)}).")
    assert "*" not in out.split("Keys:")[0]
    assert all(text_width(line) <= 80 for line in out.splitlines() if "/" not in line)
    status, out, _ = run(capsys, "--format", "json")
    view = json.loads(out)
    assert view["file_exists"] is False and view["problems"] == []
    assert set(view["categories"]) == set(DEFAULT_CATEGORIES)
    for rule in [*view["categories"].values(), *view["reasons"].values()]:
        assert {rule[k]["source"] for k in RULE_KEYS} == {"default"}
    assert view["categories"]["NETWORK"]["max_attempts"]["value"] == 8
    assert not policy_file(xdg).exists()


def test_values_from_the_users_file_are_marked_with_its_path(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A category value from policy.toml is marked * in the table and sourced to the file's
    path in JSON; its reasons inherit it; a user's reason override shows as a row."""
    path = write_policy(
        xdg,
        "[categories.NETWORK]\nmax_attempts = 3\ninitial_delay_ms = 500\n\n"
        '[reasons.SERVER_FAILED]\naction = "restart"\n',
    )
    status, out, err = run(capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert " ".join(out.split()).startswith(
        f"Policy: {path}; values marked * come from it, the rest are defaults."
    )
    network = next(line for line in lines if line.startswith("NETWORK "))
    assert network.split()[:4] == ["NETWORK", "resume", "3*", "500ms*"]
    server_down = next(line for line in lines if line.startswith("NETWORK_SERVER_DOWN "))
    assert server_down.split()[:4] == ["NETWORK_SERVER_DOWN", "resume", "3*", "10s"]
    server_failed = next(line for line in lines if line.startswith("SERVER_FAILED "))
    assert server_failed.split()[1] == "restart*"

    status, out, _ = run(capsys, "--format", "json")
    view = json.loads(out)
    assert view["file"] == str(path) and view["file_exists"] is True
    assert view["categories"]["NETWORK"]["max_attempts"] == {"value": 3, "source": str(path)}
    assert view["categories"]["NETWORK"]["action"] == {"value": "resume", "source": "default"}
    down: dict[str, Any] = view["reasons"]["NETWORK_SERVER_DOWN"]
    assert down["initial_delay_ms"] == {"value": 10_000, "source": "default"}
    assert down["max_attempts"] == {"value": 3, "source": str(path)}
    assert set(view["reasons"]) == {r for r, o in DEFAULT_REASONS.items() if o} | {"SERVER_FAILED"}


def test_a_broken_file_is_shown_on_stderr_with_the_defaults_and_exit_1(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """When policy.toml has problems, each is a line on stderr naming the file and the key,
    the table shows the defaults the host falls back to, and the exit status is 1 so a
    script can tell."""
    path = write_policy(xdg, "[categories.NETWRK]\nmax_attempts = 3\n")
    status, out, err = run(capsys)
    assert status == 1
    assert f"dlrescue policy: {path}: unknown [categories.NETWRK]; did you mean NETWORK?" in err
    assert " ".join(out.split()).startswith(f"Policy: built-in defaults, because {path} has")
    network = next(line for line in out.splitlines() if line.startswith("NETWORK "))
    assert network.split()[2] == "8"
    write_policy(xdg, "[categories.NETWORK]\nmax_attempts = -1\n")
    status, out, err = run(capsys, "--format", "json")
    assert status == 1 and "max_attempts = -1 is not allowed" in err
    assert json.loads(out)["problems"] and "max_attempts" in json.loads(out)["problems"][0]


def test_installed_command_prints_the_policy(xdg: dict[str, str]) -> None:
    """The installed `dlrescue policy` prints the same table and honours the user's file."""
    write_policy(xdg, "[categories.CRASH]\nmax_attempts = 2\n")
    command = shutil.which("dlrescue")
    assert command, "the dlrescue command is not installed (pip install -e .)"
    done = subprocess.run(
        [command, "policy"],
        capture_output=True,
        text=True,
        env={**os.environ, **xdg, "COLUMNS": "80"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    crash = next(line for line in done.stdout.splitlines() if line.startswith("CRASH "))
    assert crash.split()[:3] == ["CRASH", "resume", "2*"]


def test_dlrescue_policy_shows_each_browsers_differences_and_one_browsers_policy(
    xdg: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --browser: a section per browser listing what it decides differently, sourced
    ("default" for built-in, the file for the user's); --browser firefox: the policy Firefox
    gets; a browser dlrescue does not know is refused with the allowed names."""
    monkeypatch.setenv("COLUMNS", "80")
    path = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue" / "policy.toml"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"[browsers.chrome.reasons.NETWORK_TIMEOUT]\nmax_attempts = 3\n")

    assert main(["policy"]) == 0
    out = capsys.readouterr().out
    firefox = out.split("In firefox, decided differently")[1].split("\n\n")[0]
    assert [line.split()[0] for line in firefox.splitlines()[2:]] == [
        "CRASH",
        "SERVER_FAILED",
        "NETWORK_FAILED",
    ]
    chrome = out.split("In chrome, decided differently")[1].split("\n\n")[0]
    assert [line.split()[:3] for line in chrome.splitlines()[2:]] == [
        ["FILE_NO_SPACE", "restart", "3"],
        ["NETWORK_TIMEOUT", "resume", "3*"],
    ]
    assert all(len(line) <= 80 for line in out.splitlines() if "/" not in line)

    assert main(["policy", "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    crash = view["browsers"]["firefox"]["reasons"]["CRASH"]
    assert crash["action"] == {"value": "none", "source": "default"}
    timeout = view["browsers"]["chrome"]["reasons"]["NETWORK_TIMEOUT"]
    assert timeout["max_attempts"] == {"value": 3, "source": str(path)}
    assert view["categories"]["CRASH"]["action"]["value"] == "resume"

    assert main(["policy", "--browser", "firefox", "--format", "json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["browser"] == "firefox" and "browsers" not in view
    assert view["reasons"]["CRASH"]["action"]["value"] == "none"
    assert view["reasons"]["NETWORK_FAILED"]["no_progress_attempts"]["value"] == 2

    assert main(["policy", "--browser", "safari"]) == 2
    assert "--browser 'safari' is not one of chrome, firefox" in capsys.readouterr().err


def test_dlrescue_policy_shows_set_by_your_administrator(xdg: dict[str, str]) -> None:
    """After a host received a managed policy, the installed `dlrescue policy` (a terminal,
    no browser) shows its values as set by the administrator (`!`, source "managed"), the
    system file's as `~`, the user's as `*`, and names the refused value on stderr."""
    system, user = fleet_files(xdg, SYSTEM, USER)
    with Host(env=xdg) as host:
        host.ask({"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": MANAGED})
    done = dlrescue("policy", env=xdg)
    assert done.returncode == 1, done.stderr
    assert "[reasons.SERVER_FAILED] max_attempts = 'lots' is not allowed" in done.stderr
    text = " ".join(done.stdout.split())
    assert "are set by your administrator (the managed policy chrome sent on" in text
    assert f"Values marked ~ come from the system-wide {system}." in text
    network = next(line for line in done.stdout.splitlines() if line.startswith("NETWORK "))
    assert network.split()[1:3] == ["none!", "2!"] and "no~" in network
    view = json.loads(dlrescue("policy", "--format", "json", env=xdg).stdout)
    assert view["managed"]["browser"] == "chrome" and view["system_file"] == str(system)
    assert view["categories"]["NETWORK"]["action"] == {"value": "none", "source": "managed"}
    assert view["categories"]["NETWORK"]["notify"] == {"value": False, "source": str(system)}
    assert view["reasons"]["SERVER_UNREACHABLE"]["action"] == {
        "value": "resume",
        "source": str(user),
    }
    assert view["reasons"]["NETWORK_FAILED"]["max_attempts"]["source"] == "managed"

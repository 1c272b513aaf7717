"""policy.toml's per-browser tables ([browsers.B.categories.X], [browsers.B.reasons.X]):
parsed into the Policy's browser layers, kept in the host's cache, validated like the rest,
and shown by `dlrescue policy`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostio import frame, interrupted, run_host, unframe

from native_host.cli import main
from native_host.policy import DEFAULT_POLICY, Policy, rule_for
from native_host.policy_file import load_policy
from native_host.policy_schema import parse_policy

FILE = "/home/u/.config/dlrescue/policy.toml"

VALID = b"""
[reasons.SERVER_FAILED]
max_attempts = 6

[browsers.firefox.reasons.CRASH]
action = "resume"
max_attempts = 2

[browsers.firefox.categories.NETWORK]
no_progress_attempts = 3
initial_delay_ms = 4000

[browsers.chrome.reasons.NETWORK_TIMEOUT]
action = "restart"
"""


def test_browser_tables_parse_into_the_policys_browser_layers() -> None:
    """Each [browsers.B...] table becomes a partial layer for that browser only."""
    pol = parse_policy(VALID, FILE)
    assert isinstance(pol, Policy)
    assert pol.browsers == {
        "firefox": {
            "categories": {"NETWORK": {"initial_delay_ms": 4000, "no_progress_attempts": 3}},
            "reasons": {"CRASH": {"action": "resume", "max_attempts": 2}},
        },
        "chrome": {"categories": {}, "reasons": {"NETWORK_TIMEOUT": {"action": "restart"}}},
    }
    crash = rule_for(pol, "CRASH", "CRASH", "firefox")
    assert (crash.action, crash.max_attempts) == ("resume", 2)
    network = rule_for(pol, "NETWORK_FAILED", "NETWORK", "firefox")
    assert (network.no_progress_attempts, network.initial_delay_ms) == (3, 4000)
    assert rule_for(pol, "NETWORK_TIMEOUT", "NETWORK", "chrome").action == "restart"
    assert rule_for(pol, "NETWORK_TIMEOUT", "NETWORK").action == "resume"
    # The user's reason is below the user's browser layers but above Firefox's built-in one.
    assert rule_for(pol, "SERVER_FAILED", "SERVER", "firefox").max_attempts == 6


def test_no_progress_attempts_is_a_key_of_every_table() -> None:
    """no_progress_attempts is accepted in [categories.X] and [reasons.X] too, 0 to 1000."""
    pol = parse_policy(b"[reasons.SERVER_FAILED]\nno_progress_attempts = 2\n", FILE)
    assert isinstance(pol, Policy) and pol.reasons["SERVER_FAILED"] == {"no_progress_attempts": 2}
    problems = parse_policy(b"[categories.NETWORK]\nno_progress_attempts = 1001\n", FILE)
    assert isinstance(problems, list)
    assert problems == [
        f"{FILE}: [categories.NETWORK] no_progress_attempts = 1001 is not allowed; use a whole "
        "number from 0 to 1000 (0: off)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            b"[browsers.edge.reasons.CRASH]\naction = 'none'\n",
            "unknown browser [browsers.edge]; allowed: chrome, firefox",
        ),
        (
            b"[browsers.firefox.reasons.CRASHED]\naction = 'none'\n",
            "unknown [browsers.firefox.reasons.CRASHED]; did you mean CRASH?",
        ),
        (
            b"[browsers.firefox.categories.NETWRK]\naction = 'none'\n",
            "unknown [browsers.firefox.categories.NETWRK]; did you mean NETWORK?",
        ),
        (
            b"[browsers.firefox.defaults]\nx = 1\n",
            "unknown table [browsers.firefox.defaults]; allowed: "
            "[browsers.firefox.categories.X], [browsers.firefox.reasons.X]",
        ),
        (
            b"[browsers.firefox.reasons.CRASH]\nmax_attempts = 'two'\n",
            "[browsers.firefox.reasons.CRASH] max_attempts = 'two' is not allowed; use a whole "
            "number from 0 to 1000",
        ),
        (
            b"[browsers.chrome.categories.NETWORK]\naction = 'retry'\n",
            "[browsers.chrome.categories.NETWORK] action = 'retry' is not allowed; use "
            '"resume", "restart" or "none"',
        ),
        (
            b"[browsers.firefox.reasons.CRASH]\nretries = 1\n",
            "[browsers.firefox.reasons.CRASH] unknown key 'retries'; allowed: action, ",
        ),
        (b"[toolbox]\nx = 1\n", "allowed: [categories.X], [reasons.X], [browsers.B.categories.X]"),
    ],
)
def test_browser_mistakes_name_the_file_the_key_and_what_is_allowed(
    text: bytes, expected: str
) -> None:
    """A bad browser name, table, reason, key or value is a problem naming the file, the
    table and what is allowed, like every other mistake in policy.toml."""
    problems = parse_policy(text, FILE)
    assert isinstance(problems, list)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(f"{FILE}: ") for p in problems)


def test_a_file_with_a_bad_browser_falls_back_to_the_defaults(tmp_path: Path) -> None:
    """An unknown browser makes the whole file refused, as any mistake does."""
    path = tmp_path / "policy.toml"
    path.write_bytes(b"[browsers.safari.reasons.CRASH]\naction = 'none'\n")
    pol, problems = load_policy(path)
    assert pol == DEFAULT_POLICY
    assert "allowed: chrome, firefox" in problems[0]


def test_browser_layers_survive_the_hosts_policy_cache(tmp_path: Path) -> None:
    """The cache a host reads its policy back from keeps the browser layers."""
    path, cached = tmp_path / "policy.toml", tmp_path / "policy.json"
    path.write_bytes(VALID)
    first, problems = load_policy(path, cached)
    again, _ = load_policy(path, cached)
    assert problems == [] and cached.exists()
    assert again.browsers == first.browsers and again.browsers["firefox"]["reasons"]["CRASH"]


def test_a_users_firefox_table_changes_firefox_decisions_over_real_pipes(
    xdg: dict[str, str],
) -> None:
    """The real host applies [browsers.firefox.reasons.CRASH] to Firefox's requests only."""
    cfg = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    cfg.mkdir(parents=True)
    (cfg / "policy.toml").write_text('[browsers.firefox.reasons.CRASH]\naction = "restart"\n')
    requests = [
        {**interrupted(1, error="CRASH", url="https://a.example/f"), "browser": "firefox"},
        {**interrupted(2, error="CRASH", url="https://b.example/f"), "browser": "chrome"},
    ]
    replies = unframe(run_host(b"".join(frame(r) for r in requests), env=xdg).stdout)
    assert [r["decision"]["action"] for r in replies] == ["restart", "resume"]


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

"""native_host.policy_schema: policy.toml's per-browser tables parsed into the Policy's browser
layers and their mistakes named (file, table, key, what is allowed); a managed policy keeps
its valid values."""

from __future__ import annotations

import pytest
from test_handlers_managed import MANAGED

from native_host.policy import Policy, rule_for
from native_host.policy_schema import parse_managed, parse_policy

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


def test_a_bad_managed_value_is_refused_by_name_and_the_valid_rest_applies() -> None:
    """Unlike policy.toml (refused whole), the managed policy keeps its valid values: one
    typo must not lift every other restriction the administrator set."""
    policy, problems = parse_managed(MANAGED)
    assert policy.categories == {"NETWORK": {"action": "none", "max_attempts": 2}}
    assert policy.reasons == {"SERVER_FAILED": {"action": "none"}}
    assert problems == [
        "managed policy: [reasons.SERVER_FAILED] max_attempts = 'lots' is not allowed; "
        "use a whole number from 0 to 1000"
    ]
    assert parse_managed({"categorys": {}})[1][0].startswith("managed policy: unknown table")

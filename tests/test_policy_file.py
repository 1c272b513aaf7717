"""policy.toml: every key optional, every mistake named with the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_handlers_managed import SYSTEM, USER, fleet_files
from test_policy_schema import VALID

from native_host.policy import DEFAULT_POLICY, rule_for
from native_host.policy_file import load_policy
from native_host.policy_schema import parse_policy

CONTRACT_EXAMPLE = b"""
[categories.NETWORK]        # FILE, NETWORK, SERVER, USER, CRASH, UNKNOWN
action = "resume"           # resume | restart | none
max_attempts = 8            # per episode; then none + notify
initial_delay_ms = 2000     # first wait; doubles (backoff_factor) up to max_delay_ms
max_delay_ms = 300000
backoff_factor = 2.0
notify = true               # tell the user when it gives up or leaves a download

[reasons.SERVER_NO_RANGE]   # any canonical reason; overrides its category
action = "restart"
max_attempts = 1
"""


def test_the_contract_example_parses_to_the_layers_it_states() -> None:
    """The example of PROTOCOL.md's "Policy file" section is valid."""
    pol = parse_policy(CONTRACT_EXAMPLE)
    assert not isinstance(pol, list), pol
    assert pol.categories["NETWORK"]["max_attempts"] == 8
    assert pol.reasons["SERVER_NO_RANGE"] == {"action": "restart", "max_attempts": 1}


def test_absent_file_is_the_default_policy(tmp_path: Path) -> None:
    """No file, no problem."""
    assert load_policy(tmp_path / "policy.toml") == (DEFAULT_POLICY, [])


def test_partial_keys_keep_their_defaults() -> None:
    """Only initial_delay_ms given: the rest of SERVER's rule is unchanged."""
    pol = parse_policy(b"[categories.SERVER]\ninitial_delay_ms = 200\n")
    assert not isinstance(pol, list)
    rule = rule_for(pol, "SERVER_FAILED", "SERVER")
    assert rule.initial_delay_ms == 200
    assert rule.max_attempts == rule_for(DEFAULT_POLICY, "SERVER_FAILED", "SERVER").max_attempts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            b"[categories.NETWORK]\nmax_attempts = 'x'\n",
            "[categories.NETWORK] max_attempts = 'x' is not allowed; "
            "use a whole number from 0 to 1000",
        ),
        (b"[categories.NETWORK]\nmax_attempts = 2.5\n", "max_attempts = 2.5 is not allowed"),
        (b"[categories.NETWORK]\nmax_attempts = true\n", "max_attempts = True is not allowed"),
        (b"[categories.NETWORK]\nmax_attempts = -1\n", "from 0 to 1000"),
        (
            b"[categories.NETWORK]\naction = 'retry'\n",
            'action = \'retry\' is not allowed; use "resume", "restart" or "none"',
        ),
        (
            b"[categories.NETWORK]\nbackoff_factor = 0.5\n",
            "backoff_factor = 0.5 is not allowed; use a number from 1.0 to 10.0",
        ),
        (b"[categories.NETWORK]\nretries = 3\n", "[categories.NETWORK] unknown key 'retries'"),
        (
            b"[categories.NETWORKS]\naction = 'none'\n",
            "unknown [categories.NETWORKS]; did you mean NETWORK?",
        ),
        (b"[reasons.NETWORK_FAILD]\naction = 'none'\n", "did you mean NETWORK_FAILED?"),
        (b"[defaults]\nx = 1\n", "unknown table [defaults]"),
        (b"[categories.NETWORK\n", "is not valid TOML"),
        (b"\xff\xfe", "is not UTF-8"),
    ],
)
def test_mistakes_are_named_with_file_key_value_and_what_is_allowed(
    text: bytes, expected: str
) -> None:
    """Each mistake gives a problem line that names the file and says what is allowed."""
    problems = parse_policy(text, "/home/u/.config/dlrescue/policy.toml")
    assert isinstance(problems, list)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("/home/u/.config/dlrescue/policy.toml: ") for p in problems)


def test_broken_file_falls_back_to_defaults_and_says_so(tmp_path: Path) -> None:
    """A broken file: default policy, plus a line that says so."""
    path = tmp_path / "policy.toml"
    path.write_text("[categories.NETWORK]\nmax_attempts = 'lots'\n")
    pol, problems = load_policy(path)
    assert pol == DEFAULT_POLICY
    assert problems[-1].endswith("using the default policy until this is fixed")


def _load_in_a_fresh_process(policy: Path, cached: Path) -> dict[str, object]:
    """load_policy with a cache, in a new `python -I`: its result, log and imports."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from native_host.policy_file import load_policy\n"
        "log = []\n"
        f"policy, problems = load_policy(Path({str(policy)!r}), Path({str(cached)!r}),\n"
        "    log.append)\n"
        "print(json.dumps({'categories': policy.categories, 'reasons': policy.reasons,\n"
        "    'problems': problems, 'log': log,\n"
        "    'pydantic': any(m.split('.')[0] == 'pydantic' for m in sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_a_host_reads_its_policy_back_from_the_cache_without_pydantic(tmp_path: Path) -> None:
    """The first load validates with pydantic and keeps the result; the next process gets
    the same policy from the cache and never imports pydantic; editing the file is seen at
    once (its content is in the key)."""
    policy = tmp_path / "policy.toml"
    policy.write_bytes(CONTRACT_EXAMPLE)
    cached = tmp_path / "cache" / "policy.json"
    first = _load_in_a_fresh_process(policy, cached)
    assert first["pydantic"] is True and cached.exists()
    second = _load_in_a_fresh_process(policy, cached)
    assert second["pydantic"] is False
    assert {k: v for k, v in second.items() if k != "pydantic"} == {
        k: v for k, v in first.items() if k != "pydantic"
    }
    assert second["categories"] == {
        "NETWORK": {
            "action": "resume",
            "max_attempts": 8,
            "initial_delay_ms": 2000,
            "max_delay_ms": 300000,
            "backoff_factor": 2.0,
            "notify": True,
        }
    }
    policy.write_bytes(b"[categories.NETWORK]\nmax_attempts = 3\n")
    edited = _load_in_a_fresh_process(policy, cached)
    assert edited["pydantic"] is True and edited["categories"] == {"NETWORK": {"max_attempts": 3}}


def test_a_broken_policy_keeps_its_problems_in_the_cache_and_a_damaged_cache_is_redone(
    tmp_path: Path,
) -> None:
    """The problems of a broken file come back from the cache word for word (the host logs
    them at every start); a damaged cache file is logged and the policy read again."""
    policy = tmp_path / "policy.toml"
    policy.write_bytes(b"[categories.NETWORK]\nmax_attempts = -1\n")
    cached = tmp_path / "policy.json"
    first = _load_in_a_fresh_process(policy, cached)
    assert first["categories"] == {} and len(first["problems"]) == 2  # type: ignore[arg-type]
    again = _load_in_a_fresh_process(policy, cached)
    assert again["pydantic"] is False and again["problems"] == first["problems"]
    cached.write_bytes(b'{"key": "x", "data": []}')
    redone = _load_in_a_fresh_process(policy, cached)
    assert redone["problems"] == first["problems"]
    assert f"the cached policy {cached} is unusable" in str(redone["log"])


# [status.N] and [sites."..."] (issue 18) -----------------------------------------------------

SIGNALS = b"""
[status.503]
max_attempts = 6
initial_delay_ms = 10000

[status.401]
action = "resume"
notify = false

[sites."example.org"]
window_ms = 30000
pause_after = 4
pause_ms = 120000

[sites."*"]
pause_after = 0
"""


def test_status_and_site_tables_parse_to_their_layers() -> None:
    """[status.N] takes the keys of [reasons.X] and layers over the reason; [sites."..."]
    and [sites."*"] schedule a domain's failures."""
    from native_host.sites import DEFAULT_SITE, Site, site_for

    pol = parse_policy(SIGNALS)
    assert not isinstance(pol, list), pol
    assert pol.statuses == {
        "503": {"max_attempts": 6, "initial_delay_ms": 10000},
        "401": {"action": "resume", "notify": False},
    }
    assert rule_for(pol, "SERVER_FAILED", "SERVER", None, 503).max_attempts == 6
    assert rule_for(pol, "SERVER_FAILED", "SERVER", None, 401).action == "resume"
    assert site_for(pol, "dl.example.org") == Site(30000, 4, 120000)
    assert site_for(pol, "other.net") == DEFAULT_SITE._replace(pause_after=0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"[status.abc]\nmax_attempts = 1\n", "unknown [status.abc]; allowed: an HTTP status"),
        (b"[status.600]\nmax_attempts = 1\n", "unknown [status.600]; allowed: an HTTP status"),
        (b"[status.99]\nmax_attempts = 1\n", "unknown [status.99]"),
        (b"[status.503]\nwait = 1\n", "[status.503] unknown key 'wait'; allowed: action,"),
        (
            b"[status.503]\nmax_attempts = 'x'\n",
            "[status.503] max_attempts = 'x' is not allowed; use a whole number from 0 to 1000",
        ),
        (
            b'[status.429]\naction = "later"\n',
            '[status.429] action = \'later\' is not allowed; use "resume", "restart" or "none"',
        ),
        (
            b'[sites."Example.ORG"]\npause_ms = 1\n',
            'unknown [sites."Example.ORG"]; allowed: a host',
        ),
        (b'[sites."a b"]\npause_ms = 1\n', 'unknown [sites."a b"]'),
        (
            b'[sites."a.org"]\nwindow = 1\n',
            "[sites.\"a.org\"] unknown key 'window'; allowed: window_ms, pause_after, pause_ms",
        ),
        (
            b'[sites."a.org"]\npause_after = -1\n',
            '[sites."a.org"] pause_after = -1 is not allowed; use a whole number of failures '
            "from 0 to 1000 (0: never pause)",
        ),
        (
            b'[sites."*"]\nwindow_ms = 1.5\n',
            '[sites."*"] window_ms = 1.5 is not allowed; use a whole number of milliseconds '
            "from 0 to 86400000",
        ),
        (
            b'[sites."a.org"]\npause_ms = true\n',
            '[sites."a.org"] pause_ms = True is not allowed; use a whole number of milliseconds',
        ),
        (b"[statuses.503]\nmax_attempts = 1\n", "unknown table [statuses]; allowed:"),
    ],
)
def test_status_and_site_mistakes_name_file_key_and_allowed_values(
    text: bytes, expected: str
) -> None:
    """Each mistake in [status.N] or [sites."..."] names the file, the table, the key and
    what is allowed."""
    problems = parse_policy(text, "/home/u/.config/dlrescue/policy.toml")
    assert isinstance(problems, list)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("/home/u/.config/dlrescue/policy.toml: ") for p in problems)


def test_status_and_site_tables_come_back_from_the_cache(tmp_path: Path) -> None:
    """The cached policy keeps [status.N] and [sites."..."]: a host reading it back decides
    as the one that validated it."""
    policy = tmp_path / "policy.toml"
    policy.write_bytes(SIGNALS)
    cached = tmp_path / "cache" / "policy.json"
    first, problems = load_policy(policy, cached)
    assert problems == [] and cached.exists()
    again, _ = load_policy(policy, cached)
    assert again == first
    assert again.sites["example.org"]["pause_after"] == 4


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


def test_the_cache_key_holds_the_system_file(xdg: dict[str, str], tmp_path: Path) -> None:
    """Editing the system-wide file is seen at once by the next load through the cache."""
    system, user = fleet_files(xdg, SYSTEM, USER)
    cached = tmp_path / "policy.json"
    first, problems = load_policy(user, cached, system=system)
    assert problems == [] and cached.exists()
    assert rule_for(first, "FILE_TRANSIENT_ERROR", "FILE").action == "none"
    system.write_bytes(b"")
    again, _ = load_policy(user, cached, system=system)
    assert rule_for(again, "FILE_TRANSIENT_ERROR", "FILE").action == "resume"

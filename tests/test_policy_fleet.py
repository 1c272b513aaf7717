"""A fleet's policy: the system-wide policy.toml beneath the user's, and the administrator's
managed policy (sent by the extension in `hello`) above it, which the user's file cannot
loosen. Pure layering first, then the real host over pipes and the installed `dlrescue
policy`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hostio import Host, dlrescue, interrupted

from native_host.policy import Policy, rule_for, stacked
from native_host.policy_file import load_policy
from native_host.policy_schema import parse_managed
from native_host.sites import site_for

SYSTEM = b"""
[reasons.FILE_TRANSIENT_ERROR]
action = "none"
[reasons.SERVER_UNREACHABLE]
action = "none"
[categories.NETWORK]
notify = false
"""
USER = b"""
[reasons.SERVER_UNREACHABLE]
action = "resume"
[reasons.NETWORK_FAILED]
action = "resume"
max_attempts = 50
"""
MANAGED: dict[str, Any] = {
    "categories": {"NETWORK": {"action": "none", "max_attempts": 2}},
    "reasons": {"SERVER_FAILED": {"max_attempts": "lots", "action": "none"}},
}


def _files(xdg: dict[str, str], system: bytes | None, user: bytes | None) -> tuple[Path, Path]:
    paths = (
        Path(xdg["XDG_CONFIG_DIRS"]) / "dlrescue" / "policy.toml",
        Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue" / "policy.toml",
    )
    for path, text in zip(paths, (system, user), strict=True):
        if text is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text)
    return paths


def test_a_stronger_file_wins_every_key_it_sets_whatever_table_of_the_weaker_set_it() -> None:
    """Managed [categories.NETWORK] max_attempts beats the user's [reasons.NETWORK_FAILED]
    one (the user cannot loosen it), while the user's keys the administrator left alone,
    and the built-in reason overrides, still apply."""
    user = Policy(categories={}, reasons={"NETWORK_FAILED": {"max_attempts": 50, "notify": False}})
    managed = Policy(categories={"NETWORK": {"max_attempts": 2}}, reasons={})
    policy = stacked(("/home/u/policy.toml", user), ("managed", managed))
    rule = rule_for(policy, "NETWORK_FAILED", "NETWORK", "chrome")
    assert (rule.max_attempts, rule.notify) == (2, False)
    assert rule_for(policy, "NETWORK_INVALID_REQUEST", "NETWORK").action == "none"
    assert rule_for(user, "NETWORK_FAILED", "NETWORK").max_attempts == 50  # the file alone


def test_sites_stack_too_a_managed_every_site_beats_the_users_own_site() -> None:
    """[sites."*"] pause_after from the administrator wins over the user's
    [sites."example.org"]; the user's window stays."""
    user = Policy({}, {}, sites={"example.org": {"pause_after": 0, "window_ms": 5}})
    managed = Policy({}, {}, sites={"*": {"pause_after": 3}})
    site = site_for(stacked(("u", user), ("managed", managed)), "dl.example.org")
    assert (site.pause_after, site.window_ms) == (3, 5)


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


def test_the_cache_key_holds_the_system_file(xdg: dict[str, str], tmp_path: Path) -> None:
    """Editing the system-wide file is seen at once by the next load through the cache."""
    system, user = _files(xdg, SYSTEM, USER)
    cached = tmp_path / "policy.json"
    first, problems = load_policy(user, cached, system=system)
    assert problems == [] and cached.exists()
    assert rule_for(first, "FILE_TRANSIENT_ERROR", "FILE").action == "none"
    system.write_bytes(b"")
    again, _ = load_policy(user, cached, system=system)
    assert rule_for(again, "FILE_TRANSIENT_ERROR", "FILE").action == "resume"


def _decide(host: Host, error: str, rid: int) -> str:
    reply = host.ask(interrupted(rid, error=error, id=rid, url=f"https://e{rid}.example/f"))
    assert reply["ok"], reply
    return str(reply["decision"]["action"])


def test_the_host_applies_system_then_user_then_managed(xdg: dict[str, str]) -> None:
    """Over real pipes: the system file where the user is silent, the user's file over it,
    the managed policy from `hello` over both (a bad value in it refused with the field
    named in `warnings`, its valid rest applied); kept for `dlrescue policy`; a hello
    without it (the administrator removed it) drops it."""
    _files(xdg, SYSTEM, USER)
    kept = Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "managed-chrome.json"
    with Host(env=xdg) as host:
        hello = host.ask(
            {"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": MANAGED}
        )
        assert hello["ok"] and any(
            "[reasons.SERVER_FAILED] max_attempts = 'lots'" in w for w in hello["warnings"]
        ), hello
        assert _decide(host, "FILE_TRANSIENT_ERROR", 1) == "none"  # system
        assert _decide(host, "SERVER_UNREACHABLE", 2) == "resume"  # user over system
        assert _decide(host, "NETWORK_FAILED", 3) == "none"  # managed over the user's reason
        assert _decide(host, "SERVER_FAILED", 4) == "none"  # managed's valid rest
        assert kept.exists() and kept.stat().st_mode & 0o077 == 0
    with Host(env=xdg) as host:
        assert "warnings" not in host.ask({"type": "hello", "rid": 0, "browser": "chrome"})
        assert _decide(host, "NETWORK_FAILED", 5) == "resume"
        assert not kept.exists()


def test_a_managed_policy_too_large_is_ignored_whole_and_said(xdg: dict[str, str]) -> None:
    """Past 64 KiB the managed policy is refused whole with a warning; the hello succeeds."""
    huge = {"sites": {f"s{i}.example": {"pause_after": 1} for i in range(4000)}}
    with Host(env=xdg) as host:
        hello = host.ask({"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": huge})
        assert hello["ok"] and "KiB allowed; ignored whole" in hello["warnings"][0]
        assert _decide(host, "NETWORK_FAILED", 1) == "resume"


def test_dlrescue_policy_shows_set_by_your_administrator(xdg: dict[str, str]) -> None:
    """After a host received a managed policy, the installed `dlrescue policy` (a terminal,
    no browser) shows its values as set by the administrator (`!`, source "managed"), the
    system file's as `~`, the user's as `*`, and names the refused value on stderr."""
    system, user = _files(xdg, SYSTEM, USER)
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


def test_the_settings_pages_policy_request_shows_the_administrators_values(
    xdg: dict[str, str],
) -> None:
    """The `policy` request (the settings page's) on the port that sent a managed policy
    names "managed" as the source of its values and the system-wide file as the source of
    its own, so the page can lock the first."""
    system, _user = _files(xdg, SYSTEM, USER)
    with Host(env=xdg) as host:
        host.ask({"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": MANAGED})
        view = host.ask({"type": "policy", "rid": 1})["view"]
    assert view["managed"]["browser"] == "chrome" and view["system_file"] == str(system)
    assert view["categories"]["NETWORK"]["max_attempts"] == {"value": 2, "source": "managed"}
    assert view["categories"]["NETWORK"]["notify"]["source"] == str(system)


def test_a_managed_policy_nested_deep_or_with_controls_is_refused_and_escaped(
    xdg: dict[str, str],
) -> None:
    """A managed policy nested 800 deep, or naming a reason with control and bidi
    characters, still gets a hello: each is refused with its place named, escaped."""
    deep: dict[str, Any] = {}
    for _ in range(800):
        deep = {"x": deep}
    hostile = {"categories": {"NETWORK": deep}, "reasons": {"EVIL\x1b[31m\u202e": {}}}
    with Host(env=xdg) as host:
        hello = host.ask(
            {"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": hostile}
        )
        assert hello["ok"], hello
        text = "\n".join(hello["warnings"])
        assert "[categories.NETWORK] unknown key 'x'" in text, text
        assert "\\x1b" in text and "\x1b" not in text and "\u202e" not in text, text
        assert _decide(host, "NETWORK_FAILED", 1) == "resume"


def test_dlrescue_doctor_reports_the_system_files_problems(xdg: dict[str, str]) -> None:
    """A mistake in the system-wide file is a `policy:` line of `dlrescue doctor`, as one in
    the user's file is; the user's file, right, still applies (dlrescue policy)."""
    system, _user = _files(xdg, b"[categories.NETWORK]\nmax_attempts = 'x'\n", USER)
    done = dlrescue("doctor", "--no-hello", env=xdg)
    lines = [line for line in done.stdout.splitlines() if line.startswith("policy: ")]
    assert any(f"{system}: [categories.NETWORK] max_attempts = 'x'" in line for line in lines), (
        done.stdout
    )
    view = json.loads(dlrescue("policy", "--format", "json", env=xdg).stdout)
    assert view["reasons"]["SERVER_UNREACHABLE"]["action"]["value"] == "resume"

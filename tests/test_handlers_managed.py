"""native_host.handlers.managed over the real host's pipes: the administrator's policy a
`hello` carries applied above the system-wide and the user's policy.toml, kept per browser,
dropped when a hello comes without it, refused whole past its cap, and its hostile values
named and escaped. SYSTEM, USER, MANAGED and fleet_files are the fleet the other policy tests
use too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hostio import Host, interrupted

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


def fleet_files(xdg: dict[str, str], system: bytes | None, user: bytes | None) -> tuple[Path, Path]:
    """The system-wide and the user's policy.toml in `xdg`, each written when given."""
    paths = (
        Path(xdg["XDG_CONFIG_DIRS"]) / "dlrescue" / "policy.toml",
        Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue" / "policy.toml",
    )
    for path, text in zip(paths, (system, user), strict=True):
        if text is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text)
    return paths


def _decide(host: Host, error: str, rid: int) -> str:
    reply = host.ask(interrupted(rid, error=error, id=rid, url=f"https://e{rid}.example/f"))
    assert reply["ok"], reply
    return str(reply["decision"]["action"])


def test_the_host_applies_system_then_user_then_managed(xdg: dict[str, str]) -> None:
    """Over real pipes: the system file where the user is silent, the user's file over it,
    the managed policy from `hello` over both (a bad value in it refused with the field
    named in `warnings`, its valid rest applied); kept for `dlrescue policy`; a hello
    without it (the administrator removed it) drops it."""
    fleet_files(xdg, SYSTEM, USER)
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


def test_a_second_hello_on_the_same_port_replaces_the_managed_policy(xdg: dict[str, str]) -> None:
    """The extension's hello at a Chromium start carries the last managed policy it read;
    when storage.managed answers with another, a second hello on the same port (the same host
    process) carries that: the next decision is made under it, and the kept copy is it.
    Then a hello without one (storage.managed answered none) drops it on that port too."""
    kept = Path(xdg["XDG_DATA_HOME"]) / "dlrescue" / "managed-chrome.json"
    newer = {"categories": {"NETWORK": {"action": "none"}}}
    with Host(env=xdg) as host:
        assert host.ask({"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": {}})[
            "ok"
        ]
        assert _decide(host, "NETWORK_FAILED", 1) == "resume"
        again = host.ask({"type": "hello", "rid": 2, "browser": "chrome", "managed_policy": newer})
        assert again["ok"] and "warnings" not in again, again
        assert _decide(host, "NETWORK_FAILED", 3) == "none"
        assert kept.exists() and '"none"' in kept.read_text(encoding="utf-8")
        assert host.ask({"type": "hello", "rid": 4, "browser": "chrome"})["ok"]
        assert _decide(host, "NETWORK_FAILED", 5) == "resume"
        assert not kept.exists()

"""native_host.handlers.hello over real pipes: version, protocol, language, the policy file's
problems."""

from __future__ import annotations

from pathlib import Path

from hostio import Host, frame, interrupted, run_host, unframe

from native_host import __version__
from native_host.messages import HelloReply


def test_hello_reports_version_and_protocol(host: Host) -> None:
    """hello -> host_version and protocol 1, rid echoed."""
    reply = host.ask({"type": "hello", "rid": "h1", "browser": "chrome", "lang": "en"})
    HelloReply.model_validate(reply)
    assert reply == {"rid": "h1", "ok": True, "host_version": __version__, "protocol": 1}


def test_broken_policy_file_serves_defaults_and_says_so(xdg: dict[str, str]) -> None:
    """A broken policy.toml: defaults apply, the problem is on stderr, in the log and in hello."""
    cfg = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue"
    cfg.mkdir(parents=True)
    (cfg / "policy.toml").write_text("[categories.NETWORK]\nmax_attempts = 'many'\n")
    proc = run_host(frame({"type": "hello"}) + frame(interrupted()), env=xdg)
    hello, decision = unframe(proc.stdout)
    assert any("max_attempts = 'many'" in w for w in hello["warnings"])
    assert decision["decision"]["max_attempts"] == 8
    assert b"max_attempts = 'many'" in proc.stderr
    log = Path(xdg["XDG_STATE_HOME"]) / "dlrescue" / "log" / "host.log"
    assert "using the default policy" in log.read_text()


def test_explanations_follow_the_language_announced_in_hello(host: Host) -> None:
    """After hello with lang fr, explanations are French."""
    english = host.ask(interrupted(1))["decision"]["explanation"]
    host.ask({"type": "hello", "lang": "fr"})
    french = host.ask(interrupted(2, url="https://other.example/f"))["decision"]["explanation"]
    assert "attempt" in english and "tentative" in french

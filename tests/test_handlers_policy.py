"""The settings page's two requests over the real host's pipes: `policy` (the effective
policy with each value's source, and what each key allows) and `set_policy` (policy.toml
changed keeping its comments, all or nothing; the next decision uses the saved value)."""

from __future__ import annotations

from pathlib import Path

from hostio import Host, frame, run_host, unframe
from test_handlers_managed import MANAGED, SYSTEM, USER, fleet_files

from native_host.messages import PolicyReply

POLICY = """\
# written by hand
[categories.NETWORK]  # my network is flaky
max_attempts = 12
"""


def _policy_file(xdg: dict[str, str]) -> Path:
    path = Path(xdg["XDG_CONFIG_HOME"]) / "dlrescue" / "policy.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(POLICY, encoding="utf-8")
    return path


def _cut(rid: int, download_id: int) -> dict[str, object]:
    return {
        "type": "interrupted",
        "rid": rid,
        "browser": "chrome",
        "download": {
            "id": download_id,
            "url": f"https://e.org/{download_id}",
            "error": "NETWORK_FAILED",
        },
    }


def test_policy_shows_each_value_with_its_source_and_what_it_allows(
    host: Host, xdg: dict[str, str]
) -> None:
    path = _policy_file(xdg)
    reply = host.ask({"type": "policy", "rid": 1, "browser": "firefox"})
    assert reply["ok"] and reply["rid"] == 1
    view = reply["view"]
    assert view["browser"] == "firefox" and view["file"] == str(path)
    assert view["categories"]["NETWORK"]["max_attempts"] == {"value": 12, "source": str(path)}
    assert view["categories"]["NETWORK"]["action"] == {"value": "resume", "source": "default"}
    assert set(view["statuses"]) >= {"401", "429", "5xx"} and "*" in view["sites"]
    allowed = reply["allowed"]
    assert allowed["action"]["values"] == ["resume", "restart", "none"]
    assert allowed["max_attempts"] == {
        "type": "int",
        "min": 0,
        "max": 1000,
        "text": "a whole number from 0 to 1000",
    }
    assert allowed["notify"]["type"] == "bool" and allowed["pause_ms"]["type"] == "int"
    assert reply["known_reasons"]["NETWORK_FAILED"] == "NETWORK"
    assert reply["known_reasons"]["FILE_NO_SPACE"] == "FILE"
    assert reply["file_values"]["categories"] == {"NETWORK": {"max_attempts": 12}}
    assert reply["file_values"]["reasons"] == {}
    PolicyReply.model_validate(reply)


def test_set_policy_writes_keeping_comments_and_the_next_decision_uses_it(
    host: Host, xdg: dict[str, str]
) -> None:
    """Before: NETWORK_FAILED is resumed. set_policy makes it `none` (and NETWORK's
    max_attempts 5): policy.toml keeps its comments, the reply's view shows the new values
    from the file, and the next interruption on the same port is left."""
    path = _policy_file(xdg)
    assert host.ask({"type": "hello", "rid": 0, "browser": "chrome"})["ok"]
    assert host.ask(_cut(1, 1))["decision"]["action"] == "resume"
    reply = host.ask(
        {
            "type": "set_policy",
            "rid": 2,
            "changes": [
                {"table": ["categories", "NETWORK"], "key": "max_attempts", "value": 5},
                {"table": ["reasons", "NETWORK_FAILED"], "key": "action", "value": "none"},
            ],
        }
    )
    assert reply["ok"] and reply["written"] is True and reply["file"] == str(path), reply
    PolicyReply.model_validate(reply)
    assert path.read_text(encoding="utf-8") == POLICY.replace("= 12", "= 5") + (
        '\n[reasons.NETWORK_FAILED]\naction = "none"\n'
    )
    rule = reply["view"]["reasons"]["NETWORK_FAILED"]
    assert rule["action"] == {"value": "none", "source": str(path)}
    assert rule["max_attempts"] == {"value": 5, "source": str(path)}
    decision = host.ask(_cut(3, 2))["decision"]
    assert decision["action"] == "none" and decision["max_attempts"] == 5


def test_a_refused_change_names_the_field_and_writes_nothing(
    host: Host, xdg: dict[str, str]
) -> None:
    """A value out of range, with a good change beside it: policy_refused naming the field,
    the value and the allowed range; the file and the decisions stay as they were."""
    path = _policy_file(xdg)
    reply = host.ask(
        {
            "type": "set_policy",
            "rid": "r",
            "changes": [
                {"table": ["reasons", "NETWORK_FAILED"], "key": "action", "value": "none"},
                {"table": ["categories", "NETWORK"], "key": "initial_delay_ms", "value": -1},
            ],
        }
    )
    assert reply == {
        "rid": "r",
        "ok": False,
        "error": {
            "code": "policy_refused",
            "message": "policy.toml: [categories.NETWORK] initial_delay_ms = -1 is not allowed; "
            "use a whole number of milliseconds from 0 to 86400000",
            "field": "categories.NETWORK.initial_delay_ms",
        },
    }
    assert path.read_text(encoding="utf-8") == POLICY
    assert host.ask(_cut(1, 1))["decision"]["action"] == "resume"


def test_another_hosts_change_is_used_by_the_next_decision(xdg: dict[str, str]) -> None:
    """Two browsers, two hosts: a change saved through one is read by the other before its
    next decision (policy.toml is read again when it changed)."""
    _policy_file(xdg)
    with Host(env=xdg) as first, Host(env=xdg) as second:
        assert second.ask(_cut(1, 1))["decision"]["action"] == "resume"
        change = {"table": ["reasons", "NETWORK_FAILED"], "key": "action", "value": "none"}
        assert first.ask({"type": "set_policy", "rid": 1, "changes": [change]})["ok"]
        assert second.ask(_cut(2, 2))["decision"]["action"] == "none"
        assert first.close()[0] == 0 and second.close()[0] == 0


def test_a_decision_sent_with_the_save_in_one_write_uses_the_saved_value(
    xdg: dict[str, str],
) -> None:
    """set_policy and an interruption written at once (one batch when the host reads them
    together): the decision after the save follows it; the one before does not."""
    _policy_file(xdg)
    change = {"table": ["reasons", "NETWORK_FAILED"], "key": "action", "value": "none"}
    save = {"type": "set_policy", "rid": 2, "changes": [change]}
    data = b"".join(frame(m) for m in (_cut(1, 1), save, _cut(3, 2)))
    before, saved, after = unframe(run_host(data, env=xdg).stdout)
    assert saved["ok"] and saved["written"] is True, saved
    assert before["decision"]["action"] == "resume"
    assert after["decision"]["action"] == "none"


def test_set_policy_requests_are_strict_and_capped(host: Host, xdg: dict[str, str]) -> None:
    """More than 32 changes, a value that is an object, a table path of one name: refused
    before anything is read (invalid_message, the field named); the file is untouched."""
    path = _policy_file(xdg)
    change = {"table": ["reasons", "CRASH"], "key": "max_attempts", "value": 1}
    cases = [
        ([change] * 33, "changes"),
        ([{**change, "value": {"x": 1}}], "changes.value"),
        ([{**change, "table": ["reasons"]}], "changes.table"),
        ([{**change, "key": "k" * 65}], "changes.key"),
    ]
    for changes, field in cases:
        reply = host.ask({"type": "set_policy", "rid": 1, "changes": changes})
        assert reply["error"]["code"] == "invalid_message", reply
        assert reply["error"]["field"] == field, reply
    assert path.read_text(encoding="utf-8") == POLICY


def test_a_value_the_administrator_set_cannot_be_changed_and_shows_as_managed(
    host: Host, xdg: dict[str, str]
) -> None:
    """With a managed policy (sent in hello) setting NETWORK's max_attempts: the policy
    reply sources it "managed"; set_policy on it is refused (policy_refused, the field
    named, "set by your administrator"), nothing written; a key the administrator left
    alone can still be changed."""
    path = _policy_file(xdg)
    managed = {"categories": {"NETWORK": {"max_attempts": 2}}}
    hello = {"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": managed}
    assert host.ask(hello)["ok"]
    view = host.ask({"type": "policy", "rid": 1})["view"]
    assert view["categories"]["NETWORK"]["max_attempts"] == {"value": 2, "source": "managed"}
    field = {"table": ["categories", "NETWORK"], "key": "max_attempts", "value": 20}
    reply = host.ask({"type": "set_policy", "rid": 2, "changes": [field]})
    assert reply["error"]["code"] == "policy_refused", reply
    assert reply["error"]["field"] == "categories.NETWORK.max_attempts"
    assert "set by your administrator" in reply["error"]["message"]
    assert path.read_text(encoding="utf-8") == POLICY
    other = {**field, "key": "initial_delay_ms", "value": 3000}
    assert host.ask({"type": "set_policy", "rid": 3, "changes": [other]})["written"] is True


def test_file_values_are_the_users_file_alone_under_a_managed_policy(
    host: Host, xdg: dict[str, str]
) -> None:
    """With the files stacked (the user's policy.toml under a managed policy setting SERVER and
    a reason), the policy reply's file_values are what policy.toml itself sets: NETWORK's
    max_attempts, none of the administrator's values, and no reason."""
    _policy_file(xdg)
    managed = {
        "categories": {"SERVER": {"max_attempts": 2}},
        "reasons": {"NETWORK_FAILED": {"action": "none"}},
    }
    hello = {"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": managed}
    assert host.ask(hello)["ok"]
    reply = host.ask({"type": "policy", "rid": 1})
    assert reply["view"]["categories"]["SERVER"]["max_attempts"]["source"] == "managed"
    assert reply["file_values"]["categories"] == {"NETWORK": {"max_attempts": 12}}
    assert reply["file_values"]["reasons"] == {}


def test_the_settings_pages_policy_request_shows_the_administrators_values(
    xdg: dict[str, str],
) -> None:
    """The `policy` request (the settings page's) on the port that sent a managed policy
    names "managed" as the source of its values and the system-wide file as the source of
    its own, so the page can lock the first."""
    system, _user = fleet_files(xdg, SYSTEM, USER)
    with Host(env=xdg) as host:
        host.ask({"type": "hello", "rid": 0, "browser": "chrome", "managed_policy": MANAGED})
        view = host.ask({"type": "policy", "rid": 1})["view"]
    assert view["managed"]["browser"] == "chrome" and view["system_file"] == str(system)
    assert view["categories"]["NETWORK"]["max_attempts"] == {"value": 2, "source": "managed"}
    assert view["categories"]["NETWORK"]["notify"]["source"] == str(system)

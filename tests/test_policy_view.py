"""native_host.policy_view: the effective policy, each value with its source."""

from __future__ import annotations

from native_host.policy import DEFAULT_REASONS, RULE_KEYS, Policy
from native_host.policy_schema import parse_policy
from native_host.policy_view import policy_view

# -- policy and prune -----------------------------------------------------------------------


def test_policy_view_names_the_source_of_every_value() -> None:
    """A value set in the user's file is sourced to its path, others to "default"; a user
    reason override adds that reason; each rule has every key."""
    user = parse_policy(
        b"[categories.NETWORK]\nmax_attempts = 3\n[reasons.NETWORK_TIMEOUT]\nnotify = false\n"
    )
    assert isinstance(user, Policy)
    view = policy_view(user, "/cfg/policy.toml", exists=True)
    network = view["categories"]["NETWORK"]
    assert network["max_attempts"] == {"value": 3, "source": "/cfg/policy.toml"}
    assert network["action"] == {"value": "resume", "source": "default"}
    timeout = view["reasons"]["NETWORK_TIMEOUT"]
    assert timeout["notify"] == {"value": False, "source": "/cfg/policy.toml"}
    assert timeout["max_attempts"]["source"] == "/cfg/policy.toml"  # from the user's category
    no_range = view["reasons"]["SERVER_NO_RANGE"]
    assert no_range["action"] == {"value": "restart", "source": "default"}
    assert set(view["reasons"]) == {r for r, o in DEFAULT_REASONS.items() if o} | {
        "NETWORK_TIMEOUT"
    }
    for rule in view["reasons"].values():
        assert tuple(k for k in rule if k != "category") == RULE_KEYS

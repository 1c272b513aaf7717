"""native_host.report.policy: `dlrescue policy` as tables."""

from __future__ import annotations

from native_host.policy import DEFAULT_POLICY, Policy
from native_host.policy_schema import parse_policy
from native_host.policy_view import policy_view
from native_host.report.cells import text_width
from native_host.report.policy import policy_table


def test_policy_table_marks_the_users_values() -> None:
    """Values from the user's file carry a * and the first line says where the file is."""
    user = parse_policy(b"[categories.SERVER]\nmax_attempts = 2\n")
    assert isinstance(user, Policy)
    lines = list(policy_table(policy_view(user, "/cfg/policy.toml", exists=True)))
    assert lines[0].startswith("Policy: /cfg/policy.toml; values marked * come from it")
    server = next(line for line in lines if line.startswith("SERVER "))
    assert server.split()[:3] == ["SERVER", "resume", "2*"]
    assert all(text_width(line) <= 80 for line in lines)
    defaults = list(policy_table(policy_view(DEFAULT_POLICY, "/cfg/policy.toml", exists=False)))
    assert defaults[0] == "Policy: built-in defaults (no /cfg/policy.toml)."
    assert not any("*" in line for line in defaults if not line.startswith(("Policy", "Keys")))

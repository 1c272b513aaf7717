"""The policy: defaults for every reason, layering, backoff with full jitter, pure decide()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from native_host import policy
from native_host.policy import DEFAULT_POLICY, Policy, Rule, backoff_ms, decide, rule_for
from native_host.reasons import KNOWN_REASONS, category_of

NEVER = [
    "FILE_VIRUS_INFECTED",
    "FILE_BLOCKED",
    "FILE_SECURITY_CHECK_FAILED",
    "FILE_SAME_AS_SOURCE",
    "NETWORK_INVALID_REQUEST",
    "SERVER_BAD_CONTENT",
    "SERVER_UNAUTHORIZED",
    "SERVER_CERT_PROBLEM",
    "SERVER_FORBIDDEN",
    "SERVER_CROSS_ORIGIN_REDIRECT",
    "USER_CANCELED",
    "USER_SHUTDOWN",
]


def _decide(
    reason: str,
    attempt: int = 1,
    *,
    can_resume: bool | None = True,
    http: bool = True,
    jitter: float = 0.5,
    pol: Policy = DEFAULT_POLICY,
    known: bool = True,
    earlier_same_reason: int | None = None,
) -> policy.Decision:
    category = category_of(reason)
    return decide(
        rule_for(pol, reason, category),
        reason=reason,
        category=category,
        known=known,
        attempt=attempt,
        earlier_same_reason=earlier_same_reason,
        can_resume=can_resume,
        http=http,
        jitter=jitter,
    )


def test_every_known_reason_has_a_deliberate_default() -> None:
    """No reason falls through: each one is listed in DEFAULT_REASONS on purpose."""
    assert set(policy.DEFAULT_REASONS) == set(KNOWN_REASONS)
    assert set(policy.DEFAULT_CATEGORIES) == {
        "FILE",
        "NETWORK",
        "SERVER",
        "USER",
        "CRASH",
        "UNKNOWN",
    }


@pytest.mark.parametrize("reason", NEVER)
def test_reasons_chromium_marks_invalid_are_never_retried(reason: str) -> None:
    """INVALID resume modes (and user actions) give `none` on the first interruption."""
    assert _decide(reason).action == "none"


def test_user_reasons_are_left_silently_and_security_reasons_notify() -> None:
    """A user's own cancel is not worth a notification; a blocked file is."""
    assert _decide("USER_CANCELED").notify is False
    assert _decide("FILE_VIRUS_INFECTED").notify is True
    assert _decide("SERVER_FORBIDDEN").notify is True


@pytest.mark.parametrize(
    ("reason", "action"),
    [
        ("NETWORK_FAILED", "resume"),
        ("NETWORK_TIMEOUT", "resume"),
        ("NETWORK_DISCONNECTED", "resume"),
        ("SERVER_FAILED", "resume"),
        ("SERVER_UNREACHABLE", "resume"),
        ("CRASH", "resume"),
        ("SERVER_NO_RANGE", "restart"),
        ("FILE_TOO_SHORT", "restart"),
        ("FILE_HASH_MISMATCH", "restart"),
        ("SERVER_CONTENT_LENGTH_MISMATCH", "restart"),
        ("FILE_TRANSIENT_ERROR", "restart"),
    ],
)
def test_defaults_follow_chromium_resume_modes(reason: str, action: str) -> None:
    """USER_CONTINUE reasons resume; IMMEDIATE_* reasons (Chrome already tried) restart."""
    assert _decide(reason).action == action


def test_attempts_beyond_the_maximum_give_up_with_a_notification() -> None:
    """NETWORK allows 8 attempts; the 9th interruption is `none` + notify, cause gave_up."""
    assert _decide("NETWORK_FAILED", 8).action == "resume"
    last = _decide("NETWORK_FAILED", 9)
    assert (last.action, last.notify, last.cause, last.attempt, last.max_attempts) == (
        "none",
        True,
        "gave_up",
        9,
        8,
    )


def test_can_resume_false_never_yields_resume() -> None:
    """A resume the browser says is impossible becomes a restart."""
    d = _decide("NETWORK_FAILED", can_resume=False)
    assert (d.action, d.cause) == ("restart", "cannot_resume")
    assert _decide("NETWORK_FAILED", can_resume=None).action == "resume"


def test_urls_that_cannot_be_fetched_again_are_left() -> None:
    """blob: and data: downloads cannot be resumed or restarted."""
    d = _decide("NETWORK_FAILED", http=False)
    assert (d.action, d.cause) == ("none", "not_http")


def test_unknown_reason_is_left_and_paused_is_not_a_failure() -> None:
    """An unknown reason is decided `none`; a pause is `none` without a notification."""
    assert _decide("LOCAL_DOWNLOAD_BLOCKED", known=False).cause == "unknown_reason"
    rule = rule_for(DEFAULT_POLICY, "USER_PAUSED", "USER")
    d = decide(
        rule,
        reason="USER_PAUSED",
        category="USER",
        known=True,
        attempt=1,
        can_resume=True,
        http=True,
        paused=True,
        jitter=0.1,
    )
    assert (d.action, d.notify, d.cause) == ("none", False, "paused")


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    """Delay = jitter x min(cap, initial x factor^(attempt-1))."""
    rule = Rule("resume", 10, 1000, 5000, 2.0, True)
    assert [backoff_ms(rule, n, 0.999999) for n in (1, 2, 3, 4, 5)] == [999, 1999, 3999, 4999, 4999]
    assert backoff_ms(rule, 3, 0.0) == 0
    assert backoff_ms(rule, 3, 0.5) == 2000
    assert backoff_ms(rule, 1000, 0.5) == 2500  # huge attempts do not overflow


@given(
    st.sampled_from(KNOWN_REASONS),
    st.integers(1, 2000),
    st.floats(0, 1, exclude_max=True),
    st.sampled_from([True, False, None]),
    st.booleans(),
)
def test_decide_is_total_and_within_bounds(
    reason: str, attempt: int, jitter: float, can_resume: bool | None, http: bool
) -> None:
    """For any reason and attempt: a valid action, delay within the rule's cap, no resume when
    canResume is false, and never a retry past max_attempts."""
    d = _decide(reason, attempt, can_resume=can_resume, http=http, jitter=jitter)
    rule = rule_for(DEFAULT_POLICY, reason, category_of(reason))
    assert d.action in policy.ACTIONS
    assert 0 <= d.delay_ms <= rule.max_delay_ms
    assert not (can_resume is False and d.action == "resume")
    assert d.action == "none" or attempt <= rule.max_attempts
    assert d == _decide(reason, attempt, can_resume=can_resume, http=http, jitter=jitter)  # pure


def test_user_category_layer_applies_but_builtin_never_reasons_stay_never() -> None:
    """[categories.NETWORK] changes NETWORK_FAILED, not NETWORK_INVALID_REQUEST."""
    pol = Policy(categories={"NETWORK": {"action": "restart", "max_attempts": 2}}, reasons={})
    assert rule_for(pol, "NETWORK_FAILED", "NETWORK").action == "restart"
    assert rule_for(pol, "NETWORK_FAILED", "NETWORK").max_attempts == 2
    assert rule_for(pol, "NETWORK_INVALID_REQUEST", "NETWORK").action == "none"


def test_user_reason_layer_wins_over_everything() -> None:
    """[reasons.SERVER_FORBIDDEN] action = "restart" makes a 403 retried."""
    pol = Policy(
        categories={}, reasons={"SERVER_FORBIDDEN": {"action": "restart", "max_attempts": 1}}
    )
    assert rule_for(pol, "SERVER_FORBIDDEN", "SERVER").action == "restart"
    assert _decide("SERVER_FORBIDDEN", pol=pol).action == "restart"


def test_policy_module_imports_no_io() -> None:
    """policy.py and reasons.py are pure: no os, sqlite3, io, pathlib, socket imports."""
    import ast
    from pathlib import Path

    for module in ("policy.py", "reasons.py", "privacy.py", "explanations.py"):
        tree = ast.parse((Path(policy.__file__).parent / module).read_text())
        names = {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
        }
        names |= {
            (n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
        }
        assert not names & {"os", "sqlite3", "io", "pathlib", "socket", "subprocess", "shutil"}, (
            module
        )


def test_each_reason_has_its_own_budget_within_an_episode() -> None:
    """Two network failures, then SERVER_NO_RANGE: still restarted once (attempt 3 of 3);
    a second SERVER_NO_RANGE gives up."""
    first = _decide("SERVER_NO_RANGE", 3, earlier_same_reason=0)
    assert (first.action, first.attempt, first.max_attempts) == ("restart", 3, 3)
    again = _decide("SERVER_NO_RANGE", 4, earlier_same_reason=1)
    assert (again.action, again.cause, again.attempt, again.max_attempts) == (
        "none",
        "gave_up",
        4,
        3,
    )


def test_restart_overrides_in_quiet_categories_still_wait() -> None:
    """FILE_TRANSIENT_ERROR restarts after a real backoff, not a zero cap inherited from FILE."""
    rule = rule_for(DEFAULT_POLICY, "FILE_TRANSIENT_ERROR", "FILE")
    assert rule.max_delay_ms >= rule.initial_delay_ms > 0
    assert _decide("FILE_TRANSIENT_ERROR", jitter=0.5).delay_ms == rule.initial_delay_ms // 2


def test_actions_and_causes_at_run_time_are_exactly_the_literal_types() -> None:
    """policy.py spells Action and Cause twice: as Literal types for mypy (not evaluated at
    run time, so typing is not imported) and as the tuples code iterates. They must list the
    same values in the same order."""
    import ast
    import inspect

    literals: dict[str, tuple[object, ...]] = {}
    for node in ast.walk(ast.parse(inspect.getsource(policy))):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript):
            (target,) = node.targets
            values = node.value.slice
            if isinstance(target, ast.Name) and isinstance(values, ast.Tuple):
                literals[target.id] = tuple(ast.literal_eval(v) for v in values.elts)
    assert literals["Action"] == policy.ACTIONS
    assert literals["Cause"] == policy.CAUSES

"""The policy (native_host.policy) through decide(): defaults for every reason, layering (per
browser, per HTTP status, and files stacked under a managed policy), a decision's words
spelled once, and decide() total over every reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_decide import decided

from native_host import decide as decide_module
from native_host import policy
from native_host.decide import decide
from native_host.decision_types import ACTIONS, CAUSES, WAITS
from native_host.explanations import explain
from native_host.policy import (
    DEFAULT_POLICY,
    Policy,
    rule_for,
    stacked,
    status_defaults,
)
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
) -> decide_module.Decision:
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
        ("NETWORK_STALLED", "resume"),
        ("SERVER_NO_RANGE", "restart"),
        ("FILE_TOO_SHORT", "restart"),
        ("FILE_HASH_MISMATCH", "restart"),
        ("SERVER_CONTENT_LENGTH_MISMATCH", "resume"),
        ("FILE_TRANSIENT_ERROR", "resume"),
    ],
)
def test_defaults_follow_chromium_resume_modes(reason: str, action: str) -> None:
    """USER_CONTINUE and IMMEDIATE_CONTINUE reasons resume (the extension keeps the partial
    file after Chrome's own silent resumes); IMMEDIATE_RESTART reasons restart."""
    assert _decide(reason).action == action


def test_immediate_continue_reasons_keep_their_budgets_and_restart_without_can_resume() -> None:
    """FILE_TRANSIENT_ERROR: 2 attempts from 5 s; SERVER_CONTENT_LENGTH_MISMATCH: 3 attempts;
    when the browser says canResume false they restart instead."""
    transient = rule_for(DEFAULT_POLICY, "FILE_TRANSIENT_ERROR", "FILE")
    assert (transient.max_attempts, transient.initial_delay_ms) == (2, 5_000)
    assert rule_for(DEFAULT_POLICY, "SERVER_CONTENT_LENGTH_MISMATCH", "SERVER").max_attempts == 3
    for reason in ("NETWORK_TIMEOUT", "FILE_TRANSIENT_ERROR", "SERVER_CONTENT_LENGTH_MISMATCH"):
        d = _decide(reason, can_resume=False)
        assert (d.action, d.cause) == ("restart", "cannot_resume"), reason


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
    assert d.action in ACTIONS
    assert 0 <= d.delay_ms <= rule.max_delay_ms
    assert d.action == "none" or d.delay_ms >= min(rule.initial_delay_ms, rule.max_delay_ms)
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
    assert _decide("FILE_TRANSIENT_ERROR", jitter=0.5).delay_ms == rule.initial_delay_ms


def test_a_decisions_words_are_spelled_once_in_decision_types() -> None:
    """Action, Cause and Wait are Literal types in decision_types.py, their run-time tuples
    derived from them; no other module spells a Literal or a tuple of those words again
    (messages.py and policy_schema.py import the types): a tuple or Literal of all of one
    kind's words anywhere else is a second spelling."""
    import ast
    from pathlib import Path

    package = Path(policy.__file__).parent
    for path in package.rglob("*.py"):
        if path.name == "decision_types.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values = node.slice if isinstance(node, ast.Subscript) else node
            if isinstance(values, ast.Tuple) and len(values.elts) > 1:
                spelled = {e.value for e in values.elts if isinstance(e, ast.Constant)}
                for words in (ACTIONS, CAUSES, WAITS):
                    assert not set(words) <= spelled, f"{path.name}:{node.lineno}: {spelled}"


# Browsers ------------------------------------------------------------------------------------


def test_firefox_layer_changes_what_firefox_reports_differently() -> None:
    """Firefox: CRASH is left with a notification (a blocked file), SERVER_FAILED restarts
    (with SERVER's budget), NETWORK_FAILED leaves after two stuck reachable cuts; Chrome and unknown
    browsers keep the generic rules."""
    crash = rule_for(DEFAULT_POLICY, "CRASH", "CRASH", "firefox")
    assert (crash.action, crash.notify) == ("none", True)
    server = rule_for(DEFAULT_POLICY, "SERVER_FAILED", "SERVER", "Firefox")
    assert (server.action, server.max_attempts) == ("restart", 4)
    assert (
        rule_for(DEFAULT_POLICY, "NETWORK_FAILED", "NETWORK", "firefox").no_progress_attempts == 2
    )
    for browser in (None, "chrome", "opera", 7):
        assert rule_for(DEFAULT_POLICY, "CRASH", "CRASH", browser).action == "resume"
        assert (
            rule_for(DEFAULT_POLICY, "NETWORK_FAILED", "NETWORK", browser).no_progress_attempts == 0
        )
    assert _decide("CRASH").action == "resume"


def test_every_built_in_browser_entry_names_a_known_browser_reason_and_key() -> None:
    """DEFAULT_BROWSERS holds only known browsers, categories, reasons and rule keys."""
    for browser, tables in policy.DEFAULT_BROWSERS.items():
        assert browser in policy.BROWSERS
        assert set(tables) <= {"categories", "reasons"}
        for name, override in tables.get("categories", {}).items():
            assert name in policy.DEFAULT_CATEGORIES and set(override) <= set(policy.RULE_KEYS)
        for name, override in tables.get("reasons", {}).items():
            assert name in KNOWN_REASONS and set(override) <= set(policy.RULE_KEYS)


def test_layer_order_weakest_first() -> None:
    """built-in category < user category < built-in reason < built-in browser (category,
    reason) < user reason < user browser category < user browser reason."""
    key = "max_attempts"

    def firefox(**user: object) -> int:
        pol = Policy(
            categories=user.get("categories", {}),  # type: ignore[arg-type]
            reasons=user.get("reasons", {}),  # type: ignore[arg-type]
            browsers=user.get("browsers", {}),  # type: ignore[arg-type]
        )
        return int(getattr(rule_for(pol, "SERVER_FAILED", "SERVER", "firefox"), key))

    def firefox_action(**categories: object) -> str:
        pol = Policy(categories=categories, reasons={})  # type: ignore[arg-type]
        return rule_for(pol, "SERVER_FAILED", "SERVER", "firefox").action

    assert firefox_action() == "restart"  # built-in browser reason over the category (resume)
    assert firefox_action(SERVER={"action": "none"}) == "restart"  # user category is weaker
    assert firefox() == 4  # the built-in browser layer leaves the category's budget
    assert firefox(reasons={"SERVER_FAILED": {key: 5}}) == 5  # user reason wins over built-in
    browser_cat = {"firefox": {"categories": {"SERVER": {key: 6}}}}
    assert firefox(reasons={"SERVER_FAILED": {key: 5}}, browsers=browser_cat) == 6
    both = {"firefox": {"categories": {"SERVER": {key: 6}}, "reasons": {"SERVER_FAILED": {key: 9}}}}
    assert firefox(reasons={"SERVER_FAILED": {key: 5}}, browsers=both) == 9
    # The user's browser layers touch only that browser.
    pol = Policy(categories={}, reasons={}, browsers=both)
    assert rule_for(pol, "SERVER_FAILED", "SERVER", "chrome").max_attempts == 4
    assert rule_for(pol, "SERVER_FAILED", "SERVER").max_attempts == 4
    # A built-in reason override still beats the user's category, below the browser layers.
    pol = Policy(categories={"NETWORK": {"initial_delay_ms": 1}}, reasons={})
    assert rule_for(pol, "NETWORK_SERVER_DOWN", "NETWORK", "firefox").initial_delay_ms == 10_000


def test_network_stalled_is_a_known_network_reason_resumed_at_once() -> None:
    """dlrescue's own NETWORK_STALLED: category NETWORK, resumed without waiting, with the
    NETWORK budget."""
    rule = rule_for(DEFAULT_POLICY, "NETWORK_STALLED", "NETWORK")
    assert category_of("NETWORK_STALLED") == "NETWORK"
    assert rule.max_attempts == policy.DEFAULT_CATEGORIES["NETWORK"].max_attempts
    d = _decide("NETWORK_STALLED", jitter=0.999)
    assert (d.action, d.delay_ms) == ("resume", 0)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
@pytest.mark.parametrize("reason", ["SERVER_FAILED", "NETWORK_FAILED"])
def test_5xx_and_429_without_retry_after_back_off_as_server_does(status: int, reason: str) -> None:
    """Without Retry-After, 429 and every 5xx take SERVER's delays (5 s, x3, up to 10 min)
    under whatever reason the browser reported, and keep the reason's action."""
    server = rule_for(DEFAULT_POLICY, "SERVER_FAILED", "SERVER")
    first = decided(reason, status)
    assert (first.action, first.delay_ms, first.cause) == (
        "resume",
        server.initial_delay_ms,
        "policy",
    )
    rule = rule_for(DEFAULT_POLICY, reason, category_of(reason), None, status)
    assert (rule.max_delay_ms, rule.backoff_factor) == (server.max_delay_ms, server.backoff_factor)
    assert f"HTTP {status}" in explain(first, "en")


def test_firefox_keeps_its_restart_after_an_error_status() -> None:
    """Firefox's SERVER_FAILED restarts (canResume false after an error status): a 503 there
    restarts after the Retry-After."""
    decision = decided("SERVER_FAILED", 503, 20_000, browser="firefox")
    assert (decision.action, decision.delay_ms) == ("restart", 20_000)


@pytest.mark.parametrize("status", [200, 206, 403, 404, 416])
def test_other_statuses_leave_the_reasons_rule_alone(status: int) -> None:
    """A status without a layer decides as the reason does; it is still echoed."""
    for reason in ("SERVER_FAILED", "SERVER_FORBIDDEN", "NETWORK_FAILED"):
        with_status, without = decided(reason, status, 9_000), decided(reason)
        assert with_status._replace(http_status=None) == without
        assert with_status.http_status == status
    assert status_defaults(status) == {}


def test_statuses_are_layered_above_reasons_and_below_the_users_browser_layers() -> None:
    """A user's [status.N] beats the user's [reasons.X] and the built-in status; the user's
    [browsers.B.reasons.X] beats [status.N]."""
    pol = Policy(
        {},
        {"SERVER_FAILED": {"max_attempts": 9, "initial_delay_ms": 100}},
        browsers={"firefox": {"categories": {}, "reasons": {"SERVER_FAILED": {"max_attempts": 1}}}},
        statuses={"503": {"max_attempts": 6}, "401": {"action": "resume"}},
    )
    assert rule_for(pol, "SERVER_FAILED", "SERVER", None, 503).max_attempts == 6
    assert rule_for(pol, "SERVER_FAILED", "SERVER", None, 500).max_attempts == 9
    # the built-in 5xx layer sits below the user's reason
    assert rule_for(pol, "SERVER_FAILED", "SERVER", None, 500).initial_delay_ms == 100
    assert rule_for(pol, "SERVER_FAILED", "SERVER", "firefox", 503).max_attempts == 1
    assert rule_for(pol, "SERVER_FAILED", "SERVER", "chrome", 401).action == "resume"
    assert rule_for(DEFAULT_POLICY, "SERVER_FAILED", "SERVER", "firefox", 401).action == "none"


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

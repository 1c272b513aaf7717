"""native_host.decide, pure: the backoff (equal jitter with a floor), attempts judged by
progress and reachability (tally() over an episode's earlier interruptions, then decide()),
what the server said (sign in, gone, Retry-After) and a full disk (wait for space)."""

from __future__ import annotations

import pytest

from native_host import decide as decide_module
from native_host import policy
from native_host.decide import (
    SPACE_CHECK_MS,
    SPACE_MARGIN,
    Decision,
    backoff_ms,
    bytes_short,
    decide,
    rule_reason,
)
from native_host.explanations import explain
from native_host.policy import DEFAULT_POLICY, RETRY_AFTER_CAP_MS, Policy, Rule, rule_for
from native_host.reasons import KNOWN_REASONS, category_of

Cut = decide_module.Interruption


def _run(
    cuts: list[tuple[int | None, bool | None]],
    reason: str = "NETWORK_FAILED",
    *,
    browser: str | None = None,
    pol: Policy = DEFAULT_POLICY,
    jitter: float = 0.999,
) -> list[decide_module.Decision]:
    """Decide a sequence of interruptions of one episode, each (bytesReceived, reachable),
    the way the host does: tally() over the earlier ones, then decide()."""
    category = category_of(reason)
    rule = rule_for(pol, reason, category, browser)
    earlier: list[decide_module.Interruption] = []
    out = []
    for number, (received, reachable) in enumerate(cuts, 1):
        past = decide_module.tally(earlier, reason, received)
        d = decide(
            rule,
            reason=reason,
            category=category,
            known=True,
            attempt=number,
            earlier_same_reason=past.spent,
            can_resume=True,
            http=True,
            jitter=jitter,
            progress=past.progress,
            reachable=reachable,
            streak=past.streak,
            stuck=past.stuck,
            browser=policy.browser_key(browser),
        )
        out.append(d)
        earlier.append(Cut(reason, received, reachable, d.action))
    return out


def test_backoff_is_exponential_with_equal_jitter_and_a_floor() -> None:
    """Delay = ceiling/2 + jitter x ceiling/2 with ceiling = min(cap, initial x factor^(n-1)),
    never under the initial delay nor over the cap."""
    rule = Rule("resume", 10, 1000, 5000, 2.0, True)
    assert [backoff_ms(rule, n, 0.0) for n in (1, 2, 3, 4, 5)] == [1000, 1000, 2000, 2500, 2500]
    assert [backoff_ms(rule, n, 0.999) for n in (1, 2, 3, 4, 5)] == [1000, 1999, 3998, 4997, 4997]
    assert backoff_ms(rule, 3, 0.5) == 3000
    assert backoff_ms(rule, 1000, 0.5) == 3750  # huge steps do not overflow
    assert backoff_ms(rule._replace(initial_delay_ms=9000), 1, 0.0) == 5000  # the cap wins


@pytest.mark.parametrize("jitter", [0.0, 0.999])
@pytest.mark.parametrize("reason", KNOWN_REASONS)
def test_no_wait_is_ever_under_the_rules_initial_delay(reason: str, jitter: float) -> None:
    """At every step of every default rule, with the smallest and largest jitter, the delay
    lies between the initial delay and the cap (an outage no longer burns attempts in ms)."""
    rule = rule_for(DEFAULT_POLICY, reason, category_of(reason))
    for step in range(1, 20):
        delay = backoff_ms(rule, step, jitter)
        assert min(rule.initial_delay_ms, rule.max_delay_ms) <= delay <= rule.max_delay_ms


# Attempts judged by progress and reachability ------------------------------------------------


def test_progress_is_more_bytes_than_the_previous_interruption() -> None:
    """The first interruption made progress when it received anything; a later one when it
    received more than the previous interruption; unknown bytes are unknown progress; after
    a restart the file starts again from 0."""
    assert decide_module.tally([], "NETWORK_FAILED", 10).progress is True
    assert decide_module.tally([], "NETWORK_FAILED", 0).progress is False
    assert decide_module.tally([], "NETWORK_FAILED", None).progress is None
    assert decide_module.tally([], "NETWORK_FAILED", -1).progress is None
    before = [Cut("NETWORK_FAILED", 500, None, "resume")]
    assert decide_module.tally(before, "NETWORK_FAILED", 501).progress is True
    assert decide_module.tally(before, "NETWORK_FAILED", 500).progress is False
    assert decide_module.tally([Cut("NETWORK_FAILED", None)], "NETWORK_FAILED", 9).progress is None
    restarted = [Cut("SERVER_NO_RANGE", 500, None, "restart")]
    assert decide_module.tally(restarted, "NETWORK_FAILED", 100).progress is True


def test_tally_counts_only_interruptions_without_progress_outside_outages() -> None:
    """spent: this reason's interruptions without progress (unknown counts) when the server
    was not known to be down; streak: those since the last progress; stuck: those where the
    server answered. Other reasons and pauses count nothing."""
    earlier = [
        Cut("NETWORK_FAILED", 100),  # progress
        Cut("NETWORK_FAILED", 100),  # no progress: spent
        Cut("NETWORK_FAILED", 100, True),  # no progress, server answered: spent, stuck
        Cut("NETWORK_FAILED", 100, False),  # outage: nothing
        Cut("USER_PAUSED", 100),  # a pause: skipped
        Cut("SERVER_FAILED", 100),  # another reason's budget
        Cut("NETWORK_FAILED", None),  # unknown: spent
    ]
    assert decide_module.tally(earlier, "NETWORK_FAILED", None) == decide_module.Tally(
        None, 3, 3, 1
    )
    # After progress (200 > 100), the streak starts again; spent and stuck stay.
    advanced = [*earlier[:-1], Cut("NETWORK_FAILED", 200)]
    assert decide_module.tally(advanced, "NETWORK_FAILED", 200) == decide_module.Tally(
        False, 2, 0, 1
    )


def test_a_download_that_advances_is_never_given_up_and_waits_the_first_step() -> None:
    """A 4 GB file cut every few hundred MB: 40 cuts, each with more bytes, are all resumed
    with the initial delay, and attempt keeps counting the episode's interruptions."""
    decisions = _run([(n * 300_000_000, None) for n in range(1, 41)])
    assert {(d.action, d.delay_ms, d.cause) for d in decisions} == {("resume", 2_000, "policy")}
    assert [d.attempt for d in decisions] == list(range(1, 41))
    assert all(d.attempt < d.max_attempts for d in decisions)


def test_interruptions_without_progress_spend_the_budget_and_grow_the_backoff() -> None:
    """Stuck at the same byte count after a first cut with progress: 8 resumes with a
    growing delay, then the 10th cut gives up; the reply's max_attempts is the attempt
    number up to which retries go on."""
    decisions = _run([(1_000, None)] * 11, jitter=0.0)
    assert [d.action for d in decisions] == ["resume"] * 9 + ["none", "none"]
    assert [d.delay_ms for d in decisions[:9]] == [
        2_000,  # progress: the first step
        2_000,
        2_000,
        4_000,
        8_000,
        16_000,
        32_000,
        64_000,
        128_000,
    ]
    assert decisions[9].cause == "gave_up" and decisions[9].notify is True
    assert [d.max_attempts for d in decisions[:10]] == [9] * 10
    assert all((d.attempt <= d.max_attempts) == (d.action == "resume") for d in decisions)


def test_progress_resets_the_backoff_but_not_the_spent_budget() -> None:
    """Three stuck cuts grow the delay; a cut with progress waits the first step and moves
    max_attempts one further; the next stuck cut starts the backoff again."""
    decisions = _run([(0, None), (0, None), (0, None), (50, None), (50, None)], jitter=0.0)
    assert [d.delay_ms for d in decisions] == [2_000, 2_000, 4_000, 2_000, 2_000]
    assert [d.max_attempts for d in decisions] == [8, 8, 8, 9, 9]


def test_missing_bytes_behave_as_before() -> None:
    """Without bytesReceived every interruption spends the budget, as before progress was
    known: the 9th NETWORK_FAILED gives up."""
    decisions = _run([(None, None)] * 9)
    assert [d.action for d in decisions][-2:] == ["resume", "none"]
    assert decisions[-1].cause == "gave_up"


def test_an_outage_spends_nothing_and_waits_the_initial_delay() -> None:
    """No progress while the server did not answer the probe: resume after the initial
    delay, forever, with max_attempts moving along; a reachable stuck cut then spends."""
    decisions = _run([(100, None)] + [(100, False)] * 30 + [(100, None)])
    assert {(d.action, d.delay_ms) for d in decisions} == {("resume", 2_000)}
    assert [d.max_attempts for d in decisions[:3]] == [9, 10, 11]
    assert decisions[-1].max_attempts == decisions[-2].max_attempts


def test_reachable_without_progress_leaves_when_no_progress_attempts_is_reached() -> None:
    """Firefox NETWORK_FAILED (no_progress_attempts 2): one cut without progress while the
    server answered is resumed again (Firefox can resume below what it reported), the second
    in a row is left with cause no_progress and a notification; generic and Chrome rules
    keep resuming (off by default)."""
    firefox = _run([(100, None), (100, True), (100, True)], browser="firefox")
    assert [d.action for d in firefox[:2]] == ["resume", "resume"]
    assert (firefox[2].action, firefox[2].cause, firefox[2].notify) == ("none", "no_progress", True)
    assert firefox[2].browser == "firefox"
    for browser in (None, "chrome", "edge"):
        assert [d.action for d in _run([(100, None)] + [(100, True)] * 2, browser=browser)] == [
            "resume",
            "resume",
            "resume",
        ]
    assert _run([(100, None), (100, True), (100, False)], browser="firefox")[2].action == "resume"
    assert _run([(100, None), (100, True), (200, True)], browser="firefox")[2].action == "resume"


def test_a_stuck_cut_that_cannot_resume_is_restarted_not_left_as_an_expired_link() -> None:
    """Firefox answers a resume met by 416 with NETWORK_FAILED and canResume false: the
    attempt added nothing while the server answered, but a restart can mend it, so the
    no-progress rule does not leave it; it is restarted (cause cannot_resume)."""
    rule = rule_for(DEFAULT_POLICY, "NETWORK_FAILED", "NETWORK", "firefox")
    d = decide(
        rule,
        reason="NETWORK_FAILED",
        category="NETWORK",
        known=True,
        attempt=2,
        earlier_same_reason=0,
        can_resume=False,
        http=True,
        jitter=0.5,
        progress=False,
        reachable=True,
        browser="firefox",
    )
    assert (d.action, d.cause) == ("restart", "cannot_resume")


def test_no_progress_attempts_counts_the_nth_stuck_reachable_cut() -> None:
    """With no_progress_attempts = 3, the third cut without progress while the server
    answered leaves the download; outages and progress in between do not count."""
    pol = Policy(categories={}, reasons={"NETWORK_FAILED": {"no_progress_attempts": 3}})
    cuts = [(10, None), (10, True), (10, False), (10, True), (20, None), (20, True)]
    decisions = _run(cuts, pol=pol)
    assert [d.action for d in decisions] == ["resume"] * 5 + ["none"]
    assert decisions[-1].cause == "no_progress"


def test_max_attempts_zero_means_no_retry_even_with_progress() -> None:
    """A rule with max_attempts = 0 never retries, whatever the bytes say."""
    pol = Policy(categories={"NETWORK": {"max_attempts": 0}}, reasons={})
    d = _run([(100, None)], pol=pol)[0]
    assert (d.action, d.cause) == ("none", "gave_up")


def test_user_browser_overrides_apply_to_decisions() -> None:
    """[browsers.firefox.reasons.CRASH] action = "resume" brings back the generic resume in
    Firefox; [browsers.chrome.categories.NETWORK] max_attempts = 2 gives up on Chrome's 3rd."""
    pol = Policy(
        categories={},
        reasons={},
        browsers={
            "firefox": {"reasons": {"CRASH": {"action": "resume"}}},
            "chrome": {"categories": {"NETWORK": {"max_attempts": 2}}},
        },
    )
    assert _run([(None, None)], "CRASH", browser="firefox", pol=pol)[0].action == "resume"
    chrome = _run([(None, None)] * 3, browser="chrome", pol=pol)
    assert [d.action for d in chrome] == ["resume", "resume", "none"]
    assert [d.action for d in _run([(None, None)] * 3, pol=pol)] == ["resume"] * 3


MIB = 1024 * 1024


def decided(
    reason: str,
    status: int | None = None,
    retry_after_ms: int | None = None,
    *,
    browser: str | None = None,
    pol: Policy = DEFAULT_POLICY,
    short: int | None = None,
    attempt: int = 1,
    jitter: float = 0.0,
    can_resume: bool | None = True,
) -> Decision:
    """decide() on the rule the host would make for `reason` (with `status`, a Retry-After,
    `short` bytes missing on the disk of Downloads, in `browser`), as one first interruption."""
    category = category_of(reason)
    ruled = rule_reason(reason, browser, short)
    return decide(
        rule_for(pol, ruled, category, browser, status),
        reason=reason,
        category=category,
        known=True,
        attempt=attempt,
        can_resume=can_resume,
        http=True,
        jitter=jitter,
        browser=browser,
        http_status=status,
        retry_after_ms=retry_after_ms,
        bytes_short=short,
        folder="Downloads",
    )


@pytest.mark.parametrize("status", [401, 407])
@pytest.mark.parametrize("reason", ["SERVER_FAILED", "NETWORK_FAILED", "SERVER_FORBIDDEN"])
@pytest.mark.parametrize("browser", [None, "chrome", "firefox"])
def test_sign_in_statuses_leave_the_download_and_say_to_sign_in(
    status: int, reason: str, browser: str | None
) -> None:
    """401 and 407 are `none` + notify, cause sign_in, in every browser and under any reason
    (Firefox's built-in SERVER_FAILED restart included); the explanation says to sign in."""
    decision = decided(reason, status, browser=browser)
    assert (decision.action, decision.notify, decision.cause) == ("none", True, "sign_in")
    assert decision.http_status == status
    assert "sign in on the site, then retry" in explain(decision, "en").lower()


@pytest.mark.parametrize("retry_after", [None, 30_000])
def test_410_is_gone_for_good_with_or_without_retry_after(retry_after: int | None) -> None:
    """410: `none` + notify, cause gone; a Retry-After changes nothing."""
    decision = decided("SERVER_FAILED", 410, retry_after)
    assert (decision.action, decision.notify, decision.cause) == ("none", True, "gone")
    assert "gone for good" in explain(decision, "en")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_sets_the_delay_within_the_rule_and_the_hour(status: int) -> None:
    """429 and 503 with Retry-After wait what the server asked, never below the rule's
    initial delay, never above its max_delay_ms nor an hour; the attempt counts as usual."""
    rule = rule_for(DEFAULT_POLICY, "SERVER_FAILED", "SERVER", None, status)
    assert decided("SERVER_FAILED", status, 15_000).delay_ms == 15_000
    assert decided("SERVER_FAILED", status, 15_000).cause == "retry_after"
    assert decided("SERVER_FAILED", status, 0).delay_ms == rule.initial_delay_ms
    assert decided("SERVER_FAILED", status, 86_400_000).delay_ms == rule.max_delay_ms
    loose = Policy({}, {}, statuses={str(status): {"max_delay_ms": 86_400_000}})
    assert decided("SERVER_FAILED", status, 86_400_000, pol=loose).delay_ms == RETRY_AFTER_CAP_MS
    later = decided("SERVER_FAILED", status, 15_000, attempt=3)
    assert (later.attempt, later.max_attempts) == (3, 4)
    assert "asked for this wait" in explain(later, "en")


def test_an_unknown_reason_ignores_the_status() -> None:
    """A reason the catalogue does not know is left as before, its status not used."""
    decision = decide(
        rule_for(DEFAULT_POLICY, "NEW_THING", "UNKNOWN", None, 503),
        reason="NEW_THING",
        category="UNKNOWN",
        known=False,
        attempt=1,
        can_resume=True,
        http=True,
        jitter=0.0,
        http_status=503,
    )
    assert (decision.action, decision.cause, decision.http_status) == (
        "none",
        "unknown_reason",
        None,
    )


def test_bytes_short_counts_the_missing_bytes_and_a_margin() -> None:
    """needed = totalBytes - bytesReceived + 1 MiB; unknown total: the margin; unknown free:
    None (nothing known, nothing changed)."""
    assert bytes_short(10 * MIB, 100 * MIB, 20 * MIB) == 71 * MIB
    assert bytes_short(100 * MIB, 100 * MIB, 20 * MIB) == 0
    assert bytes_short(0, -1, None) == SPACE_MARGIN
    assert bytes_short(0, None, 5) == SPACE_MARGIN
    assert bytes_short(None, 100, 0) is None


#: What each browser does once the disk has room: Chrome continues a download cut by a
#: full disk only through a Save As dialog, so it starts again.
NO_SPACE_ACTS = {
    None: ("resume", "resumes by itself"),
    "firefox": ("resume", "resumes by itself"),
    "chrome": ("restart", "starts the download again by itself"),
}


@pytest.mark.parametrize("browser", list(NO_SPACE_ACTS))
def test_no_space_without_room_waits_for_space_with_room_acts(browser: str | None) -> None:
    """FILE_NO_SPACE without room: the browser's action (Chrome: restart, else resume) with
    wait space, bytes_needed, notify, the explanation says how much to free where and what
    follows; with room: that action by the rule, no wait."""
    action, then = NO_SPACE_ACTS[browser]
    waiting = decided("FILE_NO_SPACE", browser=browser, short=1_200_000_000)
    assert (waiting.action, waiting.wait, waiting.bytes_needed) == (action, "space", 1_200_000_000)
    assert (waiting.notify, waiting.cause, waiting.delay_ms) == (True, "no_space", SPACE_CHECK_MS)
    assert explain(waiting, "en") == (
        f"The disk is full. Free 1.2 GB on the disk that holds Downloads; dlrescue {then} "
        "when there is room."
    )
    roomy = decided("FILE_NO_SPACE", browser=browser, short=0)
    assert (roomy.action, roomy.wait, roomy.notify) == (action, None, False)


def test_firefox_file_failed_is_a_full_disk_only_without_room() -> None:
    """Firefox's FILE_FAILED without room is decided by FILE_NO_SPACE's rule and waits for
    space; with room it is left as before; Chrome's FILE_FAILED is never looked at."""
    full = decided("FILE_FAILED", browser="firefox", short=5)
    assert (full.action, full.wait, full.reason) == ("resume", "space", "FILE_FAILED")
    assert decided("FILE_FAILED", browser="firefox", short=0).action == "none"
    assert rule_reason("FILE_FAILED", "chrome", 5) == "FILE_FAILED"
    assert rule_reason("FILE_FAILED", "firefox", 5) == "FILE_NO_SPACE"


def test_a_user_who_leaves_full_disks_is_obeyed() -> None:
    """[reasons.FILE_NO_SPACE] action = "none": no wait, left."""
    pol = Policy({}, {"FILE_NO_SPACE": {"action": "none"}})
    assert decided("FILE_NO_SPACE", pol=pol, short=10).action == "none"

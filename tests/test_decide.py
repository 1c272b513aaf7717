"""native_host.decide, pure: the backoff (equal jitter with a floor), and attempts judged by
progress and reachability (tally() over an episode's earlier interruptions, then decide())."""

from __future__ import annotations

import pytest

from native_host import decide as decide_module
from native_host import policy
from native_host.decide import backoff_ms, decide
from native_host.policy import DEFAULT_POLICY, Policy, Rule, rule_for
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

"""native_host.sites, pure: one backoff per site (the probe, the others waiting for it, the
pause after failures in a row, progress and outages, late failures), and a site's settings
layered ([sites."*"], parent domains, the domain; files stacked under a managed policy)."""

from __future__ import annotations

import pytest
from test_decide import decided

from native_host.decide import Decision
from native_host.explanations import explain
from native_host.policy import DEFAULT_POLICY, Policy, rule_for, stacked
from native_host.reasons import category_of
from native_host.sites import DEFAULT_SITE, Site, SiteState, site_for, site_step

NOW = 1_000_000_000


def _failure(
    state: SiteState,
    key: str,
    at: int,
    *,
    site: Site = DEFAULT_SITE,
    reason: str = "NETWORK_FAILED",
) -> tuple[Decision, SiteState]:
    usual = decided(reason)
    rule = rule_for(DEFAULT_POLICY, reason, category_of(reason))
    return site_step(usual, state, site, rule, probe=key, now_ms=at)


def test_three_failures_within_the_window_one_probe_two_waits() -> None:
    """The first failure is the site's probe, decided as usual; the next two downloads of
    the domain wait for it: `wait: "site"`, delay = the probe's due time + the rule's
    initial delay. Their failures are not the site's: only the probe's counts."""
    first, state = _failure(SiteState(), "a", NOW)
    assert first == decided("NETWORK_FAILED") and state.probe == "a"
    assert state.probe_due_ms == NOW + first.delay_ms
    second, state = _failure(state, "b", NOW + 500)
    third, state = _failure(state, "c", NOW + 900)
    initial = rule_for(DEFAULT_POLICY, "NETWORK_FAILED", "NETWORK").initial_delay_ms
    for decision, at in ((second, NOW + 500), (third, NOW + 900)):
        assert (decision.wait, decision.cause, decision.notify) == ("site", "site_wait", False)
        assert decision.delay_ms == NOW + first.delay_ms - at + initial
    assert state.failures == 1 and state.probe == "a"
    assert "Other downloads from this site" in explain(second, "en")


def test_the_probe_failing_again_stays_the_probe_and_outside_the_window_all_back_off_alone() -> (
    None
):
    """The probe's own next failure is decided as usual; a failure after the window (or
    after the probe's slot) makes that download the new probe."""
    _, state = _failure(SiteState(), "a", NOW)
    again, state = _failure(state, "a", NOW + 100)
    assert again.wait is None and state.probe == "a"
    later, state = _failure(state, "b", NOW + DEFAULT_SITE.window_ms + 101)
    assert later.wait is None and state.probe == "b"


def test_a_file_the_browser_cannot_continue_is_not_the_sites_failure() -> None:
    """A restart because the browser cannot continue the partial file (Firefox's
    NS_ERROR_ENTITY_CHANGED after a 206: the server answered) neither waits for the site's
    probe nor for its pause, and leaves the site's state as it was."""
    _, state = _failure(SiteState(), "a", NOW)
    paused = state._replace(paused_until_ms=NOW + 60_000)
    for before in (state, paused):
        usual = decided("NETWORK_FAILED", can_resume=False)
        rule = rule_for(DEFAULT_POLICY, "NETWORK_FAILED", "NETWORK")
        decision, after = site_step(usual, before, DEFAULT_SITE, rule, probe="b", now_ms=NOW + 1)
        assert (decision, after) == (usual, before)
        assert (decision.action, decision.cause, decision.wait) == (
            "restart",
            "cannot_resume",
            None,
        )


def test_a_window_of_zero_never_shares() -> None:
    """[sites."x"] window_ms = 0: every download backs off on its own."""
    site = DEFAULT_SITE._replace(window_ms=0)
    _, state = _failure(SiteState(), "a", NOW, site=site)
    second, _ = _failure(state, "b", NOW + 1, site=site)
    assert second.wait is None


def test_pause_after_n_failures_notifies_once_per_pause() -> None:
    """The site's probe failing the pause_after-th time in a row pauses the domain for
    pause_ms with a notification; failures during the pause wait until after it, silently;
    once the pause is over, the next failure starts a new pause and notifies again."""
    site = Site(60_000, 3, 600_000)
    state = SiteState()
    decisions = []
    for i in range(3):
        decision, state = _failure(state, "a", NOW + i, site=site)
        decisions.append(decision)
    paused = decisions[-1]
    assert (paused.cause, paused.notify, paused.delay_ms) == ("site_paused", True, 600_000)
    assert paused.wait == "site" and state.paused_until_ms == NOW + 2 + 600_000
    during, state = _failure(state, "d", NOW + 10, site=site)
    assert (during.wait, during.notify, during.cause) == ("site", False, "site_wait")
    assert during.delay_ms == NOW + 2 + 600_000 - (NOW + 10) + 2_000
    after, state = _failure(state, "c", NOW + 700_000, site=site)
    assert (after.cause, after.notify) == ("site_paused", True)
    assert "pauses them for 10 min" in explain(paused, "en")


def test_twenty_downloads_cut_at_once_are_one_failure_of_the_site_not_a_pause() -> None:
    """Twenty downloads of one domain fail together (one cut of a network): the first is the
    probe, the nineteen others wait for it and do not count; the default pause (after 8)
    does not start."""
    state = SiteState()
    decisions = []
    for i in range(20):
        decision, state = _failure(state, f"k{i}", NOW + i)
        decisions.append(decision)
    assert all(d.cause != "site_paused" for d in decisions)
    assert state.failures == 1 and [d.wait for d in decisions].count("site") == 19


def test_pause_after_zero_never_pauses() -> None:
    site = Site(60_000, 0, 600_000)
    state = SiteState()
    for i in range(20):
        decision, state = _failure(state, f"k{i}", NOW + i * 120_000, site=site)
        assert decision.cause != "site_paused"


@pytest.mark.parametrize("reason", ["FILE_NO_SPACE", "CRASH", "USER_CANCELED", "SERVER_FORBIDDEN"])
def test_only_retried_network_and_server_failures_join_the_schedule(reason: str) -> None:
    """A full disk, a crash, the user or a `none` are not the site's failures: nothing
    changes, the state included."""
    state = SiteState(5, NOW, "a", NOW + 10_000, None)
    decision, after = _failure(state, "b", NOW + 1, reason=reason)
    assert decision == decided(reason) and after == state


def test_site_settings_layer_star_then_parents_then_the_domain() -> None:
    """[sites."*"] over the defaults, a parent domain over it, the domain itself last."""
    pol = Policy(
        {},
        {},
        sites={
            "*": {"pause_after": 5},
            "example.org": {"window_ms": 1},
            "dl.example.org": {"pause_ms": 2},
        },
    )
    assert site_for(pol, "other.net") == Site(DEFAULT_SITE.window_ms, 5, DEFAULT_SITE.pause_ms)
    assert site_for(pol, "cdn.example.org") == Site(1, 5, DEFAULT_SITE.pause_ms)
    assert site_for(pol, "dl.example.org") == Site(1, 5, 2)
    assert site_for(DEFAULT_POLICY, None) == DEFAULT_SITE


def test_progress_is_a_success_and_an_outage_never_pauses() -> None:
    """A download that grew since its last cut shows the site answers: the site's failures
    and pause end, and this failure does not count (it is still the site's probe, so that
    other downloads cut with it follow it). Failures while the server did not answer the
    probe (an outage, maybe the user's network) never count towards a pause."""
    site = Site(60_000, 3, 600_000)
    usual = decided("NETWORK_FAILED")
    rule = rule_for(DEFAULT_POLICY, "NETWORK_FAILED", "NETWORK")
    state = SiteState(7, NOW, "a", NOW + 2_000, NOW + 600_000)
    decision, after = site_step(usual, state, site, rule, probe="a", now_ms=NOW + 1, progress=True)
    assert decision == usual
    assert (after.failures, after.paused_until_ms, after.probe) == (0, None, "a")
    follower, _ = site_step(usual, after, site, rule, probe="b", now_ms=NOW + 2, progress=True)
    assert (follower.wait, follower.cause) == ("site", "site_wait")
    state = SiteState()
    for i in range(10):
        decision, state = site_step(
            usual, state, site, rule, probe="a", now_ms=NOW + i, reachable=False
        )
        assert decision == usual
    assert state.failures == 0 and state.paused_until_ms is None


def test_a_late_failure_follows_the_schedule_and_changes_nothing() -> None:
    """A failure that occurred long before the host heard of it (late): during the site's
    pause it waits for the pause like any other; otherwise it is decided as usual; either
    way the domain's state is left as it was (not counted, no new probe, no pause, and a
    late progress is no success now)."""
    site = Site(60_000, 1, 600_000)
    usual = decided("NETWORK_FAILED")
    rule = rule_for(DEFAULT_POLICY, "NETWORK_FAILED", "NETWORK")
    paused = SiteState(1, NOW, "a", NOW + 600_000, NOW + 600_000)
    decision, after = site_step(usual, paused, site, rule, probe="b", now_ms=NOW + 1, late=True)
    assert decision.wait == "site" and after == paused
    decision, after = site_step(
        usual, paused, site, rule, probe="b", now_ms=NOW + 1, late=True, progress=True
    )
    assert decision == usual and after == paused
    decision, after = site_step(usual, SiteState(), site, rule, probe="b", now_ms=NOW, late=True)
    assert decision == usual and after == SiteState()
    decision, after = site_step(usual, SiteState(), site, rule, probe="b", now_ms=NOW)
    assert decision.cause == "site_paused" and after.failures == 1


def test_sites_stack_too_a_managed_every_site_beats_the_users_own_site() -> None:
    """[sites."*"] pause_after from the administrator wins over the user's
    [sites."example.org"]; the user's window stays."""
    user = Policy({}, {}, sites={"example.org": {"pause_after": 0, "window_ms": 5}})
    managed = Policy({}, {}, sites={"*": {"pause_after": 3}})
    site = site_for(stacked(("u", user), ("managed", managed)), "dl.example.org")
    assert (site.pause_after, site.window_ms) == (3, 5)

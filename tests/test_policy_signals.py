"""Issue 18, pure: what the server said (HTTP status, Retry-After), the site's schedule (one
backoff per domain, the pause) and a full disk, as decide.decide(), site_step() and the
explanations take them; and PROTOCOL.md's tables of them kept equal to the code."""

from __future__ import annotations

import tomllib

import pytest
from test_conformance import names, section, tables

from native_host.decide import (
    SPACE_CHECK_MS,
    SPACE_MARGIN,
    Decision,
    bytes_short,
    decide,
    rule_reason,
)
from native_host.explanations import LANGS, explain, format_bytes
from native_host.policy import (
    DEFAULT_5XX,
    DEFAULT_POLICY,
    DEFAULT_STATUSES,
    RETRY_AFTER_CAP_MS,
    Policy,
    rule_for,
    status_defaults,
)
from native_host.reasons import category_of
from native_host.sites import (
    DEFAULT_SITE,
    SITE_KEYS,
    SITE_LIMITS,
    Site,
    SiteState,
    site_for,
    site_step,
)

MIB = 1024 * 1024


def _decide(
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


# What the server said ----------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 407])
@pytest.mark.parametrize("reason", ["SERVER_FAILED", "NETWORK_FAILED", "SERVER_FORBIDDEN"])
@pytest.mark.parametrize("browser", [None, "chrome", "firefox"])
def test_sign_in_statuses_leave_the_download_and_say_to_sign_in(
    status: int, reason: str, browser: str | None
) -> None:
    """401 and 407 are `none` + notify, cause sign_in, in every browser and under any reason
    (Firefox's built-in SERVER_FAILED restart included); the explanation says to sign in."""
    decision = _decide(reason, status, browser=browser)
    assert (decision.action, decision.notify, decision.cause) == ("none", True, "sign_in")
    assert decision.http_status == status
    assert "sign in on the site, then retry" in explain(decision, "en").lower()


@pytest.mark.parametrize("retry_after", [None, 30_000])
def test_410_is_gone_for_good_with_or_without_retry_after(retry_after: int | None) -> None:
    """410: `none` + notify, cause gone; a Retry-After changes nothing."""
    decision = _decide("SERVER_FAILED", 410, retry_after)
    assert (decision.action, decision.notify, decision.cause) == ("none", True, "gone")
    assert "gone for good" in explain(decision, "en")


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_sets_the_delay_within_the_rule_and_the_hour(status: int) -> None:
    """429 and 503 with Retry-After wait what the server asked, never below the rule's
    initial delay, never above its max_delay_ms nor an hour; the attempt counts as usual."""
    rule = rule_for(DEFAULT_POLICY, "SERVER_FAILED", "SERVER", None, status)
    assert _decide("SERVER_FAILED", status, 15_000).delay_ms == 15_000
    assert _decide("SERVER_FAILED", status, 15_000).cause == "retry_after"
    assert _decide("SERVER_FAILED", status, 0).delay_ms == rule.initial_delay_ms
    assert _decide("SERVER_FAILED", status, 86_400_000).delay_ms == rule.max_delay_ms
    loose = Policy({}, {}, statuses={str(status): {"max_delay_ms": 86_400_000}})
    assert _decide("SERVER_FAILED", status, 86_400_000, pol=loose).delay_ms == RETRY_AFTER_CAP_MS
    later = _decide("SERVER_FAILED", status, 15_000, attempt=3)
    assert (later.attempt, later.max_attempts) == (3, 4)
    assert "asked for this wait" in explain(later, "en")


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
@pytest.mark.parametrize("reason", ["SERVER_FAILED", "NETWORK_FAILED"])
def test_5xx_and_429_without_retry_after_back_off_as_server_does(status: int, reason: str) -> None:
    """Without Retry-After, 429 and every 5xx take SERVER's delays (5 s, x3, up to 10 min)
    under whatever reason the browser reported, and keep the reason's action."""
    server = rule_for(DEFAULT_POLICY, "SERVER_FAILED", "SERVER")
    first = _decide(reason, status)
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
    decision = _decide("SERVER_FAILED", 503, 20_000, browser="firefox")
    assert (decision.action, decision.delay_ms) == ("restart", 20_000)


@pytest.mark.parametrize("status", [200, 206, 403, 404, 416])
def test_other_statuses_leave_the_reasons_rule_alone(status: int) -> None:
    """A status without a layer decides as the reason does; it is still echoed."""
    for reason in ("SERVER_FAILED", "SERVER_FORBIDDEN", "NETWORK_FAILED"):
        with_status, without = _decide(reason, status, 9_000), _decide(reason)
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


# The site's schedule -----------------------------------------------------------------------

NOW = 1_000_000_000


def _failure(
    state: SiteState,
    key: str,
    at: int,
    *,
    site: Site = DEFAULT_SITE,
    reason: str = "NETWORK_FAILED",
) -> tuple[Decision, SiteState]:
    usual = _decide(reason)
    rule = rule_for(DEFAULT_POLICY, reason, category_of(reason))
    return site_step(usual, state, site, rule, probe=key, now_ms=at)


def test_three_failures_within_the_window_one_probe_two_waits() -> None:
    """The first failure is the site's probe, decided as usual; the next two downloads of
    the domain wait for it: `wait: "site"`, delay = the probe's due time + the rule's
    initial delay. Their failures are not the site's: only the probe's counts."""
    first, state = _failure(SiteState(), "a", NOW)
    assert first == _decide("NETWORK_FAILED") and state.probe == "a"
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
        usual = _decide("NETWORK_FAILED", can_resume=False)
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
    assert paused.wait is None and state.paused_until_ms == NOW + 2 + 600_000
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
    assert decision == _decide(reason) and after == state


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


# A full disk -------------------------------------------------------------------------------


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
    waiting = _decide("FILE_NO_SPACE", browser=browser, short=1_200_000_000)
    assert (waiting.action, waiting.wait, waiting.bytes_needed) == (action, "space", 1_200_000_000)
    assert (waiting.notify, waiting.cause, waiting.delay_ms) == (True, "no_space", SPACE_CHECK_MS)
    assert explain(waiting, "en") == (
        f"The disk is full. Free 1.2 GB on the disk that holds Downloads; dlrescue {then} "
        "when there is room."
    )
    roomy = _decide("FILE_NO_SPACE", browser=browser, short=0)
    assert (roomy.action, roomy.wait, roomy.notify) == (action, None, False)


def test_firefox_file_failed_is_a_full_disk_only_without_room() -> None:
    """Firefox's FILE_FAILED without room is decided by FILE_NO_SPACE's rule and waits for
    space; with room it is left as before; Chrome's FILE_FAILED is never looked at."""
    full = _decide("FILE_FAILED", browser="firefox", short=5)
    assert (full.action, full.wait, full.reason) == ("resume", "space", "FILE_FAILED")
    assert _decide("FILE_FAILED", browser="firefox", short=0).action == "none"
    assert rule_reason("FILE_FAILED", "chrome", 5) == "FILE_FAILED"
    assert rule_reason("FILE_FAILED", "firefox", 5) == "FILE_NO_SPACE"


def test_a_user_who_leaves_full_disks_is_obeyed() -> None:
    """[reasons.FILE_NO_SPACE] action = "none": no wait, left."""
    pol = Policy({}, {"FILE_NO_SPACE": {"action": "none"}})
    assert _decide("FILE_NO_SPACE", pol=pol, short=10).action == "none"


@pytest.mark.parametrize(
    ("count", "en", "fr"),
    [
        (999, "999 bytes", "999\u00a0octets"),
        (1_000, "1 kB", "1\u00a0ko"),
        (1_200_000_000, "1.2 GB", "1,2\u00a0Go"),
        (999_960_000, "1 GB", "1\u00a0Go"),
        (5 * 10**18, "5000 PB", "5000\u00a0Po"),
    ],
)
def test_sizes_read_as_people_say_them(count: int, en: str, fr: str) -> None:
    assert (format_bytes(count, "en"), format_bytes(count, "fr")) == (en, fr)


@pytest.mark.parametrize("lang", LANGS)
def test_every_new_explanation_fits_a_notification(lang: str) -> None:
    """With every new cause, status and extreme number, each text stays under 300
    characters and leaves no placeholder."""
    texts = []
    for status in (None, 401, 407, 410, 429, 500, 503, 599, 404):
        for retry in (None, 86_400_000):
            texts.append(explain(_decide("SERVER_FAILED", status, retry, attempt=1000), lang))
    texts.append(explain(_decide("FILE_NO_SPACE", short=2**53, attempt=1000), lang))
    for cause in ("site_wait", "site_paused"):
        texts.append(
            explain(_decide("NETWORK_FAILED")._replace(cause=cause, delay_ms=86_400_000), lang)
        )
    for text in texts:
        assert len(text) < 300 and "{" not in text, text


# PROTOCOL.md -------------------------------------------------------------------------------


def test_protocol_status_overrides_table_is_the_built_in_one() -> None:
    """PROTOCOL.md's "Built-in status overrides" are DEFAULT_STATUSES and DEFAULT_5XX."""
    table = next(t for t in tables(section("## Policy file")) if t[0][0] == "status")
    documented = {
        names(row[0])[0]: tomllib.loads("x = " + row[1].split("` ")[0].strip("`"))["x"]
        for row in table[1:]
    }
    assert documented == {
        **{str(k): dict(v) for k, v in DEFAULT_STATUSES.items()},
        "5xx": dict(DEFAULT_5XX),
    }


def test_protocol_site_keys_table_is_the_site_limits_and_defaults() -> None:
    """The `site key` table lists SITE_KEYS in order, each with SITE_LIMITS and DEFAULT_SITE."""
    table = next(t for t in tables(section("## Policy file")) if t[0][0] == "site key")
    rows = {names(row[0])[0]: row for row in table[1:]}
    assert list(rows) == list(SITE_KEYS)
    for key, row in rows.items():
        low, high = SITE_LIMITS[key]
        assert row[2].startswith(f"{low} to {high}"), key
        assert row[3] == str(getattr(DEFAULT_SITE, key)), key


def test_progress_is_a_success_and_an_outage_never_pauses() -> None:
    """A download that grew since its last cut shows the site answers: the site's failures
    and pause end, and this failure does not count (it is still the site's probe, so that
    other downloads cut with it follow it). Failures while the server did not answer the
    probe (an outage, maybe the user's network) never count towards a pause."""
    site = Site(60_000, 3, 600_000)
    usual = _decide("NETWORK_FAILED")
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
    usual = _decide("NETWORK_FAILED")
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


def test_history_table_shows_the_status_beside_the_reason() -> None:
    """`dlrescue history`'s table: `SERVER_FAILED 503` when a status was sent, the bare
    reason when not."""
    from native_host.report.history import history_table

    item = {
        "at": "2026-01-02T03:04:05.000Z",
        "reason": "SERVER_FAILED",
        "action": "resume",
        "attempt": 1,
        "max_attempts": 4,
        "outcome": None,
        "episode_id": 1,
        "url": "https://e.org/f",
        "http_status": 503,
    }
    lines = list(history_table([item, {**item, "http_status": None}], now_ms=0, width=100))
    assert "SERVER_FAILED 503" in lines[1] and "SERVER_FAILED 503" not in lines[2]
    assert "SERVER_FAILED" in lines[2]

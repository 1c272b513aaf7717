"""`interrupted`: record one interruption in its episode and decide what the extension does.

The episode is the download's URL (privacy.url_key); its earlier interruptions, tallied
(decide.tally), say whether this one made progress and what the budget has left; the rule of
its reason, category, browser and HTTP status (policy.rule_for) and decide.decide do the
rest. A reason that may mean a full disk has the free space of the download's folder looked
at (handlers/space.py); a failure of the network or the server then joins its domain's
schedule (sites.site_step, the state in the store). An incognito download's episode and
its domain's failures are counted in memory only (Port.incognito, Port.sites), never on
disk.
"""

from __future__ import annotations

from collections.abc import Callable

from ..decide import (
    Decision,
    Interruption,
    bytes_short,
    can_continue,
    decide,
    may_be_disk_full,
    rule_reason,
    tally,
)
from ..explanations import explain
from ..policy import Policy, browser_key, rule_for
from ..privacy import domain, is_refetchable, scrub_filename, scrub_url, url_key
from ..reasons import PAUSED, Reason
from ..record import TYPE_CHECKING
from ..sites import SiteState, is_late, site_for, site_step
from ..store import Episode, Store
from .port import Port

if TYPE_CHECKING:
    from typing import Any

    from ..decision_types import Wait
    from ..messages import Interrupted

#: This batch's incognito episodes (URL key -> interruptions), kept on the port on commit.
Counts = dict[str, list[Interruption]]


def interrupted(
    store: Store,
    port: Port,
    request: Interrupted,
    *,
    policy: Policy,
    rng: Callable[[], float],
    counts: Counts,
    event_key: str | None,
    at: int,
    now: int,
) -> dict[str, Any]:
    """Record the interruption at `at` (when it occurred, handlers/events.event_time) and
    return its decision, made for `now`."""
    item = request.download
    reason: Reason = item.error
    paused = item.paused is True and reason.name == "USER_CANCELED"  # Firefox's pause
    if paused:
        reason = Reason(PAUSED, "USER", True)
    incognito = item.incognito is True
    key = url_key(item.url)
    episode = None
    if incognito:  # counted in memory only, never on disk
        seen = counts.get(key, port.incognito.get(key, []))
        before = sum(i.reason != PAUSED for i in seen)
    else:
        episode = store.open_episode(key, at)
        before, seen = episode.attempts, store.interruptions(episode.id)
    attempt = before if reason.name == PAUSED else before + 1
    decision = _decide(policy, port, request, reason, seen, attempt, paused, rng())
    progress = tally(seen, reason.name, item.bytesReceived).progress
    decision = _site(store, port, policy, request, decision, key, (at, now), progress)
    closes = decision.action == "none" and reason.name != PAUSED
    if episode is not None:
        if reason.name != PAUSED:
            store.count_attempt(episode.id, retried=decision.action != "none")
        if closes:
            outcome = "cancelled" if reason.name == "USER_CANCELED" else "given_up"
            store.close_episode(episode.id, outcome, at)
    else:
        this = Interruption(reason.name, item.bytesReceived, request.reachable, decision.action)
        counts[key] = [] if closes else [*seen, this]
    row = _row(port, request, reason, decision, episode, at, event_key)
    return {"event_id": store.add_event(row), "decision": decision_out(decision, port.lang)}


def _decide(
    policy: Policy,
    port: Port,
    request: Interrupted,
    reason: Reason,
    seen: list[Interruption],
    attempt: int,
    paused: bool,
    jitter: float,
) -> Decision:
    """decide.decide on this interruption and the episode's earlier ones."""
    item = request.download
    browser = browser_key(port.browser_of(request))
    past = tally(seen, reason.name, item.bytesReceived)
    short = folder = None
    if may_be_disk_full(reason.name, browser) and not paused:
        from .space import folder_of, free_at  # only for a reason that may be a full disk

        where = folder_of(item.filename)
        if where is not None:
            short = bytes_short(free_at(where), item.totalBytes, item.bytesReceived)
            folder = where.name or str(where)
    status = request.http_status
    ruled = rule_reason(reason.name, browser, short)
    return decide(
        rule_for(policy, ruled, reason.category, browser, status),
        reason=reason.name,
        category=reason.category,
        known=reason.known,
        attempt=max(attempt, 1),
        earlier_same_reason=past.spent,
        can_resume=can_continue(item.canResume, request.net_error),
        http=is_refetchable(item.url),
        paused=paused,
        jitter=jitter,
        progress=past.progress,
        reachable=request.reachable,
        streak=past.streak,
        stuck=past.stuck,
        browser=browser,
        http_status=status,
        retry_after_ms=request.retry_after_ms,
        bytes_short=short,
        folder=folder,
    )


def _site(
    store: Store,
    port: Port,
    policy: Policy,
    request: Interrupted,
    decision: Decision,
    key: str,
    when: tuple[int, int],
    progress: bool | None,
) -> Decision:
    """The decision in its domain's schedule (sites.site_step) at `when` (the event's time,
    now): a late event follows the schedule without changing it. The domain's new state kept
    in the store, or in the port's memory for an incognito download."""
    item = request.download
    name = domain(item.url)
    if name is None or decision.action == "none":
        return decision
    incognito = item.incognito is True
    state = port.sites.get(name) if incognito else store.site(name)
    browser = browser_key(port.browser_of(request))
    rule = rule_for(policy, decision.reason, decision.category, browser, decision.http_status)
    decision, after = site_step(
        decision,
        state or SiteState(),
        site_for(policy, name),
        rule,
        probe=key,
        now_ms=when[1],
        progress=progress,
        reachable=request.reachable,
        late=is_late(*when),
    )
    if incognito:
        port.sites[name] = after
    elif after != state:
        store.save_site(name, after)
    return decision


def _row(
    port: Port,
    request: Interrupted,
    reason: Reason,
    decision: Decision,
    episode: Episode | None,
    at: int,
    event_key: str | None,
) -> dict[str, object]:
    """The event's row (store.EVENT_COLUMNS); nothing identifying for an incognito one."""
    item = request.download
    incognito = item.incognito is True
    return {
        "at_ms": at,
        "kind": "interrupted",
        "browser": port.browser_of(request),
        "download_id": item.id,
        "episode_id": episode.id if episode else None,
        "url": None if incognito else scrub_url(item.url),
        "domain": None if incognito else domain(item.url),
        "filename": None if incognito else scrub_filename(item.filename),
        "reason": reason.name,
        "category": reason.category,
        "known": int(reason.known),
        "action": decision.action,
        "delay_ms": decision.delay_ms,
        "attempt": decision.attempt,
        "max_attempts": decision.max_attempts,
        "notify": int(decision.notify),
        "incognito": int(incognito),
        "bytes_received": item.bytesReceived,
        "total_bytes": item.totalBytes,
        "event_key": event_key,
        "cause": decision.cause,
        "reachable": None if request.reachable is None else int(request.reachable),
        "http_status": request.http_status,
        "bytes_needed": decision.bytes_needed,
    }


def replay(seen: dict[str, Any], lang: str) -> dict[str, Any]:
    """The reply the interruption already recorded under the same key got: nothing is
    counted again."""
    decision = Decision(
        seen["action"],
        seen["delay_ms"],
        seen["attempt"],
        seen["max_attempts"],
        seen["reason"],
        seen["category"],
        bool(seen["notify"]),
        seen["cause"] or "policy",
        browser_key(seen["browser"]),
        WAITS.get(seen["cause"]),
        seen["bytes_needed"],
        seen["http_status"] if seen["known"] else None,
        _folder_name(seen["filename"]),
    )
    return {"event_id": seen["id"], "decision": decision_out(decision, lang)}


#: The decision's `wait` for each cause that has one (a replayed decision is rebuilt from
#: its cause).
WAITS: dict[str, Wait] = {"no_space": "space", "site_wait": "site"}


def _folder_name(filename: str | None) -> str | None:
    """The name of the folder that holds a stored file name (for a full disk's explanation)."""
    if not filename:
        return None
    parent = filename.replace("\\", "/").rstrip("/").rpartition("/")[0]
    return parent.rpartition("/")[2] or parent or None


def decision_out(decision: Decision, lang: str) -> dict[str, Any]:
    """The reply's `decision` object."""
    return {
        "action": decision.action,
        "delay_ms": decision.delay_ms,
        "attempt": decision.attempt,
        "max_attempts": decision.max_attempts,
        "reason": decision.reason,
        "category": decision.category,
        "notify": decision.notify,
        "explanation": explain(decision, lang),
        **({"wait": decision.wait} if decision.wait else {}),
        **({"bytes_needed": decision.bytes_needed} if decision.wait == "space" else {}),
        **({"http_status": decision.http_status} if decision.http_status is not None else {}),
    }

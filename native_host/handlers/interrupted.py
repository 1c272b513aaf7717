"""`interrupted`: record one interruption in its episode and decide what the extension does.

The episode is the download's URL (privacy.url_key); its earlier interruptions, tallied
(policy.tally), say whether this one made progress and what the budget has left; the rule of
its reason, category and browser (policy.rule_for) and policy.decide do the rest. An
incognito download's episode is counted in memory only (Port.incognito), never on disk.
"""

from __future__ import annotations

from collections.abc import Callable

from ..explanations import explain
from ..policy import Decision, Interruption, Policy, browser_key, decide, rule_for, tally
from ..privacy import domain, is_refetchable, scrub_filename, scrub_url, url_key
from ..reasons import PAUSED, Reason
from ..record import TYPE_CHECKING
from ..store import Episode, Store, now_ms
from .port import Port

if TYPE_CHECKING:
    from typing import Any

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
) -> dict[str, Any]:
    """Record the interruption and return its decision."""
    item = request.download
    reason: Reason = item.error
    paused = item.paused is True and reason.name == "USER_CANCELED"  # Firefox's pause
    if paused:
        reason = Reason(PAUSED, "USER", True)
    incognito = item.incognito is True
    key = url_key(item.url)
    at = now_ms()
    episode = None
    if incognito:  # counted in memory only, never on disk
        seen = counts.get(key, port.incognito.get(key, []))
        before = sum(i.reason != PAUSED for i in seen)
    else:
        episode = store.open_episode(key, at)
        before, seen = episode.attempts, store.interruptions(episode.id)
    attempt = before if reason.name == PAUSED else before + 1
    decision = _decide(policy, port, request, reason, seen, attempt, paused, rng())
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
    """policy.decide on this interruption and the episode's earlier ones."""
    item = request.download
    browser = browser_key(port.browser_of(request))
    past = tally(seen, reason.name, item.bytesReceived)
    return decide(
        rule_for(policy, reason.name, reason.category, browser),
        reason=reason.name,
        category=reason.category,
        known=reason.known,
        attempt=max(attempt, 1),
        earlier_same_reason=past.spent,
        can_resume=item.canResume,
        http=is_refetchable(item.url),
        paused=paused,
        jitter=jitter,
        progress=past.progress,
        reachable=request.reachable,
        streak=past.streak,
        stuck=past.stuck,
        browser=browser,
    )


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
    )
    return {"event_id": seen["id"], "decision": decision_out(decision, lang)}


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
    }

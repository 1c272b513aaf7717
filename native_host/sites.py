"""One backoff per site: a domain's settings (`site_for`: [sites."..."] over DEFAULT_SITE), its
failures across downloads, and where one more failure puts a download in the site's schedule
(`site_step`). Pure, like decide.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from .decide import Decision
from .policy import Policy, Rule
from .record import Record


class Site(Record):
    """How a domain's failures are scheduled ([sites."example.org"] or [sites."*"])."""

    #: A failure joins the site's schedule when another download of the domain failed
    #: within this many ms; 0: never (every download backs off on its own).
    window_ms: int
    #: This many failures of the domain in a row, without a success, pause it; 0: never.
    pause_after: int
    #: How long a pause lasts.
    pause_ms: int


SITE_KEYS: tuple[str, ...] = Site._fields
DEFAULT_SITE = Site(60_000, 8, 600_000)
#: Limits of each [sites."..."] key (inclusive).
SITE_LIMITS: Mapping[str, tuple[int, int]] = {
    "window_ms": (0, 86_400_000),
    "pause_after": (0, 1000),
    "pause_ms": (0, 86_400_000),
}


def site_for(policy: Policy, domain: str | None) -> Site:
    """The schedule settings of a domain: [sites."*"] over the defaults, then the most
    specific [sites."name"] naming the domain or a parent of it (example.org for
    dl.example.org); of stacked files (policy.stacked), each file's over the weaker files'."""
    names = ["*"]
    if domain:
        labels = domain.split(".")
        names += [".".join(labels[start:]) for start in range(len(labels) - 1, -1, -1)]
    merged: dict[str, object] = {}
    for _source, file in policy.files or (("policy.toml", policy),):
        for name in names:
            merged.update(file.sites.get(name, {}))
    return DEFAULT_SITE._replace(**merged)  # type: ignore[arg-type]


class SiteState(Record):
    """One domain's failures, as the store (or, for incognito, the port) keeps them."""

    #: Failures in a row since the domain's last success.
    failures: int = 0
    #: When the domain's last failure was decided (ms since the epoch).
    last_ms: int | None = None
    #: The hashed key of the download that is the site's probe, and when it is due.
    probe: str | None = None
    probe_due_ms: int | None = None
    #: The end of the domain's pause, if one was decided.
    paused_until_ms: int | None = None


#: A follower is due at least this long after the site's probe: time for the probe's answer
#: to be known (a refused connection in milliseconds), so that a site that is down gets
#: one request per step, not the probe's and all its followers' at once.
PROBE_ANSWER_MS = 2_000

#: The categories whose failures are the site's (a full disk or a crash is not).
SITE_CATEGORIES = ("NETWORK", "SERVER")

#: An event the host hears more than this long after it occurred (it waited in the
#: extension's outbox: no host yet, or a slow one) is not news of its site: see site_step.
LATE_MS = 60_000


def is_late(at_ms: int, now_ms: int) -> bool:
    """Whether an event that occurred at `at_ms` is late news at `now_ms` (LATE_MS)."""
    return now_ms - at_ms > LATE_MS


def site_step(
    usual: Decision,
    state: SiteState,
    site: Site,
    rule: Rule,
    *,
    probe: str,
    now_ms: int,
    progress: bool | None = None,
    reachable: bool | None = None,
    late: bool = False,
) -> tuple[Decision, SiteState]:
    """One failure of a download (`probe`: its key) in its domain's schedule: the decision
    (`usual` as decide() made it, or the site's) and the domain's new state.

    Only resumes and restarts of NETWORK and SERVER reasons take part. An interruption
    after which the file grew (`progress`) shows the site answered: the domain's failures
    and pause end, and its own failure does not count; it still takes its place in the
    schedule (twenty downloads cut at once after a good start are one probe and nineteen
    followers, not twenty requests at once). A restart because the browser cannot continue
    the file (cause cannot_resume, e.g. Firefox's NS_ERROR_ENTITY_CHANGED) is not the site's
    failure either: decided as usual, the state unchanged, even during a pause. Then, in
    order:
    - during a pause, or when another download of the domain failed within `window_ms` and
      the site's probe is still to come (or came less than PROBE_ANSWER_MS ago), this
      download waits for the probe: `wait` "site", delay the probe's due time + the rule's
      initial delay (PROBE_ANSWER_MS at least), cause site_wait. A follower's failure is
      not the site's: twenty downloads cut at once are one failure, not twenty;
    - else it is the site's probe, and its failure counts, unless it came during an outage
      (`reachable` False: the server did not answer the extension's probe, which may be the
      user's own network); the `pause_after`-th counted failure in a row (0: never) without a
      success starts a pause of `pause_ms`: this download is the site's probe, due when the
      pause ends, with a notification (once per pause), cause site_paused, `wait` "site"
      (the pause counts from this decision, as paused_until_ms does, not from the
      interruption);
    - else it is the site's probe, decided as usual.
    A success of the domain (an outcome in_progress or complete) is a new SiteState().
    A `late` failure (is_late: it occurred long before the host heard of it) waits like any
    other during a pause or for a probe due, but changes nothing of the domain's state:
    downloads cut yesterday, sent when the companion is installed, do not pause the site now.
    """
    if usual.action == "none" or usual.category not in SITE_CATEGORIES:
        return usual, state
    if usual.cause == "cannot_resume":  # the server answered; the browser cannot continue
        return usual, state
    if progress is True:  # the site answered since: its failures and pause end
        if late:
            return usual, state
        state = state._replace(failures=0, paused_until_ms=None)
    paused = state.paused_until_ms is not None and state.paused_until_ms > now_ms
    recent = (
        site.window_ms > 0
        and state.last_ms is not None
        and now_ms - state.last_ms <= site.window_ms
    )
    due = state.probe_due_ms
    answer_known = due is None or due + PROBE_ANSWER_MS <= now_ms
    if paused or (recent and probe != state.probe and not answer_known):
        wait_until = max(due or 0, state.paused_until_ms or 0) if paused else (due or now_ms)
        decision = usual._replace(
            delay_ms=wait_until - now_ms + max(rule.initial_delay_ms, PROBE_ANSWER_MS),
            notify=False,
            cause="site_wait",
            wait="site",
        )
        return decision, state if late else state._replace(last_ms=now_ms)
    if late:
        return usual, state
    counts = reachable is not False and progress is not True  # an outage: see above
    failures = state.failures + counts
    if counts and site.pause_after and failures >= site.pause_after:
        until = now_ms + site.pause_ms
        decision = usual._replace(
            delay_ms=site.pause_ms, notify=True, cause="site_paused", wait="site"
        )
        return decision, SiteState(failures, now_ms, probe, until, until)
    return usual, SiteState(failures, now_ms, probe, now_ms + usual.delay_ms, state.paused_until_ms)

"""The retry policy as data, and one pure `decide()`.

A rule per category, partial overrides per reason, a layer per browser for what a browser
reports differently, and the user's policy.toml on top. The layers, weakest first:

    1. built-in category rule           DEFAULT_CATEGORIES[category]
    2. user's category                  [categories.X]
    3. built-in reason override         DEFAULT_REASONS[reason]
    4. built-in browser category        DEFAULT_BROWSERS[browser]["categories"][category]
    5. built-in browser reason          DEFAULT_BROWSERS[browser]["reasons"][reason]
    6. built-in HTTP status             status_defaults(status)
    7. user's reason                    [reasons.X]
    8. user's HTTP status               [status.N]
    9. user's browser category          [browsers.B.categories.X]
   10. user's browser reason            [browsers.B.reasons.X]

So a user who changes `[categories.NETWORK]` changes every network reason except those the
catalogue marks on purpose (NETWORK_INVALID_REQUEST is never retried unless the user names
it), a user's `[reasons.X]` wins over every built-in value, and a user's `[browsers.B...]`
wins over everything for that browser. Layers 4, 5, 9 and 10 apply only when the request
names a browser dlrescue knows (BROWSERS); any other browser gets the generic rule. Layers 6
and 8 apply only when the extension sent the `http_status` of the download's last response:
a status says more than the reason (Firefox hides 401 and 5xx alike behind SERVER_FAILED), so
its layers sit above the reason's, and a user's browser layers still win over them.

Three inputs beyond the episode's own (issue 18): the HTTP status with the server's
Retry-After (429 and 503 wait what the server asked, within the rule's bounds); the site's
schedule (site_step: one backoff per domain, the site's other downloads wait for its probe,
and a domain failing `pause_after` times without a success is paused); the free space of
the download's folder (decide's `bytes_short`: a full disk waits for room).

Defaults follow Chromium's resume modes (docs/BROWSERS.md, "Chromium's resume modes"):
USER_CONTINUE reasons resume with backoff; IMMEDIATE_RESTART reasons restart (Chrome already
tried); IMMEDIATE_CONTINUE reasons resume the partial file (Chrome already resumed 5 times
silently; the extension resets Chrome's counter); INVALID reasons are never retried.

Attempts are judged by progress (tally()): an interruption after which the file grew did not
fail, so it spends nothing and resets the backoff; one during an outage (the server did not
answer the extension's probe) spends nothing either; only interruptions without progress
spend the reason's `max_attempts` and grow the backoff.

No clock, no I/O, no randomness that is not passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .reasons import PAUSED
from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from typing import Literal

    Action = Literal["resume", "restart", "none"]
    #: Why a decision came out as it did; explanations are written per cause.
    Cause = Literal[
        "policy",
        "gave_up",
        "cannot_resume",
        "not_http",
        "unknown_reason",
        "paused",
        "no_progress",
        "sign_in",
        "gone",
        "retry_after",
        "site_wait",
        "site_paused",
        "no_space",
    ]
    Wait = Literal["space", "site"]

#: The values of Action and Cause at run time (tests/test_policy.py checks they are the same).
ACTIONS: tuple[Action, ...] = ("resume", "restart", "none")
CAUSES: tuple[Cause, ...] = (
    "policy",
    "gave_up",
    "cannot_resume",
    "not_http",
    "unknown_reason",
    "paused",
    "no_progress",
    "sign_in",
    "gone",
    "retry_after",
    "site_wait",
    "site_paused",
    "no_space",
)

#: The browsers with a layer of their own (the request's `browser`, lower case); any other
#: value, or none, gets the generic rule.
BROWSERS: tuple[str, ...] = ("chrome", "firefox")


class Rule(Record):
    """What to do for one category or reason."""

    action: Action
    max_attempts: int
    initial_delay_ms: int
    max_delay_ms: int
    backoff_factor: float
    notify: bool
    #: The N-th interruption of this reason without progress while the server answered the
    #: extension's probe (`reachable: true`) leaves the download (cause no_progress); 0: off.
    no_progress_attempts: int = 0


RULE_KEYS: tuple[str, ...] = Rule._fields

#: Limits of each numeric key (inclusive); also what policy.toml is validated against.
LIMITS: Mapping[str, tuple[float, float]] = {
    "max_attempts": (0, 1000),
    "initial_delay_ms": (0, 86_400_000),
    "max_delay_ms": (0, 86_400_000),
    "backoff_factor": (1.0, 10.0),
    "no_progress_attempts": (0, 1000),
}

# Categories left alone still carry sane delays: a reason override that turns on a retry
# (FILE_TOO_SHORT: restart) or a user's `action = "restart"` inherits them.
_NEVER = Rule("none", 0, 1_000, 60_000, 2.0, True)

DEFAULT_CATEGORIES: Mapping[str, Rule] = {
    # Files: the disk or the antivirus said no; retrying blindly changes nothing.
    "FILE": _NEVER,
    # Networks come back: resume with exponential backoff, for a while.
    "NETWORK": Rule("resume", 8, 2_000, 300_000, 2.0, True),
    # Servers hide 429/500/503 behind SERVER_FAILED: long waits, few tries.
    "SERVER": Rule("resume", 4, 5_000, 600_000, 3.0, True),
    # The user did it: leave it, silently.
    "USER": Rule("none", 0, 1_000, 60_000, 2.0, False),
    # A browser crash or restart: resume once.
    "CRASH": Rule("resume", 1, 1_000, 1_000, 1.0, True),
    # A reason no catalogue knows: leave it and say so.
    "UNKNOWN": _NEVER,
}

#: Partial overrides per reason (only what differs from the category). Every reason of the
#: catalogue is listed on purpose; an empty dict means "the category's rule is right".
DEFAULT_REASONS: Mapping[str, Mapping[str, object]] = {
    "FILE_FAILED": {},
    "FILE_ACCESS_DENIED": {},
    # A full disk mends when the user frees room: resume then (a `wait: "space"` decision
    # while the host sees too little free; see decide's `bytes_short`).
    "FILE_NO_SPACE": {"action": "resume", "max_attempts": 3},
    "FILE_NAME_TOO_LONG": {},
    "FILE_TOO_LARGE": {},
    "FILE_VIRUS_INFECTED": {"action": "none"},
    # IMMEDIATE_CONTINUE in Chrome: Chrome resumed it 5 times silently already; the extension
    # keeps the partial file (it resets Chrome's counter by pausing and resuming), so resume.
    "FILE_TRANSIENT_ERROR": {"action": "resume", "max_attempts": 2, "initial_delay_ms": 5_000},
    "FILE_BLOCKED": {"action": "none"},
    "FILE_SECURITY_CHECK_FAILED": {"action": "none"},
    "FILE_TOO_SHORT": {"action": "restart", "max_attempts": 1, "initial_delay_ms": 1_000},
    "FILE_HASH_MISMATCH": {"action": "restart", "max_attempts": 1, "initial_delay_ms": 1_000},
    "FILE_SAME_AS_SOURCE": {"action": "none"},
    "NETWORK_FAILED": {},
    # IMMEDIATE_CONTINUE in Chrome (see FILE_TRANSIENT_ERROR): resume, as NETWORK does.
    "NETWORK_TIMEOUT": {"action": "resume"},
    "NETWORK_DISCONNECTED": {},
    "NETWORK_SERVER_DOWN": {"initial_delay_ms": 10_000},
    "NETWORK_INVALID_REQUEST": {"action": "none", "max_attempts": 0},
    "SERVER_FAILED": {},
    "SERVER_NO_RANGE": {"action": "restart", "max_attempts": 1, "initial_delay_ms": 1_000},
    "SERVER_BAD_CONTENT": {"action": "none", "max_attempts": 0},
    "SERVER_UNAUTHORIZED": {"action": "none", "max_attempts": 0},
    "SERVER_CERT_PROBLEM": {"action": "none", "max_attempts": 0},
    "SERVER_FORBIDDEN": {"action": "none", "max_attempts": 0},
    "SERVER_UNREACHABLE": {"max_attempts": 3},
    # IMMEDIATE_CONTINUE in Chrome (see FILE_TRANSIENT_ERROR): what arrived is good, so
    # resume for the rest. Also what the extension sends for a `truncated` download.
    "SERVER_CONTENT_LENGTH_MISMATCH": {"action": "resume", "max_attempts": 3},
    "SERVER_CROSS_ORIGIN_REDIRECT": {"action": "none", "max_attempts": 0},
    "USER_CANCELED": {},
    "USER_SHUTDOWN": {},
    "USER_PAUSED": {},
    "CRASH": {},
    # dlrescue's own: the server stopped sending while the connection stayed open and the
    # extension reconnected. Resume at once; the stall itself was the wait.
    "NETWORK_STALLED": {"initial_delay_ms": 0},
}

#: Built-in layers per browser (what a browser reports differently), as partial overrides:
#: {browser: {"categories": {category: {...}}, "reasons": {reason: {...}}}}. Each entry says
#: why; docs/BROWSERS.md has the browser facts.
DEFAULT_BROWSERS: Mapping[str, Mapping[str, Mapping[str, Mapping[str, object]]]] = {
    "firefox": {
        "categories": {},
        "reasons": {
            # Firefox reports a download it blocked (malware check, parental controls) as
            # CRASH; a blocked file must never be fetched again.
            "CRASH": {"action": "none", "notify": True},
            # Firefox hides 401 (sign in) as well as 5xx behind SERVER_FAILED, and says
            # canResume false after an error status: restart, at most twice.
            "SERVER_FAILED": {"action": "restart", "max_attempts": 2},
            # Firefox turns any answer but 200/206 to a resumed request (403 for an expired
            # signed link) into NETWORK_FAILED: when the server answers and nothing more
            # arrived twice in a row, resuming again cannot help. Twice, not once: Firefox
            # loses what sat in socket buffers at a cut and resumes below the bytesReceived
            # it reported, so one resume that got data can still show no growth (seen in
            # Firefox ESR 153).
            "NETWORK_FAILED": {"no_progress_attempts": 2},
        },
    },
}


#: HTTP statuses: 401 (sign in) and 407 (sign in to the proxy).
SIGN_IN: tuple[int, ...] = (401, 407)
#: 410: the server says the file is gone for good.
GONE = 410
#: The statuses whose Retry-After the decision follows.
RETRY_AFTER: tuple[int, ...] = (429, 503)
#: No Retry-After is followed longer than this, whatever the rule allows.
RETRY_AFTER_CAP_MS = 3_600_000

# A server that failed (5xx) or asked to slow down (429) backs off as SERVER does, whatever
# reason the browser reported it under (Firefox reports a resumed request's 503 as
# NETWORK_FAILED): its delays, not its action (Firefox restarts after an error status).
_SERVER_BACKOFF: Mapping[str, object] = {
    "initial_delay_ms": DEFAULT_CATEGORIES["SERVER"].initial_delay_ms,
    "max_delay_ms": DEFAULT_CATEGORIES["SERVER"].max_delay_ms,
    "backoff_factor": DEFAULT_CATEGORIES["SERVER"].backoff_factor,
}

#: Built-in layers per HTTP status (partial overrides, like DEFAULT_REASONS); every 5xx not
#: listed takes DEFAULT_5XX. Statuses absent here (403, 404, 2xx, ...) add nothing: the
#: reason's rule decides.
DEFAULT_STATUSES: Mapping[int, Mapping[str, object]] = {
    # The server (or the proxy) wants the user to sign in: retrying cannot help until then.
    401: {"action": "none", "notify": True},
    407: {"action": "none", "notify": True},
    # Gone for good (unlike 404, which a site may mend).
    410: {"action": "none", "notify": True},
    # Too many requests: back off as SERVER does (Retry-After, when sent, sets the delay).
    429: _SERVER_BACKOFF,
}
DEFAULT_5XX: Mapping[str, object] = _SERVER_BACKOFF


def status_defaults(status: int | None) -> Mapping[str, object]:
    """The built-in layer of one HTTP status (empty for a status without one, or None)."""
    if status is None:
        return {}
    if status in DEFAULT_STATUSES:
        return DEFAULT_STATUSES[status]
    return DEFAULT_5XX if 500 <= status <= 599 else {}


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


class Policy(Record):
    """The user's layers (partial dicts) over the built-in ones."""

    categories: Mapping[str, Mapping[str, object]]
    reasons: Mapping[str, Mapping[str, object]]
    #: {browser: {"categories": {...}, "reasons": {...}}}, shaped like DEFAULT_BROWSERS.
    browsers: Mapping[str, Mapping[str, Mapping[str, Mapping[str, object]]]] = {}
    #: [status.N]: {"429": {...}} (the status as text, as TOML keys are).
    statuses: Mapping[str, Mapping[str, object]] = {}
    #: [sites."example.org"] and [sites."*"]: {"example.org": {"window_ms": ...}}.
    sites: Mapping[str, Mapping[str, object]] = {}


DEFAULT_POLICY = Policy(categories={}, reasons={})


def browser_key(browser: object) -> str | None:
    """The browser whose layers apply: "firefox", "chrome", or None for any other value."""
    if not isinstance(browser, str):
        return None
    key = browser.strip().lower()
    return key if key in BROWSERS else None


def layers(
    policy: Policy, reason: str, category: str, browser: object = None, status: int | None = None
) -> list[tuple[str, Mapping[str, object]]]:
    """The partial layers for one reason (and HTTP status), weakest first, each with the name
    of its source ("default" or "policy.toml"). Without a known browser, no browser layer;
    without a status, no status layer."""
    key = browser_key(browser)
    built_in = DEFAULT_BROWSERS.get(key, {}) if key else {}
    users = policy.browsers.get(key, {}) if key else {}
    statuses = status is not None
    out: list[tuple[str, Mapping[str, object]]] = [
        ("default", _rule_dict(DEFAULT_CATEGORIES[category])),
        ("policy.toml", policy.categories.get(category, {})),
        ("default", DEFAULT_REASONS.get(reason, {})),
    ]
    if key:
        out.append(("default", built_in.get("categories", {}).get(category, {})))
        out.append(("default", built_in.get("reasons", {}).get(reason, {})))
    if statuses:
        out.append(("default", status_defaults(status)))
    out.append(("policy.toml", policy.reasons.get(reason, {})))
    if statuses:
        out.append(("policy.toml", policy.statuses.get(str(status), {})))
    if key:
        out.append(("policy.toml", users.get("categories", {}).get(category, {})))
        out.append(("policy.toml", users.get("reasons", {}).get(reason, {})))
    return out


def rule_for(
    policy: Policy, reason: str, category: str, browser: object = None, status: int | None = None
) -> Rule:
    """The effective rule for one reason in one browser (after one HTTP status, when the
    extension sent it): every layer applied in order."""
    merged: dict[str, object] = {}
    for _source, layer in layers(policy, reason, category, browser, status):
        merged.update(layer)
    return DEFAULT_CATEGORIES[category]._replace(**merged)  # type: ignore[arg-type]


def site_for(policy: Policy, domain: str | None) -> Site:
    """The schedule settings of a domain: [sites."*"] over the defaults, then the most
    specific [sites."name"] naming the domain or a parent of it (example.org for
    dl.example.org)."""
    merged: dict[str, object] = dict(policy.sites.get("*", {}))
    if domain:
        labels = domain.split(".")
        for start in range(len(labels) - 1, -1, -1):  # the parents first, the domain last
            merged.update(policy.sites.get(".".join(labels[start:]), {}))
    return DEFAULT_SITE._replace(**merged)  # type: ignore[arg-type]


def _rule_dict(rule: Rule) -> dict[str, object]:
    return {key: getattr(rule, key) for key in RULE_KEYS}


class Decision(Record):
    """What the extension should do, and why."""

    action: Action
    delay_ms: int
    attempt: int
    max_attempts: int
    reason: str
    category: str
    notify: bool
    cause: Cause
    #: The browser whose layers applied (BROWSERS), for a browser's own explanation.
    browser: str | None = None
    #: "space": act once the disk has room (`bytes_needed` more bytes free); "site": wait
    #: for the site's probe. None: act after delay_ms.
    wait: Wait | None = None
    bytes_needed: int | None = None
    #: The HTTP status the decision used (the request's `http_status`), else None.
    http_status: int | None = None
    #: The name of the folder that holds the download (for a full disk's explanation).
    folder: str | None = None


def backoff_ms(rule: Rule, step: int, jitter: float) -> int:
    """Exponential backoff with equal jitter and a floor.

    ceiling = min(max_delay_ms, initial_delay_ms x backoff_factor^(step-1)); the delay is
    ceiling/2 + jitter x ceiling/2, then at least initial_delay_ms and at most max_delay_ms.
    So no wait is shorter than the rule's initial delay, and step 1 waits exactly that.
    `jitter` is a number in [0, 1) supplied by the caller (random.random() in the host).
    """
    exponent = min(max(step, 1) - 1, 64)  # bounded: factor**64 already passes any cap
    ceiling = min(float(rule.max_delay_ms), rule.initial_delay_ms * rule.backoff_factor**exponent)
    delay = ceiling / 2 + jitter * ceiling / 2
    return int(min(max(delay, float(rule.initial_delay_ms)), float(rule.max_delay_ms)))


class Interruption(Record):
    """One earlier interruption of an episode, as the history keeps it."""

    reason: str
    bytes_received: int | None
    #: The extension's probe after it: True answered, False no answer, None not probed.
    reachable: bool | None = None
    #: The decision's action ("restart" starts the file again from 0 bytes).
    action: str | None = None


class Tally(Record):
    """What an episode's earlier interruptions mean for a new one (the inputs of decide())."""

    #: Whether the new interruption made progress; None when its bytes are unknown.
    progress: bool | None
    #: The reason's earlier interruptions that spent its budget (no progress, not an outage).
    spent: int
    #: Of those, how many came since the episode last made progress (the backoff's step - 1).
    streak: int
    #: The reason's earlier interruptions without progress while the server answered.
    stuck: int


def _progress(bytes_received: int | None, before: Interruption | None) -> bool | None:
    """More bytes than after the previous interruption (than 0 for the first one, or after a
    restart, which starts the file again); None when either count is unknown."""
    if bytes_received is None or bytes_received < 0:
        return None
    if before is None or before.action == "restart":
        return bytes_received > 0
    if before.bytes_received is None or before.bytes_received < 0:
        return None
    return bytes_received > before.bytes_received


def tally(earlier: Sequence[Interruption], reason: str, bytes_received: int | None) -> Tally:
    """Count an episode's earlier interruptions (oldest first) for a new one of `reason`.

    An interruption made progress when its bytesReceived is greater than the previous
    interruption's in the episode (see _progress). One that made progress spends nothing and
    ends the backoff's streak; one without progress during an outage (reachable False) spends
    nothing and leaves the streak as it was; any other (no progress, or progress unknown)
    spends its reason's budget. Pauses (USER_PAUSED) are not failures and are skipped.
    """
    spent = streak = stuck = 0
    before: Interruption | None = None
    for event in earlier:
        if event.reason == PAUSED:
            continue
        made = _progress(event.bytes_received, before)
        before = event
        if made:
            streak = 0
            continue
        if event.reason != reason or event.reachable is False:
            continue
        spent += 1
        streak += 1
        stuck += event.reachable is True
    return Tally(_progress(bytes_received, before), spent, streak, stuck)


#: The margin a resumed download needs on top of its missing bytes.
SPACE_MARGIN = 1024 * 1024
#: How soon the extension first asks whether the disk has room (then every 15 s).
SPACE_CHECK_MS = 15_000
#: The reasons that may mean a full disk, per browser (None: any browser): Firefox reports
#: a full disk as FILE_FAILED.
DISK_FULL: Mapping[str, str | None] = {"FILE_NO_SPACE": None, "FILE_FAILED": "firefox"}


def may_be_disk_full(reason: str, browser: str | None) -> bool:
    """Whether the host should look at the free space of the download's folder."""
    if reason not in DISK_FULL:
        return False
    only = DISK_FULL[reason]
    return only is None or only == browser


def bytes_short(free: int | None, total: int | None, received: int | None) -> int | None:
    """How many more bytes must be free for the rest of the download (its missing bytes
    plus SPACE_MARGIN): 0 when there is room, None when the free space is unknown. An unknown
    total (None or -1) needs the margin only; an unknown bytesReceived counts as 0."""
    if free is None or free < 0:
        return None
    have = received if received is not None and received > 0 else 0
    missing = max(total - have, 0) if total is not None and total >= 0 else 0
    return max(missing + SPACE_MARGIN - free, 0)


def rule_reason(reason: str, browser: str | None, short: int | None) -> str:
    """The reason whose rule decides: FILE_NO_SPACE's for a Firefox FILE_FAILED when the disk
    is short of room (a full disk, as Firefox reports it); else the reason itself."""
    if reason == "FILE_FAILED" and short and may_be_disk_full(reason, browser):
        return "FILE_NO_SPACE"
    return reason


def retry_after_delay(rule: Rule, status: int | None, retry_after_ms: int | None) -> int | None:
    """The server's Retry-After as the delay, for 429 and 503: at most the rule's
    max_delay_ms and RETRY_AFTER_CAP_MS, at least its initial_delay_ms. None when it does not
    apply."""
    if status not in RETRY_AFTER or retry_after_ms is None:
        return None
    capped = min(retry_after_ms, rule.max_delay_ms, RETRY_AFTER_CAP_MS)
    return max(capped, rule.initial_delay_ms)


def decide(
    rule: Rule,
    *,
    reason: str,
    category: str,
    known: bool,
    attempt: int,
    earlier_same_reason: int | None = None,
    can_resume: bool | None,
    http: bool,
    paused: bool = False,
    jitter: float,
    progress: bool | None = None,
    reachable: bool | None = None,
    streak: int | None = None,
    stuck: int = 0,
    browser: str | None = None,
    http_status: int | None = None,
    retry_after_ms: int | None = None,
    bytes_short: int | None = None,
    folder: str | None = None,
) -> Decision:
    """Decide one interruption.

    `attempt` counts this interruption within its episode (1 for the first).
    `earlier_same_reason` counts the episode's earlier interruptions with this same reason
    that spent its budget (default: all earlier interruptions; see tally()). Each reason has
    its own budget within the episode, so a download that failed twice on the network and
    then gets SERVER_NO_RANGE is still restarted once.

    `progress` says whether the file grew since the previous interruption (None: unknown,
    counted as no progress). An interruption with progress spends nothing and waits the
    first step's delay; so does one without progress when `reachable` is False (the server
    did not answer the extension's probe: an outage). Any other spends one of the reason's
    `max_attempts` and waits the backoff's step `streak + 1`, `streak` being the reason's
    earlier budget-spending interruptions since the episode last made progress (default:
    `earlier_same_reason`). With `reachable` True and no progress, `stuck` earlier such
    interruptions plus this one reaching the rule's `no_progress_attempts` leaves the
    download (cause no_progress, notify), unless the browser says it cannot resume
    (`can_resume` False: Firefox's answer to a resume met by 416), which a restart can mend.

    `http_status` is the status of the download's last response (`rule` already has its
    layers): with 401 or 407 a `none` is cause sign_in, with 410 cause gone; with 429 or 503
    and `retry_after_ms` the delay is the server's (retry_after_delay, cause retry_after)
    instead of the backoff's. `bytes_short` (see bytes_short()) > 0 turns a resume or restart
    into a wait for room: `wait` "space", `bytes_needed`, notify, delay SPACE_CHECK_MS;
    `folder` names the download's folder in its explanation.

    The reply's `max_attempts` is the episode attempt up to which this reason is retried if
    no later interruption makes progress, so `attempt <= max_attempts` exactly while retries
    go on. `max_attempts = 0` in a rule means no retry at all, progress or not.
    `can_resume` is the browser's DownloadItem.canResume (None when it did not say).
    `http` is whether the URL can be fetched again (http or https). `paused` marks a pause,
    which is not a failure. `browser` is the browser whose layers made `rule`.
    """
    earlier = attempt - 1 if earlier_same_reason is None else min(earlier_same_reason, attempt - 1)
    counts = progress is not True and reachable is not False
    tries = earlier + counts  # this reason's own count, this interruption included if it spends
    limit = attempt - tries + rule.max_attempts
    step = (earlier if streak is None else min(streak, earlier)) + 1 if counts else 1

    status = http_status if known else None

    def leave(cause: Cause, notify: bool) -> Decision:
        return Decision(
            "none", 0, attempt, limit, reason, category, notify, cause, browser, None, None, status
        )

    if paused:
        return leave("paused", False)
    if not known:
        return leave("unknown_reason", rule.notify)
    if rule.action == "none":
        if status in SIGN_IN:
            return leave("sign_in", rule.notify)
        return leave("gone" if status == GONE else "policy", rule.notify)
    if (
        rule.no_progress_attempts > 0
        and progress is not True
        and reachable is True
        and can_resume is not False  # a download that cannot resume is restarted instead
        and stuck + 1 >= rule.no_progress_attempts
    ):
        return leave("no_progress", True)
    if rule.max_attempts <= 0 or tries > rule.max_attempts:
        return leave("gave_up", rule.notify)
    action: Action = rule.action
    cause: Cause = "policy"
    if action == "resume" and can_resume is False:
        action, cause = "restart", "cannot_resume"
    if not http:
        return leave("not_http", rule.notify)
    if bytes_short:
        return Decision(
            action,
            SPACE_CHECK_MS,
            attempt,
            limit,
            reason,
            category,
            True,
            "no_space",
            browser,
            "space",
            bytes_short,
            status,
            folder,
        )
    delay = backoff_ms(rule, step, jitter)
    asked = retry_after_delay(rule, status, retry_after_ms)
    if asked is not None:
        delay = asked
        cause = "retry_after" if cause == "policy" else cause
    return Decision(
        action, delay, attempt, limit, reason, category, False, cause, browser, None, None, status
    )


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


#: The categories whose failures are the site's (a full disk or a crash is not).
SITE_CATEGORIES = ("NETWORK", "SERVER")


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
) -> tuple[Decision, SiteState]:
    """One failure of a download (`probe`: its key) in its domain's schedule: the decision
    (`usual` as decide() made it, or the site's) and the domain's new state.

    Only resumes and restarts of NETWORK and SERVER reasons take part. An interruption
    after which the file grew (`progress`) shows the site answers: a success, decided as
    usual. One during an outage (`reachable` False: the server did not answer the
    extension's probe, which may be the user's network) does not count towards the pause.
    Any other counts; then, in order:
    - the `pause_after`-th failure in a row (0: never) without a success starts a pause of
      `pause_ms` if none is running: this download is the site's probe, due when the pause
      ends, with a notification (once per pause), cause site_paused;
    - during a pause, or when another download of the domain failed within `window_ms` and
      the site's probe is still to come, this download waits for the probe: `wait` "site",
      delay the probe's due time + the rule's initial delay, cause site_wait;
    - else it is the site's probe, decided as usual.
    A success of the domain (an outcome in_progress or complete) is a new SiteState().
    """
    if usual.action == "none" or usual.category not in SITE_CATEGORIES:
        return usual, state
    if progress is True:
        return usual, SiteState()
    failures = state.failures + (reachable is not False)  # an outage: see above
    paused = state.paused_until_ms is not None and state.paused_until_ms > now_ms
    counts = reachable is not False
    if counts and site.pause_after and failures >= site.pause_after and not paused:
        until = now_ms + site.pause_ms
        decision = usual._replace(delay_ms=site.pause_ms, notify=True, cause="site_paused")
        return decision, SiteState(failures, now_ms, probe, until, until)
    recent = (
        site.window_ms > 0
        and state.last_ms is not None
        and now_ms - state.last_ms <= site.window_ms
    )
    due = state.probe_due_ms
    if paused or (recent and probe != state.probe and due is not None and due > now_ms):
        wait_until = max(due or 0, state.paused_until_ms or 0) if paused else (due or now_ms)
        decision = usual._replace(
            delay_ms=wait_until - now_ms + rule.initial_delay_ms,
            notify=False,
            cause="site_wait",
            wait="site",
        )
        return decision, state._replace(failures=failures, last_ms=now_ms)
    return usual, SiteState(failures, now_ms, probe, now_ms + usual.delay_ms, state.paused_until_ms)

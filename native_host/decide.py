"""One pure `decide()`: what to do with one interruption, given its rule (policy.py) and
what the episode's earlier interruptions mean for it (`tally`).

Attempts are judged by progress: an interruption after which the file grew did not fail,
so it spends nothing and resets the backoff; one during an outage (the server did not
answer the extension's probe) spends nothing either; only interruptions without progress
spend the reason's `max_attempts` and grow the backoff (equal jitter with a floor).

Three inputs beyond the episode's own: the HTTP status with the server's Retry-After (429
and 503 wait what the server asked, within the rule's bounds); the free space of the
download's folder (`bytes_short`: a full disk waits for room); and, in sites.py, the site's
schedule. No clock, no I/O, no randomness that is not passed in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .policy import GONE, RETRY_AFTER, RETRY_AFTER_CAP_MS, SIGN_IN, Rule
from .reasons import PAUSED
from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from .decision_types import Action, Cause, Wait


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
    #: for the site's probe or pause, delay_ms counted from the decision. None: act after
    #: delay_ms.
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


#: Network errors after which the browser will never continue the partial file: Firefox's
#: NS_ERROR_ENTITY_CHANGED (a resumed request whose answer names another file than the
#: partial came from: its ETag, Last-Modified or total size differ; docs/BROWSERS.md,
#: "Seen in real runs"). Every resume fails the same way, at once; a restart mends it.
CANNOT_CONTINUE: frozenset[str] = frozenset({"NS_ERROR_ENTITY_CHANGED"})


def can_continue(can_resume: bool | None, net_error: str | None) -> bool | None:
    """The browser's canResume, False after a network error in CANNOT_CONTINUE."""
    return False if net_error in CANNOT_CONTINUE else can_resume


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
    tries, limit, step = _budget(rule, attempt, earlier_same_reason, progress, reachable, streak)
    status = http_status if known else None

    left = _why_left(
        rule,
        paused=paused,
        known=known,
        status=status,
        stuck=stuck if progress is not True and reachable is True else None,
        can_resume=can_resume,
        spent=tries,
        http=http,
    )
    if left is not None:
        why, notify = left
        return Decision(
            "none", 0, attempt, limit, reason, category, notify, why, browser, None, None, status
        )
    action: Action = rule.action
    cause: Cause = "policy"
    if action == "resume" and can_resume is False:
        action, cause = "restart", "cannot_resume"
    usual = Decision(
        action, 0, attempt, limit, reason, category, False, cause, browser, None, None, status
    )
    if bytes_short:
        return usual._replace(
            delay_ms=SPACE_CHECK_MS,
            notify=True,
            cause="no_space",
            wait="space",
            bytes_needed=bytes_short,
            folder=folder,
        )
    asked = retry_after_delay(rule, status, retry_after_ms)
    if asked is not None:
        return usual._replace(delay_ms=asked, cause="retry_after" if cause == "policy" else cause)
    return usual._replace(delay_ms=backoff_ms(rule, step, jitter))


def _why_left(
    rule: Rule,
    *,
    paused: bool,
    known: bool,
    status: int | None,
    stuck: int | None,
    can_resume: bool | None,
    spent: int,
    http: bool,
) -> tuple[Cause, bool] | None:
    """Why the download is left alone, and whether the user is told; None to retry it.
    `stuck`: the earlier stuck cuts when this one is stuck too (no progress while the server
    answered), else None."""
    if paused:
        return "paused", False
    if not known:
        return "unknown_reason", rule.notify
    if rule.action == "none":
        if status in SIGN_IN:
            return "sign_in", rule.notify
        return ("gone" if status == GONE else "policy"), rule.notify
    if (
        rule.no_progress_attempts > 0
        and stuck is not None
        and can_resume is not False  # a download that cannot resume is restarted instead
        and stuck + 1 >= rule.no_progress_attempts
    ):
        return "no_progress", True
    if rule.max_attempts <= 0 or spent > rule.max_attempts:
        return "gave_up", rule.notify
    if not http:
        return "not_http", rule.notify
    return None


def _budget(
    rule: Rule,
    attempt: int,
    earlier_same_reason: int | None,
    progress: bool | None,
    reachable: bool | None,
    streak: int | None,
) -> tuple[int, int, int]:
    """This reason's count (this interruption included if it spends), the reply's
    max_attempts, and the backoff's step."""
    earlier = attempt - 1 if earlier_same_reason is None else min(earlier_same_reason, attempt - 1)
    counts = progress is not True and reachable is not False
    tries = earlier + counts
    limit = attempt - tries + rule.max_attempts
    step = (earlier if streak is None else min(streak, earlier)) + 1 if counts else 1
    return tries, limit, step

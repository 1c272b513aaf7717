"""The retry policy as data, and one pure `decide()`.

A rule per category, partial overrides per reason, and the user's policy.toml on top. The
layers, weakest first: built-in category rule < user's category < built-in reason override
< user's reason override. So a user who changes `[categories.NETWORK]` changes every network
reason except those the catalogue marks on purpose (NETWORK_INVALID_REQUEST is never retried
unless the user names it), and a user's `[reasons.X]` always wins.

Defaults follow Chromium's resume modes (docs/BROWSERS.md, "Chromium's resume modes"):
USER_CONTINUE reasons resume with backoff; IMMEDIATE_RESTART reasons restart (Chrome already
tried); IMMEDIATE_CONTINUE reasons have had Chrome's 5 silent resumes, so a restart is what is
left; INVALID reasons are never retried.

No clock, no I/O, no randomness that is not passed in.
"""

from __future__ import annotations

from collections.abc import Mapping

from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from typing import Literal

    Action = Literal["resume", "restart", "none"]
    #: Why a decision came out as it did; explanations are written per cause.
    Cause = Literal["policy", "gave_up", "cannot_resume", "not_http", "unknown_reason", "paused"]

#: The values of Action and Cause at run time (tests/test_policy.py checks they are the same).
ACTIONS: tuple[Action, ...] = ("resume", "restart", "none")
CAUSES: tuple[Cause, ...] = (
    "policy",
    "gave_up",
    "cannot_resume",
    "not_http",
    "unknown_reason",
    "paused",
)


class Rule(Record):
    """What to do for one category or reason."""

    action: Action
    max_attempts: int
    initial_delay_ms: int
    max_delay_ms: int
    backoff_factor: float
    notify: bool


RULE_KEYS: tuple[str, ...] = Rule._fields

#: Limits of each numeric key (inclusive); also what policy.toml is validated against.
LIMITS: Mapping[str, tuple[float, float]] = {
    "max_attempts": (0, 1000),
    "initial_delay_ms": (0, 86_400_000),
    "max_delay_ms": (0, 86_400_000),
    "backoff_factor": (1.0, 10.0),
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
    "FILE_NO_SPACE": {},
    "FILE_NAME_TOO_LONG": {},
    "FILE_TOO_LARGE": {},
    "FILE_VIRUS_INFECTED": {"action": "none"},
    "FILE_TRANSIENT_ERROR": {"action": "restart", "max_attempts": 2, "initial_delay_ms": 5_000},
    "FILE_BLOCKED": {"action": "none"},
    "FILE_SECURITY_CHECK_FAILED": {"action": "none"},
    "FILE_TOO_SHORT": {"action": "restart", "max_attempts": 1, "initial_delay_ms": 1_000},
    "FILE_HASH_MISMATCH": {"action": "restart", "max_attempts": 1, "initial_delay_ms": 1_000},
    "FILE_SAME_AS_SOURCE": {"action": "none"},
    "NETWORK_FAILED": {},
    "NETWORK_TIMEOUT": {},
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
    "SERVER_CONTENT_LENGTH_MISMATCH": {"action": "restart", "max_attempts": 3},
    "SERVER_CROSS_ORIGIN_REDIRECT": {"action": "none", "max_attempts": 0},
    "USER_CANCELED": {},
    "USER_SHUTDOWN": {},
    "USER_PAUSED": {},
    "CRASH": {},
}


class Policy(Record):
    """The user's layers (partial dicts) over the built-in ones."""

    categories: Mapping[str, Mapping[str, object]]
    reasons: Mapping[str, Mapping[str, object]]


DEFAULT_POLICY = Policy(categories={}, reasons={})


def layers(policy: Policy, reason: str, category: str) -> list[tuple[str, Mapping[str, object]]]:
    """The partial layers for one reason, weakest first, each with the name of its source."""
    return [
        ("default", _rule_dict(DEFAULT_CATEGORIES[category])),
        ("policy.toml", policy.categories.get(category, {})),
        ("default", DEFAULT_REASONS.get(reason, {})),
        ("policy.toml", policy.reasons.get(reason, {})),
    ]


def rule_for(policy: Policy, reason: str, category: str) -> Rule:
    """The effective rule for one reason: every layer applied in order."""
    merged: dict[str, object] = {}
    for _source, layer in layers(policy, reason, category):
        merged.update(layer)
    return DEFAULT_CATEGORIES[category]._replace(**merged)  # type: ignore[arg-type]


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


def backoff_ms(rule: Rule, attempt: int, jitter: float) -> int:
    """Exponential backoff with full jitter: uniform in [0, min(cap, initial * factor^(n-1))].

    `jitter` is a number in [0, 1) supplied by the caller (random.random() in the host).
    """
    exponent = min(attempt - 1, 64)  # bounded: factor**64 already passes any cap
    ceiling = min(float(rule.max_delay_ms), rule.initial_delay_ms * rule.backoff_factor**exponent)
    return int(jitter * ceiling)


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
) -> Decision:
    """Decide one interruption.

    `attempt` counts this interruption within its episode (1 for the first).
    `earlier_same_reason` counts the episode's earlier interruptions with this same reason
    (default: all of them). Each reason has its own budget within the episode, so a
    download that failed twice on the network and then gets SERVER_NO_RANGE is still
    restarted once; the reply's `max_attempts` is the episode attempt up to which this
    reason is retried, so `attempt <= max_attempts` exactly while retries go on.
    `can_resume` is the browser's DownloadItem.canResume (None when it did not say).
    `http` is whether the URL can be fetched again (http or https). `paused` marks a pause,
    which is not a failure.
    """
    earlier = attempt - 1 if earlier_same_reason is None else min(earlier_same_reason, attempt - 1)
    tries = earlier + 1  # this reason's own count, this interruption included
    limit = attempt - tries + rule.max_attempts

    def leave(cause: Cause, notify: bool) -> Decision:
        return Decision("none", 0, attempt, limit, reason, category, notify, cause)

    if paused:
        return leave("paused", False)
    if not known:
        return leave("unknown_reason", rule.notify)
    if rule.action == "none":
        return leave("policy", rule.notify)
    if tries > rule.max_attempts:
        return leave("gave_up", rule.notify)
    action: Action = rule.action
    cause: Cause = "policy"
    if action == "resume" and can_resume is False:
        action, cause = "restart", "cannot_resume"
    if not http:
        return leave("not_http", rule.notify)
    return Decision(
        action,
        backoff_ms(rule, tries, jitter),
        attempt,
        limit,
        reason,
        category,
        False,
        cause,
    )

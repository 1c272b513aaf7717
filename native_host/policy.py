"""The retry policy as data: rules per category, reason, browser and HTTP status, and how
the layers make the rule for one interruption (`rule_for`).

A rule per category, partial overrides per reason, a layer per browser for what a browser
reports differently, and the policy files on top. The layers, weakest first:

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

"User's" is every policy file, stacked (`stacked`): the system-wide file, the user's
policy.toml, the administrator's managed policy, weakest first. A file wins every key it sets
over the weaker files, whatever table of theirs set it (a managed [categories.NETWORK]
max_attempts is not loosened by the user's [reasons.NETWORK_FAILED]); within one file the
layers above apply.

Defaults follow Chromium's resume modes (docs/BROWSERS.md, "Chromium's resume modes"):
USER_CONTINUE reasons resume with backoff; IMMEDIATE_RESTART reasons restart (Chrome already
tried); IMMEDIATE_CONTINUE reasons resume the partial file (Chrome already resumed 5 times
silently; the extension resets Chrome's counter); INVALID reasons are never retried.

The decision itself is decide.py's (one pure function over a rule from here), the site's
schedule (and its settings) sites.py's. No clock, no I/O, no randomness that is not passed in.
"""

from __future__ import annotations

from collections.abc import Mapping

from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from .decision_types import Action

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
    "chrome": {
        "categories": {},
        "reasons": {
            # Chrome continues a download cut by a full disk only after asking where to save
            # it (a Save As dialog); with nobody to answer, the dialog is dismissed and Chrome
            # drops the partial file (USER_CANCELED). So once there is room, start again; the
            # notification offers the resume with the dialog to a user who is there.
            "FILE_NO_SPACE": {"action": "restart"},
        },
    },
    "firefox": {
        "categories": {},
        "reasons": {
            # Firefox reports a download it blocked (malware check, parental controls) as
            # CRASH; a blocked file must never be fetched again.
            "CRASH": {"action": "none", "notify": True},
            # Firefox hides 401 (sign in) as well as 5xx behind SERVER_FAILED, and says
            # canResume false after an error status: restart, with SERVER's budget (a 503
            # that lasts three answers still completes; bench/RESULTS.md, 503x3). With the
            # user's consent the extension sends the status, and a 401 is "sign in".
            "SERVER_FAILED": {"action": "restart"},
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
    #: Several policy files stacked, each (source, Policy), weakest first (`stacked`); then
    #: the tables above are empty.
    files: tuple[tuple[str, Policy], ...] = ()


DEFAULT_POLICY = Policy(categories={}, reasons={})


def stacked(*files: tuple[str, Policy]) -> Policy:
    """The policy of several files, weakest first, each named by its source."""
    return Policy(categories={}, reasons={}, files=files)


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
    of its source ("default", "policy.toml" or the stacked file's source). Without a known
    browser, no browser layer; without a status, no status layer."""
    key = browser_key(browser)
    built_in = DEFAULT_BROWSERS.get(key, {}) if key else {}
    files = _tables(policy, reason, category, key, status)
    out = [
        ("default", _rule_dict(DEFAULT_CATEGORIES[category])),
        *files[0],
        ("default", DEFAULT_REASONS.get(reason, {})),
    ]
    if key:
        out.append(("default", built_in.get("categories", {}).get(category, {})))
        out.append(("default", built_in.get("reasons", {}).get(reason, {})))
    if status is not None:
        out.append(("default", status_defaults(status)))
    return out + [layer for part in files[1:] for layer in part]


def _tables(
    policy: Policy, reason: str, category: str, key: str | None, status: int | None
) -> list[list[tuple[str, Mapping[str, object]]]]:
    """The files' tables that apply, by place (category; reason, status, browser category,
    browser reason), each place weakest file first; a key a stronger file sets is taken out
    of the weaker files' tables."""
    taken: set[str] = set()
    by_file = []
    for source, file in reversed(policy.files or (("policy.toml", policy),)):
        users = file.browsers.get(key, {}) if key else {}
        tables = [
            file.categories.get(category, {}),
            file.reasons.get(reason, {}),
            file.statuses.get(str(status), {}) if status is not None else {},
            users.get("categories", {}).get(category, {}),
            users.get("reasons", {}).get(reason, {}),
        ]
        kept = [{k: v for k, v in table.items() if k not in taken} for table in tables]
        taken.update(k for table in tables for k in table)
        by_file.append([(source, table) for table in kept])
    by_file.reverse()
    return [[tables[0] for tables in by_file], [t for tables in by_file for t in tables[1:]]]


#: rule_for's answers for the one policy it was last asked about (a host holds one policy in
#: force at a time): a burst asks for the same few rules thousands of times, and layering
#: them costs tens of µs. Another policy object starts the memo again, so none is kept alive.
_MEMO: tuple[Policy, dict[tuple[object, ...], Rule]] = (DEFAULT_POLICY, {})


def rule_for(
    policy: Policy, reason: str, category: str, browser: object = None, status: int | None = None
) -> Rule:
    """The effective rule for one reason in one browser (after one HTTP status, when the
    extension sent it): every layer applied in order."""
    global _MEMO
    if _MEMO[0] is not policy:
        _MEMO = (policy, {})
    rules = _MEMO[1]
    key = (reason, category, browser_key(browser), status)
    rule = rules.get(key)
    if rule is None:
        merged: dict[str, object] = {}
        for _source, layer in layers(policy, reason, category, browser, status):
            merged.update(layer)
        rule = rules[key] = DEFAULT_CATEGORIES[category]._replace(**merged)  # type: ignore[arg-type]
    return rule


def _rule_dict(rule: Rule) -> dict[str, object]:
    return {key: getattr(rule, key) for key in RULE_KEYS}

"""The reason catalogue: canonical names, browser aliases, WebView2 numbers, categories.

Pure data and one lookup; no I/O. Sources: MDN's `downloads.InterruptReason` (24 strings),
Chromium's `downloads.idl` (5 more), Firefox's `ext-downloads.js` (8 it emits), WebView2's
`CoreWebView2DownloadInterruptReason` (names and numbers 0-29). The MDN and Microsoft pages
are in tests/fixtures/ (tests/test_reasons.py checks this module against them); what each
browser sends is in docs/BROWSERS.md, "Reason strings". One reason is dlrescue's own and no
browser sends it: NETWORK_STALLED (DLRESCUE_REASONS), which the extension reports when it
cut a download whose server stopped sending.
"""

from __future__ import annotations

import re

from .record import Record

CATEGORIES = ("FILE", "NETWORK", "SERVER", "USER", "CRASH", "UNKNOWN")

#: MDN's 24 strings, in the order the seeds list them.
MDN_REASONS = (
    "FILE_FAILED",
    "FILE_ACCESS_DENIED",
    "FILE_NO_SPACE",
    "FILE_NAME_TOO_LONG",
    "FILE_TOO_LARGE",
    "FILE_VIRUS_INFECTED",
    "FILE_TRANSIENT_ERROR",
    "FILE_BLOCKED",
    "FILE_SECURITY_CHECK_FAILED",
    "FILE_TOO_SHORT",
    "NETWORK_FAILED",
    "NETWORK_TIMEOUT",
    "NETWORK_DISCONNECTED",
    "NETWORK_SERVER_DOWN",
    "NETWORK_INVALID_REQUEST",
    "SERVER_FAILED",
    "SERVER_NO_RANGE",
    "SERVER_BAD_CONTENT",
    "SERVER_UNAUTHORIZED",
    "SERVER_CERT_PROBLEM",
    "SERVER_FORBIDDEN",
    "USER_CANCELED",
    "USER_SHUTDOWN",
    "CRASH",
)

#: Emitted by Chrome's extension API beyond MDN's list.
CHROME_ONLY_REASONS = (
    "FILE_HASH_MISMATCH",
    "FILE_SAME_AS_SOURCE",
    "SERVER_UNREACHABLE",
    "SERVER_CONTENT_LENGTH_MISMATCH",
    "SERVER_CROSS_ORIGIN_REDIRECT",
)

#: The 29 strings Chrome emits.
CHROME_REASONS = MDN_REASONS + CHROME_ONLY_REASONS

#: The 8 strings Firefox emits.
FIREFOX_REASONS = (
    "FILE_FAILED",
    "NETWORK_FAILED",
    "SERVER_FAILED",
    "SERVER_BAD_CONTENT",
    "SERVER_UNAUTHORIZED",
    "SERVER_FORBIDDEN",
    "USER_CANCELED",
    "CRASH",
)

#: A pause, as WebView2 reports it (Firefox reports a pause as USER_CANCELED + paused).
PAUSED = "USER_PAUSED"

#: dlrescue's own reasons, which no browser sends: the extension reports them itself.
#: NETWORK_STALLED: the server stopped sending while the connection stayed open, and the
#: extension cut the download and reconnected (a stall is an interruption of its own).
DLRESCUE_REASONS = ("NETWORK_STALLED",)

#: Every canonical name the catalogue knows: the browsers' strings, a pause, dlrescue's own.
KNOWN_REASONS = (*CHROME_REASONS, PAUSED, *DLRESCUE_REASONS)

#: WebView2's enum: (name, value, canonical). Value 0, `None`, is not an interruption.
WEBVIEW2 = (
    ("FileFailed", 1, "FILE_FAILED"),
    ("FileAccessDenied", 2, "FILE_ACCESS_DENIED"),
    ("FileNoSpace", 3, "FILE_NO_SPACE"),
    ("FileNameTooLong", 4, "FILE_NAME_TOO_LONG"),
    ("FileTooLarge", 5, "FILE_TOO_LARGE"),
    ("FileMalicious", 6, "FILE_VIRUS_INFECTED"),
    ("FileTransientError", 7, "FILE_TRANSIENT_ERROR"),
    ("FileBlockedByPolicy", 8, "FILE_BLOCKED"),
    ("FileSecurityCheckFailed", 9, "FILE_SECURITY_CHECK_FAILED"),
    ("FileTooShort", 10, "FILE_TOO_SHORT"),
    ("FileHashMismatch", 11, "FILE_HASH_MISMATCH"),
    ("NetworkFailed", 12, "NETWORK_FAILED"),
    ("NetworkTimeout", 13, "NETWORK_TIMEOUT"),
    ("NetworkDisconnected", 14, "NETWORK_DISCONNECTED"),
    ("NetworkServerDown", 15, "NETWORK_SERVER_DOWN"),
    ("NetworkInvalidRequest", 16, "NETWORK_INVALID_REQUEST"),
    ("ServerFailed", 17, "SERVER_FAILED"),
    ("ServerNoRange", 18, "SERVER_NO_RANGE"),
    ("ServerBadContent", 19, "SERVER_BAD_CONTENT"),
    ("ServerUnauthorized", 20, "SERVER_UNAUTHORIZED"),
    ("ServerCertificateProblem", 21, "SERVER_CERT_PROBLEM"),
    ("ServerForbidden", 22, "SERVER_FORBIDDEN"),
    ("ServerUnexpectedResponse", 23, "SERVER_UNREACHABLE"),
    ("ServerContentLengthMismatch", 24, "SERVER_CONTENT_LENGTH_MISMATCH"),
    ("ServerCrossOriginRedirect", 25, "SERVER_CROSS_ORIGIN_REDIRECT"),
    ("UserCanceled", 26, "USER_CANCELED"),
    ("UserShutdown", 27, "USER_SHUTDOWN"),
    ("UserPaused", 28, PAUSED),
    ("DownloadProcessCrashed", 29, "CRASH"),
)

#: Prefix of WebView2's Win32 constant names (COREWEBVIEW2_DOWNLOAD_INTERRUPT_REASON_FILE_FAILED).
WIN32_PREFIX = "COREWEBVIEW2_DOWNLOAD_INTERRUPT_REASON_"

#: What "no interruption" looks like in each source: refused, never recorded.
NOT_AN_INTERRUPTION = frozenset({"None", "NONE", 0, WIN32_PREFIX + "NONE"})

#: A reason the catalogue does not know but accepts: upper case, digits and `_`, <= 64 chars.
WELL_FORMED = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


def _win32(name: str) -> str:
    """The Win32 constant of a WebView2 name: FileNoSpace -> ..._REASON_FILE_NO_SPACE."""
    return WIN32_PREFIX + "".join("_" + c if c.isupper() else c for c in name).lstrip("_").upper()


_ALIASES: dict[str | int, str] = {name: name for name in KNOWN_REASONS}
for _name, _value, _canonical in WEBVIEW2:
    _ALIASES[_name] = _canonical
    _ALIASES[_value] = _canonical
    _ALIASES[_win32(_name)] = _canonical


class Reason(Record):
    """A reason after lookup: its canonical name, its category, and whether we know it."""

    name: str
    category: str
    known: bool


class InvalidReason(ValueError):
    """The value is not an interruption reason; the message says what would be right."""


def category_of(name: str) -> str:
    """The category of a canonical or well-formed name, by its prefix."""
    if name == "CRASH":
        return "CRASH"
    prefix = name.split("_", 1)[0]
    return prefix if prefix in CATEGORIES and prefix not in ("CRASH", "UNKNOWN") else "UNKNOWN"


def lookup(raw: object) -> Reason:
    """Map a browser's `error` value to a Reason, or raise InvalidReason saying why.

    Accepts the canonical strings, WebView2 names, Win32 constant names and numbers; a
    well-formed unknown string is accepted with `known=False` so nothing a browser reports
    is lost. Booleans, other types, junk and "no interruption" (None/0) are refused.
    """
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidReason(
            f"error must be a reason string such as 'NETWORK_FAILED' (or a WebView2 number), "
            f"not {type(raw).__name__}"
        )
    if raw in NOT_AN_INTERRUPTION:
        raise InvalidReason(
            f"error {raw!r} means 'no interruption'; send only downloads whose state is "
            f"'interrupted', with their reason such as 'NETWORK_FAILED'"
        )
    canonical = _ALIASES.get(raw)
    if canonical is not None:
        return Reason(canonical, category_of(canonical), True)
    if isinstance(raw, str) and WELL_FORMED.fullmatch(raw):
        return Reason(raw, category_of(raw), False)
    shown = repr(raw) if not isinstance(raw, str) or len(raw) <= 80 else repr(raw[:80]) + "..."
    if isinstance(raw, int):
        hint = "WebView2 numbers run from 1 to 29"
    else:
        hint = "a reason is upper case letters, digits and '_', at most 64 characters"
    raise InvalidReason(f"error {shown} is not an interruption reason: {hint}")

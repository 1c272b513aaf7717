"""What of a download may reach the disk. Pure functions, no I/O.

- URL user-info (`user:password@`) is never stored, nor the fragment.
- Query values whose names look like credentials (token, signature, X-Amz-*, pass,
  x-api-key...) are replaced with `REDACTED`: signed URLs carry tokens. A URL Python cannot
  split keeps only what comes before its first `?` or `#`.
- Incognito items keep no URL, referrer or filename (the host decides that, see host.py).
- URLs and file names are cut to a bounded length.
- The episode key is a hash of the URL without user-info and fragment, so a restarted
  download (same URL, new id) continues its episode without the key revealing the URL.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit, urlunsplit

from .digest import sha256

#: Stored URLs are cut to this many characters (a data: URL can be a megabyte).
MAX_STORED_URL = 2048
#: Stored file names are cut to this many characters (a path is at most 4096 bytes on Linux);
#: a name filling a whole frame would take a megabyte per event and, escaped in a reply,
#: overflow every history reply that holds it.
MAX_STORED_FILENAME = 4096
REDACTED = "REDACTED"

#: Query parameter names whose values are credentials, matched on the name in lower case
#: with `-` written `_` (so `X-Api-Key`, `x_api_key` and `X-API-KEY` are one name).
_SECRET_PARAM = re.compile(
    r"^(x_amz_.*|x_goog_.*|.*token.*|.*secret.*|.*passw.*|pass|passcode|pwd|pw|pin|"
    r".*signature.*|sig|auth.*|key|.*api_?key.*|access_?key.*|.*subscription_?key.*|"
    r".*private_?key.*|session.*|sid|jwt|code|policy|key_pair_id|credential.*|st|hmac|hash|"
    r".*ticket.*|otp|bearer|sas)$"
)


def is_secret_param(name: str) -> bool:
    """Whether a query parameter of this name carries a credential."""
    return _SECRET_PARAM.match(name.strip().lower().replace("-", "_")) is not None


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 literal
        return None


def _without_userinfo(parts: SplitResult) -> SplitResult:
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc, fragment="")


def url_key(url: str) -> str:
    """A stable, non-reversible key for a download's episode."""
    parts = _split(url)
    base = urlunsplit(_without_userinfo(parts)) if parts else url
    return digest(base)


def digest(text: str) -> str:
    """A key for text that does not reveal it: the first 32 hex digits of its SHA-256."""
    return sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


#: The longest host name DNS allows; a longer one is no name (and would be stored, indexed
#: and sent back whole: up to a megabyte).
MAX_HOST_NAME = 253


def domain(url: str) -> str | None:
    """The host name, lower case, without port or user-info; None when there is none."""
    parts = _split(url)
    if parts is None:
        return None
    try:
        host = parts.hostname
    except ValueError:
        return None
    return host if host and len(host) <= MAX_HOST_NAME else None


def is_refetchable(url: str) -> bool:
    """Whether the URL can be fetched again from scratch (http or https)."""
    parts = _split(url)
    return parts is not None and parts.scheme.lower() in ("http", "https")


def scrub_url(url: str) -> str:
    """The URL as it may be stored: no user-info, no fragment, credential values redacted."""
    parts = _split(url)
    if parts is None:
        return _cut(_unsplittable(url))
    parts = _without_userinfo(parts)
    if parts.scheme.lower() == "data":
        return _cut(url.split(",", 1)[0] + ",")
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(is_secret_param(name) for name, _ in pairs):
            query = "&".join(
                quote(name, safe="")
                + "="
                + (REDACTED if is_secret_param(name) else quote(value, safe=""))
                for name, value in pairs
            )
            parts = parts._replace(query=query)
    return _cut(urlunsplit(parts))


def _unsplittable(url: str) -> str:
    """What of a URL Python cannot split (`https://[::1/f?token=S`) may be stored: the part
    before the first `?` or `#`, without user-info; its query and fragment are dropped
    whole, since no parameter in them can be told from a credential."""
    head = re.split(r"[?#]", url, maxsplit=1)[0]
    scheme, slashes, rest = head.partition("//")
    if not slashes:
        return head.rpartition("@")[2]
    authority, slash, path = rest.partition("/")
    return scheme + slashes + authority.rpartition("@")[2] + slash + path


def scrub_filename(name: str | None) -> str | None:
    """The file name as it may be stored: at most MAX_STORED_FILENAME characters."""
    return None if name is None else _cut(name, MAX_STORED_FILENAME)


def _cut(text: str, limit: int = MAX_STORED_URL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

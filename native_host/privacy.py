"""What of a download may reach the disk. Pure functions, no I/O.

- URL user-info (`user:password@`) is never stored, nor the fragment.
- Query values whose names look like credentials (token, signature, X-Amz-*...) are
  replaced with `REDACTED`: signed URLs carry tokens.
- Incognito items keep no URL, referrer or filename (the host decides that, see host.py).
- URLs and file names are cut to a bounded length.
- The episode key is a hash of the URL without user-info and fragment, so a restarted
  download (same URL, new id) continues its episode without the key revealing the URL.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit, urlunsplit

#: Stored URLs are cut to this many characters (a data: URL can be a megabyte).
MAX_STORED_URL = 2048
#: Stored file names are cut to this many characters (a path is at most 4096 bytes on Linux);
#: a name filling a whole frame would take a megabyte per event and, escaped in a reply,
#: overflow every history reply that holds it.
MAX_STORED_FILENAME = 4096
REDACTED = "REDACTED"

_SECRET_PARAM = re.compile(
    r"(?i)^(x-amz-.*|x-goog-.*|.*token.*|.*secret.*|.*passw.*|.*signature.*|sig|auth.*|"
    r"key|api[-_]?key|apikey|access[-_]?key.*|session.*|sid|jwt|code|policy|key-pair-id|"
    r"credential.*|st|hmac|hash)$"
)


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
    return hashlib.sha256(base.encode("utf-8", "replace")).hexdigest()[:32]


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
        return _cut(url.split("@")[-1])
    parts = _without_userinfo(parts)
    if parts.scheme.lower() == "data":
        return _cut(url.split(",", 1)[0] + ",")
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(_SECRET_PARAM.match(name) for name, _ in pairs):
            query = "&".join(
                quote(name, safe="")
                + "="
                + (REDACTED if _SECRET_PARAM.match(name) else quote(value, safe=""))
                for name, value in pairs
            )
            parts = parts._replace(query=query)
    return _cut(urlunsplit(parts))


def scrub_filename(name: str | None) -> str | None:
    """The file name as it may be stored: at most MAX_STORED_FILENAME characters."""
    return None if name is None else _cut(name, MAX_STORED_FILENAME)


def _cut(text: str, limit: int = MAX_STORED_URL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Text safe to show a person: control and invisible characters spelled as escapes.

Pure and small: the one escaping of dlrescue, so that the host (its log lines and `hello`
warnings), the CLI's reports and its error sentences escape the same characters the same way
without the host importing the reports. Text from
outside (URLs, file names, policy.toml keys and values) can carry terminal escape codes,
line breaks that forge a log line, or bidirectional overrides that reorder what is read:
such characters are shown as `\\x1b`, `\\x0a`, `\\u202e`, `\\U000e0041`.
"""

from __future__ import annotations

import re

#: Characters never shown raw: C0 and C1 controls, DEL, lone surrogates, and the invisible
#: formatting characters that reorder or hide text (bidi overrides, zero-width, tags).
INVISIBLE = (
    "\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
UNSAFE = f"[\x00-\x1f{INVISIBLE}]"
_UNSAFE = re.compile(UNSAFE)


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str) -> str:
    """Text safe to print or log: unsafe characters as \\x1b, \\u202e, \\U000e0041."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_escape_one, text)


def shorten(text: str, limit: int) -> str:
    """text cut to at most `limit` characters, with a mark saying how much was left out."""
    if len(text) <= limit:
        return text
    cut = max(0, limit - 40)
    return f"{text[:cut]}... ({len(text) - cut:,} more characters)"

"""What the report tests share: a history item as the store gives it, strategies of such
items, and whether text shows every control character escaped."""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import strategies as st

BIDI_CONTROLS = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def visibly_safe(text: str) -> bool:
    """No control character, line separator or bidi control is left raw."""
    return not any(
        unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") or ord(ch) in BIDI_CONTROLS
        for ch in text
    )


# -- history table and CSV ------------------------------------------------------------------


def item(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "event_id": 1,
        "at": "2026-11-23T10:15:00.000Z",
        "browser": "chrome",
        "download_id": 42,
        "url": "https://example.org/big.iso",
        "domain": "example.org",
        "filename": "/home/u/Downloads/big.iso",
        "reason": "NETWORK_FAILED",
        "category": "NETWORK",
        "known": True,
        "action": "resume",
        "delay_ms": 2000,
        "attempt": 2,
        "max_attempts": 8,
        "notify": False,
        "incognito": False,
        "outcome": None,
        "episode_id": 7,
    }
    base.update(fields)
    return base


urls = st.text(max_size=300) | st.from_regex(r"https://[a-z.]{1,60}/.{0,200}", fullmatch=True)
items = st.builds(
    item,
    url=st.none() | urls,
    filename=st.none() | st.text(max_size=100),
    reason=st.from_regex(r"[A-Z][A-Z0-9_]{0,63}", fullmatch=True),
    action=st.sampled_from(["resume", "restart", "none"]),
    attempt=st.integers(0, 10**6),
    max_attempts=st.integers(0, 1000),
    outcome=st.sampled_from([None, "complete", "given_up", "cancelled"]),
)

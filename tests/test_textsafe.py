"""native_host.textsafe: control and bidi characters shown as escapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_support import visibly_safe

from native_host.textsafe import escape

# -- safe text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[31mred", "a\\x1b[31mred"),
        ("csi\x9b2J", "csi\\x9b2J"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("two\nlines\r", "two\\x0alines\\x0d"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("café 界 😀 ok", "café 界 😀 ok"),
    ],
)
def test_escape_shows_control_and_bidi_characters_as_escapes(raw: str, shown: str) -> None:
    """Terminal escapes, C1 controls, bidi overrides and newlines are spelled out; the rest
    of Unicode is left as it is."""
    assert escape(raw) == shown


@given(st.text())
def test_escaped_text_never_holds_a_raw_control_character(text: str) -> None:
    """Whatever a URL or file name holds, escape() leaves nothing a terminal would obey."""
    assert visibly_safe(escape(text))

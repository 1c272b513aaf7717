"""policy.toml's text changed line by line (policy_edit.py): only the changed value's line,
the person's comments, blank lines, order and line endings kept; a layout it does not edit
is refused, never guessed at."""

from __future__ import annotations

import pytest

from native_host.policy_edit import Change, PolicyEditError, edited

COMMENTED = """\
# my policy, by hand
[categories.NETWORK]   # the network
max_attempts = 12      # twelve, not eight
initial_delay_ms = 5000

# servers that cannot resume
[reasons.SERVER_NO_RANGE]
action = "restart"
"""


def test_a_set_value_replaces_only_its_value_and_keeps_every_comment() -> None:
    """Changing max_attempts rewrites that value alone: the comment after it, the others and
    the blank lines stay byte for byte."""
    new, data = edited(COMMENTED, [Change(("categories", "NETWORK"), "max_attempts", 3)])
    assert new == COMMENTED.replace("max_attempts = 12", "max_attempts = 3")
    assert data["categories"]["NETWORK"]["max_attempts"] == 3


def test_a_new_key_goes_at_the_end_of_its_table_and_a_new_table_at_the_end() -> None:
    """A key the table lacks follows the table's last key (before the comment that introduces
    the next table); a table the file lacks is added last, after a blank line."""
    new, _ = edited(
        COMMENTED,
        [
            Change(("categories", "NETWORK"), "notify", False),
            Change(("browsers", "firefox", "reasons", "CRASH"), "action", "none"),
        ],
    )
    assert (
        new
        == COMMENTED.replace(
            "initial_delay_ms = 5000\n", "initial_delay_ms = 5000\nnotify = false\n"
        )
        + '\n[browsers.firefox.reasons.CRASH]\naction = "none"\n'
    )


def test_unset_removes_the_line_and_leaves_the_table() -> None:
    new, data = edited(COMMENTED, [Change(("reasons", "SERVER_NO_RANGE"), "action", None)])
    assert 'action = "restart"' not in new and "[reasons.SERVER_NO_RANGE]" in new
    assert data["reasons"]["SERVER_NO_RANGE"] == {}


def test_crlf_and_odd_unicode_in_comments_are_kept() -> None:
    """CRLF line ends stay CRLF (the new line too); a U+2028, a NEL (U+0085), an RTL mark and an
    emoji in comments are part of their line, never line breaks."""
    text = "# politique \u2028 é \u200f 🦊 \x85\r\n[reasons.CRASH] # « crash »\r\n"
    text += "action = 'none'\r\n"
    new, _ = edited(
        text,
        [
            Change(("reasons", "CRASH"), "action", "resume"),
            Change(("reasons", "CRASH"), "max_attempts", 2),
        ],
    )
    assert new == text.replace("'none'", '"resume"') + "max_attempts = 2\r\n"


def test_a_layout_it_does_not_edit_is_refused_not_guessed() -> None:
    """A rule written as an inline table cannot be edited line by line: refused, because the
    result would not say what was asked (never a file that says something else)."""
    text = '[reasons]\nCRASH = { action = "none" }\n'
    with pytest.raises(PolicyEditError, match=r"\[reasons.CRASH\] action.*by hand"):
        edited(text, [Change(("reasons", "CRASH"), "action", "resume")])


def test_quoted_headers_and_keys_are_found() -> None:
    text = '[ sites . "example.org" ]\n"pause_after" = 4\n'
    new, data = edited(text, [Change(("sites", "example.org"), "pause_after", 9)])
    assert new == '[ sites . "example.org" ]\n"pause_after" = 9\n'
    assert data == {"sites": {"example.org": {"pause_after": 9}}}

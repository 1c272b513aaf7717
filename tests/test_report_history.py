"""native_host.report.history: `dlrescue history` as a table that fits and shows text safely."""

from __future__ import annotations

from typing import Any

from historyfill import NOW
from hypothesis import given, settings
from hypothesis import strategies as st
from report_support import item, items, visibly_safe

from native_host.report.cells import text_width
from native_host.report.history import history_table


def test_history_table_shows_when_reason_action_outcome_and_url() -> None:
    """One row per item under a header, then what each reason shown means."""
    lines = list(
        history_table(
            [
                item(),
                item(
                    at="2026-01-02T03:04:00Z",
                    reason="SERVER_FORBIDDEN",
                    action="none",
                    outcome="given_up",
                ),
                item(at="2025-06-01T00:00:00Z", url=None, filename=None, incognito=True),
            ],
            now_ms=NOW,
        )
    )
    assert lines[0].split() == ["WHEN", "(UTC)", "REASON", "ACTION", "OUTCOME", "URL"]
    assert lines[1].split() == [
        "10:15",
        "NETWORK_FAILED",
        "resume",
        "2/8",
        "pending",
        "https://example.org/big.iso",
    ]
    assert lines[2].split()[:5] == ["01-02", "03:04", "SERVER_FORBIDDEN", "none", "given_up"]
    assert lines[3].split()[0] == "2025-06-01" and lines[3].endswith("(private)")
    assert lines[4] == ""
    assert lines[5].startswith("NETWORK_FAILED: The network connection failed.")
    assert any(line.startswith("SERVER_FORBIDDEN: ") for line in lines[6:])


def test_history_table_explains_reasons_in_french_when_asked() -> None:
    """--lang fr changes the descriptions under the table, not the table."""
    lines = list(history_table([item()], now_ms=NOW, lang="fr"))
    assert lines[-1].startswith("NETWORK_FAILED: La connexion réseau a échoué.")


def test_history_table_escapes_terminal_codes_in_urls_and_file_names() -> None:
    """A URL carrying ESC sequences or a bidi override is shown escaped, never raw."""
    evil = item(url="https://evil.example/\x1b]0;pwned\x07\u202eexe.txt", episode_id=None)
    private = item(url=None, filename="/tmp/\x1b[2Jname\u2028x")
    lines = list(history_table([evil, private], now_ms=NOW, width=200))
    text = "\n".join(lines)
    assert visibly_safe(text.replace("\n", ""))
    assert "\\x1b]0;pwned\\x07\\u202eexe.txt" in lines[1]
    assert "/tmp/\\x1b[2Jname\\u2028x" in lines[2]


@settings(max_examples=150)
@given(st.lists(items, min_size=1, max_size=8), st.sampled_from([80, 100, 132]))
def test_history_table_always_fits_its_width_and_is_visibly_safe(
    rows: list[dict[str, Any]], width: int
) -> None:
    """Whatever the history holds (long reasons, odd Unicode, huge URLs), no line of the
    table passes the width and nothing raw reaches the terminal."""
    for line in history_table(rows, now_ms=NOW, width=width):
        assert text_width(line) <= width, line
        assert visibly_safe(line)


def test_empty_history_table_says_so() -> None:
    """No items: one line that says nothing was recorded, not an empty header."""
    assert list(history_table([], now_ms=NOW)) == ["No interruptions recorded."]


def test_history_table_shows_the_status_beside_the_reason() -> None:
    """`dlrescue history`'s table: `SERVER_FAILED 503` when a status was sent, the bare
    reason when not."""
    item = {
        "at": "2026-01-02T03:04:05.000Z",
        "reason": "SERVER_FAILED",
        "action": "resume",
        "attempt": 1,
        "max_attempts": 4,
        "outcome": None,
        "episode_id": 1,
        "url": "https://e.org/f",
        "http_status": 503,
    }
    lines = list(history_table([item, {**item, "http_status": None}], now_ms=0, width=100))
    assert "SERVER_FAILED 503" in lines[1] and "SERVER_FAILED 503" not in lines[2]
    assert "SERVER_FAILED" in lines[2]

"""native_host.report.cells: text measured in terminal columns and cut to fit, URLs shortened,
short durations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from native_host.report.cells import fit, short_duration, short_size, shorten_url, text_width
from native_host.textsafe import escape

# -- widths ---------------------------------------------------------------------------------


def test_wide_characters_count_two_columns_and_marks_none() -> None:
    """CJK is two columns wide, a combining accent zero, ASCII one."""
    assert text_width("abc") == 3
    assert text_width("界界") == 4
    assert text_width("e\u0301") == 1


@given(st.text(), st.integers(min_value=0, max_value=60))
def test_fit_never_passes_its_width(text: str, cols: int) -> None:
    """fit() cuts to at most `cols` columns and keeps text that already fits."""
    text = escape(text)
    cut = fit(text, cols)
    assert text_width(cut) <= cols
    if text_width(text) <= cols:
        assert cut == text


@pytest.mark.parametrize(
    ("url", "cols", "expected"),
    [
        ("https://example.org/big.iso", 40, "https://example.org/big.iso"),
        ("https://example.org/pub/linux/releases/big.iso", 30, "example.org…x/releases/big.iso"),
        (
            "https://downloads.example.org/pub/linux/releases/2026/ubuntu-desktop-amd64.iso",
            40,
            "downloads.example.org…-desktop-amd64.iso",
        ),
        (
            "https://downloads.example.org/pub/linux/releases/2026/ubuntu-desktop-amd64.iso",
            24,
            "…example.org…p-amd64.iso",
        ),
        ("https://a.very.long.subdomain.example.co.uk/x", 24, "…example.co.uk/x"),
    ],
)
def test_urls_are_shortened_in_the_middle_keeping_the_host(
    url: str, cols: int, expected: str
) -> None:
    """The scheme goes first, then the middle of the path; the host name stays (at worst its
    leading labels go), and the end of the path, the file name, is kept as room allows."""
    assert shorten_url(url, cols) == expected


def test_shorten_url_keeps_the_url_when_it_fits_but_never_passes_the_width() -> None:
    """A URL that fits is unchanged (scheme included); a long one fits after shortening."""
    assert shorten_url("https://example.org/big.iso", 40) == "https://example.org/big.iso"
    long = "https://example.org/" + "x" * 200 + "/end.bin"
    short = shorten_url(long, 36)
    assert text_width(short) <= 36
    assert short.startswith("example.org…") and short.endswith("end.bin")


@given(
    st.from_regex(r"https?://[a-z0-9.-]{1,80}(/[^\s]{0,120})?", fullmatch=True),
    st.integers(min_value=16, max_value=100),
)
def test_shortened_urls_fit_and_keep_the_end_of_the_host(url: str, cols: int) -> None:
    """Every shortened URL fits its width and still shows the end of its host name."""
    short = shorten_url(escape(url), cols)
    assert text_width(short) <= cols
    host = url.split("://", 1)[1].split("/", 1)[0]
    last_label = host.rsplit(".", 1)[-1][:4]
    assert last_label in short or text_width(host) > cols // 2


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (None, "-"),
        (0, "0ms"),
        (850, "850ms"),
        (4_500, "4.5s"),
        (9_000, "9s"),
        (42_000, "42s"),
        (150_000, "2m30s"),
        (3_900_000, "1h05m"),
        (7_200_000, "2h"),
        (273_600_000, "3d04h"),
    ],
)
def test_short_durations(ms: int | None, text: str) -> None:
    """Table durations are compact: ms below a second, then s, m, h and d."""
    assert short_duration(ms) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (512, "512 B"), (3_400, "3.4 kB"), (2_000_000, "2 MB"), (1_234_000_000, "1.2 GB")],
)
def test_short_sizes(n: int, text: str) -> None:
    """Sizes in decimal units with one decimal at most (as the popup shows them)."""
    assert short_size(n) == text

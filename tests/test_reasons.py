"""The reason catalogue: every browser's strings, WebView2 aliases, categories, refusals."""

from __future__ import annotations

import pytest

from native_host import reasons
from native_host.reasons import InvalidReason, lookup

SEEDS = "../shared/seeds/webextensions-downloads-InterruptReason.en.md"


def test_chrome_emits_29_reasons_firefox_8_all_known() -> None:
    """29 Chrome strings (MDN's 24 + 5), Firefox's 8 are a subset, all known."""
    assert len(reasons.CHROME_REASONS) == len(set(reasons.CHROME_REASONS)) == 29
    assert len(reasons.MDN_REASONS) == 24
    assert set(reasons.FIREFOX_REASONS) <= set(reasons.CHROME_REASONS)
    assert len(reasons.FIREFOX_REASONS) == 8
    for name in reasons.CHROME_REASONS:
        assert lookup(name) == reasons.Reason(name, reasons.category_of(name), True)


def test_mdn_list_matches_the_seed_document() -> None:
    """The 24 MDN strings are exactly those quoted in the English seed."""
    import re
    from pathlib import Path

    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    text = (seed / "webextensions-downloads-InterruptReason.en.md").read_text()
    quoted = re.findall(r'- `"([A-Z_]+)"`', text)
    assert tuple(quoted) == reasons.MDN_REASONS


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("FILE_NO_SPACE", "FILE"),
        ("NETWORK_FAILED", "NETWORK"),
        ("SERVER_NO_RANGE", "SERVER"),
        ("USER_CANCELED", "USER"),
        ("CRASH", "CRASH"),
        ("LOCAL_DOWNLOAD_BLOCKED", "UNKNOWN"),
        ("CRASH_AGAIN", "UNKNOWN"),
        ("UNKNOWN_THING", "UNKNOWN"),
    ],
)
def test_category_is_the_prefix_and_crash_is_its_own(name: str, category: str) -> None:
    """Categories come from the prefix; CRASH is the seeds' 'miscellaneous'."""
    assert reasons.category_of(name) == category


def test_webview2_names_numbers_and_win32_constants_map_to_canonical_names() -> None:
    """Every WebView2 name, number and Win32 constant maps as the contract says."""
    assert len(reasons.WEBVIEW2) == 29
    assert [v for _, v, _ in reasons.WEBVIEW2] == list(range(1, 30))
    for name, value, canonical in reasons.WEBVIEW2:
        assert lookup(name).name == canonical
        assert lookup(value).name == canonical
    assert lookup("FileMalicious").name == "FILE_VIRUS_INFECTED"
    assert lookup("DownloadProcessCrashed") == reasons.Reason("CRASH", "CRASH", True)
    assert lookup("UserPaused").name == "USER_PAUSED"
    assert lookup("ServerUnexpectedResponse").name == "SERVER_UNREACHABLE"
    assert lookup(11).name == "FILE_HASH_MISMATCH"
    for win32, canonical in (
        ("FILE_BLOCKED_BY_POLICY", "FILE_BLOCKED"),
        ("FILE_FAILED", "FILE_FAILED"),
        ("SERVER_CONTENT_LENGTH_MISMATCH", "SERVER_CONTENT_LENGTH_MISMATCH"),
        ("DOWNLOAD_PROCESS_CRASHED", "CRASH"),
    ):
        assert lookup(f"COREWEBVIEW2_DOWNLOAD_INTERRUPT_REASON_{win32}").name == canonical


def test_well_formed_unknown_reason_is_accepted_as_unknown() -> None:
    """A newer browser's reason is kept (known=False), never refused."""
    assert lookup("LOCAL_DOWNLOAD_BLOCKED") == reasons.Reason(
        "LOCAL_DOWNLOAD_BLOCKED", "UNKNOWN", False
    )
    assert lookup("NETWORK_SOMETHING_NEW") == reasons.Reason(
        "NETWORK_SOMETHING_NEW", "NETWORK", False
    )
    assert lookup("A" * 64).known is False


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "network_failed",
        "NETWORK FAILED",
        "A" * 65,
        "1ABC",
        "_X",
        "NÉTWORK",
        None,
        True,
        False,
        0,
        "None",
        "NONE",
        30,
        -1,
        1.5,
        ["NETWORK_FAILED"],
        {"x": 1},
        "NETWORK_FAILED\n",
    ],
)
def test_junk_and_no_interruption_are_refused_with_a_reason(raw: object) -> None:
    """Empty, wrong type, lower case, too long, None/0 and out-of-range numbers are refused."""
    with pytest.raises(InvalidReason) as info:
        lookup(raw)
    assert len(str(info.value)) > 20

"""The reason catalogue: every browser's strings, WebView2 aliases, categories, refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from native_host import reasons
from native_host.reasons import InvalidReason, lookup

#: The reference pages the catalogue is checked against (sources: tests/fixtures/README.md).
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MDN_PAGES = {
    "en": FIXTURES / "webextensions-downloads-InterruptReason.en.md",
    "fr": FIXTURES / "webextensions-downloads-InterruptReason.fr.md",
}
WEBVIEW2_PAGE = FIXTURES / "webview2-CoreWebView2DownloadInterruptReason.md"
#: MDN's five groups, in page order: file, network, server, user, miscellaneous.
MDN_GROUPS = ("FILE", "NETWORK", "SERVER", "USER", "CRASH")


def mdn_groups(page: Path) -> list[list[str]]:
    """The quoted reason strings of an MDN page, as its groups of consecutive list items."""
    groups: list[list[str]] = []
    previous_was_item = False
    for line in page.read_text(encoding="utf-8").splitlines():
        item = re.fullmatch(r'- `"([A-Z_]+)"`', line.strip())
        if item:
            if not previous_was_item:
                groups.append([])
            groups[-1].append(item.group(1))
            previous_was_item = True
        elif line.strip():
            previous_was_item = False
    return groups


def webview2_rows(page: Path) -> list[tuple[str, int]]:
    """(name, value) of every row of the WebView2 page's enum table, in order."""
    rows = re.findall(r"^\|`(\w+)` \| (0x[0-9a-f]+) +\|", page.read_text(encoding="utf-8"), re.M)
    return [(name, int(value, 16)) for name, value in rows]


def test_chrome_emits_29_reasons_firefox_8_all_known() -> None:
    """29 Chrome strings (MDN's 24 + 5), Firefox's 8 are a subset, all known."""
    assert len(reasons.CHROME_REASONS) == len(set(reasons.CHROME_REASONS)) == 29
    assert len(reasons.MDN_REASONS) == 24
    assert set(reasons.FIREFOX_REASONS) <= set(reasons.CHROME_REASONS)
    assert len(reasons.FIREFOX_REASONS) == 8
    for name in reasons.CHROME_REASONS:
        assert lookup(name) == reasons.Reason(name, reasons.category_of(name), True)


@pytest.mark.parametrize("lang", sorted(MDN_PAGES))
def test_mdn_list_matches_the_mdn_page_in_each_language(lang: str) -> None:
    """MDN_REASONS is exactly the 24 strings the English and the French MDN pages quote, in
    their order; each is known to the catalogue, in the category of the page's group."""
    groups = mdn_groups(MDN_PAGES[lang])
    assert len(groups) == len(MDN_GROUPS), groups
    assert tuple(name for group in groups for name in group) == reasons.MDN_REASONS
    for category, group in zip(MDN_GROUPS, groups, strict=True):
        for name in group:
            assert lookup(name) == reasons.Reason(name, category, True), (lang, name)


def test_webview2_table_matches_the_microsoft_page() -> None:
    """reasons.WEBVIEW2 holds exactly the page's names and numbers 1-29 (0, `None`, is
    refused as no interruption); each name and number maps to a known catalogue reason, the
    name's own upper-case spelling unless it is one of the renames PROTOCOL.md lists."""
    rows = webview2_rows(WEBVIEW2_PAGE)
    assert rows[0] == ("None", 0)
    assert [(n, v) for n, v, _ in reasons.WEBVIEW2] == rows[1:]
    renamed = {}
    for name, value in rows[1:]:
        by_name, by_value = lookup(name), lookup(value)
        assert by_name == by_value and by_name.known, name
        assert by_name.name in reasons.KNOWN_REASONS
        spelled = re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()
        if by_name.name != spelled:
            renamed[name] = by_name.name
    assert renamed == {
        "FileMalicious": "FILE_VIRUS_INFECTED",
        "FileBlockedByPolicy": "FILE_BLOCKED",
        "ServerCertificateProblem": "SERVER_CERT_PROBLEM",
        "ServerUnexpectedResponse": "SERVER_UNREACHABLE",
        "DownloadProcessCrashed": "CRASH",
    }
    for none in ("None", 0):
        with pytest.raises(InvalidReason):
            lookup(none)


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

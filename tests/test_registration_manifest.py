"""The host manifest builder, its checker, the extension-id rules, and manifests/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from native_host import CHROME_EXTENSION_ID, CHROME_EXTENSION_IDS, GECKO_ID, HOST_NAME
from native_host.registration import manifest
from native_host.registration.manifest import (
    BadExtensionId,
    ExtensionIds,
    build,
    parse_extension_id,
    parse_extension_ids,
    problems,
)
from native_host.registration.targets import Family

REPO = Path(__file__).resolve().parent.parent
OTHER_CHROME = "abcdefghijklmnopabcdefghijklmnop"
GUID = "{12345678-9abc-def0-1234-56789abcdef0}"


@pytest.mark.parametrize("family", ["chromium", "firefox"])
def test_checked_in_templates_equal_what_the_code_builds(family: Family) -> None:
    """manifests/<family>/org.dlrescue.host.json is byte-for-byte build(TEMPLATE_PATH)."""
    template = REPO / "manifests" / family / manifest.FILE_NAME
    assert template.read_bytes() == build(family, manifest.TEMPLATE_PATH)


def test_chrome_family_manifest_has_exact_origins_with_trailing_slash() -> None:
    """A Chrome-family manifest lists chrome-extension://ID/ entries, ours first."""
    doc = json.loads(build("chromium", "/x/dlrescue-host", ExtensionIds((OTHER_CHROME,))))
    assert doc == {
        "name": HOST_NAME,
        "description": manifest.DESCRIPTION,
        "path": "/x/dlrescue-host",
        "type": "stdio",
        "allowed_origins": [
            f"chrome-extension://{CHROME_EXTENSION_ID}/",
            f"chrome-extension://{OTHER_CHROME}/",
        ],
    }


def test_firefox_family_manifest_lists_add_on_ids() -> None:
    """A Firefox-family manifest has allowed_extensions and no allowed_origins."""
    doc = json.loads(build("firefox", "/x/h", ExtensionIds(firefox=("me@example.org",))))
    assert doc["allowed_extensions"] == [GECKO_ID, "me@example.org"]
    assert "allowed_origins" not in doc


def test_manifest_bytes_are_utf8_without_bom_and_keep_non_ascii_paths() -> None:
    """Browsers refuse a BOM; a path with accents and spaces survives as UTF-8."""
    data = build("firefox", "/home/zoë/my apps/dlrescue-host")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "/home/zoë/my apps/dlrescue-host".encode() in data
    assert data.endswith(b"}\n")


def test_our_own_id_given_as_extra_is_not_listed_twice() -> None:
    """--extension-id with dlrescue's own id changes nothing."""
    doc = json.loads(build("chromium", "/h", ExtensionIds((CHROME_EXTENSION_ID,))))
    assert doc["allowed_origins"] == [f"chrome-extension://{CHROME_EXTENSION_ID}/"]


def test_a_store_id_added_to_the_table_is_allowed_beside_the_unpacked_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A store's copy carries no `key`, so it has an id of its own: once it is in
    native_host.CHROME_EXTENSION_IDS, every Chrome-family manifest lists it after the unpacked
    id, and a manifest without it is reported."""
    store_id = OTHER_CHROME
    monkeypatch.setitem(manifest.OWN_IDS, "chromium", (CHROME_EXTENSION_ID, store_id))
    doc = json.loads(build("chromium", "/h", ExtensionIds((store_id,))))
    assert doc["allowed_origins"] == [
        f"chrome-extension://{CHROME_EXTENSION_ID}/",
        f"chrome-extension://{store_id}/",
    ]
    doc["allowed_origins"] = doc["allowed_origins"][:1]
    (found,) = problems(doc, "chromium", file_name=manifest.FILE_NAME)
    assert f"chrome-extension://{store_id}/" in found


def test_the_own_ids_come_from_the_table_in_native_host() -> None:
    """registration's own ids are native_host's table (unpacked first), not a copy of it."""
    assert manifest.OWN_IDS["chromium"] == tuple(CHROME_EXTENSION_IDS.values())
    assert (
        manifest.OWN_IDS["chromium"][0] == CHROME_EXTENSION_ID == CHROME_EXTENSION_IDS["unpacked"]
    )
    assert manifest.OWN_IDS["firefox"] == (GECKO_ID,)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (OTHER_CHROME, ("chromium", OTHER_CHROME)),
        (f"chrome-extension://{OTHER_CHROME}/", ("chromium", OTHER_CHROME)),
        (f"chrome-extension://{OTHER_CHROME}", ("chromium", OTHER_CHROME)),
        ("me@example.org", ("firefox", "me@example.org")),
        ("@unlisted", ("firefox", "@unlisted")),
        (GUID, ("firefox", GUID)),
        (GUID.upper(), ("firefox", GUID.upper())),
    ],
)
def test_valid_extension_ids_are_classified_by_family(text: str, expected: tuple[str, str]) -> None:
    """Chrome ids (or their origin) and Firefox email-like or {GUID} ids are accepted."""
    assert parse_extension_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abcdefghijklmnopabcdefghijklmnoq",  # q is not in a-p
        "abcdefghijklmnopabcdefghijklmno",  # 31 letters
        "ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP",  # Chrome ids are lower case
        "no-at-sign",
        "me@exa mple.org",
        "{1234-5678}",
        "x" * 250 + "@example.org",
    ],
)
def test_malformed_extension_ids_are_refused_with_the_rules(text: str) -> None:
    """A malformed id is refused with a sentence giving both accepted forms."""
    with pytest.raises(BadExtensionId, match=r"32 letters from a to p.*name@example\.org"):
        parse_extension_id(text)


def test_extension_ids_are_deduplicated_and_sorted() -> None:
    """Repeated --extension-id values collapse; families are kept apart."""
    ids = parse_extension_ids([OTHER_CHROME, "b@x.org", OTHER_CHROME, "a@x.org"])
    assert ids == ExtensionIds((OTHER_CHROME,), ("a@x.org", "b@x.org"))


def test_extensions_file_round_trips_in_the_hosts_shape() -> None:
    """extensions.json has the shape host.refusal() reads, and reads back the same ids."""
    ids = ExtensionIds((OTHER_CHROME,), ("me@example.org",))
    data = manifest.extensions_file(ids)
    assert json.loads(data) == {
        "allowed_origins": [f"chrome-extension://{OTHER_CHROME}/"],
        "allowed_extensions": ["me@example.org"],
    }
    assert manifest.read_extensions_file(data) == ids


def test_a_built_manifest_has_no_problems() -> None:
    """The checker accepts what the builder writes, for both families."""
    families: tuple[Family, ...] = ("chromium", "firefox")
    for family in families:
        doc = json.loads(build(family, "/opt/dlrescue-host"))
        assert problems(doc, family, file_name=manifest.FILE_NAME) == []


def _chrome_doc(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = json.loads(build("chromium", "/opt/dlrescue-host"))
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "org.other.host"}, "its name is 'org.other.host'"),
        ({"description": "  "}, "description is missing or empty"),
        ({"type": "socket"}, "its type is 'socket', not 'stdio'"),
        ({"path": "dlrescue-host"}, "path 'dlrescue-host' is not absolute"),
        (
            {"allowed_origins": [f"chrome-extension://{CHROME_EXTENSION_ID}"]},
            "the trailing / is required",
        ),
        ({"allowed_origins": ["chrome-extension://*/"]}, "is not chrome-extension://ID/"),
        ({"allowed_origins": [f"chrome-extension://{OTHER_CHROME}/"]}, "allowed_origins lacks"),
    ],
)
def test_each_manifest_defect_is_named_with_its_fix(
    changes: dict[str, object], expected: str
) -> None:
    """Every defect a browser would trip on is reported, each with what to run."""
    found = problems(_chrome_doc(**changes), "chromium", file_name=manifest.FILE_NAME)
    assert any(expected in p for p in found), found
    assert all("dlrescue register" in p for p in found)


def test_a_firefox_manifest_in_a_chrome_folder_is_named_as_such() -> None:
    """allowed_extensions where allowed_origins is needed: the checker says why it fails."""
    doc = json.loads(build("firefox", "/opt/h"))
    (found,) = problems(doc, "chromium", file_name=manifest.FILE_NAME)
    assert "no 'allowed_origins' list" in found and "ignores that" in found


def test_a_registered_extra_id_missing_from_the_manifest_is_reported() -> None:
    """After `register --extension-id`, a manifest without that id is stale."""
    doc = json.loads(build("chromium", "/opt/h"))
    found = problems(
        doc, "chromium", file_name=manifest.FILE_NAME, extra=ExtensionIds((OTHER_CHROME,))
    )
    assert found == [
        f"allowed_origins lacks chrome-extension://{OTHER_CHROME}/; run `dlrescue register` "
        "again to rewrite it"
    ]


def test_a_wrongly_named_file_is_reported() -> None:
    """Browsers look the manifest up by host name: another file name is never read."""
    doc = json.loads(build("firefox", "/opt/h"))
    assert problems(doc, "firefox", file_name="dlrescue.json") == [
        "the file is named 'dlrescue.json'; browsers look for 'org.dlrescue.host.json'"
    ]

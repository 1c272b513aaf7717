"""The host manifest: a pure builder, a checker, and the extension-id rules.

No I/O: the builder returns bytes, the checker takes a parsed object. `manifests/` in the
repository holds what `build()` returns for `TEMPLATE_PATH`; a test keeps them equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from native_host import CHROME_EXTENSION_IDS, GECKO_ID, HOST_NAME

from .targets import Family

DESCRIPTION = "dlrescue: retries interrupted browser downloads by reason and keeps a history"

#: The `path` of the checked-in templates in manifests/ (a packager replaces it).
TEMPLATE_PATH = "@DLRESCUE_HOST_PATH@"

#: The file name browsers look up: the host name + ".json".
FILE_NAME = f"{HOST_NAME}.json"

#: The key that lists who may connect, per family.
ALLOW_KEY: dict[Family, str] = {"chromium": "allowed_origins", "firefox": "allowed_extensions"}

#: The ids dlrescue's own extension has, per family: the unpacked copy's first, then any
#: store's (native_host.CHROME_EXTENSION_IDS is the table to add a store id to).
OWN_IDS: dict[Family, tuple[str, ...]] = {
    "chromium": tuple(CHROME_EXTENSION_IDS.values()),
    "firefox": (GECKO_ID,),
}

_CHROME_ID = re.compile(r"[a-p]{32}")
_ORIGIN = re.compile(r"chrome-extension://([a-p]{32})/")
# Firefox's ExtensionID schema: an email-like id or a {GUID}; case-insensitive.
_GECKO_ID = re.compile(
    r"(?i)\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}|[a-z0-9._-]*@[a-z0-9._-]+"
)
_MAX_GECKO_ID = 255


class BadExtensionId(ValueError):
    """An --extension-id that is neither a Chrome id nor a Firefox add-on id."""


@dataclass(frozen=True, slots=True)
class ExtensionIds:
    """Extra extension ids, beyond dlrescue's own, allowed to use the host."""

    chromium: tuple[str, ...] = ()
    firefox: tuple[str, ...] = ()

    def of(self, family: Family) -> tuple[str, ...]:
        return self.chromium if family == "chromium" else self.firefox

    def merged(self, other: ExtensionIds) -> ExtensionIds:
        return ExtensionIds(
            tuple(sorted(set(self.chromium) | set(other.chromium))),
            tuple(sorted(set(self.firefox) | set(other.firefox))),
        )

    def __bool__(self) -> bool:
        return bool(self.chromium or self.firefox)


def parse_extension_id(text: str) -> tuple[Family, str]:
    """Classify one user-typed id: a Chrome id (32 letters a-p, or its
    `chrome-extension://ID/` origin) or a Firefox add-on id (email-like or {GUID})."""
    value = text.strip()
    origin = _ORIGIN.fullmatch(value if value.endswith("/") else value + "/")
    if origin:
        value = origin.group(1)
    if _CHROME_ID.fullmatch(value):
        return "chromium", value
    if len(value) <= _MAX_GECKO_ID and _GECKO_ID.fullmatch(value):
        return "firefox", value
    raise BadExtensionId(
        f"{text!r} is not an extension id: a Chrome-family id is 32 letters from a to p "
        "(shown on chrome://extensions with Developer mode on), a Firefox-family id looks "
        "like name@example.org or {8-4-4-4-12 hex digits}"
    )


def parse_extension_ids(texts: Iterable[str]) -> ExtensionIds:
    chromium: set[str] = set()
    firefox: set[str] = set()
    for text in texts:
        family, value = parse_extension_id(text)
        (chromium if family == "chromium" else firefox).add(value)
    return ExtensionIds(tuple(sorted(chromium)), tuple(sorted(firefox)))


def origin(chrome_id: str) -> str:
    return f"chrome-extension://{chrome_id}/"


def allowed(family: Family, extra: ExtensionIds) -> list[str]:
    """The allow list of one family: our ids first, then the extra ones, no duplicates."""
    ids = [*OWN_IDS[family], *(i for i in extra.of(family) if i not in OWN_IDS[family])]
    return [origin(i) for i in ids] if family == "chromium" else ids


def build(family: Family, host_path: str, extra: ExtensionIds = ExtensionIds()) -> bytes:
    """The manifest file's bytes: UTF-8 without BOM, two-space indent, final newline."""
    doc = {
        "name": HOST_NAME,
        "description": DESCRIPTION,
        "path": host_path,
        "type": "stdio",
        ALLOW_KEY[family]: allowed(family, extra),
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def extensions_file(extra: ExtensionIds) -> bytes:
    """extensions.json, the host's own allow list of extra ids (read by host.refusal)."""
    doc = {
        "allowed_origins": [origin(i) for i in extra.chromium],
        "allowed_extensions": list(extra.firefox),
    }
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def read_extensions_file(data: bytes) -> ExtensionIds:
    """Parse extensions.json; raises ValueError naming what is wrong."""
    doc = json.loads(data.decode("utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("it is not a JSON object")
    origins = doc.get("allowed_origins", [])
    addons = doc.get("allowed_extensions", [])
    if not isinstance(origins, list) or not isinstance(addons, list):
        raise ValueError("allowed_origins and allowed_extensions must be lists")
    try:
        return parse_extension_ids([str(x) for x in origins + addons])
    except BadExtensionId as e:
        raise ValueError(str(e)) from None


def problems(
    doc: object, family: Family, *, file_name: str, extra: ExtensionIds = ExtensionIds()
) -> list[str]:
    """What is wrong with a parsed manifest, as sentences that end with the fix. Empty: valid.

    Checks the fields a browser checks (name, description, type, path absolute, the allow
    list's form) and that the allow list carries dlrescue's ids and the registered extras.
    """
    fix = "run `dlrescue register` again to rewrite it"
    if not isinstance(doc, dict):
        return [f"the manifest is not a JSON object; {fix}"]
    found: list[str] = []
    name = doc.get("name")
    if name != HOST_NAME:
        found.append(f"its name is {name!r}, not {HOST_NAME!r}; {fix}")
    if file_name != FILE_NAME:
        found.append(f"the file is named {file_name!r}; browsers look for {FILE_NAME!r}")
    description = doc.get("description")
    if not isinstance(description, str) or not description.strip():
        found.append(f"its description is missing or empty (browsers refuse it); {fix}")
    if doc.get("type") != "stdio":
        found.append(f"its type is {doc.get('type')!r}, not 'stdio'; {fix}")
    path = doc.get("path")
    if not isinstance(path, str) or not _is_absolute(path):
        found.append(f"its path {path!r} is not absolute; {fix}")
    key = ALLOW_KEY[family]
    other = ALLOW_KEY["firefox" if family == "chromium" else "chromium"]
    entries = doc.get(key)
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        hint = f" (it has {other!r}: a {_family_title(family)} browser ignores that)"
        found.append(
            f"it has no {key!r} list{hint if other in doc else ''}; {fix}",
        )
        return found
    if family == "chromium":
        for entry in entries:
            if not _ORIGIN.fullmatch(entry):
                slash = " (the trailing / is required)" if _ORIGIN.fullmatch(entry + "/") else ""
                found.append(
                    f"allowed_origins entry {entry!r} is not chrome-extension://ID/{slash}; {fix}"
                )
    missing = [e for e in allowed(family, extra) if e not in entries]
    if missing:
        found.append(f"{key} lacks {', '.join(missing)}; {fix}")
    return found


def _is_absolute(path: str) -> bool:
    # A manifest is read on its own OS, but the checker is pure: accept either form.
    return path.startswith("/") or bool(re.match(r"[A-Za-z]:[\\/]", path))


def _family_title(family: Family) -> str:
    return "Chrome-family" if family == "chromium" else "Firefox-family"

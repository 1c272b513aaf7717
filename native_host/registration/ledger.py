"""The record of what `dlrescue register` wrote, so `unregister` removes exactly that.

One JSON file per scope, in dlrescue's own folder (`registrations.json`). Every file and
registry value written is listed with what it held (a SHA-256, or the value) and its
owners: the browsers that use it (`chrome`, or `chromium --user-data-dir /d` for a
registration made with that option). A file shared by several browsers (Chrome's registry
key on Windows, /etc/opt/chrome for Chrome and Brave) goes when its last owner goes; a file
that changed since is left in place and reported. Folders that register created are
listed too and removed when they are empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from . import RegistrationError
from .writers import MANIFEST_MODE, read_nofollow, write_atomic

FILE_NAME = "registrations.json"
VERSION = 1


@dataclass
class FileEntry:
    sha256: str
    owners: set[str]
    what: str


@dataclass
class RegistryEntry:
    value: str
    owners: set[str]


@dataclass
class Ledger:
    files: dict[str, FileEntry] = field(default_factory=dict)
    registry: dict[str, RegistryEntry] = field(default_factory=dict)
    folders: list[str] = field(default_factory=list)

    def owners(self) -> set[str]:
        files = {o for e in self.files.values() for o in e.owners}
        return files | {o for e in self.registry.values() for o in e.owners}

    def empty(self) -> bool:
        return not self.files and not self.registry and not self.folders

    def to_json(self) -> bytes:
        doc = {
            "version": VERSION,
            "files": {
                p: {"sha256": e.sha256, "owners": sorted(e.owners), "what": e.what}
                for p, e in sorted(self.files.items())
            },
            "registry": {
                k: {"value": e.value, "owners": sorted(e.owners)}
                for k, e in sorted(self.registry.items())
            },
            "folders": sorted(set(self.folders)),
        }
        return (json.dumps(doc, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Ledger:
        doc = json.loads(data.decode("utf-8"))
        if not isinstance(doc, dict) or doc.get("version") != VERSION:
            raise ValueError(f"it is not a version-{VERSION} dlrescue record")
        return cls(
            files={
                str(p): FileEntry(str(e["sha256"]), set(e["owners"]), str(e.get("what", "")))
                for p, e in doc.get("files", {}).items()
            },
            registry={
                str(k): RegistryEntry(str(e["value"]), set(e["owners"]))
                for k, e in doc.get("registry", {}).items()
            },
            folders=[str(f) for f in doc.get("folders", [])],
        )


def load(own_dir: Path) -> Ledger:
    path = own_dir / FILE_NAME
    data = read_nofollow(path)
    if data is None:
        return Ledger()
    try:
        return Ledger.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise RegistrationError(
            f"the record of registrations {path} is unreadable ({e}); move it away and run "
            "`dlrescue register` again"
        ) from None


def save(own_dir: Path, ledger: Ledger) -> None:
    write_atomic(own_dir / FILE_NAME, ledger.to_json(), MANIFEST_MODE)

"""What a registration plan is made of: its steps (write a file, set a registry value,
remove a file, delete a value), who owns each, and the plan that lists them. Pure data.

An owner is a browser key (`chromium`), a key with its `--user-data-dir`, or SHARED for
what every browser uses (the launcher, extensions.json); unregister removes a file or value
with its last owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from .targets import Browser, Env, Scope

if TYPE_CHECKING:  # the ledger's module reads and writes files; a plan only holds one
    from .ledger import Ledger

#: The owner of the launcher and extensions.json: they go when no browser owns anything.
SHARED = "dlrescue"
#: What the launcher's and extensions.json's steps say they write.
LAUNCHER = "launcher"
EXTENSION_IDS = "extension ids"


def owner(key: str, user_data_dir: PurePath | None) -> str:
    """The owner tag of one browser's registration: its key, with `--user-data-dir DIR`."""
    return key if user_data_dir is None else f"{key} --user-data-dir {user_data_dir}"


@dataclass(frozen=True, slots=True)
class WriteFile:
    path: PurePath
    data: bytes
    mode: int
    what: str
    owners: frozenset[str]


@dataclass(frozen=True, slots=True)
class SetValue:
    hive: str
    key: str
    value: str
    owners: frozenset[str]


@dataclass(frozen=True, slots=True)
class RemoveFile:
    path: PurePath
    sha256: str
    what: str


@dataclass(frozen=True, slots=True)
class DeleteValue:
    hive: str
    key: str
    value: str


Step = WriteFile | SetValue | RemoveFile | DeleteValue


@dataclass
class Plan:
    scope: Scope
    env: Env
    own_dir: PurePath
    steps: list[Step] = field(default_factory=list)
    browsers: list[Browser] = field(default_factory=list)
    skipped: list[tuple[Browser, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: unregister: the ledger as it will be once the steps are done.
    ledger_after: Ledger | None = None

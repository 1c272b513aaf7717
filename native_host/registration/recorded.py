"""The manifests an earlier `register` recorded in the ledger (another `--browser X`, a
`--user-data-dir DIR`), rewritten when the extension ids change, and the exact command that
rewrites each by hand.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path, PurePath

from . import manifest, writers
from .ledger import Ledger
from .manifest import ExtensionIds
from .steps import SHARED, Plan, WriteFile
from .targets import BY_KEY, Scope


def register_command(
    tag: str, scope: Scope, ids: ExtensionIds | None = None, os_name: str = "linux"
) -> str:
    """The command that (re)writes the registration of one ledger owner (`chromium`, or
    `chromium --user-data-dir /d`), with the extra ids of its browser's family."""
    key, _, udd = tag.partition(" --user-data-dir ")
    quote = shlex.quote if os_name != "windows" else (lambda t: f'"{t}"' if " " in t else t)
    words = ["dlrescue", "register"]
    if scope == "system":
        words.append("--system")
    words += ["--browser", key]
    if udd:
        words += ["--user-data-dir", quote(udd)]
    if scope == "user" and key in BY_KEY and ids:
        words += [w for i in ids.of(BY_KEY[key].family) for w in ("--extension-id", i)]
    return " ".join(words)


def refresh(
    plan: Plan,
    ledger: Ledger | None,
    files: dict[PurePath, WriteFile],
    launcher_path: str,
    ids: ExtensionIds,
) -> list[WriteFile]:
    """A step rewriting each manifest the ledger records that this plan does not write
    already and whose content would change; those left alone are noted in the plan."""
    steps: list[WriteFile] = []
    for path_text, entry in sorted((ledger.files if ledger else {}).items()):
        tags = sorted(o for o in entry.owners if o != SHARED)
        keys = [t.partition(" ")[0] for t in tags]
        if not tags or not all(k in BY_KEY for k in keys) or PurePath(path_text) in files:
            continue
        family = BY_KEY[keys[0]].family
        data = manifest.build(family, launcher_path, ids)
        path = Path(path_text)
        current = writers.read_nofollow(path) if os.path.isdir(path.parent) else None
        if current == data:
            continue
        again = register_command(tags[0], plan.scope, ids, plan.env.os)
        if current is None:
            plan.notes.append(f"left {path}: it is gone (`{again}` writes it again)")
            continue
        if writers.sha256(current) != entry.sha256:
            plan.notes.append(
                f"left {path}: it changed since dlrescue wrote it (`{again}` rewrites it)"
            )
            continue
        what = f"{family} manifest"
        steps.append(
            WriteFile(PurePath(path_text), data, writers.MANIFEST_MODE, what, frozenset(tags))
        )
    return steps

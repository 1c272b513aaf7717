"""A registration plan carried out: files written, registry values set or deleted, and the
ledger saved with what was done, so that unregister removes exactly that.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import RegistrationError, detect, launcher, writers
from . import ledger as ledger_io
from .ledger import FileEntry, Ledger, RegistryEntry
from .steps import LAUNCHER, DeleteValue, Plan, RemoveFile, SetValue, WriteFile
from .windows import Registry


def apply_register(
    plan: Plan, ledger: Ledger, registry: Registry | None, verify: bool = True
) -> None:
    """Write every step, recording each in the ledger as soon as it is done (the ledger is
    saved even when a step fails, so unregister can remove what was written)."""
    own = Path(str(plan.own_dir))
    try:
        for step in plan.steps:
            if isinstance(step, WriteFile):
                path = Path(str(step.path))
                created = writers.ensure_folder(path.parent)
                ledger.folders.extend(str(c) for c in created)
                writers.write_atomic(path, step.data, step.mode)
                old = ledger.files.get(str(path))
                owners = set(step.owners) | (old.owners if old else set())
                ledger.files[str(path)] = FileEntry(writers.sha256(step.data), owners, step.what)
                if verify and step.what == LAUNCHER:
                    why = detect.launcher_runs(launcher.argv(plan.env.os, str(path), ["--version"]))
                    if why is not None:
                        raise RegistrationError(
                            f"the launcher {path} does not start the host ({why}); reinstall "
                            "dlrescue, then run `dlrescue register` again"
                        )
            elif isinstance(step, SetValue):
                if registry is None:
                    raise RegistrationError("no registry to write to; run this on Windows")
                registry.set_default(step.hive, step.key, step.value)
                name = f"{step.hive}\\{step.key}"
                old_value = ledger.registry.get(name)
                owners = set(step.owners) | (old_value.owners if old_value else set())
                ledger.registry[name] = RegistryEntry(step.value, owners)
    finally:
        if not ledger.empty():
            writers.ensure_folder(own)
            ledger_io.save(own, ledger)


def apply_unregister(plan: Plan, registry: Registry | None) -> None:
    """Remove what the plan lists, leaving (and reporting) anything changed since."""
    after = plan.ledger_after or Ledger()
    for step in plan.steps:
        if isinstance(step, RemoveFile):
            left = writers.remove_if_unchanged(Path(str(step.path)), step.sha256)
            if left:
                plan.notes.append(left)
        elif isinstance(step, DeleteValue):
            if registry is None:
                raise RegistrationError("no registry to change; run this on Windows")
            current = registry.get_default(step.hive, step.key)
            if current not in (None, step.value):
                plan.notes.append(
                    f"left {step.hive}\\{step.key}: it now names {current!r}, not what "
                    "dlrescue wrote"
                )
                continue
            registry.delete_key(step.hive, step.key)
    own = Path(str(plan.own_dir))
    if not (after.files or after.registry):
        (own / ledger_io.FILE_NAME).unlink(missing_ok=True)
    writers.remove_empty_folders([Path(f) for f in after.folders])
    after.folders = [f for f in after.folders if os.path.isdir(f)]
    if after.files or after.registry:
        ledger_io.save(own, after)

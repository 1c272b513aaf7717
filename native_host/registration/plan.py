"""register and unregister as a list of steps (steps.py): built first, then printed
(--dry-run) or carried out (apply.py). Building reads the machine (which browsers are here)
but writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from native_host import HOST_NAME

from . import RegistrationError, UsageError, detect, launcher, manifest, recorded, writers
from .ledger import FileEntry, Ledger, RegistryEntry
from .manifest import ExtensionIds
from .steps import (
    EXTENSION_IDS,
    LAUNCHER,
    SHARED,
    DeleteValue,
    Plan,
    RemoveFile,
    SetValue,
    WriteFile,
    owner,
)
from .targets import (
    BY_KEY,
    HIVE,
    LAUNCHER_NAME,
    LOAD_STEPS,
    STORE,
    TOR_BUNDLES,
    Browser,
    Env,
    Scope,
    needs_tbb,
    own_dir,
    places,
)


@dataclass(frozen=True, slots=True)
class Request:
    scope: Scope = "user"
    browsers: tuple[str, ...] = ()  # keys from targets.BROWSERS
    user_data_dir: PurePath | None = None
    extension_ids: ExtensionIds = field(default_factory=ExtensionIds)


def _check_request(req: Request, env: Env) -> None:
    if req.user_data_dir is None:
        if req.scope == "system" and req.extension_ids:
            raise UsageError(
                "--extension-id works per user (the host reads each user's list): run "
                "`dlrescue register --extension-id ID` as the user, without --system"
            )
        return
    if req.scope == "system":
        raise UsageError("--user-data-dir registers one user's browser: drop --system")
    if env.os == "windows":
        raise UsageError(
            "on Windows, Chromium-family browsers find hosts through the registry whatever "
            "their --user-data-dir: drop --user-data-dir"
        )
    for key in req.browsers:
        b = BY_KEY[key]
        if b.family != "chromium":
            raise UsageError(
                f"--user-data-dir is for Chromium-family browsers; {b.title} reads host "
                f"manifests from its own folder: drop --user-data-dir for {key}"
            )
        if key == "brave":
            raise UsageError(
                "Brave ignores --user-data-dir when it looks for host manifests: run "
                "`dlrescue register --browser brave` without --user-data-dir"
            )


def existing_ids(env: Env, scope: Scope) -> ExtensionIds:
    """The extra ids already registered (extensions.json), user scope only."""
    if scope != "user" or not env.extensions_file:
        return ExtensionIds()
    path = Path(env.extensions_file)
    data = writers.read_nofollow(path)
    if data is None:
        return ExtensionIds()
    try:
        return manifest.read_extensions_file(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise RegistrationError(
            f"{path} is not a valid list of extension ids ({e}); fix it or delete it, then "
            "run the command again"
        ) from None


def _skip_reason(b: Browser, env: Env, scope: Scope, presence: detect.Presence) -> str:
    blocking = [s for s in presence.sandboxes if s.blocks]
    if blocking:
        s = blocking[0]
        return f"only its {s.kind} packaging ({s.app_id}) is installed: {s.note}"
    what = "profile folder" if scope == "user" else "program"
    return f"not found (no {what} in {', '.join(presence.looked_in) or 'its usual places'})"


def _folders(key: str, req: Request, env: Env, explicit: bool, plan: Plan) -> list[PurePath] | None:
    """Where browser `key` looks for host manifests (folders, or registry keys on Windows),
    or None when it is skipped (the plan says why)."""
    b = BY_KEY[key]
    if req.user_data_dir is not None:
        return [req.user_data_dir / "NativeMessagingHosts"]
    if needs_tbb(key, env.os) and not env.tbb:
        looked = ", ".join(str(env.path(t)) for t in TOR_BUNDLES[env.os])
        plan.skipped.append((b, f"no unpacked Tor Browser found (looked for {looked})"))
        return None
    presence = detect.presence(key, env, req.scope)
    if not presence.installed:
        why = _skip_reason(b, env, req.scope, presence)
        if not explicit:
            plan.skipped.append((b, why))
            return None
        plan.notes.append(f"{b.title}: {why}; registered anyway")
    plan.notes.extend(f"{b.title} ({s.kind}): {s.note}" for s in presence.sandboxes)
    found = places(key, env, req.scope)
    if not found:
        plan.skipped.append((b, f"{b.title} has no {req.scope}-wide host location on {env.os}"))
        return None
    return [p for p, only_if in found if only_if is None or os.path.isdir(only_if)]


@dataclass
class _Manifests:
    """The manifests (and, on Windows, registry values) of the browsers registered: each
    path or value once, with every owner that wants it."""

    plan: Plan
    files: dict[PurePath, WriteFile] = field(default_factory=dict)
    values: dict[tuple[str, str], SetValue] = field(default_factory=dict)

    def add(self, b: Browser, folders: list[PurePath], data: bytes, tag: str) -> None:
        """Browser `b`'s manifest in each of its folders, or (registry OSes) once in
        dlrescue's own folder with a registry value per key naming it."""
        what = f"{b.family} manifest"
        if STORE[self.plan.env.os] == "folder":
            for folder in folders:
                self._file(folder / manifest.FILE_NAME, data, what, tag)
            return
        path = self.plan.own_dir / "NativeMessagingHosts" / b.family / manifest.FILE_NAME
        self._file(path, data, what, tag)
        hive = HIVE[self.plan.scope]
        for key_path in folders:
            reg_key = f"{key_path}\\{HOST_NAME}"
            old = self.values.get((hive, reg_key))
            tags = (old.owners if old else frozenset()) | {tag}
            self.values[(hive, reg_key)] = SetValue(hive, reg_key, str(path), tags)

    def _file(self, path: PurePath, data: bytes, what: str, tag: str) -> None:
        old = self.files.get(path)
        owners = (old.owners if old else frozenset()) | {tag}
        self.files[path] = WriteFile(path, data, writers.MANIFEST_MODE, what, owners)


def _nothing_found(plan: Plan, explicit: bool, refreshed: list[WriteFile]) -> None:
    """Refuse a register that would write no browser's manifest."""
    if not plan.browsers and explicit:
        raise RegistrationError(
            "nothing registered: " + "; ".join(f"{b.title}: {why}" for b, why in plan.skipped)
        )
    if not plan.browsers and not refreshed:
        where = "machine" if plan.scope == "system" else "user"
        raise RegistrationError(
            f"no supported browser was found for this {where}; name one with --browser NAME "
            "(see `dlrescue register --help`)"
        )


def plan_register(
    req: Request, env: Env, install: launcher.Install, ledger: Ledger | None = None
) -> Plan:
    """What `dlrescue register` would write, without writing it.

    With the scope's `ledger`, every other manifest it records (an earlier `--browser X`
    or `--user-data-dir DIR`) is rewritten too when its content would change, so the
    extension ids of every manifest stay those of extensions.json. One changed by hand
    since, or gone, is left and named with the command that rewrites it."""
    _check_request(req, env)
    plan = Plan(req.scope, env, own_dir(env, req.scope))
    launcher_path = plan.own_dir / LAUNCHER_NAME[env.os]
    ids = existing_ids(env, req.scope).merged(req.extension_ids)
    explicit = bool(req.browsers) or req.user_data_dir is not None
    keys = req.browsers or (("chromium",) if req.user_data_dir else tuple(BY_KEY))
    written = _Manifests(plan)
    for key in dict.fromkeys(keys):
        folders = _folders(key, req, env, explicit, plan)
        if folders is None:
            continue
        b = BY_KEY[key]
        data = manifest.build(b.family, str(launcher_path), ids)
        written.add(b, folders, data, owner(key, req.user_data_dir))
        plan.browsers.append(b)
    refreshed = recorded.refresh(plan, ledger, written.files, str(launcher_path), ids)
    _nothing_found(plan, explicit, refreshed)
    shared = frozenset({SHARED})
    script = launcher.render(env.os, install)
    plan.steps.append(WriteFile(launcher_path, script, writers.LAUNCHER_MODE, LAUNCHER, shared))
    plan.steps.extend(written.files.values())
    plan.steps.extend(refreshed)
    plan.steps.extend(written.values.values())
    if ids and req.scope == "user":
        ids_file = manifest.extensions_file(ids)
        path = PurePath(env.extensions_file)
        plan.steps.append(WriteFile(path, ids_file, writers.MANIFEST_MODE, EXTENSION_IDS, shared))
    return plan


def plan_unregister(
    scope: Scope,
    keys: tuple[str, ...],
    user_data_dir: PurePath | None,
    env: Env,
    ledger: Ledger,
) -> Plan:
    """What `dlrescue unregister` would remove: exactly what the ledger says register
    wrote for those browsers (all of them when none is named)."""
    plan = Plan(scope, env, own_dir(env, scope))

    def selected(tag: str) -> bool:
        if tag == SHARED:
            return False
        key, _, rest = tag.partition(" --user-data-dir ")
        if user_data_dir is not None:
            return rest == str(user_data_dir) and (not keys or key in keys)
        return not keys or (key in keys and not rest)

    after = Ledger(folders=list(ledger.folders))
    for path, entry in ledger.files.items():
        keep = {o for o in entry.owners if not selected(o)}
        if keep:
            after.files[path] = FileEntry(entry.sha256, keep, entry.what)
        else:
            plan.steps.append(RemoveFile(PurePath(path), entry.sha256, entry.what))
    for name, value in ledger.registry.items():
        keep = {o for o in value.owners if not selected(o)}
        if keep:
            after.registry[name] = RegistryEntry(value.value, keep)
        else:
            hive, _, key = name.partition("\\")
            plan.steps.append(DeleteValue(hive, key, value.value))
    if after.owners() <= {SHARED}:  # nothing left for any browser: the shared files go too
        for path, entry in after.files.items():
            plan.steps.append(RemoveFile(PurePath(path), entry.sha256, entry.what))
        after.files.clear()
    removed_owners = ledger.owners() - after.owners()
    for key in keys:
        if not any(o.partition(" ")[0] == key for o in removed_owners):
            where = f" with --user-data-dir {user_data_dir}" if user_data_dir else ""
            plan.notes.append(
                f"{BY_KEY[key].title}{where}: dlrescue has no record of registering it"
            )
    plan.ledger_after = after
    return plan


# --- words ------------------------------------------------------------------------------


def describe(plan: Plan, dry_run: bool) -> Iterator[str]:
    """What the plan does (or would do), one line per step, contents under --dry-run."""
    for step in plan.steps:
        if isinstance(step, WriteFile):
            verb = "would write" if dry_run else "wrote"
            yield f"{verb} {step.path} ({step.what}, mode {step.mode:04o})"
            if dry_run:
                yield from ("    " + line for line in step.data.decode("utf-8").splitlines())
        elif isinstance(step, SetValue):
            verb = "would set" if dry_run else "set"
            yield f"{verb} {step.hive}\\{step.key} (default value) = {step.value}"
        elif isinstance(step, RemoveFile):
            yield f"{'would remove' if dry_run else 'removed'} {step.path} ({step.what})"
        else:
            yield f"{'would delete' if dry_run else 'deleted'} {step.hive}\\{step.key}"
    for b, why in plan.skipped:
        yield f"skipped {b.title}: {why}"
    yield from plan.notes


def next_steps(plan: Plan, extension_dir: Path | None) -> Iterator[str]:
    """After register: where the extension is and how to load it in each browser."""
    if extension_dir is None:
        yield (
            "Next: load the dlrescue extension (this installation does not include its "
            "folder; get it from the dlrescue source tree, folder extension/)."
        )
        folder = "the extension folder"
    else:
        yield f"Next: load the dlrescue extension from {extension_dir}"
        folder = str(extension_dir)
    seen: set[str] = set()
    for b in plan.browsers:
        if b.title in seen:
            continue
        seen.add(b.title)
        yield f"  {b.title}: " + LOAD_STEPS[b.family].format(page=b.extensions_page, folder=folder)
    yield "Then run `dlrescue doctor` to check that every browser can reach the host."

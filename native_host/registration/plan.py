"""register and unregister as a list of steps: built first, then printed (--dry-run) or
applied. Building reads the machine (which browsers are here) but writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from native_host import HOST_NAME

from . import RegistrationError, UsageError, detect, launcher, manifest, writers
from . import ledger as ledger_io
from .ledger import FileEntry, Ledger, RegistryEntry
from .manifest import ExtensionIds
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
from .windows import Registry

#: The owner of the launcher and extensions.json: they go when no browser owns anything.
SHARED = "dlrescue"
LAUNCHER = "launcher"
EXTENSION_IDS = "extension ids"


def owner(key: str, user_data_dir: PurePath | None) -> str:
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


def plan_register(
    req: Request, env: Env, install: launcher.Install, ledger: Ledger | None = None
) -> Plan:
    """What `dlrescue register` would write, without writing it.

    With the scope's `ledger`, every other manifest it records (an earlier `--browser X`
    or `--user-data-dir DIR`) is rewritten too when its content would change, so the
    extension ids of every manifest stay those of extensions.json. One changed by hand
    since, or gone, is left and named with the command that rewrites it."""
    _check_request(req, env)
    own = own_dir(env, req.scope)
    plan = Plan(req.scope, env, own)
    launcher_path = own / LAUNCHER_NAME[env.os]
    ids = existing_ids(env, req.scope).merged(req.extension_ids)
    explicit = bool(req.browsers) or req.user_data_dir is not None
    keys = req.browsers or (("chromium",) if req.user_data_dir else tuple(BY_KEY))
    files: dict[PurePath, WriteFile] = {}
    values: dict[tuple[str, str], SetValue] = {}

    def add_file(path: PurePath, data: bytes, mode: int, what: str, tag: str) -> None:
        old = files.get(path)
        files[path] = WriteFile(
            path, data, mode, what, (old.owners if old else frozenset()) | {tag}
        )

    for key in dict.fromkeys(keys):
        b = BY_KEY[key]
        tag = owner(key, req.user_data_dir)
        if req.user_data_dir is not None:
            folders = [req.user_data_dir / "NativeMessagingHosts"]
        else:
            if needs_tbb(key, env.os) and not env.tbb:
                looked = ", ".join(str(env.path(t)) for t in TOR_BUNDLES[env.os])
                why = f"no unpacked Tor Browser found (looked for {looked})"
                plan.skipped.append((b, why))
                continue
            presence = detect.presence(key, env, req.scope)
            if not presence.installed:
                if not explicit:
                    plan.skipped.append((b, _skip_reason(b, env, req.scope, presence)))
                    continue
                plan.notes.append(
                    f"{b.title}: {_skip_reason(b, env, req.scope, presence)}; registered anyway"
                )
            plan.notes.extend(f"{b.title} ({s.kind}): {s.note}" for s in presence.sandboxes)
            found = places(key, env, req.scope)
            if not found:
                plan.skipped.append(
                    (b, f"{b.title} has no {req.scope}-wide host location on {env.os}")
                )
                continue
            folders = [p for p, only_if in found if only_if is None or os.path.isdir(only_if)]
        data = manifest.build(b.family, str(launcher_path), ids)
        what = f"{b.family} manifest"
        if STORE[env.os] == "folder":
            for folder in folders:
                add_file(folder / manifest.FILE_NAME, data, writers.MANIFEST_MODE, what, tag)
        else:
            path = own / "NativeMessagingHosts" / b.family / manifest.FILE_NAME
            add_file(path, data, writers.MANIFEST_MODE, what, tag)
            for key_path in folders:
                reg_key = f"{key_path}\\{HOST_NAME}"
                old = values.get((HIVE[req.scope], reg_key))
                tags = (old.owners if old else frozenset()) | {tag}
                values[(HIVE[req.scope], reg_key)] = SetValue(
                    HIVE[req.scope], reg_key, str(path), tags
                )
        plan.browsers.append(b)

    refreshed = _refresh_recorded(plan, ledger, files, str(launcher_path), ids)
    if not plan.browsers and explicit:
        raise RegistrationError(
            "nothing registered: " + "; ".join(f"{b.title}: {why}" for b, why in plan.skipped)
        )
    if not plan.browsers and not refreshed:
        where = "machine" if req.scope == "system" else "user"
        raise RegistrationError(
            f"no supported browser was found for this {where}; name one with --browser NAME "
            "(see `dlrescue register --help`)"
        )
    shared = frozenset({SHARED})
    plan.steps.append(
        WriteFile(
            launcher_path,
            launcher.render(env.os, install),
            writers.LAUNCHER_MODE,
            LAUNCHER,
            shared,
        )
    )
    plan.steps.extend(files.values())
    plan.steps.extend(refreshed)
    plan.steps.extend(values.values())
    if ids and req.scope == "user":
        plan.steps.append(
            WriteFile(
                PurePath(env.extensions_file),
                manifest.extensions_file(ids),
                writers.MANIFEST_MODE,
                EXTENSION_IDS,
                shared,
            )
        )
    return plan


def register_command(
    tag: str, scope: Scope, ids: ExtensionIds | None = None, os_name: str = "linux"
) -> str:
    """The command that (re)writes the registration of one ledger owner (`chromium`, or
    `chromium --user-data-dir /d`), with the extra ids of its browser's family."""
    import shlex

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


def _refresh_recorded(
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

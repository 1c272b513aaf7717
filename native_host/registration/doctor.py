"""`dlrescue doctor`: is every registration healthy, and does the host answer?

For every browser and scope it finds the manifests where the browser looks (files, or the
registry on Windows), checks what the browser checks (name, description, type, an absolute
executable path, the allow list's form and ids), checks that no other user can replace
them, then starts the host exactly as that browser would (Chrome: argv
`chrome-extension://ID/`; Firefox: the manifest's path and the add-on id; the host's folder
as working directory) and does a `hello` round trip over the native framing.

A browser that is not installed is reported, not an error; a broken registration is.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from native_host import HOST_NAME, PROTOCOL
from native_host.framing import Oversize, TruncatedFrame, encode_frame, read_frame

from . import RegistrationError, detect, launcher, manifest, writers
from .ledger import Ledger
from .manifest import ExtensionIds
from .recorded import register_command
from .targets import (
    BROWSERS,
    BY_KEY,
    HIVE,
    SCOPES,
    STORE,
    Browser,
    Env,
    Family,
    Scope,
    needs_tbb,
    places,
)
from .windows import Registry, WinRegistry

HELLO_TIMEOUT = 15.0
#: How fixes name the register command; check() puts the exact one in its place.
REGISTER = "`dlrescue register`"
AGAIN = f"run {REGISTER} again"

OK = "ok"
BROKEN = "BROKEN"
NOT_REGISTERED = "not registered"
NOT_INSTALLED = "not installed"
SANDBOXED = "sandboxed"


@dataclass
class Row:
    browser: str
    scope: str
    where: str
    status: str
    details: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return self.status == BROKEN


@dataclass(frozen=True, slots=True)
class Hello:
    """The outcome of one hello round trip."""

    reply: dict[str, object] | None
    problem: str | None
    millis: int


def hello(argv: list[str], cwd: str, timeout: float = HELLO_TIMEOUT) -> Hello:
    """Start the host with `argv`, send one hello frame, close its input, read the reply."""
    request = encode_frame(json.dumps({"type": "hello", "rid": "doctor"}).encode("utf-8"))
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as e:
        return Hello(None, f"the host did not start: {e.strerror or e}", 0)
    try:
        out, err = proc.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return Hello(None, f"the host sent no reply within {timeout:.0f} s", 0)
    millis = int((time.monotonic() - start) * 1000)
    last_err = (err.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    try:
        body = read_frame(BytesIO(out))
    except TruncatedFrame as e:
        return Hello(None, f"the host's reply was cut short ({e})", millis)
    if body is None or isinstance(body, Oversize):
        said = f": {last_err}" if last_err else ""
        return Hello(
            None, f"the host exited with status {proc.returncode} without a reply{said}", millis
        )
    try:
        reply = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Hello(None, "the host's reply is not JSON", millis)
    if not isinstance(reply, dict) or reply.get("ok") is not True:
        return Hello(None, f"the host refused hello: {body[:200]!r}", millis)
    if reply.get("protocol") != PROTOCOL:
        return Hello(
            reply,
            f"the host speaks protocol {reply.get('protocol')!r}, this dlrescue {PROTOCOL}",
            millis,
        )
    if read_frame(BytesIO(out[4 + len(body) :])) is not None:
        return Hello(reply, "the host wrote more than one frame for one hello", millis)
    return Hello(reply, None, millis)


def browser_args(family: Family, os_name: str, manifest_path: str) -> list[str]:
    """The arguments a browser passes to the host (docs/BROWSERS.md, "Native messaging")."""
    if family == "chromium":
        args = [manifest.origin(manifest.OWN_IDS["chromium"][0])]
        return [*args, "--parent-window=0"] if os_name == "windows" else args
    return [manifest_path, manifest.OWN_IDS["firefox"][0]]


@dataclass
class Doctor:
    env: Env
    registry: Registry | None = None
    extra: ExtensionIds = field(default_factory=ExtensionIds)
    talk: bool = True
    #: Browser keys dlrescue's records say it registered (any scope).
    recorded: set[str] = field(default_factory=set)
    _hellos: dict[tuple[str, ...], Hello] = field(default_factory=dict)

    def command(self, tag: str, scope: str) -> str:
        """The exact command that rewrites the registration of ledger owner `tag`."""
        return register_command(
            tag, "system" if scope == "system" else "user", self.extra, self.env.os
        )

    def check(self, b: Browser, where: str, scope: str, path: Path, tag: str = "") -> Row:
        """One registration's row: its problems, or the host's answer to hello. The fixes
        name the exact `dlrescue register` command that rewrites this registration
        (`tag`: the browser key, with ` --user-data-dir DIR` for such a registration)."""
        problems, said = self._problems(b, path)
        exact = f"`{self.command(tag or b.key, scope)}`"
        problems = [p.replace(REGISTER, exact) for p in problems]
        row = Row(b.title, scope, where, BROKEN if problems else OK, problems)
        if said is not None and said.reply is not None and not problems:
            version = said.reply.get("host_version")
            row.details.append(f"host {version} answered hello in {said.millis} ms")
        return row

    def _problems(self, b: Browser, path: Path) -> tuple[list[str], Hello | None]:
        """Problems of one manifest file, the host it names and a hello round trip."""
        found: list[str] = []
        try:
            raw = path.read_bytes()
        except OSError as e:
            return [f"it cannot be read ({e.strerror or e}); move it away, then {AGAIN}"], None
        if raw.startswith(b"\xef\xbb\xbf"):
            found.append(f"the file starts with a byte-order mark (browsers refuse it); {AGAIN}")
            raw = raw[3:]
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return [*found, f"it is not valid UTF-8 JSON ({e}); {AGAIN}"], None
        found += manifest.problems(doc, b.family, file_name=path.name, extra=self.extra)
        found += writers.file_problems(path)
        host = doc.get("path") if isinstance(doc, dict) else None
        if not isinstance(host, str) or not os.path.isabs(host):
            return found, None
        host_path = Path(host)
        if not host_path.is_file():
            return [*found, f"its host {host} does not exist; {AGAIN}"], None
        if self.env.os != "windows" and not os.access(host_path, os.X_OK):
            return [*found, f"its host {host} is not executable; run `chmod 755 '{host}'`"], None
        found += writers.file_problems(host_path)
        try:
            with host_path.open("rb") as f:
                head = f.read(65536)
        except OSError as e:
            return [*found, f"its host {host} cannot be read ({e.strerror or e}); {AGAIN}"], None
        parsed = launcher.parse(self.env.os, head)
        if parsed is not None and not os.path.isfile(parsed.python):
            gone = f"the launcher's Python {parsed.python} is gone (was dlrescue's environment"
            return [*found, f"{gone} removed?); reinstall dlrescue, then {AGAIN}"], None
        if found or not self.talk:
            return found, None
        argv = launcher.argv(self.env.os, host, browser_args(b.family, self.env.os, str(path)))
        if tuple(argv) not in self._hellos:
            self._hellos[tuple(argv)] = hello(argv, cwd=str(host_path.parent))
        said = self._hellos[tuple(argv)]
        if said.problem:
            found.append(f"{said.problem}; {AGAIN}, then run `dlrescue doctor`")
        return found, said

    def manifests(self, b: Browser, scope: Scope) -> Iterator[tuple[str, Path | None, str]]:
        """(where, manifest file or None, note) for each place the browser reads."""
        if needs_tbb(b.key, self.env.os) and not self.env.tbb:
            return
        for place, only_if in places(b.key, self.env, scope):
            if only_if is not None and not os.path.isdir(only_if):
                continue
            if STORE[self.env.os] == "folder":
                path = Path(str(place)) / manifest.FILE_NAME
                yield str(path), (path if os.path.lexists(path) else None), ""
                continue
            name = f"{HIVE[scope]}\\{place}\\{HOST_NAME}"
            value = (
                self.registry.get_default(HIVE[scope], f"{place}\\{HOST_NAME}")
                if self.registry
                else None
            )
            if value is None:
                yield name, None, ""
            elif not os.path.isfile(value):
                yield name, None, f"{name} names {value}, which does not exist"
            else:
                yield name, Path(value), ""

    def rows_for(self, b: Browser) -> Iterator[Row]:
        """Every registration of one browser, or one row saying why there is none. A browser
        that is not installed is checked only if dlrescue's record says it registered it
        (its disputed places may hold another browser's manifest)."""
        presence = detect.presence(b.key, self.env, "user")
        blocking = [s for s in presence.sandboxes if s.blocks]
        if not (presence.installed or b.key in self.recorded):
            if blocking:
                yield Row(b.title, "user", "-", SANDBOXED, [blocking[0].note])
            else:
                yield Row(b.title, "-", "-", NOT_INSTALLED, [])
            return
        any_found = False
        for scope in SCOPES:
            for where, path, note in self.manifests(b, scope):
                if path is None:
                    if note:
                        any_found = True
                        again = f"run `{self.command(b.key, scope)}` again"
                        yield Row(b.title, scope, where, BROKEN, [f"{note}; {again}"])
                    continue
                any_found = True
                yield self.check(b, where, scope, path)
        if not any_found:
            fix = f"run `dlrescue register --browser {b.key}`"
            yield Row(b.title, "user", "-", NOT_REGISTERED, [fix])

    def rows_for_user_data_dirs(self, ledger: Ledger) -> Iterator[Row]:
        """Registrations made with --user-data-dir, found through dlrescue's record."""
        for file_path, entry in sorted(ledger.files.items()):
            for tag in sorted(entry.owners):
                key, _, udd = tag.partition(" --user-data-dir ")
                if not udd or key not in BY_KEY:
                    continue
                b = BY_KEY[key]
                path = Path(file_path)
                if not path.is_file():
                    gone = f"the manifest is gone; run `{self.command(tag, 'user')}` again"
                    yield Row(b.title, "user-data-dir", file_path, BROKEN, [gone])
                    continue
                yield self.check(b, file_path, "user-data-dir", path, tag)

    def rows(self, keys: tuple[str, ...] = (), ledger: Ledger | None = None) -> list[Row]:
        chosen = [BY_KEY[k] for k in keys] if keys else list(BROWSERS)
        rows = [r for b in chosen for r in self.rows_for(b)]
        if ledger is not None:
            rows += [
                r
                for r in self.rows_for_user_data_dirs(ledger)
                if not keys or any(BY_KEY[k].title == r.browser for k in keys)
            ]
        return rows


def table(rows: list[Row]) -> Iterator[str]:
    """The doctor's table: one line per registration, its problems and fixes under it."""
    head = ("BROWSER", "SCOPE", "STATUS", "MANIFEST")
    cells = [(r.browser, r.scope, r.status, r.where) for r in rows]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(3)]

    def line(c: tuple[str, str, str, str]) -> str:
        return "  ".join(c[i].ljust(widths[i]) for i in range(3)) + "  " + c[3]

    yield line(head)
    for r, c in zip(rows, cells, strict=True):
        yield line(c).rstrip()
        for d in r.details:
            yield f"    {'fix: ' if r.broken else ''}{d}"


def summary(rows: list[Row]) -> str:
    broken = sum(r.broken for r in rows)
    ok = sum(r.status == OK for r in rows)
    if broken:
        return f"{broken} registration(s) broken, {ok} healthy: apply the fixes above"
    if not ok:
        return "no registration found: run `dlrescue register`"
    return f"{ok} registration(s) healthy"


def examine(keys: tuple[str, ...] = (), talk: bool = True) -> tuple[list[Row], list[str]]:
    """Every registration of this user's `keys` browsers (all without), checked, and what
    could not be read on the way (dlrescue's records, the extension ids): what `dlrescue
    doctor` prints, and the settings page shows (without the hello round trips, `talk`)."""
    from . import plan
    from .ledger import load
    from .targets import SCOPES, own_dir

    env = detect.current_env()
    broken: list[str] = []
    try:
        extra = plan.existing_ids(env, "user")
    except RegistrationError as e:
        extra, broken = ExtensionIds(), [str(e)]
    records: dict[Scope, Ledger] = {}
    for scope in SCOPES:
        try:
            records[scope] = load(Path(str(own_dir(env, scope))))
        except RegistrationError as e:
            records[scope], broken = Ledger(), [*broken, str(e)]
    recorded = {o for r in records.values() for o in r.owners() if " " not in o}
    registry = WinRegistry() if env.os == "windows" else None
    checker = Doctor(env, registry, extra, talk, recorded)
    return checker.rows(keys, records["user"]), broken

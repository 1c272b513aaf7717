"""Windows registration on any OS: the plan as a literal table of registry values, applied
and removed through a fake registry (the only code that imports winreg is windows.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path, PurePath

import pytest

from native_host.registration import RegistrationError, UsageError, apply, doctor, ledger, plan
from native_host.registration.launcher import Install
from native_host.registration.ledger import Ledger
from native_host.registration.steps import Plan, SetValue, WriteFile
from native_host.registration.targets import BY_KEY, Env, Scope
from native_host.registration.windows import WinRegistry

OWN = r"C:\Users\u\AppData\Local\dlrescue"
ENV = Env(
    "windows",
    home=r"C:\Users\u",
    appdata=r"C:\Users\u\AppData\Roaming",
    localappdata=r"C:\Users\u\AppData\Local",
    own_user=OWN,
)
PYTHON = r"C:\Program Files\Python312\python.exe"
HOST = "org.dlrescue.host"


class FakeRegistry:
    """Default values of keys, in a dict; the same three methods as WinRegistry."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def get_default(self, hive: str, key: str) -> str | None:
        return self.values.get((hive, key))

    def set_default(self, hive: str, key: str, value: str) -> None:
        self.values[(hive, key)] = value

    def delete_key(self, hive: str, key: str) -> None:
        self.values.pop((hive, key), None)


def _plan(*keys: str, scope: Scope = "user") -> Plan:
    return plan.plan_register(plan.Request(scope, keys), ENV, Install(PYTHON))


def test_user_scope_plan_sets_these_hkcu_values_and_writes_these_files() -> None:
    """Every browser: one manifest per family in dlrescue's folder, and the registry keys
    each browser reads, shared keys written once with all their owners."""
    steps = _plan(*BY_KEY).steps
    files = {str(s.path): s.what for s in steps if isinstance(s, WriteFile)}
    assert files == {
        rf"{OWN}\dlrescue-host.bat": "launcher",
        rf"{OWN}\NativeMessagingHosts\chromium\{HOST}.json": "chromium manifest",
        rf"{OWN}\NativeMessagingHosts\firefox\{HOST}.json": "firefox manifest",
    }
    chromium = rf"{OWN}\NativeMessagingHosts\chromium\{HOST}.json"
    firefox = rf"{OWN}\NativeMessagingHosts\firefox\{HOST}.json"
    values = {(s.hive, s.key): (s.value, set(s.owners)) for s in steps if isinstance(s, SetValue)}
    hkcu = "HKEY_CURRENT_USER"
    assert values == {
        (hkcu, rf"Software\Google\Chrome\NativeMessagingHosts\{HOST}"): (
            chromium,
            {"chrome", "chrome-beta", "chrome-dev", "brave", "vivaldi", "opera"},
        ),
        (hkcu, rf"Software\Chromium\NativeMessagingHosts\{HOST}"): (chromium, {"chromium"}),
        (hkcu, rf"Software\Microsoft\Edge\NativeMessagingHosts\{HOST}"): (chromium, {"edge"}),
        (hkcu, rf"Software\Mozilla\NativeMessagingHosts\{HOST}"): (
            firefox,
            {"firefox", "librewolf", "waterfox", "tor-browser"},
        ),
        (hkcu, rf"Software\LibreWolf\NativeMessagingHosts\{HOST}"): (firefox, {"librewolf"}),
        (hkcu, rf"Software\Waterfox\NativeMessagingHosts\{HOST}"): (firefox, {"waterfox"}),
    }


def test_system_scope_uses_hklm_and_programdata() -> None:
    """--system writes HKLM and keeps its files under %ProgramData%."""
    env = Env("windows", home=r"C:\Users\u", programdata=r"C:\ProgramData", own_user=OWN)
    steps = plan.plan_register(plan.Request("system", ("edge",)), env, Install(PYTHON)).steps
    assert [str(s.path) for s in steps if isinstance(s, WriteFile)] == [
        r"C:\ProgramData\dlrescue\dlrescue-host.bat",
        rf"C:\ProgramData\dlrescue\NativeMessagingHosts\chromium\{HOST}.json",
    ]
    (value,) = [s for s in steps if isinstance(s, SetValue)]
    assert (value.hive, value.key) == (
        "HKEY_LOCAL_MACHINE",
        rf"Software\Microsoft\Edge\NativeMessagingHosts\{HOST}",
    )


def test_the_windows_manifest_names_the_batch_launcher() -> None:
    """The manifest's path is the .bat launcher, JSON-escaped backslashes and all."""
    steps = _plan("firefox").steps
    manifest = next(s for s in steps if isinstance(s, WriteFile) and "firefox" in s.what)
    assert json.loads(manifest.data)["path"] == rf"{OWN}\dlrescue-host.bat"


def test_user_data_dir_is_refused_on_windows() -> None:
    """Windows browsers find hosts through the registry only: the option is explained away."""
    with pytest.raises(UsageError, match="through the registry"):
        plan.plan_register(
            plan.Request("user", ("chrome",), PurePath("C:/p")), ENV, Install(PYTHON)
        )


def _registry_only(p: Plan) -> Plan:
    p.steps = [s for s in p.steps if isinstance(s, SetValue)]
    return p


def test_registry_values_are_applied_recorded_and_removed_with_their_last_owner(
    tmp_path: Path,
) -> None:
    """Chrome and Brave share Chrome's key: unregistering Chrome keeps it, Brave removes it."""
    registry = FakeRegistry()
    steps = _registry_only(_plan("chrome", "brave"))
    steps.own_dir = PurePath(tmp_path)
    apply.apply_register(steps, Ledger(), registry, verify=False)
    key = ("HKEY_CURRENT_USER", rf"Software\Google\Chrome\NativeMessagingHosts\{HOST}")
    assert registry.values[key].endswith(rf"chromium\{HOST}.json")

    def unregister(*keys: str) -> Plan:
        current = ledger.load(tmp_path) if (tmp_path / "registrations.json").exists() else Ledger()
        u = plan.plan_unregister("user", keys, None, ENV, current)
        u.own_dir = PurePath(tmp_path)
        apply.apply_unregister(u, registry)
        return u

    unregister("chrome")
    assert key in registry.values
    unregister("brave")
    assert registry.values == {}
    assert not (tmp_path / "registrations.json").exists()


def test_a_registry_value_changed_by_someone_else_is_left_in_place(tmp_path: Path) -> None:
    """unregister deletes only a value that still names what register wrote."""
    registry = FakeRegistry()
    steps = _registry_only(_plan("edge"))
    steps.own_dir = PurePath(tmp_path)
    apply.apply_register(steps, Ledger(), registry, verify=False)
    key = ("HKEY_CURRENT_USER", rf"Software\Microsoft\Edge\NativeMessagingHosts\{HOST}")
    registry.values[key] = r"C:\elsewhere\other.json"
    u = plan.plan_unregister("user", (), None, ENV, ledger.load(tmp_path))
    u.own_dir = PurePath(tmp_path)
    apply.apply_unregister(u, registry)
    assert registry.values[key] == r"C:\elsewhere\other.json"
    assert any("it now names" in n for n in u.notes)


def test_doctor_finds_the_manifest_through_the_registry(tmp_path: Path) -> None:
    """Doctor reads each browser's key through the seam and checks the file it names."""
    manifest = tmp_path / f"{HOST}.json"
    launcher = tmp_path / "dlrescue-host.bat"
    launcher.write_text("@echo off\r\n")
    manifest.write_text(
        json.dumps(
            {
                "name": HOST,
                "description": "d",
                "path": str(launcher),
                "type": "stdio",
                "allowed_extensions": ["dlrescue@dlrescue.org"],
            }
        )
    )
    registry = FakeRegistry()
    registry.set_default(
        "HKEY_CURRENT_USER", rf"Software\Mozilla\NativeMessagingHosts\{HOST}", str(manifest)
    )
    checker = doctor.Doctor(ENV, registry, talk=False, recorded={"firefox"})
    (row,) = list(checker.rows_for(BY_KEY["firefox"]))
    assert (row.status, row.scope, row.details) == (doctor.OK, "user", [])
    assert row.where == rf"HKEY_CURRENT_USER\Software\Mozilla\NativeMessagingHosts\{HOST}"
    registry.set_default(
        "HKEY_CURRENT_USER", rf"Software\Mozilla\NativeMessagingHosts\{HOST}", r"C:\gone.json"
    )
    (row,) = list(checker.rows_for(BY_KEY["firefox"]))
    assert row.status == doctor.BROKEN and "which does not exist" in row.details[0]


@pytest.mark.skipif(sys.platform == "win32", reason="checks the seam off Windows")
def test_the_real_registry_is_only_reached_on_windows() -> None:
    """Off Windows, the seam imports fine and says in a sentence that it cannot be used."""
    with pytest.raises(RegistrationError, match="only reachable on Windows"):
        WinRegistry().set_default("HKEY_CURRENT_USER", r"Software\x", "v")

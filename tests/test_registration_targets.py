"""The (browser, OS, scope) -> location table, checked against a literal copy.

Any change to where a manifest goes must change this file too, on purpose.
"""

# ruff: noqa: E501  (the literal table keeps one location per line, however long)

from __future__ import annotations

from pathlib import Path

import pytest

from native_host.registration import targets
from native_host.registration.targets import (
    BROWSERS,
    HIVE,
    OSES,
    SCOPES,
    Env,
    UnknownBrowser,
    browser,
    places,
)

ENVS = {
    "linux": Env("linux", home="/home/u", config="/home/u/.config", tbb="/home/u/tor-browser"),
    "macos": Env("macos", home="/Users/u"),
    "windows": Env("windows", home=r"C:\Users\u"),
}
ABBREVIATED_HIVE = {"HKEY_CURRENT_USER": "HKCU", "HKEY_LOCAL_MACHINE": "HKLM"}

# fmt: off
EXPECTED: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("chrome", "linux", "user"): ("/home/u/.config/google-chrome/NativeMessagingHosts",),
    ("chrome", "linux", "system"): ("/etc/opt/chrome/native-messaging-hosts",),
    ("chrome", "macos", "user"): ("/Users/u/Library/Application Support/Google/Chrome/NativeMessagingHosts",),
    ("chrome", "macos", "system"): ("/Library/Google/Chrome/NativeMessagingHosts",),
    ("chrome", "windows", "user"): (r"HKCU\Software\Google\Chrome\NativeMessagingHosts",),
    ("chrome", "windows", "system"): (r"HKLM\Software\Google\Chrome\NativeMessagingHosts",),
    ("chrome-beta", "linux", "user"): ("/home/u/.config/google-chrome-beta/NativeMessagingHosts",),
    ("chrome-beta", "linux", "system"): ("/etc/opt/chrome/native-messaging-hosts",),
    ("chrome-beta", "macos", "user"): ("/Users/u/Library/Application Support/Google/Chrome Beta/NativeMessagingHosts",),
    ("chrome-beta", "macos", "system"): ("/Library/Google/Chrome/NativeMessagingHosts",),
    ("chrome-beta", "windows", "user"): (r"HKCU\Software\Google\Chrome\NativeMessagingHosts",),
    ("chrome-beta", "windows", "system"): (r"HKLM\Software\Google\Chrome\NativeMessagingHosts",),
    ("chrome-dev", "linux", "user"): ("/home/u/.config/google-chrome-unstable/NativeMessagingHosts",),
    ("chrome-dev", "linux", "system"): ("/etc/opt/chrome/native-messaging-hosts",),
    ("chrome-dev", "macos", "user"): ("/Users/u/Library/Application Support/Google/Chrome Dev/NativeMessagingHosts",),
    ("chrome-dev", "macos", "system"): ("/Library/Google/Chrome/NativeMessagingHosts",),
    ("chrome-dev", "windows", "user"): (r"HKCU\Software\Google\Chrome\NativeMessagingHosts",),
    ("chrome-dev", "windows", "system"): (r"HKLM\Software\Google\Chrome\NativeMessagingHosts",),
    ("chromium", "linux", "user"): ("/home/u/.config/chromium/NativeMessagingHosts",),
    ("chromium", "linux", "system"): ("/etc/chromium/native-messaging-hosts",),
    ("chromium", "macos", "user"): ("/Users/u/Library/Application Support/Chromium/NativeMessagingHosts",),
    ("chromium", "macos", "system"): ("/Library/Application Support/Chromium/NativeMessagingHosts",),
    ("chromium", "windows", "user"): (r"HKCU\Software\Chromium\NativeMessagingHosts",),
    ("chromium", "windows", "system"): (r"HKLM\Software\Chromium\NativeMessagingHosts",),
    ("edge", "linux", "user"): ("/home/u/.config/microsoft-edge/NativeMessagingHosts",),
    ("edge", "linux", "system"): ("/etc/opt/edge/native-messaging-hosts",),
    ("edge", "macos", "user"): ("/Users/u/Library/Application Support/Microsoft Edge/NativeMessagingHosts",),
    ("edge", "macos", "system"): ("/Library/Microsoft/Edge/NativeMessagingHosts",),
    ("edge", "windows", "user"): (r"HKCU\Software\Microsoft\Edge\NativeMessagingHosts",),
    ("edge", "windows", "system"): (r"HKLM\Software\Microsoft\Edge\NativeMessagingHosts",),
    ("brave", "linux", "user"): ("/home/u/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts",),
    ("brave", "linux", "system"): ("/etc/opt/chrome/native-messaging-hosts",),
    ("brave", "macos", "user"): ("/Users/u/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts", "/Users/u/Library/Application Support/Google/Chrome/NativeMessagingHosts"),
    ("brave", "macos", "system"): ("/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts", "/Library/Google/Chrome/NativeMessagingHosts"),
    ("brave", "windows", "user"): (r"HKCU\Software\Google\Chrome\NativeMessagingHosts",),
    ("brave", "windows", "system"): (r"HKLM\Software\Google\Chrome\NativeMessagingHosts",),
    ("vivaldi", "linux", "user"): ("/home/u/.config/vivaldi/NativeMessagingHosts",),
    ("vivaldi", "linux", "system"): ("/etc/opt/vivaldi/native-messaging-hosts", "/etc/chromium/native-messaging-hosts"),
    ("vivaldi", "macos", "user"): ("/Users/u/Library/Application Support/Vivaldi/NativeMessagingHosts",),
    ("vivaldi", "macos", "system"): ("/Library/Application Support/Vivaldi/NativeMessagingHosts",),
    ("vivaldi", "windows", "user"): (r"HKCU\Software\Google\Chrome\NativeMessagingHosts",),
    ("vivaldi", "windows", "system"): (r"HKLM\Software\Google\Chrome\NativeMessagingHosts",),
    ("opera", "linux", "user"): ("/home/u/.config/opera/NativeMessagingHosts",),
    ("opera", "linux", "system"): ("/etc/opera/native-messaging-hosts",),
    ("opera", "macos", "user"): ("/Users/u/Library/Application Support/com.operasoftware.Opera/NativeMessagingHosts", "/Users/u/Library/Application Support/Google/Chrome/NativeMessagingHosts"),
    ("opera", "macos", "system"): ("/Library/Google/Chrome/NativeMessagingHosts",),
    ("opera", "windows", "user"): (r"HKCU\Software\Google\Chrome\NativeMessagingHosts",),
    ("opera", "windows", "system"): (r"HKLM\Software\Google\Chrome\NativeMessagingHosts",),
    ("firefox", "linux", "user"): ("/home/u/.mozilla/native-messaging-hosts",),
    ("firefox", "linux", "system"): ("/usr/lib/mozilla/native-messaging-hosts", "/usr/lib64/mozilla/native-messaging-hosts (if /usr/lib64)"),
    ("firefox", "macos", "user"): ("/Users/u/Library/Application Support/Mozilla/NativeMessagingHosts",),
    ("firefox", "macos", "system"): ("/Library/Application Support/Mozilla/NativeMessagingHosts",),
    ("firefox", "windows", "user"): (r"HKCU\Software\Mozilla\NativeMessagingHosts",),
    ("firefox", "windows", "system"): (r"HKLM\Software\Mozilla\NativeMessagingHosts",),
    ("librewolf", "linux", "user"): ("/home/u/.librewolf/native-messaging-hosts", "/home/u/.mozilla/native-messaging-hosts"),
    ("librewolf", "linux", "system"): ("/usr/lib/librewolf/native-messaging-hosts",),
    ("librewolf", "macos", "user"): ("/Users/u/Library/Application Support/LibreWolf/NativeMessagingHosts",),
    ("librewolf", "macos", "system"): ("/Library/Application Support/LibreWolf/NativeMessagingHosts",),
    ("librewolf", "windows", "user"): (r"HKCU\Software\LibreWolf\NativeMessagingHosts", r"HKCU\Software\Mozilla\NativeMessagingHosts"),
    ("librewolf", "windows", "system"): (r"HKLM\Software\LibreWolf\NativeMessagingHosts", r"HKLM\Software\Mozilla\NativeMessagingHosts"),
    ("waterfox", "linux", "user"): ("/home/u/.waterfox/native-messaging-hosts",),
    ("waterfox", "linux", "system"): ("/usr/lib/waterfox/native-messaging-hosts",),
    ("waterfox", "macos", "user"): ("/Users/u/Library/Application Support/Mozilla/NativeMessagingHosts", "/Users/u/Library/Application Support/Waterfox/NativeMessagingHosts"),
    ("waterfox", "macos", "system"): ("/Library/Application Support/Mozilla/NativeMessagingHosts",),
    ("waterfox", "windows", "user"): (r"HKCU\Software\Mozilla\NativeMessagingHosts", r"HKCU\Software\Waterfox\NativeMessagingHosts"),
    ("waterfox", "windows", "system"): (r"HKLM\Software\Mozilla\NativeMessagingHosts", r"HKLM\Software\Waterfox\NativeMessagingHosts"),
    ("tor-browser", "linux", "user"): ("/home/u/tor-browser/Browser/TorBrowser/Data/Browser/.mozilla/native-messaging-hosts",),
    ("tor-browser", "linux", "system"): (),
    ("tor-browser", "macos", "user"): ("/Users/u/Library/Application Support/TorBrowser-Data/Browser/Mozilla/NativeMessagingHosts",),
    ("tor-browser", "macos", "system"): (),
    ("tor-browser", "windows", "user"): (r"HKCU\Software\Mozilla\NativeMessagingHosts",),
    ("tor-browser", "windows", "system"): (),
}
# fmt: on


def _rendered(key: str, os_name: targets.OS, scope: targets.Scope) -> tuple[str, ...]:
    out = []
    for place, only_if in places(key, ENVS[os_name], scope):
        text = str(place) + (f" (if {only_if})" if only_if else "")
        if os_name == "windows":
            text = f"{ABBREVIATED_HIVE[HIVE[scope]]}\\{text}"
        out.append(text)
    return tuple(out)


@pytest.mark.parametrize("key", [b.key for b in BROWSERS])
@pytest.mark.parametrize("os_name", OSES)
@pytest.mark.parametrize("scope", SCOPES)
def test_every_location_matches_the_literal_table(
    key: str, os_name: targets.OS, scope: targets.Scope
) -> None:
    """Each (browser, OS, scope) resolves to exactly the folders or registry keys listed."""
    assert _rendered(key, os_name, scope) == EXPECTED[(key, os_name, scope)]


def test_the_literal_table_covers_every_browser_os_and_scope() -> None:
    """No browser, OS or scope is missing from the expectations (nor any extra)."""
    assert set(EXPECTED) == {(b.key, o, s) for b in BROWSERS for o in OSES for s in SCOPES}


def test_every_browser_has_a_user_location_on_every_os() -> None:
    """A user can register any supported browser on any supported OS."""
    missing = [(b.key, o) for b in BROWSERS for o in OSES if not EXPECTED[(b.key, o, "user")]]
    assert missing == []


def test_xdg_config_home_moves_chromium_family_folders_on_linux() -> None:
    """On Linux `{config}` is $XDG_CONFIG_HOME, so a moved config folder moves the manifests."""
    env = Env("linux", home="/home/u", config="/xdg/conf")
    assert [str(p) for p, _ in places("chrome", env, "user")] == [
        "/xdg/conf/google-chrome/NativeMessagingHosts"
    ]
    assert [str(p) for p, _ in places("firefox", env, "user")] == [
        "/home/u/.mozilla/native-messaging-hosts"
    ]


def test_every_browser_has_a_profile_folder_and_the_chrome_family_a_load_page() -> None:
    """Detection and the next-step words have facts for every browser on every OS."""
    for b in BROWSERS:
        for o in OSES:
            assert targets.PROFILES[(b.key, o)], (b.key, o)
        assert b.extensions_page.startswith(
            ("chrome://", "edge://", "brave://", "vivaldi://", "opera://", "about:debugging")
        )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("chrome", "chrome"),
        ("Google-Chrome", "chrome"),
        ("msedge", "edge"),
        ("firefox-esr", "firefox"),
        (" tor ", "tor-browser"),
        ("chromium-browser", "chromium"),
    ],
)
def test_browser_names_and_aliases_resolve(name: str, key: str) -> None:
    """--browser accepts the key, common aliases, any case and stray spaces."""
    assert browser(name).key == key


def test_an_unknown_browser_name_lists_the_known_ones() -> None:
    """A typo gets a sentence naming every valid choice."""
    with pytest.raises(UnknownBrowser, match=r"unknown browser 'netscape': use one of chrome, "):
        browser("netscape")


def test_the_table_module_imports_no_io() -> None:
    """targets.py is pure: it imports nothing that reads the machine."""
    source = Path(targets.__file__).read_text()
    for module in ("import os", "subprocess", "winreg", "platformdirs", "import glob", "open("):
        assert module not in source

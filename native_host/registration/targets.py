"""Where each browser looks for native-messaging host manifests: facts as tables.

Pure data and pure look-ups: nothing here touches the disk, the registry or the environment.
A caller describes the machine with an `Env` (see `detect.current_env()`), and this module
answers with concrete folders (Linux, macOS) or registry keys (Windows).

Locations come from Chromium's `chrome_paths.cc` (the user folder is always
`<user data dir>/NativeMessagingHosts` on Linux and macOS), Firefox's `NativeManifests`
and `nsXREDirProvider`, the vendors' docs, and peer projects' issue threads. Where the
sources disagree (marked DISPUTED), the rule is: **write every candidate**. A manifest in a
folder the browser does not read costs nothing, a missing one breaks the extension, and the
record of what was written (`ledger.py`) lets `unregister` remove every copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Literal

OS = Literal["linux", "macos", "windows"]
Scope = Literal["user", "system"]
Family = Literal["chromium", "firefox"]

OSES: tuple[OS, ...] = ("linux", "macos", "windows")
SCOPES: tuple[Scope, ...] = ("user", "system")


@dataclass(frozen=True, slots=True)
class Browser:
    key: str
    title: str
    family: Family
    #: Where the user loads an unpacked extension in this browser.
    extensions_page: str
    aliases: tuple[str, ...] = ()


_CHROME_PAGE = "chrome://extensions"
_GECKO_PAGE = "about:debugging#/runtime/this-firefox"

BROWSERS: tuple[Browser, ...] = (
    Browser("chrome", "Google Chrome", "chromium", _CHROME_PAGE, ("google-chrome",)),
    Browser("chrome-beta", "Google Chrome Beta", "chromium", _CHROME_PAGE),
    Browser("chrome-dev", "Google Chrome Dev", "chromium", _CHROME_PAGE, ("chrome-unstable",)),
    Browser("chromium", "Chromium", "chromium", _CHROME_PAGE, ("chromium-browser",)),
    Browser("edge", "Microsoft Edge", "chromium", "edge://extensions", ("msedge",)),
    Browser("brave", "Brave", "chromium", "brave://extensions", ("brave-browser",)),
    Browser("vivaldi", "Vivaldi", "chromium", "vivaldi://extensions"),
    Browser("opera", "Opera", "chromium", "opera://extensions"),
    Browser("firefox", "Firefox", "firefox", _GECKO_PAGE, ("firefox-esr",)),
    Browser("librewolf", "LibreWolf", "firefox", _GECKO_PAGE),
    Browser("waterfox", "Waterfox", "firefox", _GECKO_PAGE),
    Browser("tor-browser", "Tor Browser", "firefox", _GECKO_PAGE, ("tor", "torbrowser")),
)

BY_KEY: dict[str, Browser] = {b.key: b for b in BROWSERS}
_BY_NAME: dict[str, Browser] = {n: b for b in BROWSERS for n in (b.key, *b.aliases)}

#: How manifests are found per OS: files in folders, or registry values naming a file.
STORE: dict[OS, Literal["folder", "registry"]] = {
    "linux": "folder",
    "macos": "folder",
    "windows": "registry",
}

#: Registry hive per scope (Windows). Chrome and Firefox read HKCU first, then HKLM, and
#: Chrome checks both the 32- and 64-bit views of HKLM, so the default view is enough.
HIVE: dict[Scope, str] = {"user": "HKEY_CURRENT_USER", "system": "HKEY_LOCAL_MACHINE"}


@dataclass(frozen=True, slots=True)
class Place:
    """A folder (or registry key) template; `only_if` names a folder that must already exist
    for this place to be used (it is never created)."""

    template: str
    only_if: str | None = None


_L = "{config}"  # $XDG_CONFIG_HOME, else ~/.config
_M = "{home}/Library/Application Support"
_NMH = "NativeMessagingHosts"
_CHROME_KEY = r"Software\Google\Chrome\NativeMessagingHosts"
_MOZILLA_KEY = r"Software\Mozilla\NativeMessagingHosts"

# (browser, os, scope) -> where the manifest goes. A missing key: that browser has no such
# location (Tor Browser has no system-wide one). Windows entries are registry keys under
# the scope's hive; their default value is the manifest's path.
LOCATIONS: dict[tuple[str, OS, Scope], tuple[Place, ...]] = {
    # --- Google Chrome: one system folder / registry key for every channel (Chrome-branded
    # builds hard-code /etc/opt/chrome and /Library/Google/Chrome); user folders follow each
    # channel's user data dir.
    ("chrome", "linux", "user"): (Place(f"{_L}/google-chrome/{_NMH}"),),
    ("chrome", "linux", "system"): (Place("/etc/opt/chrome/native-messaging-hosts"),),
    ("chrome", "macos", "user"): (Place(f"{_M}/Google/Chrome/{_NMH}"),),
    ("chrome", "macos", "system"): (Place(f"/Library/Google/Chrome/{_NMH}"),),
    ("chrome", "windows", "user"): (Place(_CHROME_KEY),),
    ("chrome", "windows", "system"): (Place(_CHROME_KEY),),
    ("chrome-beta", "linux", "user"): (Place(f"{_L}/google-chrome-beta/{_NMH}"),),
    ("chrome-beta", "linux", "system"): (Place("/etc/opt/chrome/native-messaging-hosts"),),
    ("chrome-beta", "macos", "user"): (Place(f"{_M}/Google/Chrome Beta/{_NMH}"),),
    ("chrome-beta", "macos", "system"): (Place(f"/Library/Google/Chrome/{_NMH}"),),
    ("chrome-beta", "windows", "user"): (Place(_CHROME_KEY),),
    ("chrome-beta", "windows", "system"): (Place(_CHROME_KEY),),
    ("chrome-dev", "linux", "user"): (Place(f"{_L}/google-chrome-unstable/{_NMH}"),),
    ("chrome-dev", "linux", "system"): (Place("/etc/opt/chrome/native-messaging-hosts"),),
    ("chrome-dev", "macos", "user"): (Place(f"{_M}/Google/Chrome Dev/{_NMH}"),),
    ("chrome-dev", "macos", "system"): (Place(f"/Library/Google/Chrome/{_NMH}"),),
    ("chrome-dev", "windows", "user"): (Place(_CHROME_KEY),),
    ("chrome-dev", "windows", "system"): (Place(_CHROME_KEY),),
    # --- Chromium: unbranded builds use /etc/chromium and their own registry key.
    ("chromium", "linux", "user"): (Place(f"{_L}/chromium/{_NMH}"),),
    ("chromium", "linux", "system"): (Place("/etc/chromium/native-messaging-hosts"),),
    ("chromium", "macos", "user"): (Place(f"{_M}/Chromium/{_NMH}"),),
    ("chromium", "macos", "system"): (Place(f"/Library/Application Support/Chromium/{_NMH}"),),
    ("chromium", "windows", "user"): (Place(r"Software\Chromium\NativeMessagingHosts"),),
    ("chromium", "windows", "system"): (Place(r"Software\Chromium\NativeMessagingHosts"),),
    # --- Microsoft Edge (documented by Microsoft; Edge also falls back to Chrome's key).
    ("edge", "linux", "user"): (Place(f"{_L}/microsoft-edge/{_NMH}"),),
    ("edge", "linux", "system"): (Place("/etc/opt/edge/native-messaging-hosts"),),
    ("edge", "macos", "user"): (Place(f"{_M}/Microsoft Edge/{_NMH}"),),
    ("edge", "macos", "system"): (Place(f"/Library/Microsoft/Edge/{_NMH}"),),
    ("edge", "windows", "user"): (Place(r"Software\Microsoft\Edge\NativeMessagingHosts"),),
    ("edge", "windows", "system"): (Place(r"Software\Microsoft\Edge\NativeMessagingHosts"),),
    # --- Brave. Linux system: Chrome's folder (Brave reads it). macOS: DISPUTED: its own
    # folders (Chromium's rule) or Chrome's (reported): both. Windows: Chrome's key.
    ("brave", "linux", "user"): (Place(f"{_L}/BraveSoftware/Brave-Browser/{_NMH}"),),
    ("brave", "linux", "system"): (Place("/etc/opt/chrome/native-messaging-hosts"),),
    ("brave", "macos", "user"): (
        Place(f"{_M}/BraveSoftware/Brave-Browser/{_NMH}"),
        Place(f"{_M}/Google/Chrome/{_NMH}"),
    ),
    ("brave", "macos", "system"): (
        Place(f"/Library/Application Support/BraveSoftware/Brave-Browser/{_NMH}"),
        Place(f"/Library/Google/Chrome/{_NMH}"),
    ),
    ("brave", "windows", "user"): (Place(_CHROME_KEY),),
    ("brave", "windows", "system"): (Place(_CHROME_KEY),),
    # --- Vivaldi. Linux system: DISPUTED: /etc/opt/vivaldi (reported) or the unbranded
    # default /etc/chromium: both. Windows: Chrome's key (Vivaldi has no key of its own).
    ("vivaldi", "linux", "user"): (Place(f"{_L}/vivaldi/{_NMH}"),),
    ("vivaldi", "linux", "system"): (
        Place("/etc/opt/vivaldi/native-messaging-hosts"),
        Place("/etc/chromium/native-messaging-hosts"),
    ),
    ("vivaldi", "macos", "user"): (Place(f"{_M}/Vivaldi/{_NMH}"),),
    ("vivaldi", "macos", "system"): (Place(f"/Library/Application Support/Vivaldi/{_NMH}"),),
    ("vivaldi", "windows", "user"): (Place(_CHROME_KEY),),
    ("vivaldi", "windows", "system"): (Place(_CHROME_KEY),),
    # --- Opera. Linux: reported folders only. macOS user: DISPUTED: its user data dir
    # (com.operasoftware.Opera) or Chrome's folder: both. Windows: Chrome's key.
    ("opera", "linux", "user"): (Place(f"{_L}/opera/{_NMH}"),),
    ("opera", "linux", "system"): (Place("/etc/opera/native-messaging-hosts"),),
    ("opera", "macos", "user"): (
        Place(f"{_M}/com.operasoftware.Opera/{_NMH}"),
        Place(f"{_M}/Google/Chrome/{_NMH}"),
    ),
    ("opera", "macos", "system"): (Place(f"/Library/Google/Chrome/{_NMH}"),),
    ("opera", "windows", "user"): (Place(_CHROME_KEY),),
    ("opera", "windows", "system"): (Place(_CHROME_KEY),),
    # --- Firefox. Linux system: a build reads /usr/lib/mozilla, or /usr/lib64/mozilla when
    # built on a lib64 distribution (Fedora): both, the second only where /usr/lib64 exists.
    ("firefox", "linux", "user"): (Place("{home}/.mozilla/native-messaging-hosts"),),
    ("firefox", "linux", "system"): (
        Place("/usr/lib/mozilla/native-messaging-hosts"),
        Place("/usr/lib64/mozilla/native-messaging-hosts", only_if="/usr/lib64"),
    ),
    ("firefox", "macos", "user"): (Place(f"{_M}/Mozilla/{_NMH}"),),
    ("firefox", "macos", "system"): (Place(f"/Library/Application Support/Mozilla/{_NMH}"),),
    ("firefox", "windows", "user"): (Place(_MOZILLA_KEY),),
    ("firefox", "windows", "system"): (Place(_MOZILLA_KEY),),
    # --- LibreWolf renamed Mozilla's folders (mozilla_dirs.patch); releases before that
    # read Firefox's. Linux user: DISPUTED by version: both. Windows: both keys.
    ("librewolf", "linux", "user"): (
        Place("{home}/.librewolf/native-messaging-hosts"),
        Place("{home}/.mozilla/native-messaging-hosts"),
    ),
    ("librewolf", "linux", "system"): (Place("/usr/lib/librewolf/native-messaging-hosts"),),
    ("librewolf", "macos", "user"): (Place(f"{_M}/LibreWolf/{_NMH}"),),
    ("librewolf", "macos", "system"): (Place(f"/Library/Application Support/LibreWolf/{_NMH}"),),
    ("librewolf", "windows", "user"): (
        Place(r"Software\LibreWolf\NativeMessagingHosts"),
        Place(_MOZILLA_KEY),
    ),
    ("librewolf", "windows", "system"): (
        Place(r"Software\LibreWolf\NativeMessagingHosts"),
        Place(_MOZILLA_KEY),
    ),
    # --- Waterfox. Linux: only its own folder works (reported in Waterfox's tracker, G6).
    # macOS and Windows: DISPUTED: Mozilla's (reported) or its own: both.
    ("waterfox", "linux", "user"): (Place("{home}/.waterfox/native-messaging-hosts"),),
    ("waterfox", "linux", "system"): (Place("/usr/lib/waterfox/native-messaging-hosts"),),
    ("waterfox", "macos", "user"): (
        Place(f"{_M}/Mozilla/{_NMH}"),
        Place(f"{_M}/Waterfox/{_NMH}"),
    ),
    ("waterfox", "macos", "system"): (Place(f"/Library/Application Support/Mozilla/{_NMH}"),),
    ("waterfox", "windows", "user"): (
        Place(_MOZILLA_KEY),
        Place(r"Software\Waterfox\NativeMessagingHosts"),
    ),
    ("waterfox", "windows", "system"): (
        Place(_MOZILLA_KEY),
        Place(r"Software\Waterfox\NativeMessagingHosts"),
    ),
    # --- Tor Browser is portable on Linux: its folder is inside the bundle ({tbb}, found by
    # detect.py from TOR_BUNDLES). No system-wide location anywhere.
    ("tor-browser", "linux", "user"): (
        Place("{tbb}/Browser/TorBrowser/Data/Browser/.mozilla/native-messaging-hosts"),
    ),
    ("tor-browser", "macos", "user"): (Place(f"{_M}/TorBrowser-Data/Browser/Mozilla/{_NMH}"),),
    ("tor-browser", "windows", "user"): (Place(_MOZILLA_KEY),),
}

#: Where a Tor Browser bundle is usually unpacked (globs; the first match is used).
TOR_BUNDLES: dict[OS, tuple[str, ...]] = {
    "linux": (
        "{data}/torbrowser/tbb/*/tor-browser*",  # torbrowser-launcher
        "{home}/tor-browser*",
        "{home}/Desktop/tor-browser*",
        "{home}/Downloads/tor-browser*",
    ),
    "macos": (),
    "windows": (),
}

# (browser, os) -> the browser's profile folders: any of them existing means "installed for
# this user" (register with no --browser picks those).
PROFILES: dict[tuple[str, OS], tuple[str, ...]] = {
    ("chrome", "linux"): (f"{_L}/google-chrome",),
    ("chrome", "macos"): (f"{_M}/Google/Chrome",),
    ("chrome", "windows"): (r"{localappdata}\Google\Chrome\User Data",),
    ("chrome-beta", "linux"): (f"{_L}/google-chrome-beta",),
    ("chrome-beta", "macos"): (f"{_M}/Google/Chrome Beta",),
    ("chrome-beta", "windows"): (r"{localappdata}\Google\Chrome Beta\User Data",),
    ("chrome-dev", "linux"): (f"{_L}/google-chrome-unstable",),
    ("chrome-dev", "macos"): (f"{_M}/Google/Chrome Dev",),
    ("chrome-dev", "windows"): (r"{localappdata}\Google\Chrome Dev\User Data",),
    ("chromium", "linux"): (f"{_L}/chromium",),
    ("chromium", "macos"): (f"{_M}/Chromium",),
    ("chromium", "windows"): (r"{localappdata}\Chromium\User Data",),
    ("edge", "linux"): (f"{_L}/microsoft-edge",),
    ("edge", "macos"): (f"{_M}/Microsoft Edge",),
    ("edge", "windows"): (r"{localappdata}\Microsoft\Edge\User Data",),
    ("brave", "linux"): (f"{_L}/BraveSoftware/Brave-Browser",),
    ("brave", "macos"): (f"{_M}/BraveSoftware/Brave-Browser",),
    ("brave", "windows"): (r"{localappdata}\BraveSoftware\Brave-Browser\User Data",),
    ("vivaldi", "linux"): (f"{_L}/vivaldi",),
    ("vivaldi", "macos"): (f"{_M}/Vivaldi",),
    ("vivaldi", "windows"): (r"{localappdata}\Vivaldi\User Data",),
    ("opera", "linux"): (f"{_L}/opera",),
    ("opera", "macos"): (f"{_M}/com.operasoftware.Opera",),
    ("opera", "windows"): (r"{appdata}\Opera Software\Opera Stable",),
    ("firefox", "linux"): ("{home}/.mozilla/firefox",),
    ("firefox", "macos"): (f"{_M}/Firefox",),
    ("firefox", "windows"): (r"{appdata}\Mozilla\Firefox",),
    ("librewolf", "linux"): ("{home}/.librewolf",),
    ("librewolf", "macos"): (f"{_M}/librewolf",),
    ("librewolf", "windows"): (r"{appdata}\librewolf",),
    ("waterfox", "linux"): ("{home}/.waterfox",),
    ("waterfox", "macos"): (f"{_M}/Waterfox",),
    ("waterfox", "windows"): (r"{appdata}\Waterfox",),
    ("tor-browser", "linux"): ("{tbb}/Browser/TorBrowser/Data/Browser",),
    ("tor-browser", "macos"): (f"{_M}/TorBrowser-Data",),
    ("tor-browser", "windows"): (r"{home}\Desktop\Tor Browser\Browser\TorBrowser\Data",),
}

# (browser, os) -> the program installed system-wide: any of them existing means
# "installed on this machine" (register --system with no --browser picks those).
PROGRAMS: dict[tuple[str, OS], tuple[str, ...]] = {
    ("chrome", "linux"): ("/opt/google/chrome/chrome",),
    ("chrome", "macos"): ("/Applications/Google Chrome.app",),
    ("chrome", "windows"): (r"{programfiles}\Google\Chrome\Application\chrome.exe",),
    ("chrome-beta", "linux"): ("/opt/google/chrome-beta/chrome",),
    ("chrome-beta", "macos"): ("/Applications/Google Chrome Beta.app",),
    ("chrome-beta", "windows"): (r"{programfiles}\Google\Chrome Beta\Application\chrome.exe",),
    ("chrome-dev", "linux"): ("/opt/google/chrome-unstable/chrome",),
    ("chrome-dev", "macos"): ("/Applications/Google Chrome Dev.app",),
    ("chrome-dev", "windows"): (r"{programfiles}\Google\Chrome Dev\Application\chrome.exe",),
    ("chromium", "linux"): (
        "/usr/lib/chromium/chromium",
        "/usr/lib/chromium-browser/chromium-browser",
        "/usr/lib64/chromium-browser/chromium-browser",
    ),
    ("chromium", "macos"): ("/Applications/Chromium.app",),
    ("chromium", "windows"): (r"{programfiles}\Chromium\Application\chrome.exe",),
    ("edge", "linux"): ("/opt/microsoft/msedge/msedge",),
    ("edge", "macos"): ("/Applications/Microsoft Edge.app",),
    ("edge", "windows"): (r"{programfiles}\Microsoft\Edge\Application\msedge.exe",),
    ("brave", "linux"): ("/opt/brave.com/brave/brave",),
    ("brave", "macos"): ("/Applications/Brave Browser.app",),
    ("brave", "windows"): (r"{programfiles}\BraveSoftware\Brave-Browser\Application\brave.exe",),
    ("vivaldi", "linux"): ("/opt/vivaldi/vivaldi",),
    ("vivaldi", "macos"): ("/Applications/Vivaldi.app",),
    ("vivaldi", "windows"): (r"{programfiles}\Vivaldi\Application\vivaldi.exe",),
    ("opera", "linux"): ("/usr/lib/x86_64-linux-gnu/opera/opera", "/usr/lib64/opera/opera"),
    ("opera", "macos"): ("/Applications/Opera.app",),
    ("opera", "windows"): (r"{programfiles}\Opera\opera.exe",),
    ("firefox", "linux"): (
        "/usr/lib/firefox/firefox",
        "/usr/lib/firefox-esr/firefox-esr",
        "/usr/lib64/firefox/firefox",
        "/opt/firefox/firefox",
    ),
    ("firefox", "macos"): ("/Applications/Firefox.app",),
    ("firefox", "windows"): (r"{programfiles}\Mozilla Firefox\firefox.exe",),
    ("librewolf", "linux"): ("/usr/lib/librewolf/librewolf", "/usr/share/librewolf/librewolf"),
    ("librewolf", "macos"): ("/Applications/LibreWolf.app",),
    ("librewolf", "windows"): (r"{programfiles}\LibreWolf\librewolf.exe",),
    ("waterfox", "linux"): ("/usr/lib/waterfox/waterfox", "/opt/waterfox/waterfox"),
    ("waterfox", "macos"): ("/Applications/Waterfox.app",),
    ("waterfox", "windows"): (r"{programfiles}\Waterfox\waterfox.exe",),
}


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A packaging of a browser that confines it (Linux Flatpak or Snap)."""

    browser: str
    kind: Literal["flatpak", "snap"]
    app_id: str
    #: True: the sandboxed browser cannot start a host outside it; dlrescue won't work there.
    blocks: bool
    note: str


_FLATPAK_NOTE = (
    "Flatpak browsers start native hosts inside their sandbox, where dlrescue's Python is "
    "not; dlrescue will not open the sandbox: install the browser from your distribution or "
    "the vendor's package to use dlrescue"
)
_SNAP_NOTE = (
    "Snap browsers start native hosts inside their confinement, where dlrescue's Python is "
    "not; install the browser from your distribution or the vendor's package to use dlrescue"
)
_SNAP_FIREFOX_NOTE = (
    "Firefox from Snap starts native hosts through the desktop's WebExtensions portal "
    "(xdg-desktop-portal 1.18 or later), which reads ~/.mozilla/native-messaging-hosts: "
    "approve dlrescue when Firefox asks"
)

#: Where each sandboxed packaging keeps its data under the home folder (Linux).
SANDBOX_DIRS: dict[Literal["flatpak", "snap"], str] = {
    "flatpak": "{home}/.var/app/{app_id}",
    "snap": "{home}/snap/{app_id}",
}

SANDBOXES: tuple[Sandbox, ...] = (
    Sandbox("chrome", "flatpak", "com.google.Chrome", True, _FLATPAK_NOTE),
    Sandbox("chrome-dev", "flatpak", "com.google.ChromeDev", True, _FLATPAK_NOTE),
    Sandbox("chromium", "flatpak", "org.chromium.Chromium", True, _FLATPAK_NOTE),
    Sandbox("chromium", "snap", "chromium", True, _SNAP_NOTE),
    Sandbox("edge", "flatpak", "com.microsoft.Edge", True, _FLATPAK_NOTE),
    Sandbox("brave", "flatpak", "com.brave.Browser", True, _FLATPAK_NOTE),
    Sandbox("brave", "snap", "brave", True, _SNAP_NOTE),
    Sandbox("vivaldi", "flatpak", "com.vivaldi.Vivaldi", True, _FLATPAK_NOTE),
    Sandbox("opera", "flatpak", "com.opera.Opera", True, _FLATPAK_NOTE),
    Sandbox("opera", "snap", "opera", True, _SNAP_NOTE),
    Sandbox("firefox", "flatpak", "org.mozilla.firefox", True, _FLATPAK_NOTE),
    Sandbox("firefox", "snap", "firefox", False, _SNAP_FIREFOX_NOTE),
    Sandbox("librewolf", "flatpak", "io.gitlab.librewolf-community", True, _FLATPAK_NOTE),
    Sandbox("waterfox", "flatpak", "net.waterfox.waterfox", True, _FLATPAK_NOTE),
    Sandbox("tor-browser", "flatpak", "org.torproject.torbrowser-launcher", True, _FLATPAK_NOTE),
)

# dlrescue's own folder for a system-wide install: the launcher, the Windows manifests and
# the ledger. Root-owned and readable by every user. (User scope: paths.data_dir().)
SYSTEM_OWN_DIR: dict[OS, str] = {
    "linux": "/usr/local/lib/dlrescue",
    "macos": "/Library/Application Support/dlrescue",
    "windows": r"{programdata}\dlrescue",
}

#: The launcher's file name per OS (a POSIX shell script, or a batch file on Windows).
LAUNCHER_NAME: dict[OS, str] = {
    "linux": "dlrescue-host",
    "macos": "dlrescue-host",
    "windows": "dlrescue-host.bat",
}

#: How to load the unpacked extension, per family; {page} is the browser's extensions page.
LOAD_STEPS: dict[Family, str] = {
    "chromium": ("open {page}, turn on Developer mode, click 'Load unpacked' and choose {folder}"),
    "firefox": (
        "open {page}, click 'Load Temporary Add-on…' and choose {folder}/manifest.json "
        "(temporary until the browser restarts; a permanent install needs a signed add-on, "
        "or xpinstall.signatures.required=false in ESR, Developer Edition, Nightly or "
        "LibreWolf)"
    ),
}


@dataclass(frozen=True, slots=True)
class Env:
    """The facts about one machine and user that the templates need."""

    os: OS
    home: str
    config: str = ""  # Linux: $XDG_CONFIG_HOME or ~/.config
    data: str = ""  # Linux: $XDG_DATA_HOME or ~/.local/share
    appdata: str = ""  # Windows: %APPDATA%
    localappdata: str = ""  # Windows: %LOCALAPPDATA%
    programdata: str = ""  # Windows: %ProgramData%
    programfiles: str = ""  # Windows: %ProgramFiles%
    tbb: str = ""  # Linux: the Tor Browser bundle found, if any
    own_user: str = ""  # dlrescue's user data folder (paths.data_dir())
    extensions_file: str = ""  # the host's list of extra ids (paths.extensions_path())

    def path(self, template: str) -> PurePath:
        """Fill a template with this machine's folders, as a path of this OS."""
        text = template.format(
            home=self.home,
            config=self.config,
            data=self.data,
            appdata=self.appdata,
            localappdata=self.localappdata,
            programdata=self.programdata,
            programfiles=self.programfiles,
            tbb=self.tbb,
        )
        return pure_path(self.os, text)


def pure_path(os_name: OS, text: str) -> PurePath:
    return PureWindowsPath(text) if os_name == "windows" else PurePosixPath(text)


class UnknownBrowser(ValueError):
    """A --browser name that is not in the table."""


def browser(name: str) -> Browser:
    """The browser for a user-typed name (key or alias, any case)."""
    found = _BY_NAME.get(name.strip().lower())
    if found is None:
        known = ", ".join(b.key for b in BROWSERS)
        raise UnknownBrowser(f"unknown browser {name!r}: use one of {known}")
    return found


def places(key: str, env: Env, scope: Scope) -> tuple[tuple[PurePath, str | None], ...]:
    """The folders (or registry keys) for one browser: (place, only_if) pairs; empty when
    the browser has no location of this scope on this OS."""
    return tuple((env.path(p.template), p.only_if) for p in LOCATIONS.get((key, env.os, scope), ()))


def own_dir(env: Env, scope: Scope) -> PurePath:
    """dlrescue's own folder for this scope: the launcher, Windows manifests, the ledger."""
    if scope == "user":
        return pure_path(env.os, env.own_user)
    return env.path(SYSTEM_OWN_DIR[env.os])


def needs_tbb(key: str, os_name: OS) -> bool:
    """Does this browser's location depend on where its bundle was unpacked?"""
    return any("{tbb}" in p.template for s in SCOPES for p in LOCATIONS.get((key, os_name, s), ()))

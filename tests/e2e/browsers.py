"""Launch real browsers with the extension loaded, in throwaway homes, and drive them.

- Chromium: `/usr/lib/chromium/chromium --headless=new` (headed on an X display when asked)
  with a fresh `--user-data-dir` whose `Default/Preferences` is seeded (download folder, no
  prompt, automatic downloads allowed, safe browsing off), the extension loaded unpacked
  (`--load-extension`), and the DevTools protocol on an ephemeral loopback port (read from
  `DevToolsActivePort`).
- Firefox ESR: `firefox-esr --headless --no-remote --profile P` where P holds the unsigned
  XPI in `extensions/<gecko id>.xpi` and a `user.js` (signatures off, scopes on, download
  folder, a fixed moz-extension UUID so the extension's pages have a known URL); WebDriver
  BiDi on an ephemeral loopback port (read from `WebDriverBiDiServer.json`).

Each browser runs in its own session (process group) with its own HOME, TMPDIR and XDG_*
directories, so the native host it launches reads and writes only the test's folders.
Both expose the same small driver: open a page, evaluate JavaScript in an extension page
(where the `downloads` API lives), list downloads, take a screenshot, crash, restart.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .wsrpc import RpcError, WsRpc

CHROMIUM_BINARIES = ("/usr/lib/chromium/chromium",)  # not /usr/bin: its wrapper adds flags
FIREFOX_BINARIES = ("firefox-esr",)

CHROME_EXTENSION_ID = "gjccldfdjgdpkjgmhcahflepmbmohjjc"
GECKO_ID = "dlrescue@dlrescue.org"
FIREFOX_EXTENSION_UUID = "0d1e5c0e-0000-4000-8000-00000000e2e0"


def chrome_extension_id(extension_dir: Path) -> str:
    """The id Chromium gives an unpacked extension: from the manifest's `key` if it has one
    (first 128 bits of SHA-256 of the DER key), else from its absolute path; hex as a-p."""
    manifest = json.loads((extension_dir / "manifest.json").read_text())
    if manifest.get("key"):
        digest = hashlib.sha256(base64.b64decode(manifest["key"])).hexdigest()
    else:
        digest = hashlib.sha256(str(extension_dir.resolve()).encode()).hexdigest()
    return "".join(chr(ord("a") + int(c, 16)) for c in digest[:32])


def find_chromium() -> str | None:
    for b in CHROMIUM_BINARIES:
        if os.access(b, os.X_OK):
            return b
    return shutil.which("chromium")


def find_firefox() -> str | None:
    for b in FIREFOX_BINARIES:
        found = shutil.which(b)
        if found:
            return found
    return None


#: The height of a page's content in CSS pixels (not the viewport's, which scrollHeight
#: never goes below).
PAGE_HEIGHT_JS = "Math.ceil(document.body.getBoundingClientRect().bottom)"


#: How long the browser may take, on a two-core CI machine busy with the rest of the suite,
#: to start (START_WAIT), or to open a tab, load a page or answer in one (LOAD_WAIT). Waits
#: on a condition: they return as soon as it holds, so a generous bound costs nothing when
#: all is well. Not for what a test measures (delays, bounds on time).
START_WAIT = 60
LOAD_WAIT = 30


def wait_for(what: str, probe: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while True:
        try:
            value = probe()
            if value:
                return value
        except Exception as e:
            last_exc = e
        if time.monotonic() > deadline:
            detail = f" (last error: {last_exc})" if last_exc else ""
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}{detail}")
        time.sleep(interval)


@dataclass
class Home:
    """The throwaway folders one browser (and the host it launches) lives in."""

    root: Path

    def __post_init__(self) -> None:
        for d in (
            self.home,
            self.tmp,
            self.config,
            self.data,
            self.state,
            self.cache,
            self.downloads,
            self.profile,
        ):
            d.mkdir(parents=True, exist_ok=True)

    home = property(lambda self: self.root / "home")
    tmp = property(lambda self: self.root / "tmp")
    config = property(lambda self: self.root / "xdg-config")
    data = property(lambda self: self.root / "xdg-data")
    state = property(lambda self: self.root / "xdg-state")
    cache = property(lambda self: self.root / "xdg-cache")
    downloads = property(lambda self: self.root / "downloads")
    profile = property(lambda self: self.root / "profile")

    @property
    def host_log(self) -> Path:
        return self.state / "dlrescue" / "log" / "host.log"

    def environ(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            in (
                "PATH",
                "LANG",
                "LC_ALL",
                "PYENV_ROOT",
                "PYENV_VERSION",
                "VIRTUAL_ENV",
                "PYTHONPATH",
            )
        }
        env.update(
            HOME=str(self.home),
            TMPDIR=str(self.tmp),
            XDG_CONFIG_HOME=str(self.config),
            XDG_DATA_HOME=str(self.data),
            XDG_STATE_HOME=str(self.state),
            XDG_CACHE_HOME=str(self.cache),
            XDG_RUNTIME_DIR=str(self.tmp),
        )
        env.setdefault("LANG", "C.UTF-8")
        return env


#: A headed browser's locale, whatever the machine's: its GTK dialogs ("Save File") in English.
HEADED_LOCALE = {"LANG": "C.UTF-8", "LANGUAGE": "en"}


class Browser:
    """What the scenarios need from a browser; subclasses speak CDP or BiDi.

    `lang` ("fr", ...): the language the browser shows, so the extension's messages are in it
    (None: the machine's, English here). `display` (":5", set before `start`): run headed on
    that X display (desktop.py's Xvfb), for what only a person can answer; None: headless."""

    name: str
    browser_field: str  # what the extension reports as `browser` (for history filters)

    def __init__(
        self, binary: str, home: Home, extension_dir: Path, lang: str | None = None
    ) -> None:
        self.binary = binary
        self.home = home
        self.extension_dir = extension_dir
        self.lang = lang
        self.proc: subprocess.Popen[bytes] | None = None
        self.rpc: WsRpc | None = None
        self.launches = 0
        self.display: str | None = None
        self.log_path = home.root / f"{self.__class__.__name__.lower()}-stderr.log"

    # -- life cycle --------------------------------------------------------------------

    def prepare(self) -> None:
        """Write the profile (once, before the first launch)."""

    def command(self) -> list[str]:
        raise NotImplementedError

    def _connect(self) -> WsRpc:
        raise NotImplementedError

    def start(self) -> None:
        if self.launches == 0:
            self.prepare()
        self.launches += 1
        log = self.log_path.open("ab")
        log.write(f"\n==== launch {self.launches} ====\n".encode())
        log.flush()
        env = self.home.environ()
        if self.display:  # desktop.py finds GTK's dialogs by their English titles
            env = {k: v for k, v in env.items() if k != "LC_ALL"} | HEADED_LOCALE
            env["DISPLAY"] = self.display
        if self.lang:
            env["LANGUAGE"] = self.lang
        self.proc = subprocess.Popen(
            self.command(),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=self.home.root,
        )
        log.close()
        try:
            self.rpc = self._connect()
            self.after_connect()
        except Exception:
            self.kill()
            raise

    def after_connect(self) -> None:
        pass

    def kill(self) -> None:
        """SIGKILL the browser's whole process group (a crash, or the teardown)."""
        if self.rpc is not None:
            self.rpc.close()
            self.rpc = None
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self.proc = None
        # Hosts the browser launched are in its process group too; give the kernel a moment.
        time.sleep(0.2)

    def restart(self) -> None:
        self.kill()
        self.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self, n: int = 40) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    # -- driving -----------------------------------------------------------------------

    def open(self, url: str) -> str:
        """Open `url` in a new tab; return a handle for `eval_in` and `screenshot`."""
        raise NotImplementedError

    def close_tab(self, handle: str) -> None:
        raise NotImplementedError

    def eval_in(self, handle: str, expression: str, timeout: float = 20.0) -> Any:
        """Evaluate an expression (promises awaited) in a tab; return its JSON value."""
        raise NotImplementedError

    def screenshot(self, handle: str, path: Path, width: int = 800, height: int = 600) -> Path:
        """A PNG of the tab at `width` CSS pixels; the whole page when `height` is 0."""
        raise NotImplementedError

    def extension_url(self, page: str) -> str:
        raise NotImplementedError

    def color_scheme(self, handle: str, scheme: str) -> None:
        """Make the tab's pages see `prefers-color-scheme: <scheme>` ("light" or "dark")."""
        raise NotImplementedError

    def api(self) -> str:
        """The name of the extension API namespace in this browser."""
        return "chrome"

    _ext_tab: str | None = None

    def ext_eval(self, expression: str, timeout: float = 20.0) -> Any:
        """Evaluate in an extension page of dlrescue (the `downloads` API is there)."""
        if self._ext_tab is None:
            self._ext_tab = self.open(self.extension_url(self.blank_extension_page()))
            wait_for(
                "an extension page with the downloads API",
                lambda: self.eval_in(self._ext_tab, f"!!({self.api()}.downloads)"),  # type: ignore[arg-type]
                LOAD_WAIT,
            )
        return self.eval_in(self._ext_tab, expression, timeout)

    def blank_extension_page(self) -> str:
        """An extension page to evaluate in: the manifest's popup."""
        manifest = json.loads((self.extension_dir / "manifest.json").read_text())
        popup = (manifest.get("action") or {}).get("default_popup")
        return str(popup or "manifest.json")

    def downloads(self) -> list[dict[str, Any]]:
        """Every download the browser knows, as `downloads.search({})` returns them."""
        return list(self.ext_eval(f"{self.api()}.downloads.search({{}})"))

    def download_by_url(self, url: str) -> list[dict[str, Any]]:
        return [d for d in self.downloads() if url in (d.get("url"), d.get("finalUrl"))]

    def start_download(self, *urls: str, page: str) -> None:
        """Request `urls` as downloads by opening `page` (a page that clicks them)."""
        handle = self.open(page)
        wait_for(
            "the click page",
            lambda: self.eval_in(handle, "document.title") == "clicked",
            LOAD_WAIT,
        )

    def reset_tabs(self) -> None:
        self._ext_tab = None


class Chromium(Browser):
    name = "chromium"
    browser_field = "chrome"

    @property
    def user_data_dir(self) -> Path:
        return self.home.profile

    def prepare(self) -> None:
        default = self.user_data_dir / "Default"
        default.mkdir(parents=True, exist_ok=True)
        prefs = {
            "download": {
                "default_directory": str(self.home.downloads),
                "prompt_for_download": False,
                "directory_upgrade": True,
            },
            "safebrowsing": {"enabled": False},
            "profile": {"default_content_setting_values": {"automatic_downloads": 1}},
            "browser": {"has_seen_welcome_page": True},
        }
        (default / "Preferences").write_text(json.dumps(prefs))
        (self.user_data_dir / "First Run").write_text("")

    def command(self) -> list[str]:
        ext = str(self.extension_dir)
        port_file = self.user_data_dir / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)
        return [
            self.binary,
            *([] if self.display else ["--headless=new"]),
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={self.user_data_dir}",
            f"--load-extension={ext}",
            f"--disable-extensions-except={ext}",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--password-store=basic",
            "--use-mock-keychain",
            "--disable-features=DownloadBubble,DownloadBubbleV2,MediaRouter,"
            "OptimizationHints,Translate",
            "--window-size=900,700",
            *([f"--lang={self.lang}"] if self.lang else []),
            "about:blank",
        ]

    def _connect(self) -> WsRpc:
        port_file = self.user_data_dir / "DevToolsActivePort"

        def read() -> tuple[str, str] | None:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited: {self.stderr_tail()}")
            lines = port_file.read_text().split("\n")
            return (lines[0], lines[1]) if len(lines) >= 2 and lines[1] else None

        port, path = wait_for("chromium's DevToolsActivePort", read, START_WAIT)
        return WsRpc(f"ws://127.0.0.1:{port}{path}")

    def after_connect(self) -> None:
        self._sessions: dict[str, str] = {}
        self.reset_tabs()

    def extension_url(self, page: str) -> str:
        return f"chrome-extension://{chrome_extension_id(self.extension_dir)}/{page}"

    def open(self, url: str) -> str:
        assert self.rpc is not None
        target = self.rpc.call("Target.createTarget", {"url": url})["targetId"]
        sid = self.rpc.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self._sessions[target] = sid
        return str(target)

    def close_tab(self, handle: str) -> None:
        assert self.rpc is not None
        self.rpc.call("Target.closeTarget", {"targetId": handle})
        self._sessions.pop(handle, None)
        if handle == self._ext_tab:
            self._ext_tab = None

    def eval_in(self, handle: str, expression: str, timeout: float = 20.0) -> Any:
        assert self.rpc is not None
        res = self.rpc.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
            sessionId=self._sessions[handle],
        )
        if "exceptionDetails" in res:
            raise RpcError(f"{expression!r} threw: {json.dumps(res['exceptionDetails'])[:800]}")
        return res["result"].get("value")

    def screenshot(self, handle: str, path: Path, width: int = 800, height: int = 600) -> Path:
        assert self.rpc is not None
        sid = self._sessions[handle]
        for _ in range(2 if height == 0 else 1):  # the page's height at this width, then it
            self.rpc.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height or 600, "deviceScaleFactor": 1, "mobile": False},
                sessionId=sid,
            )
            if height == 0:
                height = int(self.eval_in(handle, PAGE_HEIGHT_JS))
        data = self.rpc.call("Page.captureScreenshot", {"format": "png"}, sessionId=sid)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def color_scheme(self, handle: str, scheme: str) -> None:
        assert self.rpc is not None
        self.rpc.call(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
            sessionId=self._sessions[handle],
        )

    def stop_service_workers(self) -> None:
        """Stop the extension's service worker at once, as Chromium was seen doing silently
        when several downloads failed together (DevTools' ServiceWorker.stopAllWorkers, sent
        from an extension page: it is not attached to the worker, so it does not keep it
        alive)."""
        assert self.rpc is not None
        self.ext_eval("1")
        sid = self._sessions[self._ext_tab]  # type: ignore[index]
        self.rpc.call("ServiceWorker.enable", sessionId=sid)
        self.rpc.call("ServiceWorker.stopAllWorkers", sessionId=sid)

    def service_workers(self) -> list[dict[str, Any]]:
        assert self.rpc is not None
        infos = self.rpc.call("Target.getTargets")["targetInfos"]
        return [t for t in infos if t["type"] == "service_worker"]


FIREFOX_PREFS: dict[str, Any] = {
    "xpinstall.signatures.required": False,
    "extensions.autoDisableScopes": 0,
    "extensions.enabledScopes": 15,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.aboutwelcome.enabled": False,
    "startup.homepage_welcome_url": "about:blank",
    "app.update.enabled": False,
    "app.update.auto": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.downloads.remote.enabled": False,
    "browser.download.folderList": 2,
    "browser.download.useDownloadDir": True,
    "browser.download.always_ask_before_handling_new_types": False,
    "browser.download.start_downloads_in_tmp_dir": False,
    "browser.download.alwaysOpenPanel": False,
    "browser.download.panel.shown": True,
    "browser.download.manager.addToRecentDocs": False,
    "browser.helperApps.deleteTempFileOnExit": False,
    "network.http.max-persistent-connections-per-server": 32,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.proxy.type": 0,
    "services.settings.server": "http://127.0.0.1:9/",
    "browser.newtabpage.enabled": False,
    "browser.tabs.warnOnClose": False,
    "browser.sessionstore.resume_from_crash": False,
    "toolkit.startup.max_resumed_crashes": -1,
    "remote.prefs.recommended": True,
    "dom.disable_open_during_load": False,
}


#: Headless Firefox has no system alerts service: an extension's notification is closed at
#: once, so `notifications.getAll()` would show nothing. This swaps in (at the OS seam, from
#: the privileged chrome context) an alerts service that records each alert and keeps it
#: shown, as a desktop would until the user dismisses it.
RECORDING_ALERTS_JS = """(() => {
    if (globalThis.__dlrescueAlerts) return true;
    const shown = [];
    globalThis.__dlrescueAlerts = shown;
    const service = {
        QueryInterface: ChromeUtils.generateQI(["nsIAlertsService"]),
        showAlert(alert, listener) {
            shown.push({name: alert.name, title: alert.title, text: alert.text});
            try { if (listener) listener.observe(null, "alertshow", alert.cookie); } catch (e) {}
        },
        closeAlert(name) {},
    };
    const factory = {
        QueryInterface: ChromeUtils.generateQI(["nsIFactory"]),
        createInstance(iid) { return service.QueryInterface(iid); },
    };
    Components.manager.QueryInterface(Ci.nsIComponentRegistrar).registerFactory(
        Components.ID("{6a3f1c2e-9d4b-4e8a-b1c7-0e2e0d1e5c0e}"), "dlrescue e2e alerts",
        "@mozilla.org/alerts-service;1", factory);
    return true;
})()"""


class Firefox(Browser):
    name = "firefox"
    browser_field = "firefox"
    #: An .xpi to install instead of zipping extension_dir (which then holds its unzipped
    #: copy, read for the manifest).
    package: Path | None = None

    def prepare(self) -> None:
        prefs = dict(FIREFOX_PREFS)
        prefs["browser.download.dir"] = str(self.home.downloads)
        if self.lang:
            # Firefox shows a language only with its langpack (Debian: firefox-esr-l10n-fr)
            prefs["intl.locale.requested"] = self.lang
        prefs["extensions.webextensions.uuids"] = json.dumps(
            {self.gecko_id(): FIREFOX_EXTENSION_UUID}
        )
        lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
        (self.home.profile / "user.js").write_text("\n".join(lines) + "\n")
        ext_dir = self.home.profile / "extensions"
        ext_dir.mkdir(exist_ok=True)
        gecko_id = self.gecko_id()
        if self.package is not None:  # a built store package, installed as it is
            shutil.copyfile(self.package, ext_dir / f"{gecko_id}.xpi")
        else:
            write_xpi(self.extension_dir, ext_dir / f"{gecko_id}.xpi")

    def gecko_id(self) -> str:
        manifest = json.loads((self.extension_dir / "manifest.json").read_text())
        bss = manifest.get("browser_specific_settings") or manifest.get("applications") or {}
        return str(bss.get("gecko", {}).get("id", GECKO_ID))

    def command(self) -> list[str]:
        (self.home.profile / "WebDriverBiDiServer.json").unlink(missing_ok=True)
        return [
            self.binary,
            "--headless",
            "--no-remote",
            "--profile",
            str(self.home.profile),
            "--remote-debugging-port",
            "0",
            "--remote-allow-system-access",
            "--window-size",
            "900,700",
        ]

    def _connect(self) -> WsRpc:
        info = self.home.profile / "WebDriverBiDiServer.json"

        def read() -> int | None:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"firefox exited: {self.stderr_tail()}")
            return int(json.loads(info.read_text())["ws_port"])

        port = wait_for("firefox's WebDriverBiDiServer.json", read, START_WAIT)
        rpc = WsRpc(f"ws://127.0.0.1:{port}/session")
        rpc.call("session.new", {"capabilities": {}})
        return rpc

    def after_connect(self) -> None:
        self.reset_tabs()
        self.eval_in(self.chrome_context(), RECORDING_ALERTS_JS)

    def api(self) -> str:
        return "browser"

    def extension_url(self, page: str) -> str:
        return f"moz-extension://{FIREFOX_EXTENSION_UUID}/{page}"

    def chrome_context(self) -> str:
        """The browser window's privileged (chrome) context: WebDriver BiDi refuses to
        navigate a tab to a moz-extension: URL, so extension pages are opened from here."""
        assert self.rpc is not None
        tree = self.rpc.call("browsingContext.getTree", {"moz:scope": "chrome"})
        return str(tree["contexts"][0]["context"])

    def _content_contexts(self) -> dict[str, str]:
        assert self.rpc is not None
        tree = self.rpc.call("browsingContext.getTree", {})
        return {c["context"]: c["url"] for c in tree["contexts"]}

    def open(self, url: str) -> str:
        assert self.rpc is not None
        if url.startswith("moz-extension:"):
            before = self._content_contexts()
            self.eval_in(
                self.chrome_context(),
                f"(() => {{ gBrowser.selectedTab = gBrowser.addTab({json.dumps(url)}, "
                "{triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal()});"
                " return true; })()",
            )

            def new_tab() -> str | None:
                for ctx, u in self._content_contexts().items():
                    if ctx not in before and u == url:
                        return ctx
                return None

            ctx = wait_for(f"a tab showing {url}", new_tab, LOAD_WAIT)
            wait_for(
                f"{url} to load",
                lambda: self.eval_in(ctx, "document.readyState") == "complete",
                LOAD_WAIT,
            )
            return str(ctx)
        ctx = self.rpc.call("browsingContext.create", {"type": "tab"})["context"]
        try:
            self.rpc.call(
                "browsingContext.navigate",
                {"context": ctx, "url": url, "wait": "complete"},
                timeout=LOAD_WAIT,
            )
        except RpcError as e:
            # A page whose links start downloads may report an aborted navigation.
            if "abort" not in str(e).lower():
                raise
        return str(ctx)

    def color_scheme(self, handle: str, scheme: str) -> None:
        # every content page of the browser: 0 dark, 1 light (BiDi has no per-tab setting)
        value = {"dark": 0, "light": 1}[scheme]
        prefs = ("layout.css.prefers-color-scheme.content-override", "browser.theme.content-theme")
        sets = " ".join(f"Services.prefs.setIntPref({json.dumps(p)}, {value});" for p in prefs)
        self.eval_in(self.chrome_context(), f"(() => {{ {sets} return true; }})()")

    def browser_downloads(self) -> list[dict[str, Any]]:
        """Firefox's own download list (Downloads.sys.mjs), independent of the extension."""
        return list(
            self.eval_in(
                self.chrome_context(),
                """(async () => {
            const {Downloads} = ChromeUtils.importESModule(
                'resource://gre/modules/Downloads.sys.mjs');
            const list = await Downloads.getList(Downloads.ALL);
            return (await list.getAll()).map(d => ({
                url: d.source.url, target: d.target.path, succeeded: d.succeeded,
                stopped: d.stopped, canceled: d.canceled, hasPartialData: d.hasPartialData,
                error: d.error ? String(d.error.message || d.error) : null,
                currentBytes: d.currentBytes, totalBytes: d.totalBytes}));
        })()""",
            )
        )

    def close_tab(self, handle: str) -> None:
        assert self.rpc is not None
        self.rpc.call("browsingContext.close", {"context": handle})
        if handle == self._ext_tab:
            self._ext_tab = None

    def eval_in(self, handle: str, expression: str, timeout: float = 20.0) -> Any:
        assert self.rpc is not None
        wrapped = f"(async () => JSON.stringify(await ({expression})))()"
        res = self.rpc.call(
            "script.evaluate",
            {
                "expression": wrapped,
                "target": {"context": handle},
                "awaitPromise": True,
                "resultOwnership": "none",
            },
            timeout=timeout,
        )
        if res.get("type") == "exception":
            raise RpcError(f"{expression!r} threw: {json.dumps(res)[:800]}")
        value = res["result"].get("value")
        return None if value is None else json.loads(value)

    def screenshot(self, handle: str, path: Path, width: int = 800, height: int = 600) -> Path:
        assert self.rpc is not None
        for _ in range(2 if height == 0 else 1):  # the page's height at this width, then it
            self.rpc.call(
                "browsingContext.setViewport",
                {"context": handle, "viewport": {"width": width, "height": height or 600}},
            )
            if height == 0:
                height = int(self.eval_in(handle, PAGE_HEIGHT_JS))
        data = self.rpc.call("browsingContext.captureScreenshot", {"context": handle})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


def write_xpi(src: Path, dest: Path) -> None:
    """Zip an extension folder into an (unsigned) XPI, manifest.json at the root."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(src.rglob("*")):
            rel = f.relative_to(src)
            if (
                f.is_file()
                and not any(p.startswith(".") for p in rel.parts)
                and "node_modules" not in rel.parts
            ):
                z.write(f, rel.as_posix())

"""The real-browser rig: one browser with the extension, its throwaway home, the registered
host, and helpers that read what every scenario asserts (history, download state, bytes on
disk). The fixtures that make rigs are in conftest.py; bench/rescue.py uses the rig too.

Where a browser or the extension is missing, a rig is not made: the test skips with the
reason, and with CI=true fails instead, so CI never passes without having driven a browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import product
from .browsers import Browser, Chromium, Firefox, Home, find_chromium, find_firefox, wait_for
from .server import MisbehavingServer

IN_CI = os.environ.get("CI", "").lower() == "true"
EXTENSION_DIR = product.REPO / "extension"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
#: The popup's width in CSS pixels (extension/popup.css): its screenshots are taken at it.
POPUP_WIDTH = 380

BROWSERS = ("chromium", "firefox")


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where a skip would hide a hole."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def binary_for(name: str) -> str:
    found = find_chromium() if name == "chromium" else find_firefox()
    if found is None:
        package = "chromium" if name == "chromium" else "firefox-esr"
        unavailable(f"{name} is not installed (apt-get install {package})")
    assert found is not None
    return found


def require_extension() -> Path:
    manifest = EXTENSION_DIR / "manifest.json"
    if not manifest.exists():
        unavailable(f"the extension is not built: {manifest} does not exist")
    return EXTENSION_DIR


class Rig:
    """One browser with the extension, its home, the host registration, and helpers that
    read the three things every scenario asserts: history, download state, bytes on disk."""

    def __init__(self, browser: Browser, server: MisbehavingServer) -> None:
        self.browser = browser
        self.home = browser.home
        self.server = server
        self.name = browser.name

    # -- set-up ------------------------------------------------------------------------

    def register(self) -> str:
        if isinstance(self.browser, Chromium):
            return product.register(self.home, "chromium", self.browser.user_data_dir)
        return product.register(self.home, "firefox")

    def manifest(self) -> Path:
        udd = self.browser.user_data_dir if isinstance(self.browser, Chromium) else None
        return product.manifest_path(self.home, self.name, udd)

    # -- driving -----------------------------------------------------------------------

    def path(self, name: str) -> str:
        """A server path of this browser's own (the server is shared by both browsers)."""
        return f"/{self.name}/{name}"

    def download(self, *paths: str, via: str = "page", spread: bool = False) -> list[str]:
        """Request each registered path as a download; return their URLs.

        `via="page"`: a page on the test server clicks `<a download>` links (a user's path);
        `via="extension"`: the extension's own `downloads.download()` (Firefox creates a
        download for an error status only that way). `spread`: each URL on its own loopback
        address (127.0.0.2, ...), past the browsers' 6 connections per host."""
        urls = [self.server.url(p, host=i + 2 if spread else 1) for i, p in enumerate(paths)]
        if via == "page":
            # One page per link, served from the link's own origin (`download` is honoured
            # for same-origin links only). Two clicks on one page race in Chromium: when both
            # answers are error statuses, the second became a navigation to an error page
            # and no download at all.
            for url, path in zip(urls, paths, strict=True):
                page = self.server.click_page(path, origin=url.removesuffix(path))
                self.browser.start_download(page=page)
        else:
            api = self.browser.api()
            calls = ", ".join(f"{api}.downloads.download({{url: {json.dumps(u)}}})" for u in urls)
            self.browser.ext_eval(f"Promise.all([{calls}])")
        return urls

    # -- reading -----------------------------------------------------------------------

    def history(self, url: str | None = None) -> list[dict[str, Any]]:
        """Recorded events, oldest first; only `url`'s when given."""
        items = product.history(self.home)
        if url is not None:
            items = [i for i in items if i.get("url") == url]
        return sorted(items, key=lambda i: i["event_id"])

    def wait_history(
        self,
        url: str,
        done: Callable[[list[dict[str, Any]]], bool],
        timeout: float,
        what: str,
    ) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []

        def probe() -> list[dict[str, Any]] | None:
            nonlocal seen
            seen = self.history(url)
            return seen if done(seen) else None

        try:
            return list(wait_for(what, probe, timeout, interval=0.3))
        except TimeoutError as e:
            raise AssertionError(f"{e}\n{self.explain(url, seen)}") from None

    def items(self, url: str) -> list[dict[str, Any]]:
        """The browser's DownloadItems for `url` (also as finalUrl)."""
        return self.browser.download_by_url(url)

    def wait_state(self, url: str, state: str, timeout: float) -> dict[str, Any]:
        """Wait until the newest DownloadItem for `url` is in `state`; return it."""

        def probe() -> dict[str, Any] | None:
            items = sorted(self.items(url), key=lambda d: d.get("startTime", ""))
            return items[-1] if items and items[-1]["state"] == state else None

        try:
            return dict(wait_for(f"{url} to be {state}", probe, timeout, interval=0.3))
        except TimeoutError as e:
            raise AssertionError(f"{e}\n{self.explain(url)}") from None

    def explain(self, url: str, hist: list[dict[str, Any]] | None = None) -> str:
        """What everyone saw, for an assertion message."""
        path = "/" + url.split("/", 3)[3]
        try:
            items = self.items(url)
        except Exception as e:
            items = [{"error reading downloads": str(e)}]
        if hist is None:
            try:
                hist = self.history(url)
            except Exception as e:
                hist = [{"error reading history": str(e)}]
        brief = [
            {
                k: h.get(k)
                for k in (
                    "event_id",
                    "reason",
                    "action",
                    "delay_ms",
                    "attempt",
                    "outcome",
                    "download_id",
                )
            }
            for h in hist
        ]
        ext_log = ""
        try:
            ext_log = "\n".join(self.extension_log()[-25:])
        except Exception as e:
            ext_log = f"(could not read: {e})"
        log = ""
        if self.home.host_log.exists():
            log = "\n".join(self.home.host_log.read_text(errors="replace").splitlines()[-15:])
        return (
            f"server: {self.server.describe(path)}\n"
            f"downloads: {json.dumps(items)[:1500]}\n"
            f"history: {json.dumps(brief)}\n"
            f"extension log tail:\n{ext_log}\n"
            f"host log tail:\n{log}\n"
            f"browser stderr tail:\n{self.browser.stderr_tail(12)}"
        )

    def extension_log(self) -> list[str]:
        """The background's last log lines (runtime message `dlrescue:debug`)."""
        api = self.browser.api()
        reply = self.browser.ext_eval(
            f"{api}.runtime.sendMessage({{type: 'dlrescue:debug'}})", timeout=5
        )
        lines = (reply or {}).get("log") or (reply or {}).get("lines") or []
        return [
            f"{ln.get('at', '')} {ln.get('level', '')} {ln.get('text', '')}"
            if isinstance(ln, dict)
            else str(ln)
            for ln in lines
        ]

    def notifications(self) -> dict[str, Any]:
        """The extension's notifications still shown (`notifications.getAll()`)."""
        return dict(self.browser.ext_eval(f"{self.browser.api()}.notifications.getAll()") or {})

    def notification_for(self, url: str, shown: dict[str, Any]) -> str | None:
        """The id of a "left alone" notification about one of `url`'s downloads, if shown.
        Ids are `dlrescue:left:<FNV-1a of id|startTime|url, base 36>` (extension/modules/
        notify.js and keys.js)."""
        for item in self.items(url):
            key = f"{item['id']}|{item.get('startTime', '')}|{item['url']}"
            nid = f"dlrescue:left:{short_hash(key)}"
            if nid in shown:
                return nid
        return None

    def file_has_bytes(self, item: dict[str, Any]) -> bool:
        """Whether the download left any bytes at its target (or Chromium's .crdownload)."""
        name = item.get("filename") or ""
        if not name:
            return False
        return any(
            Path(p).is_file() and Path(p).stat().st_size > 0 for p in (name, name + ".crdownload")
        )

    def file_on_disk(self, item: dict[str, Any]) -> bytes:
        return Path(item["filename"]).read_bytes()


def short_hash(text: str) -> str:
    """FNV-1a 32-bit over UTF-16 code units, in base 36 (as extension/modules/keys.js)."""
    h = 0x811C9DC5
    units = text.encode("utf-16-le")
    for i in range(0, len(units), 2):
        h ^= int.from_bytes(units[i : i + 2], "little")
        h = (h * 0x01000193) & 0xFFFFFFFF
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        h, r = divmod(h, 36)
        out = digits[r] + out
        if h == 0:
            return out


def make_rig(
    name: str,
    server: MisbehavingServer,
    root: Path,
    *,
    register: bool = True,
    lang: str | None = None,
) -> Rig:
    binary = binary_for(name)
    ext = require_extension()
    home = Home(root)
    product.write_policy(home)
    cls = Chromium if name == "chromium" else Firefox
    rig = Rig(cls(binary, home, ext, lang), server)
    if register:
        rig.register()
    return rig


@contextlib.contextmanager
def short_root(name: str) -> Iterator[Path]:
    """A throwaway folder with a short path: Chromium's singleton socket lives in TMPDIR and
    a Unix socket path may not pass 107 bytes (pytest's tmp_path is too deep). Kept when
    DLRESCUE_E2E_KEEP=1, for a look after a failure."""
    root = Path(tempfile.mkdtemp(prefix=f"dlr-{name[:2]}-"))
    try:
        yield root
    finally:
        if os.environ.get("DLRESCUE_E2E_KEEP") == "1":
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

"""The store packages load in the real browsers and rescue a download (issue 19): the
Chrome zip unzipped and loaded as Chromium loads an unpacked extension (it has no `key`, so
its id is its folder's, which `dlrescue register --extension-id` allows, as a store copy's
id would be), and the Firefox xpi installed into the profile as it was built."""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import native_host

from . import product
from .browsers import Chromium, Firefox, Home, chrome_extension_id
from .rig import BROWSERS, Rig, binary_for, short_root
from .server import MisbehavingServer
from .test_rescue import assert_complete_and_identical, closed, first_failure, reasons

PACKAGE = {"chromium": "chrome.zip", "firefox": "firefox.xpi"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both packages, built by the same command as `npm run package`."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        ["node", str(product.REPO / "scripts" / "package.mjs"), "--out", str(out)],
        cwd=product.REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"the packages did not build:\n{done.stdout}{done.stderr}"
    return out


@pytest.fixture(params=BROWSERS)
def package_rig(
    request: pytest.FixtureRequest, server: MisbehavingServer, dist: Path
) -> Iterator[Rig]:
    """A browser running the store package of its kind, with the host registered for it."""
    name = request.param
    package = dist / f"dlrescue-{native_host.__version__}-{PACKAGE[name]}"
    with short_root(name) as root:
        unpacked = root / "package"
        with zipfile.ZipFile(package) as z:
            z.extractall(unpacked)
        home = Home(root)
        product.write_policy(home)
        browser: Chromium | Firefox
        if name == "chromium":
            browser = Chromium(binary_for(name), home, unpacked)
            extra = ["--user-data-dir", str(browser.user_data_dir)]
            extra += ["--extension-id", chrome_extension_id(unpacked)]
        else:
            browser = Firefox(binary_for(name), home, unpacked)
            browser.package = package
            extra = []
        product.run_dlrescue(home, "register", "--browser", name, *extra)
        rig = Rig(browser, server)
        browser.start()
        try:
            yield rig
        finally:
            browser.kill()


def test_the_store_package_loads_and_rescues_a_download(package_rig: Rig) -> None:
    """The browser's own store package, not the checkout's folder, catches an interruption,
    reaches the registered host (the event is recorded once, decided `resume`), and the
    download completes byte-identical as one file: the package holds everything the
    extension needs and its id is one the host manifest allows."""
    rig = package_rig
    assert "key" not in (rig.browser.extension_dir / "manifest.json").read_text()
    path = rig.path("pkg-rescue.bin")
    expected = first_failure(rig, path)
    (url,) = rig.download(path)
    hist = rig.wait_history(url, closed("complete"), 40, "the package's rescue to close complete")
    assert reasons(hist) == [expected], rig.explain(url, hist)
    assert hist[0]["action"] == "resume", rig.explain(url, hist)
    assert_complete_and_identical(rig, url, path)

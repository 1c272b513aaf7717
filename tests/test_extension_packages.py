"""`npm run package` (scripts/package.mjs): the Chrome zip and the Firefox xpi build, carry no
`key`, no development files, and pass `web-ext lint`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import native_host

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "package.mjs"
WEB_EXT = REPO / "node_modules" / ".bin" / "web-ext"


def _need_node() -> None:
    """Skip without node and web-ext on a developer's machine; fail in CI."""
    missing = [
        n for n, ok in (("node", shutil.which("node")), ("web-ext", WEB_EXT.exists())) if not ok
    ]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not installed (npm ci installs web-ext)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both packages, built once into a temporary folder."""
    _need_node()
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        ["node", str(SCRIPT), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    version = native_host.__version__
    built = {
        "chrome": out / f"dlrescue-{version}-chrome.zip",
        "firefox": out / f"dlrescue-{version}-firefox.xpi",
    }
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in built.values())
    return built


def _manifest(package: Path) -> dict[str, object]:
    with zipfile.ZipFile(package) as z:
        doc: dict[str, object] = json.loads(z.read("manifest.json"))
    return doc


@pytest.mark.slow
@pytest.mark.parametrize("target", ["chrome", "firefox"])
def test_a_store_package_has_no_key_and_the_extensions_files(
    packages: dict[str, Path], target: str
) -> None:
    """The store copy's manifest.json has no `key` (the Chrome Web Store refuses one) and
    otherwise the checkout's fields (Firefox's without `power`, an API it does not have); the
    package holds the files a browser loads and none of node_modules, tests, package files or
    hidden files."""
    doc = _manifest(packages[target])
    assert "key" not in doc
    checkout = json.loads((REPO / "extension" / "manifest.json").read_text())
    assert doc["version"] == checkout["version"] == native_host.__version__
    unknown = ["power"] if target == "firefox" else []
    assert doc["permissions"] == [p for p in checkout["permissions"] if p not in unknown]
    assert doc["optional_permissions"] == checkout["optional_permissions"]
    assert doc["browser_specific_settings"] == checkout["browser_specific_settings"]
    names = zipfile.ZipFile(packages[target]).namelist()
    assert {"manifest.json", "background.js", "popup.html", "_locales/fr/messages.json"} <= set(
        names
    )
    assert not [
        n
        for n in names
        if n.startswith(".") or "/." in n or "node_modules" in n or n.endswith(".test.js")
    ]


@pytest.mark.slow
def test_each_package_keeps_the_background_entry_its_browser_reads(
    packages: dict[str, Path],
) -> None:
    """Chrome's copy is the unpacked manifest less the key (Chromium ignores Firefox's keys);
    Firefox's copy keeps background.scripts only (Firefox ignores a service worker)."""
    checkout = json.loads((REPO / "extension" / "manifest.json").read_text())
    del checkout["key"]
    assert _manifest(packages["chrome"]) == checkout
    background = _manifest(packages["firefox"])["background"]
    assert background == {"scripts": ["background.js"], "type": "module"}


@pytest.mark.slow
@pytest.mark.parametrize("target", ["chrome", "firefox"])
def test_web_ext_lint_passes_on_each_package(
    packages: dict[str, Path], target: str, tmp_path: Path
) -> None:
    """`web-ext lint` (addons.mozilla.org's rules) finds no error in either package, and no
    warning at all in the Firefox one."""
    with zipfile.ZipFile(packages[target]) as z:
        z.extractall(tmp_path / "unpacked")
    done = subprocess.run(
        [str(WEB_EXT), "lint", "--source-dir", str(tmp_path / "unpacked"), "--output", "json"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert done.returncode == 0 and not report["errors"], report["errors"]
    if target == "firefox":
        assert not report["warnings"], report["warnings"]


@pytest.mark.slow
def test_the_script_refuses_to_build_when_the_versions_differ(tmp_path: Path) -> None:
    """A package.json whose version differs from the extension's stops the build with a
    message naming every file's version and the fix; nothing is written."""
    _need_node()
    for name in ("extension", "native_host", "node_modules"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "scripts").mkdir()
    shutil.copy2(SCRIPT, tmp_path / "scripts")  # a copy: node would resolve a link to REPO
    package = json.loads((REPO / "package.json").read_text())
    (tmp_path / "package.json").write_text(json.dumps({**package, "version": "9.9.9"}))
    done = subprocess.run(
        ["node", str(tmp_path / "scripts" / "package.mjs"), "--out", str(tmp_path / "dist")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "package.json: 9.9.9" in done.stderr and "the same version" in done.stderr
    assert not (tmp_path / "dist").exists()

"""The wheel carries the extension and the manifest templates where assets.py looks."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from native_host.registration import assets

REPO = Path(__file__).resolve().parent.parent
#: What a build needs; copied so the build leaves no build/ folder in the checkout.
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "native_host", "extension", "manifests")


@pytest.mark.slow
def test_the_wheel_ships_the_extension_and_templates_without_dev_files(tmp_path: Path) -> None:
    """`pip wheel`, from pyproject.toml alone (no setup.py), puts extension/ and manifests/
    under native_host/assets/, with the files a browser loads (manifest.json, the background
    script) and no node_modules, tests or hidden files; its metadata carries the MIT LICENSE."""
    src = tmp_path / "src"
    src.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.exists():
            shutil.copy2(path, src / name)
    (src / "extension" / "node_modules" / "x").mkdir(parents=True)
    (src / "extension" / "node_modules" / "x" / "index.js").write_text("")
    (src / "extension" / ".hidden").write_text("")
    (src / "extension" / "modules" / "x.test.js").write_text("")
    out = tmp_path / "wheel"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("dlrescue-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    ext = "native_host/assets/extension/"
    assert {ext + "manifest.json", ext + "background.js"} <= names
    for family in ("chromium", "firefox"):
        assert f"native_host/assets/manifests/{family}/org.dlrescue.host.json" in names
    assert not [n for n in names if "node_modules" in n or "/tests/" in n]
    assert not [n for n in names if "/." in n or n.endswith(".test.js")], "hidden or test files"
    assert [n for n in names if ".dist-info/" in n and n.endswith("LICENSE")], "no LICENSE"
    shipped = {n.removeprefix(ext) for n in names if n.startswith(ext)}
    in_repo = {
        str(p.relative_to(REPO / "extension"))
        for p in (REPO / "extension").rglob("*")
        if p.is_file() and "node_modules" not in p.parts
    }
    assert shipped <= in_repo


def test_assets_are_found_in_a_source_checkout() -> None:
    """From a checkout (or an editable install) the folders beside the package are used."""
    assert assets.extension_dir() in (REPO / "extension", REPO / "native_host/assets/extension")
    templates = assets.templates_dir()
    assert templates is not None and (templates / "firefox" / "org.dlrescue.host.json").is_file()

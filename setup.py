"""Build step: put the extension and the host-manifest templates inside the wheel.

Metadata lives in pyproject.toml. This only extends `build_py` so that a wheel (and so a
`pipx install dlrescue`) carries `extension/` and `manifests/` as
`native_host/assets/extension/` and `native_host/assets/manifests/`, where
`native_host.registration.assets` finds them. A source checkout or an editable install
uses the folders beside the package instead.
"""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
ASSETS = {"extension": "extension", "manifests": "manifests"}
#: Never shipped: development files of the extension and anything hidden.
SKIP = ("node_modules", "test", "tests", "package.json", "package-lock.json", "*.test.js", ".*")


def _shipped(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if any(fnmatch.fnmatch(p, pat) for p in parts for pat in SKIP):
            continue
        if path.is_file():
            files.append(path)
    return files


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folders
            return
        for source, target in ASSETS.items():
            src = ROOT / source
            dst = Path(self.build_lib) / "native_host" / "assets" / target
            if dst.exists():
                shutil.rmtree(dst)
            for path in _shipped(src):
                out = dst / path.relative_to(src)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out)


setup(cmdclass={"build_py": BuildPyWithAssets})

"""One version number: the extension's manifest, package.json and the Python package agree."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import native_host

REPO = Path(__file__).resolve().parent.parent


def test_the_extension_package_json_and_the_host_carry_one_version() -> None:
    """extension/manifest.json, package.json and native_host.__version__ (which pyproject.toml
    reads as the wheel's version) hold the same number; bump all three together."""
    found = {
        "extension/manifest.json": json.loads((REPO / "extension/manifest.json").read_text())[
            "version"
        ],
        "package.json": json.loads((REPO / "package.json").read_text())["version"],
        "native_host/__init__.py": native_host.__version__,
    }
    assert len(set(found.values())) == 1, f"the versions differ: {found}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", native_host.__version__), "browsers want 1-4 integers"


def test_pyproject_takes_its_version_from_the_package() -> None:
    """pyproject.toml spells no version of its own: the build reads native_host/__init__.py."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["hatch"]["version"]["path"] == "native_host/__init__.py"

"""The repository stands alone: a clone with nothing beside it has everything it reads or cites.

Every file git tracks is searched for references to material that lived outside the
repository while dlrescue was built (a sibling folder of reference notes and seed
documents). Those facts now live in docs/BROWSERS.md, PROTOCOL.md and tests/fixtures/.
The patterns are built from pieces so that this file does not match itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: What must not appear in a tracked file: a path out of the repository to the old reference
#: folder, its seed documents, and the names of its two notes.
OUTSIDE = tuple(
    piece.encode()
    for piece in (
        "../" + "shared",
        "shared" + "/seeds",
        "BROWSER" + "_FACTS",
        "CONTRACT" + ".md",
    )
)


def tracked_files() -> list[str]:
    """The paths git tracks in this checkout; the test skips outside a git checkout (an
    unpacked sdist), where there is no list of tracked files to check."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no list of tracked files")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    return [name for name in out.decode("utf-8").split("\0") if name]


def test_no_tracked_file_reads_or_cites_material_outside_the_repository() -> None:
    """No tracked file mentions the old sibling folder, its seeds or its two notes: each
    fact is stated in the repository's own documents instead."""
    found = []
    for name in tracked_files():
        path = ROOT / name
        if path.is_symlink() or not path.is_file():
            continue  # a file deleted in the work tree is not shipped; symlinks: next test
        data = path.read_bytes()
        for pattern in OUTSIDE:
            if pattern in data:
                line = data[: data.index(pattern)].count(b"\n") + 1
                found.append(f"{name}:{line}: {pattern.decode()}")
    assert not found, "say it in docs/BROWSERS.md or PROTOCOL.md instead:\n" + "\n".join(found)


def test_no_tracked_symlink_points_outside_the_repository() -> None:
    """A tracked symlink resolves inside the checkout, so a clone carries its target."""
    outside = []
    for name in tracked_files():
        path = ROOT / name
        if path.is_symlink():
            target = Path(os.path.realpath(path))
            if not target.is_relative_to(ROOT):
                outside.append(f"{name} -> {os.readlink(path)}")
    assert not outside, outside


def test_the_reference_pages_the_tests_read_are_in_the_repository() -> None:
    """The MDN and Microsoft pages tests/test_reasons.py checks the catalogue against are
    tracked fixtures, each named in tests/fixtures/README.md with its source and licence."""
    tracked = set(tracked_files())
    readme = (ROOT / "tests" / "fixtures" / "README.md").read_text(encoding="utf-8")
    pages = sorted(
        name
        for name in tracked
        if name.startswith("tests/fixtures/") and name != "tests/fixtures/README.md"
    )
    assert len(pages) >= 3, pages
    for page in pages:
        assert f"`{Path(page).name}`" in readme, page
    assert "LICENSE" in tracked

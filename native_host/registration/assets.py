"""Where the extension folder and the manifest templates are, installed or in a checkout.

A wheel carries them in `native_host/assets/` (mapped there by pyproject.toml's wheel target);
a source checkout or an editable install has them beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # native_host/


def _first(*candidates: Path, marker: str) -> Path | None:
    return next((c for c in candidates if (c / marker).is_file()), None)


def extension_dir() -> Path | None:
    """The unpacked extension (the folder with manifest.json), or None if not shipped."""
    return _first(
        _PACKAGE / "assets" / "extension", _PACKAGE.parent / "extension", marker="manifest.json"
    )


def templates_dir() -> Path | None:
    """The host-manifest templates (manifests/), or None if not shipped."""
    return _first(
        _PACKAGE / "assets" / "manifests",
        _PACKAGE.parent / "manifests",
        marker="chromium/org.dlrescue.host.json",
    )

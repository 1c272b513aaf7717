"""`space`: how many bytes are free at a download's folder, and whether that is enough.

The extension asks while a download waits for room (a `wait: "space"` decision); the
interrupted handler asks the same of the folder of a download that may have failed on a full
disk. Only the free bytes of the folder are read, never its content; nothing is stored.
Loaded on first use: a host that never sees a full disk never imports this or shutil.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..errors import HostError
from ..record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from ..messages import Space


def space(request: Space) -> dict[str, Any]:
    """`free` bytes at the nearest existing folder of `path`, and `enough` for `needed`."""
    path = request.path
    if "\0" in path:
        raise HostError("invalid_message", "path: must not hold a NUL character", "path")
    if not os.path.isabs(path):
        shown = repr(path) if len(path) <= 64 else repr(path[:64]) + "..."
        raise HostError(
            "invalid_message",
            f"path: must be absolute, such as the download's filename (got {shown})",
            "path",
        )
    free = free_at(Path(path))
    if free is None:
        raise HostError(
            "invalid_message",
            "path: no folder on its way to the root can be read; send the download's filename",
            "path",
        )
    return {"free": free, "enough": free >= request.needed}


def folder_of(filename: str | None) -> Path | None:
    """The folder of a download's file name, when it is an absolute path (else None)."""
    if not filename or "\0" in filename or not os.path.isabs(filename):
        return None
    return Path(filename).parent


def free_at(path: Path) -> int | None:
    """The bytes free to this user at `path` or, when it does not exist (a file not written
    yet), at its nearest existing parent folder; None when none can be read."""
    for folder in (path, *path.parents):
        try:
            if folder.is_dir():
                return shutil.disk_usage(folder).free
        except (OSError, ValueError):
            continue
    return None

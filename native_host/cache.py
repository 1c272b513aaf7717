"""Work done once, kept in the user's cache folder: JSON that something slow computed, stored
under a key that names what it was computed from.

`read` gives the data stored under a key, or raises: FileNotFoundError when there is no file,
ValueError (saying why) when the file is damaged, was made from other inputs, is larger than
MAX_CACHE or is not a regular file (a FIFO or `/dev/zero` is never read: see read_regular). `write`
replaces the file at once, 0600; a failure to write is logged, never raised, since the
caller has its result and only computes it again next time. Used for the compiled request schema
(schema_cache.py) and the validated policy file (policy_file.py).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .digest import sha256
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

Log = Callable[[str], None] | None


def key(*parts: str | bytes, sources: tuple[str, ...] = ()) -> str | None:
    """A digest of dlrescue's version, `parts` and the source of the package's modules named
    in `sources`; None when a source cannot be read (then nothing is cached)."""
    digest = sha256(__version__.encode())
    for part in parts:
        digest.update(
            b"\0" + (part if isinstance(part, bytes) else part.encode("utf-8", "replace"))
        )
    try:
        for name in sources:
            digest.update(b"\0" + Path(__file__).with_name(name).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


#: A cache file larger than this is damaged (the compiled schema is about 12 KB).
MAX_CACHE = 8 * 1024 * 1024


class NotRegular(ValueError):
    """A path that should name a regular file names something else, or a file too large."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    A FIFO, a device (`/dev/zero`, or a symlink to it), a socket or a folder is refused
    without blocking or reading it (NotRegular, a ValueError saying what it is), as is a
    file larger than `limit`; FileNotFoundError and other OSErrors are raised as open() does.
    """
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegular(f"it is {kind_of(mode)}, not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        raise NotRegular(f"it is larger than {limit:,} bytes")
    return b"".join(chunks)


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, in words ("a FIFO", "a character device", ...)."""
    import stat

    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a file"


def read(
    path: Path, key: str | None, object_hook: Callable[[dict[str, Any]], Any] | None = None
) -> Any:
    """The data stored in `path` under `key` (see the module's docstring for what it raises)."""
    stored = json.loads(read_regular(path, MAX_CACHE), object_hook=object_hook)
    if key is None or not isinstance(stored, dict) or stored.get("key") != key:
        raise ValueError("it was made by another version of dlrescue or from other inputs")
    return stored["data"]


def write(path: Path, key: str | None, data: Any, log: Log = None) -> None:
    """Store JSON-able `data` in `path` under `key` (nothing when the key is None).

    Through a temporary file and a rename, so a reader sees the old file or the new one. Like
    the history and the log, an existing folder is trusted (SECURITY.md); a folder made here
    is 0700. No fsync: a file cut short by a crash reads as damaged and is made again."""
    if key is None:
        return
    import os

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with os.fdopen(os.open(tmp, flags, 0o600), "wb") as f:
            f.write(json.dumps({"key": key, "data": data}).encode())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if log is not None:
            log(f"could not cache {path.name} in {path.parent}: {exc.strerror or exc}")

"""Safe writes for manifests, the launcher and dlrescue's own records.

A manifest or launcher that another user can replace lets that user run code as whoever
starts the browser. So before writing, every folder from `/` down to the target must be
owned by root or by us and be writable by nobody else (a root-owned sticky folder such as
/tmp is fine: others cannot rename or delete what is ours in it). Symbolic links on the way
must be owned by root or by us; as root, that means by root, so root never follows a link
another user planted, and never writes into another user's home folder (it is theirs).

Files are written to a temporary file in the same folder (created with O_EXCL and
O_NOFOLLOW), flushed, given their mode, then renamed over the target: a reader sees the old
file or the new one, never half of one, and a symlink at the target is replaced, not
followed. On Windows the ownership and mode checks do not apply (ACLs are not checked).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
from pathlib import Path

from . import RegistrationError

_POSIX = hasattr(os, "geteuid")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)

MANIFEST_MODE = 0o644
LAUNCHER_MODE = 0o755
FOLDER_MODE = 0o755


def euid() -> int:
    return os.geteuid() if _POSIX else -1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _who(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _existing_prefixes(path: Path) -> list[Path]:
    """`/`, `/a`, `/a/b`, ... up to the deepest existing one, lexically (no resolving)."""
    path = Path(os.path.abspath(path))
    chain = [*reversed(path.parents), path]
    return [p for p in chain if os.path.lexists(p)]


def folder_problems(folder: Path, *, uid: int | None = None) -> list[str]:
    """Why writing into `folder` (or its nearest existing ancestor) would be unsafe for
    `uid` (default: the effective user). Empty when it is safe or on Windows."""
    if not _POSIX:
        return []
    uid = euid() if uid is None else uid
    trusted = {0, uid}
    found: list[str] = []
    # Links on the lexical path: who could have planted them?
    for p in _existing_prefixes(folder):
        st = os.lstat(p)
        if stat.S_ISLNK(st.st_mode) and st.st_uid not in trusted:
            found.append(
                f"{p} is a symbolic link owned by {_who(st.st_uid)}, who could point it "
                "anywhere; remove it, or register as that user"
            )
    # The real folders, links resolved: owner and mode.
    for p in _existing_prefixes(Path(os.path.realpath(folder))):
        st = os.lstat(p)
        if not stat.S_ISDIR(st.st_mode):
            if p == Path(os.path.realpath(folder)):
                found.append(f"{p} is a file, not a folder; move it away and try again")
            continue
        if st.st_uid not in trusted:
            hint = (
                "as root, dlrescue writes into no other user's home folder: run it as "
                f"{_who(st.st_uid)} without sudo, or use --system"
                if uid == 0
                else f"run dlrescue register as {_who(st.st_uid)}"
            )
            found.append(f"{p} is owned by {_who(st.st_uid)}, not by you; {hint}")
            continue
        sticky_root = st.st_uid == 0 and st.st_mode & stat.S_ISVTX
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not sticky_root:
            which = "world" if st.st_mode & stat.S_IWOTH else "group"
            found.append(
                f"{p} is {which}-writable (mode {stat.S_IMODE(st.st_mode):04o}), so another "
                f"user could replace what dlrescue writes there; run `chmod go-w '{p}'` "
                "and try again"
            )
    return found


def file_problems(path: Path, *, uid: int | None = None) -> list[str]:
    """Why an existing file could be replaced or changed by another user."""
    if not _POSIX:
        return []
    uid = euid() if uid is None else uid
    found = folder_problems(path.parent, uid=uid)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return found
    if stat.S_ISLNK(st.st_mode) and st.st_uid not in {0, uid}:
        found.append(f"{path} is a symbolic link owned by {_who(st.st_uid)}; remove it")
        return found
    st = os.stat(path)
    if st.st_uid not in {0, uid}:
        found.append(f"{path} is owned by {_who(st.st_uid)}, not by you; remove it")
    elif st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        found.append(
            f"{path} is writable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
            f"run `chmod go-w '{path}'`"
        )
    return found


def _refuse_unsafe(folder: Path) -> None:
    found = folder_problems(folder)
    if found:
        raise RegistrationError(f"refusing to write in {folder}: {found[0]}")


def ensure_folder(folder: Path, mode: int = FOLDER_MODE) -> list[Path]:
    """Create `folder` and its missing parents (mode `mode`, whatever the umask) after
    checking the existing part is safe. Returns the folders created, outermost first."""
    _refuse_unsafe(folder)
    created: list[Path] = []
    folder = Path(os.path.abspath(folder))
    for p in [*reversed(folder.parents), folder]:
        if os.path.lexists(p):
            continue
        try:
            os.mkdir(p, mode)
        except FileExistsError:
            pass  # raced with someone: checked below like any existing folder
        except OSError as e:
            raise RegistrationError(
                f"cannot create the folder {p}: {e.strerror}; create it yourself or fix "
                "the permissions of its parent"
            ) from None
        else:
            if _POSIX:
                os.chmod(p, mode)
            created.append(p)
    _refuse_unsafe(folder)
    if not os.path.isdir(folder):
        raise RegistrationError(f"{folder} is not a folder; move it away and try again")
    return created


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write `data` to `path` through a temporary file and a rename, with `mode`.
    The folder must exist (see ensure_folder) and is checked again here."""
    folder = path.parent
    _refuse_unsafe(folder)
    if os.path.isdir(path) and not os.path.islink(path):
        raise RegistrationError(f"{path} is a folder; move it away and try again")
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
    try:
        fd = os.open(tmp, flags, mode)
    except OSError as e:
        raise RegistrationError(
            f"cannot write in {folder}: {e.strerror}; check that you may write there "
            "(use --system, as root, for system-wide folders)"
        ) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if _POSIX:
                os.fchmod(f.fileno(), mode)
        os.replace(tmp, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise RegistrationError(f"cannot write {path}: {e.strerror}") from None
    if _POSIX:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        except OSError:  # some file systems cannot sync a folder
            pass
        finally:
            os.close(dfd)


def read_nofollow(path: Path, limit: int = 1 << 20) -> bytes | None:
    """The bytes of a regular file (not through a final symlink); None when absent."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _BINARY)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None
        raise
    with os.fdopen(fd, "rb") as f:
        return f.read(limit)


def remove_if_unchanged(path: Path, digest: str) -> str | None:
    """Delete `path` if it still holds what we wrote (sha256 `digest`).
    Returns None when removed or already gone, else why it was left in place."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return f"left {path}: it is no longer the file dlrescue wrote"
    data = read_nofollow(path)
    if data is None or sha256(data) != digest:
        return (
            f"left {path}: it changed since dlrescue wrote it; delete it yourself if it is "
            "not needed"
        )
    try:
        os.unlink(path)
    except OSError as e:
        return f"could not remove {path}: {e.strerror}"
    return None


def remove_empty_folders(folders: list[Path]) -> None:
    """Remove folders dlrescue created, innermost first, when they are empty."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(folder)

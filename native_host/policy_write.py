"""The user's policy.toml changed as asked: each change checked with the policy file's own
models (policy_schema.py), the text edited line by line so the person's comments and layout
stay (policy_edit.py), the result checked again, then written at once (a temporary file in
the same folder, flushed to disk, renamed over the old one; the file's mode kept, 0600 for a
new file). A change that is refused writes nothing. Imported on the `set_policy` path only.
"""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path

from .cache import NotRegular, read_regular
from .policy import Policy
from .policy_edit import Change, PolicyEditError, edited
from .policy_file import MAX_POLICY
from .policy_schema import checked
from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence


class PolicyRefused(ValueError):
    """A change not made: the message names the field, the bad value and what is allowed;
    `field` is the table's path and the key, such as "reasons.NETWORK_FAILED.max_attempts"."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def field_of(change: Change) -> str:
    return ".".join((*change.table, change.key))


def check_change(change: Change) -> None:
    """PolicyRefused when `change` alone is not something policy.toml may say."""
    node: dict[str, object] = {} if change.value is None else {change.key: change.value}
    for part in reversed(change.table):
        node = {part: node}
    problems = checked(node, "policy.toml")
    if isinstance(problems, list):
        raise PolicyRefused("; ".join(problems), field_of(change))


def save(path: Path, changes: Sequence[Change]) -> tuple[Policy, bool]:
    """Make `changes` in the policy file at `path`: (the policy it now holds, whether the file
    was written: not when it already said so). PolicyRefused, with nothing written, when a
    change is not allowed or the file cannot be edited or written."""
    for change in changes:
        check_change(change)
    target = path.resolve() if path.is_symlink() else path  # a linked file is edited in place
    with _locked(target):
        return _save(path, target, changes)


def _save(path: Path, target: Path, changes: Sequence[Change]) -> tuple[Policy, bool]:
    text = _text(target)
    try:
        new, data = edited(text, changes)
    except PolicyEditError as exc:
        raise PolicyRefused(f"{path}: {exc}", field_of(changes[0])) from None
    policy = checked(data, str(path))
    if isinstance(policy, list):
        raise PolicyRefused(
            "policy.toml would still have problems, so nothing was written: "
            + "; ".join(policy[:5])
            + ("; and more (see `dlrescue policy`)" if len(policy) > 5 else "")
        )
    raw = new.encode("utf-8")
    if len(raw) > MAX_POLICY:
        raise PolicyRefused(
            f"{path} would be larger than {MAX_POLICY // 1024} KiB, which the host does not "
            "read; remove what you do not need from it first"
        )
    if new == text:
        return policy, False
    _write_atomic(target, raw)
    return policy, True


def _flock(fd: int, take: bool) -> None:
    """POSIX: flock on the whole file, waited for."""
    fcntl = __import__("fcntl")  # POSIX only (typed loosely, as msvcrt below)
    fcntl.flock(fd, fcntl.LOCK_EX if take else fcntl.LOCK_UN)


def _locking(fd: int, take: bool) -> None:
    """Windows: msvcrt.locking on the file's first byte (it locks from the position); LK_LOCK
    tries once a second for 10 seconds, then raises OSError."""
    msvcrt = __import__("msvcrt")  # Windows only
    os.lseek(fd, 0, os.SEEK_SET)
    msvcrt.locking(fd, msvcrt.LK_LOCK if take else msvcrt.LK_UNLCK, 1)


#: One save at a time, per os.name: the function that takes (True) or gives back (False) an
#: exclusive lock on an open file. Another OS saves without one (saves are rare, one person's).
LOCKS: dict[str, Callable[[int, bool], None]] = {"posix": _flock, "nt": _locking}


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One save at a time in `path`'s folder (two browsers' hosts saving at once would each
    write its own edit of the same old text, and one change would be lost): an exclusive
    lock on `.policy.toml.lock` beside it, with this OS's LOCKS."""
    lock = LOCKS.get(os.name)
    if lock is None:
        yield
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise PolicyRefused(f"{path} could not be saved: {exc.strerror or exc}") from None
    try:
        try:
            lock(fd, True)
        except OSError as exc:
            raise PolicyRefused(
                f"{path} could not be saved: another save held .{path.name}.lock "
                f"({exc.strerror or exc}); try again"
            ) from None
        try:
            yield
        finally:
            lock(fd, False)
    finally:
        os.close(fd)


def _text(path: Path) -> str:
    """policy.toml's text ("" when there is none), or PolicyRefused saying what is wrong."""
    try:
        raw = read_regular(path, MAX_POLICY)
    except FileNotFoundError:
        return ""
    except NotRegular as exc:
        raise PolicyRefused(f"{path} cannot be edited: {exc}") from None
    except OSError as exc:
        raise PolicyRefused(f"{path} cannot be read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyRefused(f"{path} is not UTF-8 text; save it as UTF-8 first") from None


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` at once: a reader sees the old file or the new one."""
    from .registration import RegistrationError
    from .registration.writers import ensure_folder, write_atomic

    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0o600
    try:
        ensure_folder(path.parent, 0o700)
        write_atomic(path, data, mode)
    except RegistrationError as exc:
        raise PolicyRefused(f"{path} could not be saved: {exc}") from None

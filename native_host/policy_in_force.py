"""The policy one host decides with: the built-in rules under the system-wide and the user's
policy.toml, under the administrator's managed policy, read again whenever one of them
changed, so that a change saved from the settings page, or by hand, is used by the next
decision. The host asks once per batch of frames (and after a hello or a save of its own),
so a burst of decisions stats the files once. Without a policy file nothing is read (and
pydantic is not imported)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from . import paths
from .policy import DEFAULT_POLICY
from .record import Record


class FileStamp(Record):
    """What changes when a file is edited or replaced."""

    mtime_ns: int
    size: int
    inode: int


class Stamp(Record):
    """What the policy in force was read from. While it stays equal nothing is read again."""

    #: The user's policy.toml and the system-wide one as they were; None when absent.
    user_file: FileStamp | None
    system_file: FileStamp | None
    #: The administrator's policy from hello (policy_file.managed_json), and what was wrong with it.
    managed: bytes | None
    managed_problems: tuple[str, ...]


class PolicyInForce:
    """The policy in force and its problems (as `hello` shows them), for one host."""

    def __init__(
        self,
        policy_path: Path,
        system_path: Path,
        log: Callable[[str], None],
        describe: Callable[[Sequence[object]], list[str]],
    ) -> None:
        self.policy_path = policy_path
        self.system_path = system_path
        self.log = log
        self.describe = describe  # problems as hello's warnings
        #: The administrator's policy from hello (policy_file.managed_json) and what was
        #: wrong with it.
        self.managed: bytes | None = None
        self.managed_problems: list[str] = []
        self.stamp: Stamp | None = None  # the first refresh reads
        self.policy = DEFAULT_POLICY
        self.problems: list[str] = []
        self.refresh()

    def refresh(self) -> None:
        """The policy files read again under the managed policy when one changed. The
        problems are logged and kept for `hello`'s warnings."""
        stamp = Stamp(
            user_file=_stat(self.policy_path),
            system_file=_stat(self.system_path),
            managed=self.managed,
            managed_problems=tuple(self.managed_problems),
        )
        if stamp == self.stamp:
            return
        found: list[str] = []
        self.stamp, self.policy = stamp, DEFAULT_POLICY
        if (stamp.user_file, stamp.system_file, stamp.managed) != (None, None, None):
            from .policy_file import load_policy  # only with a policy file: it may import pydantic

            self.policy, found = load_policy(
                self.policy_path,
                paths.policy_cache_path(),
                self.log,
                system=self.system_path,
                managed=self.managed,
            )
        problems = [*self.managed_problems, *found]
        self.problems = self.describe(problems) if problems else []
        for problem in self.problems:
            self.log(problem)


def _stat(path: Path) -> FileStamp | None:
    """The file's stamp; None when it is absent."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return FileStamp(st.st_mtime_ns, st.st_size, st.st_ino)

"""The settings page's writer (policy_write.py): each change checked with the policy file's
models, policy.toml edited keeping its comments and written at once, on real files in tmp
dirs; a refused change writes nothing."""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from pathlib import Path

import pytest
from test_policy_edit import COMMENTED

from native_host.policy_edit import Change
from native_host.policy_file import MAX_POLICY
from native_host.policy_write import PolicyRefused, save


def test_save_writes_atomically_keeps_the_mode_and_the_comments(tmp_path: Path) -> None:
    """The file is replaced through a temporary file in its folder (none is left behind), keeps
    its mode (0640 here), and holds exactly the change."""
    path = tmp_path / "policy.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    os.chmod(path, 0o640)
    before = path.stat().st_ino
    policy, written = save(path, [Change(("reasons", "NETWORK_FAILED"), "action", "none")])
    assert written and policy.reasons["NETWORK_FAILED"] == {"action": "none"}
    added = '\n[reasons.NETWORK_FAILED]\naction = "none"\n'
    assert path.read_text(encoding="utf-8") == COMMENTED + added
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != before  # renamed over, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == [".policy.toml.lock", "policy.toml"]


def test_save_creates_a_missing_file_0600(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "dlrescue" / "policy.toml"
    _policy, written = save(path, [Change(("status", "503"), "max_attempts", 6)])
    assert written and tomllib.loads(path.read_text()) == {"status": {"503": {"max_attempts": 6}}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_follows_a_symlinked_policy_and_keeps_the_link(tmp_path: Path) -> None:
    """A policy.toml that links into a dotfiles folder is edited where it lives."""
    real = tmp_path / "dotfiles" / "policy.toml"
    real.parent.mkdir()
    real.write_text("[reasons.CRASH]\naction = 'none'\n")
    link = tmp_path / "policy.toml"
    link.symlink_to(real)
    save(link, [Change(("reasons", "CRASH"), "max_attempts", 1)])
    assert link.is_symlink() and "max_attempts = 1" in real.read_text()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            Change(("categories", "NETWORK"), "max_attempts", 5000),
            "categories.NETWORK.max_attempts",
            "max_attempts = 5000 is not allowed; use a whole number from 0 to 1000",
        ),
        (
            Change(("reasons", "NETWORK_FAILED"), "action", "retry"),
            "reasons.NETWORK_FAILED.action",
            'action = \'retry\' is not allowed; use "resume", "restart" or "none"',
        ),
        (
            Change(("reasons", "NETWORK_FAIL"), "action", "none"),
            "reasons.NETWORK_FAIL.action",
            "unknown [reasons.NETWORK_FAIL]; did you mean NETWORK_FAILED?",
        ),
        (
            Change(("reasons", "CRASH"), "max_attempt", 2),
            "reasons.CRASH.max_attempt",
            "unknown key 'max_attempt'; allowed: action, max_attempts",
        ),
        (
            Change(("sites", "Ex\u202eample.org"), "pause_after", 2),
            "sites.Ex\u202eample.org.pause_after",
            "allowed: a host name in lower case",
        ),
        (
            Change(("categories", "NETWORK"), "notify", 1),
            "categories.NETWORK.notify",
            "notify = 1 is not allowed; use true or false",
        ),
    ],
)
def test_a_bad_change_is_refused_with_its_field_and_what_is_allowed_and_nothing_written(
    tmp_path: Path, change: Change, field: str, words: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(COMMENTED)
    with pytest.raises(PolicyRefused) as refused:
        save(path, [Change(("reasons", "CRASH"), "action", "none"), change])
    assert refused.value.field == field
    assert words in str(refused.value)
    assert "\u202e" not in str(refused.value)  # escaped as the file's problems are
    assert path.read_text() == COMMENTED


def test_a_file_with_problems_left_after_the_change_is_not_written(tmp_path: Path) -> None:
    """A change that leaves another problem in the file (here a key that does not exist)
    writes nothing, and says which problem remains."""
    path = tmp_path / "policy.toml"
    path.write_text("[reasons.CRASH]\nactoin = 'none'\n")
    with pytest.raises(PolicyRefused, match="unknown key 'actoin'"):
        save(path, [Change(("reasons", "CRASH"), "max_attempts", 1)])
    assert path.read_text() == "[reasons.CRASH]\nactoin = 'none'\n"


def test_a_huge_file_is_refused_unread_and_untouched(tmp_path: Path) -> None:
    """A policy.toml over MAX_POLICY is not read (capped) nor rewritten; so is a FIFO."""
    path = tmp_path / "policy.toml"
    huge = "# " + "x" * MAX_POLICY + "\n"
    path.write_text(huge)
    with pytest.raises(PolicyRefused, match="larger than"):
        save(path, [Change(("reasons", "CRASH"), "action", "none")])
    assert path.stat().st_size == len(huge)
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(PolicyRefused, match="a FIFO"):
        save(fifo, [Change(("reasons", "CRASH"), "action", "none")])


def test_a_change_that_would_grow_the_file_past_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    text = "# " + "y" * (MAX_POLICY - 20) + "\n"
    path.write_text(text)
    with pytest.raises(PolicyRefused, match="would be larger than 1024 KiB"):
        save(path, [Change(("reasons", "SERVER_NO_RANGE"), "action", "restart")])
    assert path.read_text() == text


def test_the_same_value_again_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(COMMENTED)
    mtime = path.stat().st_mtime_ns
    _policy, written = save(path, [Change(("categories", "NETWORK"), "max_attempts", 12)])
    assert not written and path.stat().st_mtime_ns == mtime and path.read_text() == COMMENTED


_SAVER = """
import sys
from pathlib import Path
from native_host.policy_edit import Change
from native_host.policy_write import save
for i in range(int(sys.argv[3])):
    save(Path(sys.argv[1]), [Change(("reasons", sys.argv[2]), "max_attempts", i)])
"""


def test_saves_from_several_hosts_at_once_lose_no_change(tmp_path: Path) -> None:
    """Four processes (four browsers' hosts) each save their own reason's rule 25 times, at
    once: every one of the four tables is in the file at the end, with its last value (each
    save reads the text the previous one wrote), and no temporary file is left."""
    import subprocess
    import sys

    path = tmp_path / "policy.toml"
    path.write_text(COMMENTED)
    reasons = ["CRASH", "NETWORK_FAILED", "SERVER_FAILED", "FILE_FAILED"]
    procs = [
        subprocess.Popen([sys.executable, "-c", _SAVER, str(path), reason, "25"])
        for reason in reasons
    ]
    assert [p.wait(120) for p in procs] == [0, 0, 0, 0]
    data = tomllib.loads(path.read_text())
    assert {r: data["reasons"][r] for r in reasons} == {r: {"max_attempts": 24} for r in reasons}
    assert path.read_text().startswith(COMMENTED)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".policy.toml.lock", "policy.toml"]


def test_the_windows_lock_is_msvcrt_locking_on_the_first_byte_around_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOCKS["nt"] as the save's lock, with a stand-in msvcrt that records its calls (this
    machine has none): the lock file's first byte is locked (LK_LOCK, from position 0) before
    policy.toml is written and unlocked (LK_UNLCK) after; a lock that times out refuses the
    save, naming the lock file, and writes nothing."""
    import types

    from native_host import policy_write

    path = tmp_path / "policy.toml"
    calls: list[tuple[str, int, bool]] = []

    def locking(fd: int, mode: str, nbytes: int) -> None:
        calls.append((mode, os.lseek(fd, 0, os.SEEK_CUR), path.exists()))
        assert nbytes == 1
        if mode == "LK_LOCK" and (tmp_path / "deny").exists():
            raise OSError(36, "Resource deadlock avoided")

    msvcrt = types.SimpleNamespace(locking=locking, LK_LOCK="LK_LOCK", LK_UNLCK="LK_UNLCK")
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)
    monkeypatch.setitem(policy_write.LOCKS, os.name, policy_write.LOCKS["nt"])
    save(path, [Change(("reasons", "CRASH"), "max_attempts", 2)])
    assert calls == [("LK_LOCK", 0, False), ("LK_UNLCK", 0, True)]
    (tmp_path / "deny").touch()
    with pytest.raises(PolicyRefused, match=r"another save held \.policy\.toml\.lock"):
        save(path, [Change(("reasons", "CRASH"), "max_attempts", 3)])
    assert tomllib.loads(path.read_text()) == {"reasons": {"CRASH": {"max_attempts": 2}}}

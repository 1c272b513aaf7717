"""Safe writes: ownership and mode checks on the way, temp file + rename, no symlink following.

These tests run as whoever runs pytest (root in CI); cases that need to hand a folder to
another user use chown and are skipped when that is not allowed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from native_host.registration import RegistrationError, writers

OTHER_UID = 65534  # nobody


def _can_chown() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


needs_root = pytest.mark.skipif(not _can_chown(), reason="needs root to chown to another user")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A private folder owned by us, mode 0755."""
    d = tmp_path / "base"
    d.mkdir(mode=0o755)
    d.chmod(0o755)
    return d


def test_write_atomic_writes_the_bytes_with_the_mode_whatever_the_umask(base: Path) -> None:
    """The file gets exactly the data and 0644 even under a permissive umask."""
    old = os.umask(0o000)
    try:
        writers.write_atomic(base / "m.json", b"{}\n", writers.MANIFEST_MODE)
    finally:
        os.umask(old)
    assert (base / "m.json").read_bytes() == b"{}\n"
    assert stat.S_IMODE((base / "m.json").stat().st_mode) == 0o644
    assert [p.name for p in base.iterdir()] == ["m.json"]  # no temp file left behind


def test_write_atomic_replaces_a_symlink_instead_of_following_it(base: Path) -> None:
    """A symlink at the target is replaced by the file; what it pointed to is untouched."""
    victim = base / "victim"
    victim.write_bytes(b"precious")
    (base / "m.json").symlink_to(victim)
    writers.write_atomic(base / "m.json", b"new", writers.MANIFEST_MODE)
    assert victim.read_bytes() == b"precious"
    assert not (base / "m.json").is_symlink()
    assert (base / "m.json").read_bytes() == b"new"


def test_ensure_folder_creates_missing_folders_0755_and_reports_them(base: Path) -> None:
    """Created folders get 0755 under umask 002 (no group write) and are listed outermost
    first, so unregister can remove exactly those."""
    old = os.umask(0o002)
    try:
        created = writers.ensure_folder(base / "a" / "b" / "c")
    finally:
        os.umask(old)
    assert created == [base / "a", base / "a" / "b", base / "a" / "b" / "c"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o755 for p in created)
    assert writers.ensure_folder(base / "a" / "b" / "c") == []


@pytest.mark.parametrize(("mode", "which"), [(0o775, "group"), (0o757, "world")])
def test_a_group_or_world_writable_folder_is_refused_with_the_chmod_fix(
    base: Path, mode: int, which: str
) -> None:
    """Anyone else able to write the folder could swap the manifest: refused, fix given."""
    target = base / "hosts"
    target.mkdir()
    target.chmod(mode)
    with pytest.raises(RegistrationError) as e:
        writers.write_atomic(target / "m.json", b"{}", writers.MANIFEST_MODE)
    assert f"is {which}-writable (mode {mode:04o})" in str(e.value)
    assert f"chmod go-w '{target}'" in str(e.value)
    assert not (target / "m.json").exists()


def test_a_writable_parent_is_refused_too(base: Path) -> None:
    """The check covers the parents, not only the folder written into."""
    base.chmod(0o777)
    try:
        assert any("world-writable" in p for p in writers.folder_problems(base / "x" / "y"))
    finally:
        base.chmod(0o755)


def test_a_root_owned_sticky_folder_like_tmp_is_accepted(tmp_path: Path) -> None:
    """/tmp (1777, root) is fine: others cannot replace what is ours inside it."""
    st = os.stat("/tmp")
    if st.st_uid != 0 or not st.st_mode & stat.S_ISVTX:
        pytest.skip("/tmp is not a root-owned sticky folder here")
    assert writers.folder_problems(tmp_path / "new" / "folder") == []


@needs_root
def test_root_refuses_a_folder_owned_by_another_user(base: Path) -> None:
    """As root, a folder owned by another user (their home) is never written into."""
    home = base / "alice"
    home.mkdir(mode=0o755)
    os.chown(home, OTHER_UID, OTHER_UID)
    with pytest.raises(RegistrationError) as e:
        writers.ensure_folder(home / ".mozilla" / "native-messaging-hosts")
    assert "is owned by nobody (uid 65534), not by you" in str(e.value)
    assert "no other user's home folder" in str(e.value) and "--system" in str(e.value)
    assert not (home / ".mozilla").exists()


@needs_root
def test_a_symlink_planted_by_another_user_is_refused(base: Path) -> None:
    """A link owned by someone else on the way could point anywhere: refused."""
    real = base / "real"
    real.mkdir()
    link = base / "link"
    link.symlink_to(real)
    os.lchown(link, OTHER_UID, OTHER_UID)
    found = writers.folder_problems(link / "sub")
    assert any("is a symbolic link owned by nobody" in p for p in found)


def test_our_own_symlinked_config_folder_is_followed_and_checked(base: Path) -> None:
    """A dotfiles-style link we own is fine; the real folder behind it is what is checked."""
    real = base / "dotfiles" / "config"
    real.mkdir(parents=True)
    (base / ".config").symlink_to(real)
    assert writers.folder_problems(base / ".config" / "chromium") == []
    real.chmod(0o777)
    assert any(str(real) in p for p in writers.folder_problems(base / ".config" / "chromium"))


def test_a_file_in_the_way_of_a_folder_is_reported(base: Path) -> None:
    """A file where the manifest folder should be gets a sentence, not a traceback."""
    (base / "NativeMessagingHosts").write_text("oops")
    with pytest.raises(RegistrationError, match="not a folder"):
        writers.ensure_folder(base / "NativeMessagingHosts")


def test_remove_if_unchanged_removes_only_what_we_wrote(base: Path) -> None:
    """A file edited since register is left in place with a sentence; ours is removed."""
    ours = base / "ours.json"
    ours.write_bytes(b"ours")
    edited = base / "edited.json"
    edited.write_bytes(b"edited by hand")
    assert writers.remove_if_unchanged(ours, writers.sha256(b"ours")) is None
    assert not ours.exists()
    left = writers.remove_if_unchanged(edited, writers.sha256(b"ours"))
    assert left is not None and "changed since dlrescue wrote it" in left
    assert edited.exists()
    assert writers.remove_if_unchanged(base / "gone.json", "0" * 64) is None


def test_remove_if_unchanged_leaves_a_symlink_alone(base: Path) -> None:
    """A symlink now at the path is not ours: neither it nor its target is removed."""
    target = base / "target"
    target.write_bytes(b"ours")
    (base / "m.json").symlink_to(target)
    left = writers.remove_if_unchanged(base / "m.json", writers.sha256(b"ours"))
    assert left is not None and "no longer the file dlrescue wrote" in left
    assert target.exists() and (base / "m.json").is_symlink()


def test_remove_empty_folders_keeps_folders_that_hold_something(base: Path) -> None:
    """Only empty folders go, innermost first; a folder with a user's file stays."""
    (base / "a" / "b").mkdir(parents=True)
    (base / "c").mkdir()
    (base / "c" / "keep").write_text("x")
    writers.remove_empty_folders([base / "a", base / "a" / "b", base / "c"])
    assert not (base / "a").exists()
    assert (base / "c" / "keep").exists()

"""cache.py, the files of work done once: a key names every input, a read under another key
or of a damaged file is refused, writes are private and atomic, and a failed write is said,
never raised."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from native_host import cache


def test_the_key_changes_with_every_input_and_every_source() -> None:
    """Parts, their order and the named sources all count; an unreadable source gives no key
    (and so no caching)."""
    base = cache.key("2.50.4", b"raw", sources=("policy.py",))
    assert base is not None and len(base) == 64
    assert base == cache.key("2.50.4", b"raw", sources=("policy.py",))
    assert base != cache.key("2.50.5", b"raw", sources=("policy.py",))
    assert base != cache.key("2.50.4", b"raw2", sources=("policy.py",))
    assert base != cache.key(b"raw", "2.50.4", sources=("policy.py",))
    assert base != cache.key("2.50.4", b"raw", sources=("reasons.py",))
    assert cache.key("x", sources=("no_such_module.py",)) is None


def test_read_gives_back_only_what_was_written_under_the_same_key(tmp_path: Path) -> None:
    """A missing file raises FileNotFoundError; another key, a damaged file or JSON that is
    not ours raise ValueError; with no key nothing is written."""
    path = tmp_path / "dlrescue" / "thing.json"
    with pytest.raises(FileNotFoundError):
        cache.read(path, "k1")
    cache.write(path, "k1", {"a": [1, 2.5, True, None, "é"]})
    assert cache.read(path, "k1") == {"a": [1, 2.5, True, None, "é"]}
    with pytest.raises(ValueError, match="another version of dlrescue or from other inputs"):
        cache.read(path, "k2")
    with pytest.raises(ValueError, match="another version"):
        cache.read(path, None)
    for damaged in (b"\xff\x00", b"[1]", b'"text"'):
        path.write_bytes(damaged)
        with pytest.raises(ValueError):
            cache.read(path, "k1")
    path.unlink()
    cache.write(path, None, {"a": 1})
    assert not path.exists()


def test_a_cache_file_is_private_and_a_failed_write_is_logged(tmp_path: Path) -> None:
    """0600 in a 0700 folder; when the folder cannot be made the log says what and where,
    and nothing is raised."""
    path = tmp_path / "cache" / "dlrescue" / "thing.json"
    cache.write(path, "k", [1])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"key": "k", "data": [1]}
    blocker = tmp_path / "file"
    blocker.write_text("")
    lines: list[str] = []
    cache.write(blocker / "thing.json", "k", [1], lines.append)
    assert lines == [f"could not cache thing.json in {blocker}: File exists"]


def test_an_existing_group_writable_folder_is_used_like_the_historys(tmp_path: Path) -> None:
    """A ~/.cache made under umask 002 (Debian's user private groups) is trusted, as the data
    and log folders are: the file is written there, 0600, and read back."""
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o775)
    cache.write(folder / "thing.json", "k", {"x": 1})
    assert stat.S_IMODE((folder / "thing.json").stat().st_mode) == 0o600
    assert cache.read(folder / "thing.json", "k") == {"x": 1}
    assert [p.name for p in folder.iterdir()] == ["thing.json"]  # no temporary file left

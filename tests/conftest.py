"""Shared fixtures: a private XDG world per test, and the real host as a subprocess."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hostio import HostProcess


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """XDG data/config/state folders under tmp_path, in this process and for children."""
    env = {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def host(xdg: dict[str, str]) -> Iterator[HostProcess]:
    """A running host in a private XDG world, closed after the test."""
    proc = HostProcess(env=xdg)
    yield proc
    if proc.proc.poll() is None:
        proc.close()

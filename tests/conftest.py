"""Shared fixtures: a private XDG world per test, and the real host as a subprocess."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hostio import Host


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """In-process code that parses requests caches its compiled schema here, not in ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """XDG data/config/state folders under tmp_path, in this process and for children; the
    system-wide config folder too (XDG_CONFIG_DIRS), so that no /etc/xdg/dlrescue/policy.toml
    of the machine's reaches a test."""
    env = {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CONFIG_DIRS": str(tmp_path / "etc-xdg"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def host(xdg: dict[str, str]) -> Iterator[Host]:
    """A running host in a private XDG world, closed after the test."""
    proc = Host(env=xdg)
    yield proc
    if proc.proc.poll() is None:
        proc.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with no XDG overrides and no sudo in the environment (the host that a
    registered launcher starts inherits it)."""
    h = tmp_path / "home"
    h.mkdir(mode=0o755)
    monkeypatch.setenv("HOME", str(h))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("SUDO_USER", raising=False)
    return h

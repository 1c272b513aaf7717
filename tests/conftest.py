"""Shared fixtures: a private XDG world per test, the real host as a subprocess, the history
file open for filling, an 80-column terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostio import Host, history_file

from native_host.store import Store


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


@pytest.fixture
def store(xdg: dict[str, str]) -> Any:
    """The user's history file (in the test's XDG world), open for filling."""
    opened = Store(history_file(xdg))
    yield opened
    opened.close()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line in an 80-column terminal, in English (LANG; no LC_ALL or LC_MESSAGES)."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")

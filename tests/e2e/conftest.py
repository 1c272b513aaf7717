"""Fixtures of the real-browser suite: the misbehaving server, and one rig per browser (the
rig itself is in rig.py). Every test here is marked `browser` and `slow`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .rig import BROWSERS, Rig, make_rig, short_root
from .server import MisbehavingServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def server() -> Iterator[MisbehavingServer]:
    srv = MisbehavingServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session", params=BROWSERS)
def rig(request: pytest.FixtureRequest, server: MisbehavingServer) -> Iterator[Rig]:
    """A browser shared by the scenarios that do not crash it or unregister the host."""
    with short_root(request.param) as root:
        r = make_rig(request.param, server, root)
        r.browser.start()
        try:
            yield r
        finally:
            r.browser.kill()


@pytest.fixture(params=BROWSERS)
def fresh_rig_factory(
    request: pytest.FixtureRequest, server: MisbehavingServer
) -> Iterator[Callable[..., Rig]]:
    """A browser of its own (not started), for scenarios that kill it, start without the
    host registered, or show another language."""
    made: list[Rig] = []
    with contextlib.ExitStack() as stack:

        def factory(register: bool = True, lang: str | None = None) -> Rig:
            root = stack.enter_context(short_root(request.param))
            r = make_rig(request.param, server, root, register=register, lang=lang)
            made.append(r)
            return r

        try:
            yield factory
        finally:
            for r in made:
                r.browser.kill()

"""Start-up work the host avoids: imports its first decision does not need.

Since wire.py validates from a cached core schema, a host imports pydantic only on its first
start after an install or upgrade, or when a policy.toml exists; the first two helpers keep
those starts short. Measured with `python bench/importtime.py` (see bench/RESULTS.md).
"""

from __future__ import annotations

import gc
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_asyncio() -> Iterator[None]:
    """Import pydantic without importing asyncio: 26 ms of the host's start-up (2 cores, idle).

    typing_extensions' `@deprecated` (before Python 3.13, where it is not `warnings.deprecated`)
    runs `import asyncio.coroutines` for every function it decorates, to ask whether it is a
    coroutine function; pydantic and pydantic_core decorate a dozen at import, and importing
    `asyncio.coroutines` imports all of asyncio (ssl, socket, subprocess, concurrent.futures,
    logging). For the duration of the block a stand-in answers instead: none of them is a
    coroutine function (pydantic has no async deprecated API; answering no only leaves
    asyncio's marker off a wrapper). The stand-in is removed at the end of the block, so a
    later `import asyncio` gets the real package; nothing is done when asyncio is loaded.
    """
    if "asyncio" in sys.modules:
        yield
        return
    coroutines = types.ModuleType("asyncio.coroutines")
    coroutines.__dict__["iscoroutinefunction"] = _no
    package = types.ModuleType("asyncio")
    package.__dict__["coroutines"] = coroutines
    stand_ins = {"asyncio": package, "asyncio.coroutines": coroutines}
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def _no(function: object) -> bool:
    return False


def without_pydantic_plugins() -> None:
    """The host process runs no pydantic plugins: 33 ms of its start-up (2 cores, idle).

    To look for plugins, pydantic imports importlib.metadata (email, zipfile, csv) and reads
    the entry points of every installed distribution when it builds the first model. The host
    validates browser messages and needs no plugin (observability plugins would also load
    third-party code into a process the browser starts), so it says what
    `PYDANTIC_DISABLE_PLUGINS=__all__` says, and puts a loader that finds none in place of
    pydantic's before pydantic is imported. Called by host.main only, never on import.
    """
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    name = "pydantic.plugin._loader"
    if name not in sys.modules and "pydantic" not in sys.modules:
        loader = types.ModuleType(name)
        loader.__dict__["get_plugins"] = _no_plugins
        sys.modules[name] = loader


def _no_plugins() -> tuple[()]:
    return ()


@contextmanager
def without_gc() -> Iterator[None]:
    """Start-up without the cyclic garbage collector, then freeze what start-up built.

    Importing pydantic and building the models allocates well over 100,000 objects that live
    as long as the process, so the fifty-odd collections the collector would run meanwhile
    (one of them full) free almost nothing. At the end of the block, everything allocated so
    far is moved to the permanent generation (`gc.freeze()`), which later collections skip
    (they stay cheap during a burst), and collection resumes as before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()

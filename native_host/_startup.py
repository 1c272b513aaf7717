"""Start-up cuts of the host process that pay: each one here was measured A/B with the
bench's cold start (spawn to the first decision, against the reference host, interleaved;
2 cores) and is kept because it saves more than a few ms.

- `without_gc`: the collector off during start-up, then what start-up built frozen. Every
  start: median 47 ms against 57 ms without (CPU time 58 against 77 ms); the first start
  after an install, which imports pydantic: CPU 165 against 216 ms.
- `without_pydantic_plugins`: pydantic looks for no plugins. Only starts that import
  pydantic (the first after an install or upgrade, or after policy.toml changes): CPU 165
  against 194 ms.

The other cuts live with what they cut: schema_cache.py (validate without importing
pydantic: the largest, 140 ms), record.py (no typing on the host's path: 5.5 ms of every
start). Measured and dropped: a stand-in for asyncio while pydantic is imported (no gain:
typing_extensions no longer imports asyncio for functions that are not coroutines), and
`_signal` in place of `signal` (under 1 ms).
"""

from __future__ import annotations

import gc
import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager


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

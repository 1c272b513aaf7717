"""SHA-256 for the host's start without OpenSSL: the interpreter's own implementation.

Every start hashes (the compiled schema's cache key, an episode's URL key, an event's key).
hashlib loads OpenSSL's libcrypto when imported: 3.5 ms of CPU on top of the modules the host
imports anyway, against 1.1 ms for the interpreter's built-in SHA-256 (`python -I -c`, CPU
time, medians of 81, 2 cores, 2026-12-02). So the host takes `sha256` from here: the
interpreter's own (`_sha2` from Python 3.12, `_sha256` before), or hashlib's where the
interpreter was built without it. The digests are the same (tests/test_digest.py).
"""

from __future__ import annotations

from .record import TYPE_CHECKING

__all__ = ["sha256"]

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        from _sha2 import sha256
    except ImportError:
        try:
            from _sha256 import sha256
        except ImportError:
            from hashlib import sha256

"""native_host.digest: the interpreter's own SHA-256, the same digests as hashlib's."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from native_host.digest import sha256


@given(st.binary(max_size=5000), st.binary(max_size=5000))
def test_the_same_digests_as_hashlib_in_one_part_or_two(first: bytes, second: bytes) -> None:
    """Any bytes, hashed at once or fed in two updates, give hashlib's hex digest."""
    ours = sha256(first)
    ours.update(second)
    assert ours.hexdigest() == hashlib.sha256(first + second).hexdigest()
    assert sha256(first).hexdigest() == hashlib.sha256(first).hexdigest()


def test_it_is_not_openssls_where_the_interpreter_has_its_own() -> None:
    """CPython builds its own SHA-256 (_sha2 from 3.12, _sha256 before): the host uses that,
    not hashlib's, which loads OpenSSL."""
    assert sha256.__module__ in ("_sha2", "_sha256"), sha256.__module__

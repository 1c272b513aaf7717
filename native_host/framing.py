"""Native-messaging framing on any binary stream.

One message = a 4-byte unsigned length in native byte order, then that many bytes of UTF-8
JSON. Lengths count encoded bytes. Inbound frames over MAX_FRAME are skipped in bounded
chunks, never held in memory; outbound frames over MAX_FRAME are never written.
"""

from __future__ import annotations

import struct

from .record import TYPE_CHECKING, Record

if TYPE_CHECKING:
    from typing import BinaryIO

#: Both directions: 1 MiB (the browsers' limit for host-to-browser messages).
MAX_FRAME = 1024 * 1024
#: How much of an oversize frame is read at once while skipping it.
SKIP_CHUNK = 64 * 1024

_HEADER = struct.Struct("=I")  # native byte order, standard size: exactly 4 bytes


class TruncatedFrame(EOFError):
    """Input ended inside a frame (in its header or its body)."""


class FrameTooLarge(ValueError):
    """An outbound message would pass MAX_FRAME."""


class Oversize(Record):
    """An inbound frame declared `length` bytes, more than MAX_FRAME; it was skipped."""

    length: int


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    """Read n bytes, or fewer only at end of input. Works with one-byte reads."""
    data = stream.read(n)
    if data is None:  # non-blocking stream with nothing ready: not supported
        raise OSError("the input stream is non-blocking; framing needs a blocking stream")
    if len(data) == n or not data:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        more = stream.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def read_frame(stream: BinaryIO, max_frame: int = MAX_FRAME) -> bytes | Oversize | None:
    """Read one frame's body.

    Returns the body bytes, an Oversize marker after skipping an oversize body, or None at
    a clean end of input (between frames). Raises TruncatedFrame when input ends inside one.
    """
    header = _read_exactly(stream, _HEADER.size)
    if not header:
        return None
    if len(header) < _HEADER.size:
        raise TruncatedFrame(f"input ended inside a frame header ({len(header)} of 4 bytes)")
    (length,) = _HEADER.unpack(header)
    if length > max_frame:
        remaining = length
        while remaining:
            chunk = stream.read(min(SKIP_CHUNK, remaining))
            if not chunk:
                raise TruncatedFrame(
                    f"input ended inside an oversize frame ({length - remaining} of "
                    f"{length} declared bytes)"
                )
            remaining -= len(chunk)
        return Oversize(length)
    body = _read_exactly(stream, length)
    if len(body) < length:
        raise TruncatedFrame(f"input ended inside a frame body ({len(body)} of {length} bytes)")
    return body


def encode_frame(body: bytes, max_frame: int = MAX_FRAME) -> bytes:
    """Header + body, refusing a body over max_frame."""
    if len(body) > max_frame:
        raise FrameTooLarge(f"a {len(body)}-byte message passes the {max_frame}-byte limit")
    return _HEADER.pack(len(body)) + body


def write_frame(stream: BinaryIO, body: bytes, max_frame: int = MAX_FRAME) -> None:
    """Write one frame and flush it."""
    stream.write(encode_frame(body, max_frame))
    stream.flush()

"""The host process's pipes and signals: stdout for frames only, stdin unbuffered, replies
written whole, SIGTERM as the end of input."""

from __future__ import annotations

import os
import signal
import sys

from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import BinaryIO


def claim_stdout() -> BinaryIO:
    """Keep the real stdout for frames only; point fd 1 and sys.stdout at stderr, so a stray
    print (ours or a library's) cannot corrupt the stream."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if sys.platform == "win32":
        import msvcrt

        msvcrt.setmode(fd, os.O_BINARY)
        msvcrt.setmode(0, os.O_BINARY)
    return os.fdopen(fd, "wb", buffering=0)


def frames_in() -> BinaryIO:
    """stdin without a buffer: the reader thread may still be blocked reading when the host
    ends (the browser closed stdout first), and a thread blocked inside sys.stdin.buffer holds
    its lock, which the interpreter's shutdown then fails to take: it aborts (SIGABRT,
    "could not acquire lock for <_io.BufferedReader name='<stdin>'>"). A raw file has no
    lock; framing reads exactly the bytes of each frame, so no buffer is needed."""
    return open(sys.stdin.fileno(), "rb", buffering=0, closefd=False)


def write_all(stream: BinaryIO, data: bytes) -> None:
    """Write every byte: a raw stream's write may take only part of them."""
    view = memoryview(data)
    while view:
        written = stream.write(view)
        if written is None:
            raise BlockingIOError("stdout is non-blocking and full")
        view = view[written:]
    stream.flush()


def end_on_sigterm() -> None:
    """SIGTERM (Firefox's way of closing a port, and the system's) ends the host at once with
    status 0, as the end of input does, not killed by the signal. Nothing is lost: a reply is
    written only after its events are committed, and an event committed but not yet answered
    is found again by its event_key."""
    if sys.platform != "win32":
        signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, frame: object) -> None:
    os._exit(0)

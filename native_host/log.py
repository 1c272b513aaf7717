"""The host's diagnostics: one line each to stderr and to a size-rotated file (mode 0600).

Browsers pass the host's stderr on (Chrome to its own stderr, Firefox to the Browser
Console), so every line is a sentence a person can act on. The file is opened on the first
line, not at start-up, and rotated whenever a line would take it past MAX_BYTES, during a
long run too: at most KEEP files of MAX_BYTES each. Only a regular file is written: a FIFO
or a device (`/dev/zero`, or a symlink to it) where the log belongs is reported on stderr
once and left alone. Control and bidi characters in a message are escaped (line breaks
only separate the lines of one message, such as a traceback), so text from outside cannot
forge a line or reorder one.
"""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

from .record import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

MAX_BYTES = 1024 * 1024
KEEP = 3


class Log:
    def __init__(self, path: Path | None, stderr: TextIO | None = None) -> None:
        self.path = path
        self.stderr = stderr if stderr is not None else sys.stderr
        self._file: TextIO | None = None
        self._failed = False

    def __call__(self, message: str) -> None:
        from .textsafe import escape

        text = "\n".join(escape(part) for part in message.split("\n"))
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} dlrescue-host[{os.getpid()}]: {text}\n"
        self._stderr(line)
        handle = self._open(len(line.encode("utf-8", "backslashreplace")))
        if handle is not None:
            try:
                handle.write(line)
                handle.flush()
            except OSError:
                pass  # a full disk must not stop the host; stderr had the line

    def _stderr(self, line: str) -> None:
        try:
            self.stderr.write(line)
            self.stderr.flush()
        except (OSError, ValueError):
            pass  # the browser closed our stderr; the file still gets the line

    def _open(self, adding: int = 0) -> TextIO | None:
        """The file to write a line of `adding` bytes to: opened on the first line, and
        closed, rotated and opened again when the line would take it past MAX_BYTES."""
        if self._file is not None and adding:
            try:
                size = os.fstat(self._file.fileno()).st_size
            except OSError:
                size = 0
            if size + adding > MAX_BYTES:
                self.close()
        if self._file is not None or self._failed or self.path is None:
            return self._file
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._rotate(adding)
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(self.path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                from .cache import kind_of

                os.close(fd)
                raise OSError(f"it is {kind_of(mode)}, not a regular file")
            self._file = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            self._failed = True
            self._stderr(
                f"dlrescue-host: cannot write the log {self.path} ({exc.strerror or exc}); "
                "lines go to stderr only: make it a regular file the user can write, or "
                "remove it\n"
            )
        return self._file

    def _rotate(self, adding: int = 0) -> None:
        assert self.path is not None
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return
        if info.st_size + adding <= MAX_BYTES or not stat.S_ISREG(info.st_mode):
            return
        for index in range(KEEP - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

"""The host's diagnostics: one line each to stderr and to a size-rotated file (mode 0600).

Browsers pass the host's stderr on (Chrome to its own stderr, Firefox to the Browser
Console), so every line is a sentence a person can act on. The file is opened on the first
line, not at start-up, and rotated then: at most KEEP files of MAX_BYTES each.
"""

from __future__ import annotations

import os
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
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} dlrescue-host[{os.getpid()}]: {message}\n"
        try:
            self.stderr.write(line)
            self.stderr.flush()
        except (OSError, ValueError):
            pass  # the browser closed our stderr; the file still gets the line
        handle = self._open()
        if handle is not None:
            try:
                handle.write(line)
                handle.flush()
            except OSError:
                pass  # a full disk must not stop the host; stderr had the line

    def _open(self) -> TextIO | None:
        if self._file is not None or self._failed or self.path is None:
            return self._file
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._rotate()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
        except OSError:
            self._failed = True
        return self._file

    def _rotate(self) -> None:
        assert self.path is not None
        try:
            if self.path.stat().st_size < MAX_BYTES:
                return
        except FileNotFoundError:
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

"""What every benchmark shares: the two hosts' command lines, framing, sandboxes, statistics."""

from __future__ import annotations

import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REFERENCE = BENCH / "reference_host.py"
#: The real interpreter (not a pyenv shim script), the way a browser's manifest runs it.
PYTHON = sys.executable
HEADER = struct.Struct("=I")
CHROME_ORIGIN = "chrome-extension://gjccldfdjgdpkjgmhcahflepmbmohjjc/"


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body)) + body


def read_reply(stream: BinaryIO) -> dict[str, Any]:
    header = _read(stream, 4)
    (length,) = HEADER.unpack(header)
    reply: dict[str, Any] = json.loads(_read(stream, length))
    return reply


def _read(stream: BinaryIO, n: int) -> bytes:
    data = b""
    while len(data) < n:
        more = stream.read(n - len(data))
        if not more:
            raise EOFError(f"the host closed its stdout after {len(data)} of {n} bytes")
        data += more
    return data


def interrupted(rid: int, download_id: int, url: str, error: str = "NETWORK_FAILED") -> bytes:
    return frame(
        {
            "type": "interrupted",
            "rid": rid,
            "browser": "chrome",
            "download": {
                "id": download_id,
                "url": url,
                "error": error,
                "filename": f"/home/u/Downloads/file-{download_id}.iso",
                "bytesReceived": 1_000_000 + download_id,
                "totalBytes": 5_000_000_000,
                "canResume": True,
                "paused": False,
                "incognito": False,
                "mime": "application/x-iso9660-image",
                "startTime": "2026-11-23T14:00:00.000Z",
            },
        }
    )


#: One cache for every sandbox of a run, as a user has one: the first host compiles the
#: request schema (see native_host/schema_cache.py) and every later one reads it.
_CACHE = tempfile.TemporaryDirectory(prefix="dlrescue-bench-cache-")


class Sandbox:
    """A temporary home for one host: XDG folders, a database path, the environment. The
    schema cache is compiled when the sandbox is made, untimed."""

    def __init__(self, root: Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="dlrescue-bench-", dir=root)
        self.root = Path(self._tmp.name)
        self.env = dict(
            os.environ,
            XDG_DATA_HOME=str(self.root / "data"),
            XDG_CONFIG_HOME=str(self.root / "config"),
            XDG_STATE_HOME=str(self.root / "state"),
            XDG_CACHE_HOME=_CACHE.name,
        )
        self.schema_cache = Path(_CACHE.name) / "dlrescue" / "request-schema.json"
        if not self.schema_cache.exists():
            self.compile_schema()
        self.reference_db = self.root / "reference.sqlite3"
        self.ours_db = self.root / "data" / "dlrescue" / "history.sqlite3"

    def ours(self) -> list[str]:
        return [PYTHON, "-I", "-m", "native_host.host", CHROME_ORIGIN]

    def reference(self) -> list[str]:
        return [PYTHON, "-I", str(REFERENCE), str(self.reference_db)]

    def spawn(self, argv: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            cwd=self.root,
            bufsize=0,
        )

    def compile_schema(self) -> None:
        code = "from native_host import parser; parser.load()"
        subprocess.run([PYTHON, "-I", "-c", code], env=self.env, check=True)

    def cleanup(self) -> None:
        self._tmp.cleanup()


def finish(proc: subprocess.Popen[bytes]) -> tuple[int, int]:
    """Close the host's stdin, reap it; (exit status, peak RSS in KiB from wait4)."""
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{proc.args!r} exited {proc.returncode}: {err[-2000:]}")
    return proc.returncode, usage.ru_maxrss


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ratio(ours: float, reference: float) -> float:
    return round(ours / reference, 2) if reference else float("inf")

"""Talking to the real host the way a browser does: frames over pipes."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from typing import Any

from native_host import CHROME_EXTENSION_ID
from native_host.store import CONTRACT_ITEM_KEYS as CONTRACT_ITEM_KEYS  # the one list

CHROME_ORIGIN = f"chrome-extension://{CHROME_EXTENSION_ID}/"


def frame(message: Any) -> bytes:
    """One native-messaging frame: native-order uint32 length + UTF-8 JSON."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return struct.pack("=I", len(body)) + body


def unframe(data: bytes) -> list[dict[str, Any]]:
    """Every frame in data, decoded; fails if data holds anything but whole frames."""
    out, i = [], 0
    while i < len(data):
        assert i + 4 <= len(data), f"stray bytes after the frames: {data[i:]!r}"
        (n,) = struct.unpack("=I", data[i : i + 4])
        assert i + 4 + n <= len(data), "truncated reply frame"
        out.append(json.loads(data[i + 4 : i + 4 + n]))
        i += 4 + n
    return out


def run_host(
    frames: bytes, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run the real host once over pipes with all input at once, as `python -I -m`."""
    return subprocess.run(
        [sys.executable, "-I", "-m", "native_host.host", *(args or (CHROME_ORIGIN,))],
        input=frames,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


class HostProcess:
    """The real host as a long-lived subprocess, driven one request at a time."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "native_host.host", *(args or (CHROME_ORIGIN,))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )

    def send(self, message: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        header = self.proc.stdout.read(4)
        assert len(header) == 4, "the host closed stdout"
        (n,) = struct.unpack("=I", header)
        reply: dict[str, Any] = json.loads(self.proc.stdout.read(n))
        return reply

    def ask(self, message: Any) -> dict[str, Any]:
        self.send(message)
        return self.receive()

    def close(self) -> tuple[int, bytes]:
        assert self.proc.stdin is not None and self.proc.stderr is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        rest = self.proc.stderr.read()
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, rest


def interrupted(rid: Any = 1, error: Any = "NETWORK_FAILED", **item: Any) -> dict[str, Any]:
    """An `interrupted` request with a plausible download item."""
    download = {"id": 42, "url": "https://example.org/big.iso", "error": error, "canResume": True}
    download.update(item)
    return {"type": "interrupted", "rid": rid, "browser": "chrome", "download": download}


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """`dlrescue ARGS` through main(): (exit status, stdout, stderr)."""
    from native_host import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err

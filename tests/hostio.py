"""The one driver of the real host in tests: frames over pipes, the way a browser talks to it.

`run_host` runs the host once with all its input at once; `Host` keeps it running and is
driven one request at a time. tests/hardening_support.py checks every reply against the
contract on top of this driver.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sqlite3
import struct
import subprocess
import sys
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any, Self

from native_host import CHROME_EXTENSION_ID
from native_host.store import CONTRACT_ITEM_KEYS as CONTRACT_ITEM_KEYS  # the one list

CHROME_ORIGIN = f"chrome-extension://{CHROME_EXTENSION_ID}/"


def frame(message: Any) -> bytes:
    """One native-messaging frame: native-order uint32 length + UTF-8 JSON."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return struct.pack("=I", len(body)) + body


def split_frames(data: bytes) -> list[bytes]:
    """The bodies of the frames in data; fails when data holds anything but whole frames."""
    bodies, i = [], 0
    while i < len(data):
        assert i + 4 <= len(data), f"stray bytes on stdout after the frames: {data[i:]!r}"
        (n,) = struct.unpack("=I", data[i : i + 4])
        assert i + 4 + n <= len(data), "stdout ends inside a frame"
        bodies.append(data[i + 4 : i + 4 + n])
        i += 4 + n
    return bodies


def unframe(data: bytes) -> list[dict[str, Any]]:
    """Every frame in data, decoded; fails if data holds anything but whole frames."""
    return [json.loads(body) for body in split_frames(data)]


def host_command(args: tuple[str, ...]) -> list[str]:
    """The host as a browser starts it (`python -I -m native_host.host ARGS`)."""
    return [sys.executable, "-I", "-m", "native_host.host", *args]


def run_host(
    frames: bytes, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """Run the real host once over pipes with all input at once, as Chrome would start it
    unless args are given."""
    return subprocess.run(
        host_command(args or (CHROME_ORIGIN,)),
        input=frames,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


class Host:
    """The real host over pipes. Replies are read by a thread, so a silent host fails the test
    after a timeout instead of hanging it; stdout is checked to hold frames and nothing else."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *args: str,
        bare: bool = False,
        read_stdout: bool = True,
    ) -> None:
        """Launch as Chrome launches dlrescue (its origin as argument) unless args are given,
        or with no argument at all when bare (as a Flatpak or Snap portal may). Without
        read_stdout the test reads or closes `proc.stdout` itself (a browser that closes its
        end of the port) and no reply reaches `replies`."""
        self.proc = subprocess.Popen(
            host_command(args or (() if bare else (CHROME_ORIGIN,))),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.replies: queue.Queue[bytes | None] = queue.Queue()
        self.stray: list[bytes] = []
        self.stderr = b""
        self.rusage: Any = None
        self._readers = [
            threading.Thread(target=self._read_stderr, daemon=True),
            *([threading.Thread(target=self._read_replies, daemon=True)] if read_stdout else []),
        ]
        for reader in self._readers:
            reader.start()

    def _read_replies(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            header = out.read(4)
            if len(header) < 4:
                if header:
                    self.stray.append(header)
                break
            (n,) = struct.unpack("=I", header)
            body = out.read(n)
            if len(body) < n:
                self.stray.append(header + body)
                break
            self.replies.put(body)
        self.replies.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def send(self, message: Any) -> None:
        self.send_raw(frame(message))

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def reply_bytes(self, timeout: float = 30) -> bytes:
        try:
            body = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the host sent no reply within {timeout} s") from None
        assert body is not None, f"the host closed stdout; stderr: {self.stderr[-2000:]!r}"
        return body

    def reply(self, timeout: float = 30) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.reply_bytes(timeout))
        return decoded

    def no_more_replies(self) -> None:
        """Assert the host sent nothing after the replies already taken (call after exit)."""
        extra = self.replies.get(timeout=10)
        assert extra is None, f"an unexpected extra reply: {extra!r}"

    def ask(self, message: Any, timeout: float = 30) -> dict[str, Any]:
        """Send one request (an object, or a frame body as bytes) and return its reply."""
        self.send(message)
        return self.reply(timeout)

    def finish(self, timeout: float = 60) -> int:
        """Close stdin and wait; returns the exit status (peak memory in self.rusage)."""
        with suppress(BrokenPipeError, OSError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        return self.wait(timeout)

    def close(self, timeout: float = 30) -> tuple[int, bytes]:
        """Close stdin, wait for the exit; returns (exit status, everything on stderr)."""
        code = self.finish(timeout)
        self._readers[0].join(10)
        return code, self.stderr

    def wait(self, timeout: float = 60, *, whole_frames: bool = True) -> int:
        done = threading.Event()
        result: list[Any] = []

        def reap() -> None:
            _, status, usage = os.wait4(self.proc.pid, 0)
            result.append((os.waitstatus_to_exitcode(status), usage))
            done.set()

        if self.proc.returncode is None:
            threading.Thread(target=reap, daemon=True).start()
            if not done.wait(timeout):
                self.proc.kill()
                done.wait(10)
                raise AssertionError(f"the host did not exit within {timeout} s")
            self.proc.returncode, self.rusage = result[0]
        for reader in self._readers:  # they see end of output once the host is gone
            reader.join(10)
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with suppress(OSError):
                if pipe is not None:
                    pipe.close()
        if whole_frames:
            assert not self.stray, f"stdout held something that is not a frame: {self.stray!r}"
        return self.proc.returncode

    def signal(self, sig: int) -> None:
        """Send sig; wait(whole_frames=False) after it (a killed host may cut a reply)."""
        with suppress(ProcessLookupError):
            os.kill(self.proc.pid, sig)

    def stderr_text(self) -> str:
        """Everything the host wrote on stderr (call after it exited)."""
        self._readers[0].join(10)
        return self.stderr.decode("utf-8", "replace")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            with suppress(Exception):
                self.wait(10)


def interrupted(rid: Any = 1, error: Any = "NETWORK_FAILED", **item: Any) -> dict[str, Any]:
    """An `interrupted` request with a plausible download item."""
    download = {"id": 42, "url": "https://example.org/big.iso", "error": error, "canResume": True}
    download.update(item)
    return {"type": "interrupted", "rid": rid, "browser": "chrome", "download": download}


def outcome(url: str, state: str = "complete", download_id: int = 42) -> dict[str, Any]:
    """An `outcome` request: how download `download_id` of `url` ended."""
    return {
        "type": "outcome",
        "download": {"id": download_id, "url": url, "state": state},
    }


def drive_host(xdg: dict[str, str], *messages: dict[str, Any]) -> list[dict[str, Any]]:
    """Send messages to the real host over pipes; its replies."""
    proc = run_host(b"".join(frame(m) for m in messages), env=xdg)
    assert proc.returncode == 0, proc.stderr
    return unframe(proc.stdout)


def history_file(env: dict[str, str]) -> Path:
    """The history file the host writes in the XDG world `env`."""
    return Path(env["XDG_DATA_HOME"]) / "dlrescue" / "history.sqlite3"


def history_db(env: dict[str, str]) -> sqlite3.Connection:
    """That history file, opened with sqlite3 (to look at what the host recorded)."""
    return sqlite3.connect(history_file(env))


def run_cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    """`dlrescue ARGS` through main(): (exit status, stdout, stderr)."""
    from native_host import cli

    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def dlrescue(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `dlrescue` command (the venv's, when PATH lacks it) in its own process,
    80 columns wide, with `env` on top of this process's environment."""
    command = shutil.which("dlrescue") or str(Path(sys.executable).with_name("dlrescue"))
    return subprocess.run(
        [command, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "COLUMNS": "80"},
        timeout=60,
        check=False,
    )

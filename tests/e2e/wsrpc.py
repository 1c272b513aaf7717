"""A small stdlib WebSocket client speaking JSON commands with ids: enough for Chromium's
DevTools protocol (CDP) and Firefox's WebDriver BiDi, both on 127.0.0.1.

One reader thread parses frames; `call()` sends a command and waits for the reply with the
same id; every message without an id is an event, kept for `wait_event()`.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import socket
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any


class RpcError(RuntimeError):
    pass


class WsRpc:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        u = urllib.parse.urlsplit(url)
        assert u.hostname in ("127.0.0.1", "localhost", "::1"), url
        self._sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + (f"?{u.query}" if u.query else "")
        req = (
            f"GET {path or '/'} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self._sock.sendall(req.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise RpcError(f"websocket handshake with {url} got end of stream")
            buf += chunk
        head, _, self._buf = buf.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RpcError(f"websocket handshake with {url} refused: {head[:200]!r}")
        self._sock.settimeout(None)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: list[dict[str, Any]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.closed = False
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    # -- frames ------------------------------------------------------------------------

    def _recv_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            chunk = self._sock.recv(max(65536, n - len(self._buf)))
            if not chunk:
                raise EOFError
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def _read_frame(self) -> tuple[int, bool, bytes]:
        b0, b1 = self._recv_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._recv_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._recv_exact(8))[0]
        mask = self._recv_exact(4) if b1 & 0x80 else None
        data = self._recv_exact(n)
        if mask:
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        return b0 & 0x0F, bool(b0 & 0x80), data

    def _send_frame(self, opcode: int, data: bytes) -> None:
        head = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = (
            (
                int.from_bytes(data, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")
            ).to_bytes(n, "big")
            if n
            else b""
        )
        with self._lock:
            self._sock.sendall(head + mask + masked)

    def _read_loop(self) -> None:
        message = b""
        try:
            while True:
                opcode, fin, data = self._read_frame()
                if opcode == 0x8:
                    break
                if opcode == 0x9:
                    self._send_frame(0xA, data)
                    continue
                if opcode in (0x1, 0x2, 0x0):
                    message += data
                    if not fin:
                        continue
                    msg = json.loads(message)
                    message = b""
                    self._dispatch(msg)
        except (EOFError, OSError):
            pass
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    def _dispatch(self, msg: dict[str, Any]) -> None:
        with self._cond:
            if "id" in msg and msg.get("type") != "event":
                self._replies[msg["id"]] = msg
            else:
                self._events.append(msg)
            self._cond.notify_all()
        for cb in list(self._listeners):
            cb(msg)

    # -- API ---------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, **extra: Any) -> int:
        cid = next(self._ids)
        payload = {"id": cid, "method": method, "params": params or {}, **extra}
        self._send_frame(0x1, json.dumps(payload).encode())
        return cid

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        timeout: float = 30.0,
        **extra: Any,
    ) -> dict[str, Any]:
        """Send a command and return its `result`; raise RpcError on an error reply."""
        cid = self.send(method, params, **extra)
        deadline = time.monotonic() + timeout
        with self._cond:
            while cid not in self._replies:
                left = deadline - time.monotonic()
                if self.closed:
                    raise RpcError(f"{method}: connection closed")
                if left <= 0:
                    raise RpcError(f"{method}: no reply within {timeout} s")
                self._cond.wait(left)
            reply = self._replies.pop(cid)
        if "error" in reply:
            raise RpcError(f"{method}: {reply['error']} {reply.get('message', '')}")
        return reply.get("result", {})

    def wait_event(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, ev in enumerate(self._events):
                    if predicate(ev):
                        return self._events.pop(i)
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise RpcError("event not seen within timeout")
                self._cond.wait(left)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._send_frame(0x8, b"")
        with contextlib.suppress(OSError):
            self._sock.close()
